"""Issue 13, stop 29: a library's own retry and timeout policy, where the names of its parts do not say
"retry" or "timeout". A class or policy object named for a retry or timeout policy gives its fields and
constructor defaults their kind (``Timeout(read=5)``, ``ExponentialBackoff(cap=0.512)``,
``RetryConfig.DEFAULT_WAIT_DURATION``); a timeout named for what it waits for (``ReadHeaderTimeout``),
a shutdown's grace period, a command line's default, a number read from the environment and a list
of retried exception classes are settings too. A class that uses a policy (``AIMDBackoffManager``)
is no policy. Realistic code written for these tests (no code from
any repository); real parses, real git diffs."""

from __future__ import annotations

from mergeguard.features.resilience import settings
from tests.retry_changes import file_findings



def categories(found) -> set[str]:
    return {f.category for f in found}


# -- a class named for a policy ---------------------------------------------------------------------

PY_TIMEOUT = """class Timeout:
    \"\"\"How long each phase of a request may take, in seconds.\"\"\"

    def __init__(self, connect=5.0, read=5.0, write=5.0, pool=5.0):
        self.connect = connect
        self.read = read
        self.write = write
        self.pool = pool
        self._started = 0

    def as_dict(self):
        limit = 3
        return {"connect": self.connect, "read": self.read, "limit": limit}
"""


def test_python_a_timeout_class_default_is_a_timeout_setting(tmp_path):
    found = file_findings(tmp_path, "client/_config.py", PY_TIMEOUT, PY_TIMEOUT.replace("read=5.0", "read=30.0"))
    assert categories(found) == {"timeout"}
    assert any(f.kind == "timeout.changed" and "read" in f.message for f in found)


def test_python_a_method_local_or_private_state_of_a_timeout_class_is_no_setting(tmp_path):
    after = PY_TIMEOUT.replace("limit = 3", "limit = 4").replace("self._started = 0", "self._started = 1")
    assert not categories(file_findings(tmp_path, "client/_config.py", PY_TIMEOUT, after))


def test_python_a_backoff_class_default_is_a_retry_setting(tmp_path):
    before = ("class ExponentialBackoff:\n    def __init__(self, cap=0.512, base=0.008):\n"
              "        self._cap = cap\n        self._base = base\n")
    found = file_findings(tmp_path, "client/backoff.py", before, before.replace("cap=0.512, base=0.008", "cap=10, base=1"))
    assert categories(found) == {"retry"}


def test_python_a_dataclass_retry_policy_field_is_a_retry_setting(tmp_path):
    before = ("from dataclasses import dataclass\n\n\n@dataclass(frozen=True)\nclass RetryPolicy:\n"
              "    max_attempts: int = 3\n    initial_delay: float = 0.1\n    name: str = 'default'\n")
    found = file_findings(tmp_path, "client/policy.py", before, before.replace("0.1", "0.5"))
    assert categories(found) == {"retry"}
    # a label of the policy is no part of what it does
    assert not categories(file_findings(tmp_path / "b", "client/policy.py", before, before.replace("'default'", "'std'")))


def test_python_a_class_not_named_for_a_policy_gives_its_fields_no_kind(tmp_path):
    before = "class ConnectionPool:\n    def __init__(self, size=10, read=5.0):\n        self.size = size\n"
    assert not categories(file_findings(tmp_path, "client/pool.py", before, before.replace("read=5.0", "read=9.0")))
    # nor one that uses a policy without being one: its fields are the tool's own state
    manager = ("package acme;\n\npublic class AdaptiveBackoffManager {\n    private long coolDown = 5 * 1000L;\n"
               "    private boolean useThreadLocal = true;\n}\n")
    after = manager.replace("5 * 1000L", "TimeValue.ofSeconds(5L)").replace("= true", "= false")
    assert not categories(file_findings(tmp_path / "m", "src/main/java/acme/AdaptiveBackoffManager.java", manager, after))


