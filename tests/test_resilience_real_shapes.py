"""Shapes met on real commits (issue 13, the labelled corpus's dev part), per language, on real parses
and real git diffs: what must not fire (a loop over alternatives, a renamed name, a state flag) next to
what still must."""

from __future__ import annotations

import pytest

from mergeguard.change import Limits
from mergeguard.features import Context, syntax
from mergeguard.features.resilience import csharp, go, java, javascript, kotlin, python, settings
from mergeguard.features.retry_timeout import extract
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_range
from tests.gitrepo import commit, init_repo
from tests.retry_changes import file_findings as findings
from tests.retry_changes import kinds

T0 = 1_700_000_000
MODULES = {"python": python, "go": go, "javascript": javascript, "typescript": javascript, "java": java,
           "kotlin": kotlin, "csharp": csharp}


def scan(text: str, language: str):
    tree = syntax.parse(text, language)
    assert tree is not None, f"no {language} grammar installed"
    return MODULES[language].scan(syntax.Source("f", "post", language, text, tree))


def loops(text: str, language: str):
    return [c for c in scan(text, language).constructs if c.kind == "retry" and c.library == "loop"]


# -- a loop over alternatives is not a retry ------------------------------------------------------------

FALLBACK = {
    "java": ("""class Auth {
    Scheme select(List<String> prefs) {
        for (int i = 0; i < prefs.size(); i++) {
            try {
                return registry.lookup(prefs.get(i));
            } catch (IllegalStateException e) {
                log.debug("unsupported " + prefs.get(i));
            }
        }
        return null;
    }
}
""", """class Auth {
    Conn open() throws InterruptedException {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return pool.connect();
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        return null;
    }
}
"""),
    "javascript": ("""async function firstReachable(urls) {
  for (let i = 0; i < urls.length; i++) {
    try {
      return await fetch(urls[i]);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
""", """async function fetchWithRetry(url) {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await fetch(url);
    } catch (err) {
      await sleep(100 * 2 ** attempt);
    }
  }
}
"""),
    "csharp": ("""class Dialer {
    Conn Open(string[] hosts) {
        for (int i = 0; i < hosts.Length; i++) {
            try {
                return Connect(hosts[i]);
            } catch (SocketException) {
                continue;
            }
        }
        return null;
    }
}
""", """class Dialer {
    Conn Open(string host) {
        for (int attempt = 0; attempt < 4; attempt++) {
            try {
                return Connect(host);
            } catch (SocketException) {
                Thread.Sleep(500);
            }
        }
        return null;
    }
}
"""),
    "go": ("""package dial

func dialAny(addrs []string) (net.Conn, error) {
	var lastErr error
	for i := 0; i < len(addrs); i++ {
		conn, err := net.Dial("tcp", addrs[i])
		if err != nil {
			lastErr = err
			continue
		}
		return conn, nil
	}
	return nil, lastErr
}
""", """package dial

func dialRetry(addr string) (net.Conn, error) {
	var lastErr error
	for i := 0; i < 5; i++ {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			lastErr = err
			time.Sleep(time.Second)
			continue
		}
		return conn, nil
	}
	return nil, lastErr
}
"""),
    "kotlin": ("""class Dialer {
    fun open(hosts: List<String>): Socket? {
        for (host in hosts) {
            try {
                return connect(host)
            } catch (e: IOException) {
                log.warn("unreachable", e)
            }
        }
        return null
    }
}
""", """class Dialer {
    fun open(host: String): Socket? {
        for (attempt in 1..3) {
            try {
                return connect(host)
            } catch (e: IOException) {
                Thread.sleep(200L)
            }
        }
        return null
    }
}
"""),
}


@pytest.mark.parametrize("language", sorted(FALLBACK))
def test_a_loop_over_alternatives_is_not_a_retry_but_a_counted_loop_is(language):
    fallback, retrying = FALLBACK[language]
    assert loops(fallback, language) == []
    found = loops(retrying, language)
    assert len(found) == 1 and found[0].attempts in (3, 4, 5)


