"""The style coefficients the shipped risk model's ``ai_style_score`` was trained on (frozen).

Fitted by ``benchmarks/ai_style.py`` on 271 AI-marked and 3156 human changes (markers removed) from 9
public repositories (aio-libs/aiohttp, celery/celery, fastify/fastify, grpc/grpc-go, pallets/flask,
psf/requests, redis/go-redis, square/okhttp, urllib3/urllib3). Kept as they are so the model feature
keeps its meaning until ``models/default`` is retrained; the user-facing ``style_score`` reads the
refitted ``ai_style_model.MODEL``. Leave-one-repository-out on the labelled set: pooled 0.530.
"""


MODEL = {
    "intercept": -0.0840369440668421,
    "shrink_lines": 50.0,
    "coefficients": {
        "comment_ratio": 0.4696,
        "doc_ratio": 0.282,
        "ident_len": -0.7003,
        "blank_ratio": -0.4489,
        "line_len_cv": -0.5164,
        "line_len_mean": -0.3757,
        "type_hint_ratio": -0.1311,
        "broad_except": 0.5543,
        "comment_words": 0.1738,
        "comment_capitalised": 0.6447,
        "comment_period": 0.1012,
        "comment_narration": 0.0181,
        "comment_examples": 1.1934,
        "fancy_punct": -0.1405,
        "imperative_comments": 0.0845,
        "step_comments": 0.3615,
        "log_ratio": -0.7716,
        "indent_depth": -0.1886
    },
    "mean": {
        "comment_ratio": 0.116554,
        "doc_ratio": 0.325427,
        "ident_len": 2.213393,
        "blank_ratio": 0.099191,
        "line_len_cv": 0.544308,
        "line_len_mean": 3.820301,
        "type_hint_ratio": 0.465157,
        "broad_except": 0.056279,
        "comment_words": 2.200321,
        "comment_capitalised": 0.556892,
        "comment_period": 0.342265,
        "comment_narration": 0.073616,
        "comment_examples": 0.011619,
        "fancy_punct": 0.002611,
        "imperative_comments": 0.116783,
        "step_comments": 0.00616,
        "log_ratio": 0.005159,
        "indent_depth": 1.979054
    },
    "std": {
        "comment_ratio": 0.172457,
        "doc_ratio": 0.396246,
        "ident_len": 0.219596,
        "blank_ratio": 0.083892,
        "line_len_cv": 0.574724,
        "line_len_mean": 0.314415,
        "type_hint_ratio": 0.47867,
        "broad_except": 0.291797,
        "comment_words": 0.306807,
        "comment_capitalised": 0.333946,
        "comment_period": 0.306085,
        "comment_narration": 0.159444,
        "comment_examples": 0.066725,
        "fancy_punct": 0.014031,
        "imperative_comments": 0.227827,
        "step_comments": 0.052276,
        "log_ratio": 0.036339,
        "indent_depth": 0.509283
    }
}