def test_python_the_failures_a_retry_class_retries_are_retry_settings(tmp_path):
    before = ("import socket\n\n\nclass Retry:\n    def __init__(self, backoff, retries,\n"
              "                 supported_errors=(ConnectionError, TimeoutError, socket.timeout)):\n"
              "        self._backoff = backoff\n        self._supported_errors = supported_errors\n")
    after = before.replace("socket.timeout)", "socket.timeout, ConnectionResetError)")
    assert categories(file_findings(tmp_path, "client/retry.py", before, after)) == {"retry"}
    # a tuple of variables is no list of failures
    before_vars = before.replace("(ConnectionError, TimeoutError, socket.timeout)", "(first, second)")
    after_vars = before_vars.replace("(first, second)", "(first, second, third)")
    assert not categories(file_findings(tmp_path / "b", "client/retry.py", before_vars, after_vars))


def test_java_a_retry_config_constant_is_a_retry_setting_not_a_timeout(tmp_path):
    before = ("package io.acme.retry;\n\nimport java.time.Duration;\n\npublic class RetryConfig {\n"
              "    public static final long DEFAULT_WAIT_DURATION = 500;\n"
              "    private Duration waitDuration = Duration.ofMillis(DEFAULT_WAIT_DURATION);\n\n"
              "    public int count() {\n        int tries = 3;\n        return tries;\n    }\n}\n")
    path = "src/main/java/io/acme/retry/RetryConfig.java"
    found = file_findings(tmp_path, path, before, before.replace("= 500;", "= 1000;"))
    assert categories(found) == {"retry"}


def test_java_a_retried_exception_list_is_a_retry_setting(tmp_path):
    before = ("package io.acme.retry;\n\nimport java.io.IOException;\n\npublic class RetryConfig {\n"
              "    private Class<? extends Throwable>[] retryExceptions = new Class[]{IOException.class};\n}\n")
    after = before.replace("{IOException.class}", "{IOException.class, TimeoutException.class}")
    found = file_findings(tmp_path, "src/main/java/io/acme/retry/RetryConfig.java", before, after)
    assert categories(found) == {"retry"}


def test_kotlin_a_retry_class_parameter_is_a_retry_setting(tmp_path):
    before = "package acme\n\nclass RetrySettings(val maxRetries: Int = 3, val delayMillis: Long = 1000)\n"
    found = file_findings(tmp_path, "src/main/kotlin/acme/RetrySettings.kt", before, before.replace("1000", "2000"))
    assert categories(found) == {"retry"}


def test_a_named_argument_of_a_policy_object_is_its_setting(tmp_path):
    # aiohttp-style: the construct is valued by ``total``; a connect phase changing is still a change
    before = ("from .client import ClientTimeout\n\n"
              "DEFAULT_TIMEOUT = ClientTimeout(total=5 * 60, sock_connect=30)\n")
    found = file_findings(tmp_path, "client/defaults.py", before, before.replace("sock_connect=30", "sock_connect=60"))
    assert categories(found) == {"timeout"}
    kotlin = "package acme\n\nval policy = RetryPolicy(maxAttempts = 3, delayMillis = 200)\n"
    found = file_findings(tmp_path / "k", "src/main/kotlin/acme/Policy.kt", kotlin, kotlin.replace("200)", "500)"))
    assert categories(found) == {"retry"}


def test_an_options_object_judged_whole_is_not_logic_of_the_other_kind(tmp_path):
    # node-retry's convention: minTimeout/maxTimeout are the delays between attempts
    before = """'use strict'

class RetryHandler {
  constructor (opts) {
    const { maxRetries, minTimeout, maxTimeout } = opts.retryOptions ?? {}
    this.retryOpts = {
      maxRetries: maxRetries ?? 5,
      minTimeout: minTimeout ?? 500,
      maxTimeout: maxTimeout ?? 30 * 1000
    }
  }
}
module.exports = RetryHandler
"""
    found = file_findings(tmp_path, "lib/retry-handler.js", before, before.replace("?? 500", "?? 1000"))
    assert categories(found) == {"retry"}