def test_rewriting_a_fallback_loop_is_no_retry_change(tmp_path):
    """A real commit turned ``for (int i = 0; i < prefs.size(); i++)`` into a for-each: no retry removed."""
    before = FALLBACK["java"][0]
    after = before.replace("for (int i = 0; i < prefs.size(); i++) {", "for (String id : prefs) {").replace(
        "prefs.get(i)", "id")
    assert not {k for k in kinds(findings(tmp_path, "src/main/java/Auth.java", before, after))
                if k.startswith("retry.")}


# -- a renamed name is not new retry/timeout logic ------------------------------------------------------

KY = """export class Ky {
  _retryCount = 0;

  _calculateRetryDelay(error) {
    this._retryCount++;
    if (this._retryCount <= this._options.retry.limit && !(error instanceof TimeoutError)) {
      return 0.3 * (2 ** (this._retryCount - 1)) * 1000;
    }
    throw error;
  }
}
"""


def test_private_fields_renamed_is_no_retry_change(tmp_path):
    after = KY.replace("_retryCount = 0;", "#retryCount = 0;").replace("this._retryCount", "this.#retryCount")
    assert not kinds(findings(tmp_path, "source/core/Ky.ts", KY, after))


def test_a_changed_comparison_on_a_retry_name_still_is(tmp_path):
    after = KY.replace("this._retryCount <= this._options.retry.limit", "this._retryCount < this._options.retry.limit")
    found = [f for f in findings(tmp_path, "source/core/Ky.ts", KY, after) if f.kind == "retry.changed"]
    # reported at the changed condition (retry logic) or at its function (a JS policy function, round 5)
    assert len(found) == 1 and found[0].line in (4, 6)


POLICY = '''class SimpleRetryPolicy:
    def __init__(self, max_attempts=3):
        self.max_attempts = max_attempts

    def can_retry(self, context):
        return context.attempt < self.max_attempts and not context.exhausted
'''


def test_a_field_read_through_a_getter_is_no_retry_change(tmp_path):
    after = POLICY.replace("context.attempt < self.max_attempts", "context.attempt < self.get_max_attempts()") + (
        "\n    def get_max_attempts(self):\n        return self.max_attempts\n")
    assert not kinds(findings(tmp_path, "retry/policy.py", POLICY, after))
    after = POLICY.replace("context.attempt < self.max_attempts", "context.attempt <= self.max_attempts")
    assert kinds(findings(tmp_path, "retry/policy.py", POLICY, after)) == {"retry.changed"}


# -- a flag flipped in a method is state, not a setting -----------------------------------------------------

@pytest.mark.parametrize("language,text,expected", [
    ("java", """class Execution {
    private boolean retryRequested;
    Execution() { this.retryRequested = false; }
    void reset() { this.retryRequested = false; }
}
""", [3]),
    ("python", """class Consumer:
    def __init__(self):
        self.reconnect = True

    def stop(self):
        self.reconnect = False
""", [3]),
    ("typescript", """class Client {
  constructor() { this.reconnect = false; }
  end() { this.reconnect = true; }
}
""", [2]),
])
def test_a_boolean_flag_set_in_a_method_is_state_in_a_constructor_a_default(language, text, expected):
    tree = syntax.parse(text, language)
    found = settings.scan(syntax.Source("f", "post", language, text, tree)).constructs
    assert sorted(c.line for c in found if c.value in ("true", "false", "True", "False")) == expected


# -- an error's Timeout() says what failed, not how long anything waits ------------------------------------

SHOULD_RETRY = """package redis

func shouldRetry(err error, retryTimeout bool) bool {
	if err == io.EOF {
		return true
	}
	return false
}

func deadline(ctx context.Context, timeout time.Duration) time.Time {
	if timeout > 0 {
		return time.Now().Add(timeout)
	}
	return time.Time{}
}
"""


def test_an_errors_timeout_method_is_not_timeout_logic(tmp_path):
    after = SHOULD_RETRY.replace("""	if err == io.EOF {
		return true
	}
""", """	if err == io.EOF {
		return true
	}
	if netErr, ok := err.(net.Error); ok && netErr.Timeout() {
		return retryTimeout
	}
""")
    assert not {k for k in kinds(findings(tmp_path, "command.go", SHOULD_RETRY, after)) if k.startswith("timeout.")}


