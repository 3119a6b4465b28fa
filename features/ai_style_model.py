"""Coefficients of the style-only AI-authorship score; written by ``benchmarks/ai_style_set.py --write-model``.

Fitted on 1847 AI-marked (agent-written: agent-author and agent-session labels) and 1951 human changes
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
    "intercept": -0.0483431793088711,
    "shrink_lines": 50.0,
    "coefficients": {
        "comment_ratio": 0.5305,
        "doc_ratio": 0.3248,
        "ident_len": -0.2623,
        "blank_ratio": 0.1672,
        "line_len_cv": -0.1802,
        "line_len_mean": -0.2055,
        "type_hint_ratio": 0.0739,
        "broad_except": -0.0755,
        "comment_words": 0.1116,
        "comment_capitalised": 0.4114,
        "comment_period": -0.2846,
        "comment_narration": 0.1984,
        "comment_examples": 0.3436,
        "fancy_punct": 0.4833,
        "imperative_comments": -0.1792,
        "step_comments": 0.1985,
        "log_ratio": 0.0587,
        "indent_depth": 0.0781
    },
    "mean": {
        "comment_ratio": 0.116333,
        "doc_ratio": 0.41329,
        "ident_len": 2.249919,
        "blank_ratio": 0.108091,
        "line_len_cv": 0.62008,
        "line_len_mean": 3.824723,
        "type_hint_ratio": 0.547487,
        "broad_except": 0.087359,
        "comment_words": 2.166456,
        "comment_capitalised": 0.598353,
        "comment_period": 0.29913,
        "comment_narration": 0.052552,
        "comment_examples": 0.011328,
        "fancy_punct": 0.005399,
        "imperative_comments": 0.129689,
        "step_comments": 0.006473,
        "log_ratio": 0.006384,
        "indent_depth": 2.05167
    },
    "std": {
        "comment_ratio": 0.136173,
        "doc_ratio": 0.400924,
        "ident_len": 0.202638,
        "blank_ratio": 0.067706,
        "line_len_cv": 0.580027,
        "line_len_mean": 0.486469,
        "type_hint_ratio": 0.408425,
        "broad_except": 0.293121,
        "comment_words": 0.310394,
        "comment_capitalised": 0.30883,
        "comment_period": 0.279737,
        "comment_narration": 0.113623,
        "comment_examples": 0.052756,
        "fancy_punct": 0.017987,
        "imperative_comments": 0.216623,
        "step_comments": 0.04591,
        "log_ratio": 0.032846,
        "indent_depth": 0.449493
    }
}

# -- calibration (benchmarks/ai_style_set.py): Platt scaling of the score above, fitted on the
# held-out (leave-one-repository-out) scores of 3992 changes (2041 AI-marked) of the labelled set with >= 20 added code lines
CALIBRATION = (0.802463, 0.105337)
#: fewer non-blank added code lines than this: no style estimate (no signal below it, measured)
MIN_LINES = 20
