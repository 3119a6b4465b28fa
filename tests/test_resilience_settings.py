"""Retry/timeout settings, moves, removals and retry logic, per language, on real git diffs and real
tree-sitter parses (issue 13, item 3): the shapes library code uses rather than retry-library calls."""

from __future__ import annotations

import pytest

from tests.test_retry_timeout import run


def of(ex, kind):
    return [f for f in ex.findings if f.kind == kind]


def changed(ex, category):
    return ex.signals[category]["changed"]


# -- a value changing from one number to another, in every language ---------------------------------

SETTING_CASES = [
    # (path, before, after, category, expected message fragment)
    ("http/pool.py",
     "import socket\n\nDEFAULT_TIMEOUT = 30\n\n\nclass Pool:\n    def __init__(self, host):\n        self.host = host\n",
     "import socket\n\nDEFAULT_TIMEOUT = 60\n\n\nclass Pool:\n    def __init__(self, host):\n        self.host = host\n",
     "timeout", "DEFAULT_TIMEOUT 30 (30s) → 60 (60s) (2x)"),
    ("http/pool.py",
     "class Pool:\n    def __init__(self, host, max_retries=3):\n        self.host = host\n",
     "class Pool:\n    def __init__(self, host, max_retries=5):\n        self.host = host\n",
     "retry", "max_retries 3 (4 attempts) → 5 (6 attempts)"),
    ("client/client.go",
     "package client\n\nimport \"time\"\n\nconst defaultRetryMax = 4\n\nvar defaultTimeout = 5 * time.Second\n",
     "package client\n\nimport \"time\"\n\nconst defaultRetryMax = 4\n\nvar defaultTimeout = 30 * time.Second\n",
     "timeout", "defaultTimeout 5 * time.Second (5s) → 30 * time.Second (30s) (6x)"),
    ("client/client.go",
     "package client\n\nfunc New() *Client {\n\treturn &Client{Config: Config{RetryMax: 4}}\n}\n",
     "package client\n\nfunc New() *Client {\n\treturn &Client{Config: Config{RetryMax: 2}}\n}\n",
     "retry", "RetryMax 4 (5 attempts) → 2 (3 attempts)"),
    ("lib/server.js",
     "class Server {\n  constructor() {\n    this.keepAliveTimeout = 5000\n  }\n}\nmodule.exports = Server\n",
     "class Server {\n  constructor() {\n    this.keepAliveTimeout = 60_000\n  }\n}\nmodule.exports = Server\n",
     "timeout", "keepAliveTimeout 5000 (5s) → 60_000 (60s) (12x)"),
    ("source/defaults.ts",
     "export const defaults = {\n\tretry: {limit: 2, methods: ['get', 'put']},\n\thooks: {},\n};\n",
     "export const defaults = {\n\tretry: {limit: 3, methods: ['get', 'put']},\n\thooks: {},\n};\n",
     "retry", "retry {limit: 2, methods: ['get', 'put']} → {limit: 3, methods: ['get', 'put']}"),
    ("src/main/java/com/acme/Client.java",
     "package com.acme;\n\nclass Client {\n  void build(Builder b) {\n    b.setConnectTimeout(5, TimeUnit.SECONDS);\n  }\n}\n",
     "package com.acme;\n\nclass Client {\n  void build(Builder b) {\n    b.setConnectTimeout(15, TimeUnit.SECONDS);\n  }\n}\n",
     "timeout", "timeout 5, TimeUnit.SECONDS (5s) → 15, TimeUnit.SECONDS (15s) (3x)"),
    ("src/main/java/com/acme/Client.java",
     "package com.acme;\n\nclass Client {\n  private Duration readTimeout = Duration.ofMillis(500);\n}\n",
     "package com.acme;\n\nclass Client {\n  private Duration readTimeout = Duration.ofSeconds(10);\n}\n",
     "timeout", "readTimeout Duration.ofMillis(500) (500ms) → Duration.ofSeconds(10) (10s) (20x)"),
    ("src/main/kotlin/acme/Http.kt",
     "package acme\n\nfun client() = HttpClient {\n    install(HttpTimeout) {\n        requestTimeoutMillis = 5_000\n    }\n}\n",
     "package acme\n\nfun client() = HttpClient {\n    install(HttpTimeout) {\n        requestTimeoutMillis = 15_000\n    }\n}\n",
     "timeout", "(5s) → 15_000 (15s)"),
    ("src/main/kotlin/acme/Http.kt",
     "package acme\n\nclass Policy(val maxRetries: Int = 3)\n",
     "package acme\n\nclass Policy(val maxRetries: Int = 6)\n",
     "retry", "maxRetries 3 (4 attempts) → 6 (7 attempts)"),
]