def test_a_changed_timeout_comparison_is_timeout_logic(tmp_path):
    after = SHOULD_RETRY.replace("if timeout > 0 {", "if timeout >= 0 {")
    found = findings(tmp_path, "command.go", SHOULD_RETRY, after)
    assert [(f.kind, f.line) for f in found] == [("timeout.changed", 11)]


# -- defaults the library defines itself ---------------------------------------------------------------------

OKHTTP_JAVA = """package okhttp3;

public class OkHttpClient {
  public static final class Builder {
    boolean retryOnConnectionFailure;
    int connectTimeout;

    public Builder() {
      retryOnConnectionFailure = true;
      connectTimeout = 10_000;
    }
  }
}
"""


def test_a_field_default_set_in_a_constructor_is_a_setting():
    found = {(c.kind, c.target, c.value) for c in settings.scan(syntax.Source(
        "f", "post", "java", OKHTTP_JAVA, syntax.parse(OKHTTP_JAVA, "java"))).constructs}
    assert found == {("retry", "retryOnConnectionFailure", "true"), ("timeout", "connectTimeout", "10_000")}


def test_a_constructor_default_changed_is_a_change(tmp_path):
    after = OKHTTP_JAVA.replace("connectTimeout = 10_000;", "connectTimeout = 30_000;")
    found = findings(tmp_path, "okhttp/src/main/java/okhttp3/OkHttpClient.java", OKHTTP_JAVA, after)
    assert [(f.kind, f.line) for f in found] == [("timeout.changed", 10)]


FASTIFY_SCHEMA = """const schema = {
  type: 'object',
  properties: {
    pluginTimeout: { type: 'integer', default: 10000 },
    bodyLimit: { type: 'integer', default: 1048576 }
  }
}
module.exports = schema
"""
FASTIFY_DEFAULTS = """const defaultInitOptions = {
  pluginTimeout: 10000,
  bodyLimit: 1048576
}
const schema = {
  type: 'object',
  properties: {
    pluginTimeout: { type: 'integer', default: defaultInitOptions.pluginTimeout },
    bodyLimit: { type: 'integer', default: defaultInitOptions.bodyLimit }
  }
}
module.exports = schema
"""


def test_a_schema_default_moved_into_a_defaults_object_is_no_change(tmp_path):
    assert not kinds(findings(tmp_path, "lib/config.js", FASTIFY_SCHEMA, FASTIFY_DEFAULTS))
    raised = FASTIFY_DEFAULTS.replace("pluginTimeout: 10000,", "pluginTimeout: 60000,")
    assert "timeout.changed" in kinds(findings(tmp_path, "lib/config.js", FASTIFY_SCHEMA, raised))


def test_a_circuit_breakers_reset_timeout_is_not_a_timeout():
    text = """public class CircuitBreakerRetryPolicy {
    private long resetTimeout = 20000;
    private long connectTimeout = 5000;
}
"""
    found = settings.scan(syntax.Source("f", "post", "java", text, syntax.parse(text, "java"))).constructs
    assert [c.target for c in found] == ["connectTimeout"]


def test_applying_another_timeout_is_a_change_renaming_one_is_not(tmp_path):
    before = """class ExecRuntime {
    void upgradeTls(Endpoint endpoint, RequestConfig config) {
        final Timeout connectTimeout = config.getConnectTimeout();
        if (connectTimeout != null) {
            endpoint.setSocketTimeout(connectTimeout);
        }
    }
}
"""
    other = before.replace("if (connectTimeout != null)", "if (responseTimeout != null)").replace(
        "final Timeout connectTimeout = config.getConnectTimeout();",
        "final Timeout responseTimeout = config.getResponseTimeout();")
    assert "timeout.changed" in kinds(findings(tmp_path / "a", "src/ExecRuntime.java", before, other))
    renamed = before.replace("connectTimeout", "connectTimeoutValue")
    assert not kinds(findings(tmp_path / "b", "src/ExecRuntime.java", before, renamed))


# -- renames, new plumbing, build scripts ---------------------------------------------------------------------