# -- names that say what the wait is for ------------------------------------------------------------

def test_a_timeout_named_for_the_headers_it_waits_for_is_a_timeout():
    for name in ("ReadHeaderTimeout", "headersTimeout", "tr.ResponseHeaderTimeout", "defaultReadHeaderTimeout"):
        assert settings.classify(name) == "timeout", name
    for name in ("retryHeaders", "TIMEOUT_HEADER", "timeoutHeaders", "headerTimeoutHandler", "RETRY_AFTER_HEADER"):
        assert settings.classify(name) is None, name


def test_go_a_header_timeout_set_field_by_field_is_a_timeout_change(tmp_path):
    before = ("package proxy\n\nimport (\n\t\"net/http\"\n\t\"time\"\n)\n\n"
              "const defaultReadHeaderTimeout = time.Minute\n\n"
              "func transport(tr *http.Transport) {\n\ttr.ResponseHeaderTimeout = 5 * time.Second\n}\n")
    found = file_findings(tmp_path, "proxy/transport.go", before, before.replace("5 * time.Second", "30 * time.Second"))
    assert categories(found) == {"timeout"}
    found = file_findings(tmp_path / "b", "proxy/transport.go", before,
                          before.replace("time.Minute", "10 * time.Second"))
    assert categories(found) == {"timeout"}


def test_js_a_headers_timeout_default_is_a_timeout_change(tmp_path):
    before = ("'use strict'\n\nclass Client {\n  constructor (url, { headersTimeout } = {}) {\n"
              "    this.headersTimeout = headersTimeout != null ? headersTimeout : 300e3\n  }\n}\n"
              "module.exports = Client\n")
    found = file_findings(tmp_path, "lib/client.js", before, before.replace("300e3", "30e3"))
    assert categories(found) == {"timeout"}


def test_a_shutdown_grace_period_is_a_timeout_and_a_poll_period_is_not(tmp_path):
    assert settings.classify("DefaultShutdownGracePeriod") == "timeout"
    assert settings.classify("gracePeriodMillis") == "timeout"
    assert settings.classify("pollPeriod") is None
    assert settings.classify("EOL_GRACE_PERIOD") is None  # a calendar's grace, counted in weeks
    head = "package server\n\nimport \"time\"\n\n"
    found = file_findings(tmp_path, "server/opts.go", head + "var DefaultShutdownGracePeriod = 5 * time.Second\n",
                          head + "var DefaultShutdownGracePeriod = 30 * time.Second\n")
    assert categories(found) == {"timeout"}
    found = file_findings(tmp_path / "b", "server/opts.go", head + "var DefaultPollPeriod = 5 * time.Second\n",
                          head + "var DefaultPollPeriod = 30 * time.Second\n")
    assert not categories(found)


# -- where programs take their settings from --------------------------------------------------------

def test_python_a_command_lines_default_is_a_setting(tmp_path):
    before = ("import argparse\n\n\ndef parser():\n    p = argparse.ArgumentParser()\n"
              "    p.add_argument('--timeout', type=float, default=30)\n"
              "    p.add_argument('--workers', type=int, default=4)\n    return p\n")
    found = file_findings(tmp_path, "svc/cli.py", before, before.replace("default=30", "default=60"))
    assert categories(found) == {"timeout"}
    assert not categories(file_findings(tmp_path / "b", "svc/cli.py", before, before.replace("default=4", "default=8")))
    click = "import click\n\n\n@click.command()\n@click.option('--retries', default=3)\ndef main(retries):\n    run(retries)\n"
    found = file_findings(tmp_path / "c", "svc/main.py", click, click.replace("default=3", "default=5"))
    assert categories(found) == {"retry"}


