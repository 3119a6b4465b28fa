"""A long setting value is compared whole in every language, not by its first 120 characters (issue 13,
review of round 7): real git diffs, real tree-sitter parses. The settings scanner keeps a long value's
start and a digest of all of it (``settings.bounded``), so a change past the start is still a change,
the same literal re-wrapped is still none, and what a message shows stays short.

Kotlin has no constant literal long enough (its collections are calls, which are no constant value),
and C# has no settings scanner; JavaScript has its own case in ``test_resilience_js_round6.py``."""

from __future__ import annotations

import pytest

from mergeguard.features import retry_timeout, syntax
from mergeguard.features.resilience import settings
from tests.test_retry_timeout import kinds, run

PY = '''"""HTTP defaults."""

DEFAULT_RETRY = {
    "total": 3,
    "backoff_factor": 0.5,
    "allowed_methods": ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"],
    "respect_retry_after_header": True,
    "raise_on_status": False,
}
'''

GO = '''package client

func New() *Client {
\treturn &Client{
\t\tRetry: RetryConfig{Max: 3, Codes: []string{"UNAVAILABLE", "RESOURCE_EXHAUSTED", "ABORTED", "INTERNAL", "DEADLINE_EXCEEDED", "UNKNOWN", "CANCELLED", "FAILED_PRECONDITION", "DATA_LOSS"}},
\t}
}
'''

JAVA = '''package com.acme.client;

class Backoff {
    static final long[] RETRY_DELAYS_MS = {
        100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200,
        100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200,
        100, 200, 400, 800, 1600
    };
}
'''

TS = '''export const defaults = {
  retry: {
    limit: 2,
    methods: ['GET', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'],
    statusCodes: [408, 413, 429, 500, 502, 503, 504, 521, 522, 524],
    errorCodes: ['ETIMEDOUT', 'ECONNRESET', 'EADDRINUSE', 'ECONNREFUSED', 'EPIPE'],
  },
};
'''

#: (language, path, image, the change past the first 120 characters, the same value re-wrapped)
CASES = [
    ("python", "svc/http_defaults.py", PY,
     ('"raise_on_status": False,', '"raise_on_status": True,'),
     ('"allowed_methods": ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"],',
      '"allowed_methods": [\n        "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"\n    ],')),
    ("go", "client/client.go", GO,
     ('"DATA_LOSS"}}', '"DATA_LOSS", "UNAUTHENTICATED"}}'),
     ('{"UNAVAILABLE", "RESOURCE_EXHAUSTED"', '{ "UNAVAILABLE",  "RESOURCE_EXHAUSTED"')),
    ("java", "src/main/java/com/acme/client/Backoff.java", JAVA,
     ("400, 800, 1600\n", "400, 800, 3200\n"),
     ("100, 200, 400, 800, 1600\n", "100, 200, 400,\n        800, 1600\n")),
    ("typescript", "src/defaults.ts", TS,
     ("521, 522, 524],", "521, 522, 525],"),  # (entries are compared sorted: statusCodes comes last)
     ("statusCodes: [408, 413, 429, 500, 502, 503, 504, 521, 522, 524],",
      "statusCodes: [\n      408, 413, 429, 500, 502, 503, 504, 521, 522, 524,\n    ],")),
]
IDS = [c[0] for c in CASES]


def long_settings(path: str, text: str) -> list:
    """The settings constructs of one image whose value as written is longer than 120 characters."""
    language = syntax.language_of(path)
    src = syntax.Source(path, "post", language, text, syntax.parse(text, language))
    found = retry_timeout._scan_image(retry_timeout.scanner(language), src)
    assert found is not None
    return [c for c in found.constructs if c.library == "setting" and "#" in c.value]


@pytest.mark.parametrize(("language", "path", "image", "change", "rewrap"), CASES, ids=IDS)
def test_two_long_values_that_differ_past_the_cut_are_kept_apart_and_short(language, path, image, change,
                                                                         rewrap):
    after = image.replace(*change)
    assert after != image
    before_values = long_settings(path, image)
    after_values = long_settings(path, after)
    assert len(before_values) == len(after_values) == 1
    was, now = before_values[0].value, after_values[0].value
    # the same first characters (the change is past them), a different digest of the whole
    assert was.split(" … #")[0] == now.split(" … #")[0]
    assert was != now
    assert len(was) <= 2 * settings._SHOWN_PREFIX + 16 and len(was) < len(" ".join(image.split()))


@pytest.mark.parametrize(("language", "path", "image", "change", "rewrap"), CASES, ids=IDS)
def test_a_change_past_the_cut_of_a_long_setting_is_a_retry_change(tmp_path, language, path, image, change,
                                                                  rewrap):
    ex = run(tmp_path, {path: image}, {path: image.replace(*change)})
    assert "retry.changed" in kinds(ex)


@pytest.mark.parametrize(("language", "path", "image", "change", "rewrap"), CASES, ids=IDS)
def test_a_long_setting_re_wrapped_is_no_change(tmp_path, language, path, image, change, rewrap):
    after = image.replace(*rewrap)
    assert after != image
    assert normalised_values(path, image) == normalised_values(path, after)
    ex = run(tmp_path, {path: image}, {path: after})
    assert not {k for k in kinds(ex) if k.startswith(("retry.", "timeout."))}


def normalised_values(path: str, text: str) -> list[str]:
    return [settings.normalise(c.value) for c in long_settings(path, text)]


def test_bounded_keeps_a_short_value_whole_and_a_long_one_short():
    short = "[408, 429, 503]"
    assert settings.bounded(short) == short
    codes = "[" + ", ".join(str(400 + i) for i in range(40)) + "]"
    shown = settings.bounded(codes)
    assert shown.startswith("[400, 401,") and " … #" in shown and len(shown) < len(codes)
    assert settings.bounded(codes.replace("439]", "439, 599]")) != shown
    assert settings.normalise(settings.bounded(codes.replace("[", "[ ").replace("]", " ]"))) == \
        settings.normalise(shown)
