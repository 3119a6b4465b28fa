"""Coefficients of the style-only AI-authorship score; written by ``benchmarks/ai_style_set.py --write-model``.

Fitted on 1839 AI-marked (agent-written: agent-author and agent-session labels) and 1955 human changes
(markers removed) from 50 public repositories: a2aproject/a2a-java, anthropics/claude-agent-sdk-python,
anthropics/claude-code-action, apache/httpcomponents-client, astral-sh/uv, axios/axios, celery/kombu,
charmbracelet/crush, etcd-io/etcd, expressjs/express, fastify/fastify, gin-gonic/gin,
google-gemini/gemini-cli, google/adk-java, google/adk-python, grpc/grpc-go, jd/tenacity, jlowin/fastmcp,
ktorio/ktor, langchain4j/langchain4j, mark3labs/mcp-go, mermaid-js/mermaid, microsoft/markitdown,
microsoft/playwright-mcp, modelcontextprotocol/go-sdk, modelcontextprotocol/inspector,
modelcontextprotocol/java-sdk, modelcontextprotocol/kotlin-sdk, modelcontextprotocol/python-sdk,
modelcontextprotocol/rust-sdk, modelcontextprotocol/servers, modelcontextprotocol/typescript-sdk,
mongodb/mongo-python-driver, ollama/ollama, openai/openai-agents-js, openai/openai-agents-python,
oxc-project/oxc, pallets/click, pallets/flask, psf/requests, pydantic/pydantic-ai, redis/go-redis,
spf13/cobra, spring-projects/spring-ai, sqlalchemy/alembic, square/okhttp, strands-agents/sdk-python,
tursodatabase/turso, urfave/cli, urllib3/urllib3.
Standardised statistics (``mean``/``std``, after log1p for counts and lengths), each repository and each
class weighted equally, L2-regularised logistic regression. See features/authorship.py.
"""

MODEL = {
    "intercept": -0.04706976545000371,
    "shrink_lines": 50.0,
    "coefficients": {
        "comment_ratio": 0.5198,
        "doc_ratio": 0.3251,
        "ident_len": -0.2594,
        "blank_ratio": 0.1716,
        "line_len_cv": -0.1517,
        "line_len_mean": -0.2032,
        "type_hint_ratio": 0.0736,
        "broad_except": -0.0709,
        "comment_words": 0.1069,
        "comment_capitalised": 0.3888,
        "comment_period": -0.3009,
        "comment_narration": 0.197,
        "comment_examples": 0.3672,
        "fancy_punct": 0.4973,
        "imperative_comments": -0.1793,
        "step_comments": 0.2285,
        "log_ratio": 0.0409,
        "indent_depth": 0.0901
    },
    "mean": {
        "comment_ratio": 0.116337,
        "doc_ratio": 0.414392,
        "ident_len": 2.249704,
        "blank_ratio": 0.10804,
        "line_len_cv": 0.620635,
        "line_len_mean": 3.824454,
        "type_hint_ratio": 0.547487,
        "broad_except": 0.087451,
        "comment_words": 2.167327,
        "comment_capitalised": 0.597542,
        "comment_period": 0.29822,
        "comment_narration": 0.052362,
        "comment_examples": 0.01131,
        "fancy_punct": 0.005392,
        "imperative_comments": 0.130076,
        "step_comments": 0.006406,
        "log_ratio": 0.006464,
        "indent_depth": 2.051438
    },
    "std": {
        "comment_ratio": 0.135744,
        "doc_ratio": 0.400121,
        "ident_len": 0.202938,
        "blank_ratio": 0.067504,
        "line_len_cv": 0.580298,
        "line_len_mean": 0.486622,
        "type_hint_ratio": 0.408425,
        "broad_except": 0.293262,
        "comment_words": 0.310893,
        "comment_capitalised": 0.309528,
        "comment_period": 0.279048,
        "comment_narration": 0.1132,
        "comment_examples": 0.052707,
        "fancy_punct": 0.017719,
        "imperative_comments": 0.217142,
        "step_comments": 0.045745,
        "log_ratio": 0.033137,
        "indent_depth": 0.449096
    }
}

# -- calibration (benchmarks/ai_style_set.py): Platt scaling of the score above, fitted on the
# held-out (leave-one-repository-out) scores of 3993 changes (2038 AI-marked) of the labelled set with >= 20 added code lines
CALIBRATION = (0.808052, 0.101561)
#: fewer non-blank added code lines than this: no style estimate (no signal below it, measured)
MIN_LINES = 20