@pytest.mark.parametrize("path,before,after,category,fragment", SETTING_CASES,
                         ids=[f"{c[0].rsplit('.', 1)[-1]}-{c[3]}-{i}" for i, c in enumerate(SETTING_CASES)])
def test_setting_value_change_is_seen_with_written_values(tmp_path, path, before, after, category, fragment):
    ex = run(tmp_path, {path: before}, {path: after})
    assert changed(ex, category) is True
    found = of(ex, f"{category}.changed")
    assert found, ex.findings
    assert any(fragment in f.message for f in found), [f.message for f in found]
    other = "retry" if category == "timeout" else "timeout"
    assert changed(ex, other) is False, ex.findings
    for f in ex.findings:  # no placeholder text in any message
        assert ".." not in f.message and "(not a constant)" not in f.message and "dict:" not in f.message


def test_digit_separators_and_layout_are_no_change(tmp_path):
    before = "export const defaults = {\n  timeout: 30000,\n  retry: {limit: 2},\n}\n"
    after = "export const defaults = {\n  timeout: 30_000,\n  retry: { limit: 2 },\n}\n"
    ex = run(tmp_path, {"src/defaults.js": before}, {"src/defaults.js": after})
    assert changed(ex, "timeout") is False and changed(ex, "retry") is False, ex.findings


# -- not a timeout: a backoff delay, a poll interval, a ticker -----------------------------------------

@pytest.mark.parametrize("path,before,after", [
    ("svc/poller.py", "POLL_INTERVAL = 5\nRETRY_DELAY = 1\n", "POLL_INTERVAL = 10\nRETRY_DELAY = 1\n"),
    ("svc/poller.go", "package svc\n\nimport \"time\"\n\nvar tickInterval = time.Second\n",
     "package svc\n\nimport \"time\"\n\nvar tickInterval = 2 * time.Second\n"),
    ("src/poll.ts", "export const options = {pollInterval: 1000, cacheTtl: 60};\n",
     "export const options = {pollInterval: 2000, cacheTtl: 120};\n"),
])
def test_intervals_are_not_timeouts(tmp_path, path, before, after):
    ex = run(tmp_path, {path: before}, {path: after})
    assert changed(ex, "timeout") is False and changed(ex, "retry") is False, ex.findings


def test_backoff_delay_is_a_retry_setting_not_a_timeout(tmp_path):
    before = "const retryDelay = 300\nmodule.exports = {retryDelay}\n"
    after = "const retryDelay = 1000\nmodule.exports = {retryDelay}\n"
    ex = run(tmp_path, {"lib/opts.js": before}, {"lib/opts.js": after})
    assert changed(ex, "retry") is True and changed(ex, "timeout") is False


# -- pass-through, counters and words in comments and strings are not settings -------------------------

def test_pass_through_counter_and_comments_say_nothing(tmp_path):
    before = ("import requests\n\n\ndef fetch(url, timeout):\n    return requests.get(url, timeout=timeout)\n\n\n"
              "def count(items):\n    n = 0\n    for i in items:\n        n += i\n    return n\n")
    after = ("import requests\n\n\ndef fetch(url, timeout):\n    # retry later with a timeout of 30 seconds\n"
             "    log = 'timeout = 30'\n    return requests.get(url, timeout=timeout)\n\n\n"
             "def count(items):\n    attempts = 0\n    for i in items:\n        attempts += i\n    return attempts\n")
    ex = run(tmp_path, {"svc/fetch.py": before}, {"svc/fetch.py": after})
    assert changed(ex, "timeout") is False, ex.findings
    # a counter is no setting (the loop that counts with it is retry logic by its name only)
    assert not [f for f in ex.findings if "setting" in f.message], ex.findings