def test_a_setting_renamed_with_its_value_kept_is_no_change(tmp_path):
    before = """class CIOEngineConfig {
    var maxConnectionsCount: Int = 1000
    var connectRetryAttempts: Int = 1
    var requestTimeout: Long = 15000
}
"""
    after = before.replace("connectRetryAttempts", "connectAttempts")
    assert not kinds(findings(tmp_path / "a", "cio/CIOEngineConfig.kt", before, after))
    changed = before.replace("connectRetryAttempts: Int = 1", "connectAttempts: Int = 3")
    assert kinds(findings(tmp_path / "b", "cio/CIOEngineConfig.kt", before, changed)) & {"retry.added", "retry.changed"}


def test_a_new_file_passing_a_timeout_through_is_no_timeout_change(tmp_path):
    negotiator = """package org.acme.client;

final class Http2Negotiator {
    private final IOSession session;
    private final Timeout timeout;

    Http2Negotiator(IOSession session, Timeout timeout) {
        this.session = session;
        this.timeout = timeout;
    }

    void start() {
        session.setSocketTimeout(timeout);
    }
}
"""
    repo_dir = init_repo(tmp_path / "repo")
    base = commit(repo_dir, {"README.md": "x\n"}, "base", T0)
    head = commit(repo_dir, {"src/main/java/org/acme/client/Http2Negotiator.java": negotiator}, "add", T0 + 60)
    found = extract(change_from_range(GitRepo(repo_dir), base, head, Limits()), Context()).findings
    assert not kinds(found)
    fixed = negotiator.replace("session.setSocketTimeout(timeout);", "session.setSocketTimeout(Timeout.ofSeconds(30));")
    head2 = commit(repo_dir, {"src/main/java/org/acme/client/Http2Negotiator.java": fixed}, "fix", T0 + 120)
    found = extract(change_from_range(GitRepo(repo_dir), head, head2, Limits()), Context()).findings
    assert "timeout.changed" in kinds(found) or "timeout.added" in kinds(found)


def test_a_build_scripts_timeout_is_not_the_products(tmp_path):
    before = 'tasks.withType<Test> {\n    maxParallelForks = 2\n}\n'
    after = 'tasks.withType<Test> {\n    maxParallelForks = 2\n    timeout = Duration.ofMinutes(30)\n}\n'
    assert not kinds(findings(tmp_path / "a", "okhttp/build.gradle.kts", before, after))
    assert kinds(findings(tmp_path / "b", "okhttp/src/Config.kt", before, after)) == {"timeout.added"}


# -- what a name says -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,kind", [
    ("keepalive", "timeout"),  # its value says when a silent peer is dropped (see the logic test below)
    ("keepAliveTimeout", "timeout"),
    ("keep_alive_timeout", "timeout"),
    ("DialerRetryTimeout", "retry"),  # the wait between dial attempts
    ("retry_on_timeout", "retry"),
    ("attemptStartTime", None),  # a timestamp
    ("time_since_first_attempt", None),
    ("retryAndFollowUpInterceptor", None),  # a component
    ("resetTimeout", None),  # a circuit breaker's open period
    ("maxAttempts", "retry"),
    ("connectTimeoutMillis", "timeout"),
    ("RETRYABLE_STATUS_CODES", "retry"),  # which failures are retried
    ("retriableExceptions", "retry"),
    ("retry_on_status", "retry"),
    ("retryableError", None),  # a flag on one error
    ("isRetryableError", None),
    ("retryError", None),
])
def test_what_a_name_says(name, kind):
    assert settings.classify(name) == kind


# -- Go: waiting in a select between attempts ---------------------------------------------------------------------

GO_SELECT_RETRY = """package client

func (c *Client) fetch(ctx context.Context) error {
	for i := 0; i < 5; i++ {
		err := c.call(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(i) * 100 * time.Millisecond):
		}
	}
	return errGaveUp
}

func (c *Client) wait(ch chan int) error {
	select {
	case <-ch:
		return nil
	case <-time.After(5 * time.Second):
		return errTimeout
	}
}
"""