def test_python_a_number_read_from_the_environment_is_a_setting(tmp_path):
    before = "import os\n\nTIMEOUT = float(os.environ.get('SVC_TIMEOUT', '30'))\nNAME = os.environ.get('SVC_NAME', '30')\n"
    found = file_findings(tmp_path, "svc/settings.py", before, before.replace("'SVC_TIMEOUT', '30'", "'SVC_TIMEOUT', '60'"))
    assert categories(found) == {"timeout"}
    assert not categories(file_findings(tmp_path / "b", "svc/settings.py", before,
                                        before.replace("'SVC_NAME', '30'", "'SVC_NAME', '40'")))


def test_python_the_errors_a_client_retries_on_are_a_retry_setting(tmp_path):
    assert settings.classify("retry_on_error") == "retry"
    assert settings.classify("retryOnException") == "retry"
    before = ("class Redis:\n    def __init__(self, host='localhost', retry_on_error=None):\n"
              "        self.retry_on_error = retry_on_error or []\n")
    after = before.replace("or []", "or [ConnectionError, TimeoutError]")
    assert categories(file_findings(tmp_path, "client/redis.py", before, after)) == {"retry"}


# -- an operation put under the program's own retrying ---------------------------------------------

def test_an_operation_wrapped_in_the_programs_retry_is_a_retry_change(tmp_path):
    before = ("class Connection:\n    def connect(self):\n        sock = self._connect()\n"
              "        self._sock = sock\n")
    after = before.replace("self._connect()",
                           "self.retry.call_with_retry(lambda: self._connect(), lambda error: self.disconnect(error))")
    found = file_findings(tmp_path, "client/connection.py", before, after)
    assert categories(found) == {"retry"}
    assert any(f.kind == "retry.added" for f in found)
    # the operation inside the wrapper changing is no change to the retrying
    again = after.replace("self._connect()", "self._connect(fresh=True)")
    assert not categories(file_findings(tmp_path / "b", "client/connection.py", after, again))
    go = ("package client\n\nfunc (c *Client) send(req *Request) error {\n\treturn c.do(req)\n}\n")
    found = file_findings(tmp_path / "c", "client/send.go", go, go.replace("c.do(req)", "c.doWithRetries(req)"))
    assert categories(found) == {"retry"}
    # a setting named with a "with" is no wrapper, nor a name where "with" ends it
    assert not categories(file_findings(tmp_path / "d", "client/send.go", go, go.replace("c.do(req)", "c.doWith(req)")))


# -- the rest of a library policy, and refactors of a value ----------------------------------------

def test_python_a_urllib3_retry_changed_past_its_attempts_is_a_retry_change(tmp_path):
    before = "from urllib3.util.retry import Retry\n\nretry = Retry(total=3, backoff_factor=0.3)\n"
    for after in (before.replace("0.3", "0.5"), before.replace("0.3)", "0.3, status_forcelist=[502, 503])")):
        assert categories(file_findings(tmp_path / str(len(after)), "client/session.py", before, after)) == {"retry"}


def test_js_the_methods_a_got_retry_repeats_are_a_retry_change(tmp_path):
    before = "const got = require('got')\nmodule.exports = got.extend({ retry: { limit: 2, methods: ['GET'] } })\n"
    found = file_findings(tmp_path, "src/http.js", before, before.replace("['GET']", "['GET', 'PUT']"))
    assert categories(found) == {"retry"}


def test_js_a_socket_the_object_holds_loses_its_timeout(tmp_path):
    before = ("class Conn {\n  open () {\n    this.socket = net.connect(this.port)\n"
              "    this.socket.setTimeout(this.timeout)\n  }\n}\nmodule.exports = Conn\n")
    after = before.replace("    this.socket.setTimeout(this.timeout)\n", "")
    assert categories(file_findings(tmp_path, "src/conn.js", before, after)) == {"timeout"}
    # the object's own setTimeout method is its bookkeeping, not a socket's
    own = before.replace("this.socket.setTimeout(this.timeout)", "this.setTimeout(this.timeout)")
    gone = own.replace("    this.setTimeout(this.timeout)\n", "")
    assert not categories(file_findings(tmp_path / "b", "src/conn.js", own, gone))