# -- moved code is not a removal plus an addition -------------------------------------------------------

PY_RETRY = '''import time

import requests

MAX_RETRIES = 3


def fetch(url):
    for attempt in range(MAX_RETRIES):
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException:
            time.sleep(2 ** attempt)
    raise RuntimeError(url)
'''


GO_PRE = ("package svc\n\nimport \"time\"\n\nconst callTimeout = 5 * time.Second\n\n"
          "func a() Config {\n\treturn Config{Timeout: 10 * time.Second}\n}\n")
GO_POST = ("package svc\n\nimport \"time\"\n\nconst callTimeout = 5 * time.Second\n\n"
           "func a() Config {\n\treturn b()\n}\n\n\n\n\n\n\n\n\n\n\n\n"
           "func b() Config {\n\treturn Config{Timeout: 10 * time.Second}\n}\n")


@pytest.mark.parametrize(("before", "after", "categories"), [
    pytest.param({"svc/a.py": PY_RETRY, "svc/b.py": "X = 1\n"},
                 {"svc/a.py": "from svc.b import fetch_json as fetch\n",
                  "svc/b.py": "X = 1\n\n\n" + PY_RETRY.replace("def fetch(url)", "def fetch_json(url)")},
                 ("retry", "timeout"), id="python-to-another-file"),
    pytest.param({"svc/c.go": GO_PRE}, {"svc/c.go": GO_POST}, ("timeout",), id="go-between-functions"),
])
def test_moved_code_is_no_change(tmp_path, before, after, categories):
    ex = run(tmp_path, before, after)
    assert [changed(ex, c) for c in categories] == [False] * len(categories), ex.findings


# -- a removal is annotated on the new side and says so -------------------------------------------------

def test_removed_setting_is_annotated_at_the_new_side_with_removed(tmp_path):
    pre = ("// client options\n" + "".join(f"const a{i} = {i}\n" for i in range(30))
           + "const REQUEST_TIMEOUT_MS = 10000\nmodule.exports = {}\n")
    post = "// client options\n" + "".join(f"const a{i} = {i}\n" for i in range(30)) + "module.exports = {}\n"
    ex = run(tmp_path, {"lib/opts.js": pre}, {"lib/opts.js": post})
    rem = of(ex, "timeout.removed")
    assert len(rem) == 1 and rem[0].line <= post.count("\n")
    assert rem[0].message.startswith("removed ") and "REQUEST_TIMEOUT_MS 10000 (10s)" in rem[0].message
    assert "line 32" in rem[0].message


# -- retry logic without any retry library ---------------------------------------------------------------

KY_LIKE = '''export class Client {
\tprotected _calculateRetryDelay(error: unknown) {
\t\tthis._retryCount++;
\t\tif (this._retryCount < this._options.retry.limit) {
\t\t\treturn 0.3 * (2 ** (this._retryCount - 1)) * 1000;
\t\t}
\t\treturn 0;
\t}
}
'''


def test_changed_retry_condition_is_a_retry_change(tmp_path):
    post = KY_LIKE.replace("this._retryCount < this._options", "this._retryCount <= this._options")
    ex = run(tmp_path, {"source/core/Client.ts": KY_LIKE}, {"source/core/Client.ts": post})
    assert changed(ex, "retry") is True
    [f] = of(ex, "retry.changed")
    # at the changed condition, or at the policy function it sits in (JS policy functions, round 5)
    assert (f.line, "retry logic" in f.message) in ((4, True), (2, False))


