"""Coefficients of the style-only AI-authorship score; written by ``benchmarks/ai_style_set.py --write-model``.

Fitted on 706 AI-marked and 1071 human changes (markers removed) from 26 public
repositories: apache/httpcomponents-client, axios/axios, celery/kombu, etcd-io/etcd, expressjs/express,
fastify/fastify, gin-gonic/gin, grpc/grpc-go, jd/tenacity, ktorio/ktor, langchain4j/langchain4j,
modelcontextprotocol/java-sdk, modelcontextprotocol/python-sdk, modelcontextprotocol/rust-sdk,
modelcontextprotocol/typescript-sdk, mongodb/mongo-python-driver, pallets/click, pallets/flask, psf/requests,
pydantic/pydantic-ai, redis/go-redis, spf13/cobra, sqlalchemy/alembic, square/okhttp, urfave/cli,
urllib3/urllib3.
Standardised statistics (``mean``/``std``, after log1p for counts and lengths), each repository and each
class weighted equally, L2-regularised logistic regression. See features/authorship.py.
"""

MODEL = {
    "intercept": -0.14114393710192563,
    "shrink_lines": 50.0,
    "coefficients": {
        "comment_ratio": 0.4456,
        "doc_ratio": 0.423,
        "ident_len": -0.1713,
        "blank_ratio": 0.2113,
        "line_len_cv": -0.3413,
        "line_len_mean": -0.459,
        "type_hint_ratio": 0.1815,
        "broad_except": -0.1446,
        "comment_words": 0.0717,
        "comment_capitalised": 0.5885,
        "comment_period": -0.0813,
        "comment_narration": 0.1759,
        "comment_examples": 0.4901,
        "fancy_punct": 0.3275,
        "imperative_comments": -0.0852,
        "step_comments": 0.2905,
        "log_ratio": 0.012,
        "indent_depth": 0.1106
    },
    "mean": {
        "comment_ratio": 0.116096,
        "doc_ratio": 0.368878,
        "ident_len": 2.253299,
        "blank_ratio": 0.114381,
        "line_len_cv": 0.587239,
        "line_len_mean": 3.812162,
        "type_hint_ratio": 0.528109,
        "broad_except": 0.055516,
        "comment_words": 2.173794,
        "comment_capitalised": 0.551956,
        "comment_period": 0.324992,
        "comment_narration": 0.054492,
        "comment_examples": 0.011295,
        "fancy_punct": 0.003848,
        "imperative_comments": 0.092971,
        "step_comments": 0.004037,
        "log_ratio": 0.004407,
        "indent_depth": 2.090968
    },
    "std": {
        "comment_ratio": 0.141211,
        "doc_ratio": 0.388837,
        "ident_len": 0.211861,
        "blank_ratio": 0.068395,
        "line_len_cv": 0.167956,
        "line_len_mean": 0.218402,
        "type_hint_ratio": 0.426947,
        "broad_except": 0.247766,
        "comment_words": 0.321809,
        "comment_capitalised": 0.311913,
        "comment_period": 0.283682,
        "comment_narration": 0.120891,
        "comment_examples": 0.049217,
        "fancy_punct": 0.013479,
        "imperative_comments": 0.185817,
        "step_comments": 0.037983,
        "log_ratio": 0.022443,
        "indent_depth": 0.427483
    }
}

# -- calibration (benchmarks/ai_style_set.py): Platt scaling of the score above, fitted on the
# held-out (leave-one-repository-out) scores of 1777 changes (706 AI-marked) of the labelled set with >= 20 added code lines
CALIBRATION = (0.542825, -0.335386)
#: fewer non-blank added code lines than this: no style estimate (no signal below it, measured)
MIN_LINES = 20