def test_a_literal_given_a_name_is_no_setting_added(tmp_path):
    before = "def get(url):\n    return http.get(url, timeout=10)\n"
    after = "DEFAULT_TIMEOUT = 10\n\n\ndef get(url):\n    return http.get(url, timeout=DEFAULT_TIMEOUT)\n"
    assert not categories(file_findings(tmp_path, "client/get.py", before, after))
    # named with another value, it is a change
    changed = after.replace("DEFAULT_TIMEOUT = 10", "DEFAULT_TIMEOUT = 30")
    assert categories(file_findings(tmp_path / "b", "client/get.py", before, changed)) == {"timeout"}


def test_a_retry_count_renamed_with_every_use_is_no_change(tmp_path):
    before = ("async function call (fn, retries = 3) {\n  for (let i = 0; i <= retries; i++) {\n"
              "    try { return await fn() } catch (e) { if (i === retries) throw e }\n"
              "    await sleep(100)\n  }\n}\nmodule.exports = call\n")
    after = before.replace("retries", "retryCount")
    assert not categories(file_findings(tmp_path, "src/call.js", before, after))
    # renamed, and given another bound: a change
    bigger = after.replace("retryCount = 3", "retryCount = 5")
    assert categories(file_findings(tmp_path / "b", "src/call.js", before, bigger)) == {"retry"}


def test_a_python_build_or_task_runner_at_the_root_is_no_production_code(tmp_path):
    before = "import requests\n\n\ndef get(url):\n    return requests.get(url, timeout=5)\n"
    after = before.replace("timeout=5", "timeout=30")
    assert not categories(file_findings(tmp_path, "noxfile.py", before, after))
    # the same module inside the package is production code
    assert categories(file_findings(tmp_path / "b", "pkg/noxfile.py", before, after)) == {"timeout"}


def test_a_builder_nested_in_a_policy_holds_the_policys_defaults(tmp_path):
    java = ("package io.acme.retry;\n\nimport java.time.Duration;\n\npublic class RetryConfig {\n"
            "    public static class Builder {\n        private Duration waitDuration = Duration.ofMillis(500);\n"
            "    }\n}\n")
    found = file_findings(tmp_path, "src/main/java/io/acme/retry/RetryConfig.java", java, java.replace("500", "100"))
    assert categories(found) == {"retry"}
    kotlin = ("package acme\n\nclass RetryConfig private constructor(val waitDuration: Duration) {\n"
              "    class Builder {\n        var waitDuration: Duration = Duration.ofMillis(500)\n"
              "        fun build() = RetryConfig(waitDuration)\n    }\n}\n")
    found = file_findings(tmp_path / "k", "src/main/kotlin/acme/RetryConfig.kt", kotlin, kotlin.replace("500", "200"))
    assert categories(found) == {"retry"}
    # a builder of something that is no policy gives its fields no kind
    other = java.replace("RetryConfig", "ReportConfig").replace("waitDuration", "flushDuration")
    assert not categories(file_findings(tmp_path / "o", "src/main/java/io/acme/retry/ReportConfig.java", other,
                                        other.replace("500", "100")))


def test_inside_an_error_answers_as_the_plain_climb_on_every_node():
    # the memoised climb (a plain one costs depth x depth per node) gives the plain climb's answers
    from mergeguard.features import syntax

    text = ("x = " + "call_with_retry(" * 40 + "1" + ")" * 40 + "\n"
            "def broken(:\n    call_with_retry(op, retries=3)\n    timeout = 5\n")
    tree = syntax.parse(text, "python")
    assert tree is not None and tree.root_node.has_error

    def plain(node) -> bool:
        p = node
        while p is not None:
            if p.type == "ERROR" or p.is_missing:
                return True
            p = p.parent
        return False

    nodes = list(syntax.walk(tree.root_node))
    assert any(plain(n) for n in nodes) and not all(plain(n) for n in nodes)
    assert [settings._in_error(n) for n in nodes] == [plain(n) for n in nodes]