def test_turned_round_comparison_and_handed_on_names_are_no_change(tmp_path):
    pre = ("function setup(that) {\n  if (0 < that.options.reconnectPeriod) {\n    start(that)\n  }\n"
           "  return connect({timeout: that.options.timeout})\n}\n")
    post = ("function setup(that) {\n  if (that.options.reconnectPeriod > 0) {\n    start(that)\n  }\n"
            "  return connect({timeout: that.options.timeout, debug: true})\n}\n")
    ex = run(tmp_path, {"lib/client.js": pre}, {"lib/client.js": post})
    assert changed(ex, "retry") is False and changed(ex, "timeout") is False, ex.findings


# -- anti-patterns only on the construct's own added lines ---------------------------------------------

def test_untouched_loop_in_a_touched_function_raises_no_antipattern(tmp_path):
    pre = '''import requests


def sync(url):
    while True:
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException:
            pass
'''
    post = pre.replace("def sync(url):\n", "def sync(url):\n    url = url.strip()\n")
    ex = run(tmp_path, {"svc/sync.py": pre}, {"svc/sync.py": post})
    assert not [f for f in ex.findings if f.kind in ("retry.without_backoff", "retry.without_limit")], ex.findings


def test_a_timeout_setting_turned_to_zero_is_unbounded_at_its_line(tmp_path):
    before = "module.exports = {\n  adapter: getDefaultAdapter(),\n\n  timeout: 30000,\n\n  maxContentLength: -1,\n}\n"
    after = before.replace("timeout: 30000", "timeout: 0")
    ex = run(tmp_path, {"lib/defaults.js": before}, {"lib/defaults.js": after})
    [unb] = of(ex, "timeout.unbounded")
    assert unb.line == 4 and "0 (no timeout)" in unb.message
    assert any("30000 (30s) → 0 (no timeout)" in f.message for f in of(ex, "timeout.changed"))


def test_a_new_option_defaulting_to_no_timeout_keeps_behaviour(tmp_path):
    before = "module.exports = {\n  adapter: getDefaultAdapter(),\n\n  maxContentLength: -1,\n}\n"
    after = "module.exports = {\n  adapter: getDefaultAdapter(),\n\n  timeout: 0,\n\n  maxContentLength: -1,\n}\n"
    ex = run(tmp_path, {"lib/defaults.js": before}, {"lib/defaults.js": after})
    assert ex.signals["timeout"]["changed"] is True  # a timeout option appeared
    assert not of(ex, "timeout.unbounded")  # but nothing waited less before it


@pytest.mark.parametrize("path", ["internal/testutils/transport.go", "examples/client/main.go", "benchmarks/load.go"])
def test_code_that_does_not_run_in_production_is_no_change(tmp_path, path):
    before = "package x\n\nimport \"time\"\n\nvar sendTimeout = 5 * time.Second\n"
    ex = run(tmp_path, {path: before}, {path: before.replace("5 * time", "50 * time")})
    assert ex.signals["timeout"]["changed"] is False
    ex = run(tmp_path / "prod", {"internal/latest/client.go": before},
             {"internal/latest/client.go": before.replace("5 * time", "50 * time")})
    assert ex.signals["timeout"]["changed"] is True


@pytest.mark.parametrize("path,before,after,fragment", [
    ("fastify.js", "const app = avvio(fastify, {\n  autostart: false,\n  timeout: Number(options.pluginTimeout) || 0\n})\n",
     "const app = avvio(fastify, {\n  autostart: false,\n  timeout: Number(options.pluginTimeout) || 10000\n})\n",
     "|| 10000 (10s)"),
    ("svc/conf.py", "def load(kw):\n    return Client(timeout=kw.get('timeout', 30))\n",
     "def load(kw):\n    return Client(timeout=kw.get('timeout', 5))\n", "5 (5s)"),
])
def test_a_default_behind_an_option_is_a_setting(tmp_path, path, before, after, fragment):
    ex = run(tmp_path, {path: before}, {path: after})
    assert ex.signals["timeout"]["changed"] is True
    assert any(fragment in f.message for f in of(ex, "timeout.changed")), ex.findings