def test_go_select_on_time_after_is_a_wait_in_a_retry_loop_and_a_timeout_when_it_gives_up():
    found = {(c.kind, c.library, c.line, c.backoff, c.seconds) for c in scan(GO_SELECT_RETRY, "go").constructs}
    assert found == {("retry", "loop", 4, "fixed", None), ("timeout", "time.After", 22, None, 5.0)}


def test_go_select_wait_added_to_a_retry_loop_is_a_retry_change_not_a_timeout(tmp_path):
    before = GO_SELECT_RETRY.replace("""		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(i) * 100 * time.Millisecond):
		}
""", "")
    # the wait added between attempts is a backoff change, not a timeout
    found = kinds(findings(tmp_path / "b", "client.go", before, GO_SELECT_RETRY))
    assert "retry.changed" in found and not {k for k in found if k.startswith("timeout.")}


# -- JavaScript: trying again later by timer -------------------------------------------------------------------------

JS_TIMERS = """class MqttClient {
  _setupReconnect () {
    if (!this.disconnecting && !this.reconnectTimer && (this.options.reconnectPeriod > 0)) {
      this.reconnectTimer = setInterval(() => { this._reconnect() }, this.options.reconnectPeriod)
    }
  }
}
function connect (url, delay) {
  try {
    return open(url)
  } catch (err) {
    setTimeout(() => connect(url, delay * 2), delay)
  }
}
function poll () {
  check()
  setTimeout(poll, 1000)
}
function heartbeat (socket) {
  setTimeout(() => socket.ping(), 30000)
}
"""


@pytest.mark.parametrize("language", ["javascript", "typescript"])
def test_js_reconnect_timer_and_rescheduling_on_failure_are_retries_a_poll_is_not(language):
    found = [(c.library, c.line) for c in scan(JS_TIMERS, language).constructs if c.kind == "retry"]
    assert found == [("setTimeout", 4), ("setTimeout", 12)]


def test_js_reconnect_period_changed_is_a_retry_change(tmp_path):
    after = JS_TIMERS.replace("this._reconnect() }, this.options.reconnectPeriod)",
                              "this._reconnect() }, this.options.reconnectPeriod * 2)")
    found = findings(tmp_path, "lib/client.js", JS_TIMERS, after)
    assert [f.kind for f in found if f.kind.startswith("retry.")] == ["retry.changed"]


def test_a_new_option_next_to_another_is_added_not_that_one_changed(tmp_path):
    before = """const defaults = {
  connectionTimeout: 0,
  keepAliveTimeout: 72000,
  pluginTimeout: 10000
}
"""
    after = before.replace("  pluginTimeout: 10000\n", "  pluginTimeout: 10000,\n  requestTimeout: 0\n")
    found = findings(tmp_path, "fastify.js", before, after)
    # a new option defaulting to "no timeout" keeps what the server did before: added, not unbounded
    assert [(f.kind, f.line) for f in found] == [("timeout.added", 5)]


MQTT = """class MqttClient {
  constructor (options) {
    this.options = options
    this.options.keepalive = 60
  }
  _setupPingTimer () {
    if (!this.pingTimer && this.options.keepalive) {
      this.pingTimer = setInterval(() => this._checkPing(), this.options.keepalive * 1000)
    }
  }
}
"""


def test_a_keepalive_value_changed_is_a_timeout_change_its_ping_schedule_is_not(tmp_path):
    raised = MQTT.replace("this.options.keepalive = 60", "this.options.keepalive = 10")
    assert kinds(findings(tmp_path / "a", "lib/client.js", MQTT, raised)) == {"timeout.changed"}
    halved = MQTT.replace("this.options.keepalive * 1000)", "this.options.keepalive * 500)")
    assert not kinds(findings(tmp_path / "b", "lib/client.js", MQTT, halved))
    flag = "class S {\n  start () {\n    if (this.tcpKeepAlive) {\n      this.socket.setKeepAlive(true)\n    }\n  }\n}\n"
    assert not kinds(findings(tmp_path / "c", "src/server.js", flag, flag.replace("if (this.tcpKeepAlive)",
                                                                             "if (this.tcpKeepAlive && !this.closed)")))
