"""Stop 28: durations compared by what they mean, not as written (``features/resilience/durations.py``).

A refactor that keeps every wait rewrites how its durations are written: a setting renamed to carry
its unit (``RetryDelayMillis: 500`` -> ``RetryDelay: 500 * time.Millisecond``, ``timeout_ms=5000`` ->
``timeout=5.0``), a ``long`` with a ``TimeUnit`` turned into a ``Duration``, arithmetic folded
(``2 * 1000`` -> ``2000``). Compared as written each was a changed, or a removed and an added, retry
or timeout setting. Each shape below, per language, from realistic code in a real git history with real
tree-sitter parses, next to the change of the same shape that must still fire: the same rewrite with
another duration, a unit the language does not make certain (a Kotlin ``Long``, a Go bare number), a
count or a ratio that is no duration."""

from __future__ import annotations

import pytest

from mergeguard.features import syntax
from mergeguard.features.resilience import durations, settings
from tests.retry_changes import file_findings, kinds

CHANGES = {"retry.added", "retry.removed", "retry.changed", "timeout.added", "timeout.removed", "timeout.changed"}


def changes(found) -> set[str]:
    return kinds(found) & CHANGES


def setting_durations(language: str, text: str) -> dict[str, float | None]:
    """Each setting's target -> its duration, as the settings scan of one parsed image reads it."""
    src = syntax.Source("x", "post", language, text, syntax.parse(text, language))
    return {c.target: c.duration for c in settings.scan(src).constructs}


# -- the normaliser, on parsed values ------------------------------------------------------------------

@pytest.mark.parametrize("language,text,name,seconds", [
    ("go", "package p\n\nconst RetryWaitMin = 500 * time.Millisecond\n", "RetryWaitMin", 0.5),
    ("go", "package p\n\nconst RetryWaitMin = time.Second / 2\n", "RetryWaitMin", 0.5),
    ("go", "package p\n\nconst RetryWaitMax = time.Minute + 30*time.Second\n", "RetryWaitMax", 90.0),
    ("go", "package p\n\nconst RetryWaitMillis = 500\n", "RetryWaitMillis", 0.5),
    ("java", "class C { static final Duration RETRY_DELAY = Duration.ofMillis(1500); }", "RETRY_DELAY", 1.5),
    ("java", "class C { static final Duration RETRY_DELAY = Duration.of(2, ChronoUnit.SECONDS); }", "RETRY_DELAY",
     2.0),
    ("java", "class C { static final long RETRY_DELAY_MS = TimeUnit.SECONDS.toMillis(2); }", "RETRY_DELAY_MS", 2.0),
    ("kotlin", "val retryDelay = 750.milliseconds\n", "retryDelay", 0.75),
    ("kotlin", "val retryDelay = 2.toDuration(DurationUnit.SECONDS)\n", "retryDelay", 2.0),
    ("kotlin", "val retryDelayMs = 5.seconds.inWholeMilliseconds\n", "retryDelayMs", 5.0),
    ("python", "RETRY_BACKOFF = timedelta(seconds=1, milliseconds=500)\n", "RETRY_BACKOFF", 1.5),
    ("python", "RETRY_BACKOFF = timedelta(0, 90)\n", "RETRY_BACKOFF", 90.0),  # positional: days, seconds
    ("python", "RETRY_DELAY = 0.5\n", "RETRY_DELAY", 0.5),  # Python waits in seconds
    ("javascript", "const RETRY_DELAY = 2 * 1000;\n", "RETRY_DELAY", 2.0),  # JavaScript in milliseconds
    ("typescript", "const retryDelayMs: number = 1500;\n", "retryDelayMs", 1.5),
    ("javascript", "const RETRY_BASE_DELAY = 100;\n", "RETRY_BASE_DELAY", 0.1),
])
def test_a_written_duration_is_read_in_seconds(language, text, name, seconds):
    assert setting_durations(language, text)[name] == pytest.approx(seconds)


@pytest.mark.parametrize("language,text,name", [
    ("go", "package p\n\nconst RetryWaitMin = 500\n", "RetryWaitMin"),  # nanoseconds or a count: not certain
    ("java", "class C { static final long RETRY_DELAY = 500L; }", "RETRY_DELAY"),  # ms or s, as each API says
    ("kotlin", "val retryDelay = 500L\n", "retryDelay"),
    ("python", "MAX_RETRIES = 3\n", "MAX_RETRIES"),  # a count, not a duration
    ("javascript", "const RETRY_BACKOFF_MULTIPLIER = 2;\n", "RETRY_BACKOFF_MULTIPLIER"),  # a ratio
    ("javascript", "const mqttOptions = {reconnectPeriod: 1000, keepalive: 60};\n", "keepalive"),  # MQTT: seconds
])
def test_a_duration_whose_unit_is_not_certain_is_none(language, text, name):
    assert setting_durations(language, text)[name] is None


def test_same_is_equality_to_rounding_and_never_of_an_unknown():
    assert durations.same(0.3, 300 * 1e-3) and not durations.same(0.3, 0.5)
    assert not durations.same(None, None) and not durations.same(0.5, None)


def test_unit_of_name_reads_the_last_unit_word():
    assert durations.unit_of_name("keepAliveTimeoutMs") == 1e-3
    assert durations.unit_of_name("RETRY_DELAY_SECONDS") == 1.0
    assert durations.unit_of_name("InitialIntervalMillis") == 1e-3
    assert durations.unit_of_name("retryDelay") is None


# -- Go ---------------------------------------------------------------------------------------------

CLIENT_GO = '''package retryablehttp

import (
	"net/http"
	"time"
)

var (
	defaultRetryWaitMin = 1 * time.Second
	defaultRetryWaitMax = 30 * time.Second
)

type Config struct {
	RetryWaitMinMillis int64
	RetryMax           int
}

func NewClient() *Client {
	return &Client{
		HTTPClient: &http.Client{},
		Config: Config{
			RetryWaitMinMillis: 500,
			RetryMax:           4,
		},
	}
}

func (c *Client) backoff(attempt int) time.Duration {
	min := time.Duration(c.Config.RetryWaitMinMillis) * time.Millisecond
	return min << uint(attempt)
}
'''

CLIENT_GO_DURATION = CLIENT_GO.replace("RetryWaitMinMillis int64", "RetryWaitMin       time.Duration").replace(
    "RetryWaitMinMillis: 500,", "RetryWaitMin:       500 * time.Millisecond,").replace(
    "min := time.Duration(c.Config.RetryWaitMinMillis) * time.Millisecond", "min := c.Config.RetryWaitMin")


def test_go_millis_field_turned_into_a_duration_with_the_same_wait_is_no_retry_change(tmp_path):
    found = file_findings(tmp_path, "client.go", CLIENT_GO, CLIENT_GO_DURATION)
    assert not [f for f in found if f.kind.startswith("retry.") and "RetryWaitMin" in f.message]


def test_go_millis_field_turned_into_a_duration_with_another_wait_still_changes(tmp_path):
    after = CLIENT_GO_DURATION.replace("500 * time.Millisecond", "2 * time.Second")
    found = file_findings(tmp_path, "client.go", CLIENT_GO, after)
    assert any(f.kind in ("retry.removed", "retry.added", "retry.changed") and "RetryWaitMin" in f.message
               for f in found)


def test_go_duration_written_otherwise_is_no_change_but_another_duration_is(tmp_path):
    before = CLIENT_GO.replace("defaultRetryWaitMin = 1 * time.Second", "defaultRetryWaitMin = 1500 * time.Millisecond")
    same = before.replace("1500 * time.Millisecond", "time.Second + 500*time.Millisecond")
    assert changes(file_findings(tmp_path / "a", "client.go", before, same)) == set()
    other = before.replace("1500 * time.Millisecond", "time.Second + 750*time.Millisecond")
    assert "retry.changed" in changes(file_findings(tmp_path / "b", "client.go", before, other))


# -- Java ---------------------------------------------------------------------------------------------

POLICY_JAVA = '''package dev.failsafe.example;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

public final class RetryDefaults {
  private static final int MAX_RETRIES = 3;
  private static final long RETRY_DELAY_MS = 200;
  private static final long CONNECT_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(10);

  private RetryDefaults() {
  }

  public static RetryPolicy<Object> policy() {
    return RetryPolicy.builder()
        .withMaxRetries(MAX_RETRIES)
        .withDelay(RETRY_DELAY_MS, TimeUnit.MILLISECONDS)
        .build();
  }
}
'''

POLICY_JAVA_DURATION = POLICY_JAVA.replace(
    "private static final long RETRY_DELAY_MS = 200;",
    "private static final Duration RETRY_DELAY = Duration.ofMillis(200);").replace(
    "private static final long CONNECT_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(10);",
    "private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);").replace(
    ".withDelay(RETRY_DELAY_MS, TimeUnit.MILLISECONDS)", ".withDelay(RETRY_DELAY)")


def test_java_long_and_time_unit_turned_into_a_duration_is_no_change(tmp_path):
    assert changes(file_findings(tmp_path, "src/main/java/RetryDefaults.java", POLICY_JAVA,
                                 POLICY_JAVA_DURATION)) == set()


def test_java_long_turned_into_a_duration_of_another_length_still_changes(tmp_path):
    after = POLICY_JAVA_DURATION.replace("Duration.ofMillis(200)", "Duration.ofMillis(500)").replace(
        "Duration.ofSeconds(10)", "Duration.ofSeconds(30)")
    found = changes(file_findings(tmp_path, "src/main/java/RetryDefaults.java", POLICY_JAVA, after))
    assert {"retry.changed", "timeout.changed"} <= found


CONNECTION_JAVA = '''package io.example.client;

import java.util.concurrent.TimeUnit;

final class Connections {
  static ConnectionOptions options() {
    return ConnectionOptions.builder()
        .maxReconnects(60)
        .reconnectWait(2000, TimeUnit.MILLISECONDS)
        .connectTimeout(5000, TimeUnit.MILLISECONDS)
        .build();
  }
}
'''


def test_java_builder_given_its_time_unit_otherwise_is_no_change(tmp_path):
    after = CONNECTION_JAVA.replace(".reconnectWait(2000, TimeUnit.MILLISECONDS)", ".reconnectWait(2, TimeUnit.SECONDS)")
    assert changes(file_findings(tmp_path, "src/main/java/Connections.java", CONNECTION_JAVA, after)) == set()


def test_java_builder_given_another_time_unit_still_changes(tmp_path):
    # the number as written stays; the unit beside it makes the wait 1,000 times longer
    after = CONNECTION_JAVA.replace(".reconnectWait(2000, TimeUnit.MILLISECONDS)", ".reconnectWait(2000, TimeUnit.SECONDS)")
    assert "retry.changed" in changes(file_findings(tmp_path, "src/main/java/Connections.java", CONNECTION_JAVA,
                                                    after))


# -- Kotlin -------------------------------------------------------------------------------------------

RECONNECT_KT = '''package io.example.client

import kotlinx.coroutines.delay

class ReconnectPolicy {
    val maxReconnectAttempts = 5
    val reconnectDelayMillis = 1500L

    suspend fun <T> run(block: suspend () -> T): T {
        var attempt = 0
        while (true) {
            try {
                return block()
            } catch (cause: java.io.IOException) {
                if (++attempt >= maxReconnectAttempts) throw cause
                delay(reconnectDelayMillis)
            }
        }
    }
}
'''

RECONNECT_KT_DURATION = RECONNECT_KT.replace(
    "val reconnectDelayMillis = 1500L", "val reconnectDelay = 1500.milliseconds").replace(
    "delay(reconnectDelayMillis)", "delay(reconnectDelay)").replace(
    "import kotlinx.coroutines.delay\n", "import kotlinx.coroutines.delay\nimport kotlin.time.Duration.Companion.milliseconds\n")


def test_kotlin_millis_long_turned_into_a_duration_is_no_retry_change(tmp_path):
    assert changes(file_findings(tmp_path, "client/src/ReconnectPolicy.kt", RECONNECT_KT,
                                 RECONNECT_KT_DURATION)) == set()


def test_kotlin_millis_long_turned_into_a_duration_of_another_length_still_changes(tmp_path):
    after = RECONNECT_KT_DURATION.replace("1500.milliseconds", "3.seconds")
    assert changes(file_findings(tmp_path, "client/src/ReconnectPolicy.kt", RECONNECT_KT, after))


def test_kotlin_bare_long_turned_into_a_duration_is_still_a_change(tmp_path):
    # ``reconnectDelay = 1500L`` names no unit and Kotlin has no convention: milliseconds is a guess
    before = RECONNECT_KT.replace("reconnectDelayMillis", "reconnectDelay")
    assert changes(file_findings(tmp_path, "client/src/ReconnectPolicy.kt", before, RECONNECT_KT_DURATION))


# -- Python -------------------------------------------------------------------------------------------

CONFIG_PY = '''from dataclasses import dataclass


@dataclass(frozen=True)
class RetryConfig:
    max_attempts: int = 3
    backoff_ms: int = 500
    request_timeout_ms: int = 5000


class Session:
    def __init__(self, base_url, retry_delay_ms=250):
        self.base_url = base_url
        self.retry_delay_ms = retry_delay_ms
'''

CONFIG_PY_SECONDS = CONFIG_PY.replace("backoff_ms: int = 500", "backoff: timedelta = timedelta(milliseconds=500)").replace(
    "request_timeout_ms: int = 5000", "request_timeout: float = 5.0").replace(
    "retry_delay_ms=250", "retry_delay=0.25").replace(
    "self.retry_delay_ms = retry_delay_ms", "self.retry_delay = retry_delay").replace(
    "from dataclasses import dataclass\n", "from dataclasses import dataclass\nfrom datetime import timedelta\n")


def test_python_milliseconds_renamed_to_seconds_with_the_same_waits_is_no_change(tmp_path):
    assert changes(file_findings(tmp_path, "client/config.py", CONFIG_PY, CONFIG_PY_SECONDS)) == set()


def test_python_milliseconds_renamed_to_seconds_with_other_waits_still_changes(tmp_path):
    after = CONFIG_PY_SECONDS.replace("timedelta(milliseconds=500)", "timedelta(seconds=5)").replace(
        "request_timeout: float = 5.0", "request_timeout: float = 0.5").replace("retry_delay=0.25", "retry_delay=0.5")
    found = file_findings(tmp_path, "client/config.py", CONFIG_PY, after)
    assert {"retry.changed", "timeout.changed"} <= changes(found)
    assert any("retry_delay" in f.message for f in found)  # the option's default too


def test_python_timedelta_written_otherwise_is_no_change_but_another_is(tmp_path):
    before = "from datetime import timedelta\n\nRETRY_BACKOFF = timedelta(milliseconds=1500)\n"
    same = "from datetime import timedelta\n\nRETRY_BACKOFF = timedelta(seconds=1, milliseconds=500)\n"
    assert changes(file_findings(tmp_path / "a", "pkg/policy.py", before, same)) == set()
    other = "from datetime import timedelta\n\nRETRY_BACKOFF = timedelta(seconds=1, milliseconds=800)\n"
    assert "retry.changed" in changes(file_findings(tmp_path / "b", "pkg/policy.py", before, other))


def test_python_milliseconds_name_dropped_without_converting_is_a_change(tmp_path):
    # ``retry_delay_ms = 500`` -> ``retry_delay = 500``: 500 ms became 500 s
    before = "RETRY_DELAY_MS = 500\n"
    assert changes(file_findings(tmp_path, "pkg/policy.py", before, "RETRY_DELAY = 500\n"))


# -- JavaScript / TypeScript ------------------------------------------------------------------------

QUEUE_JS = '''const RETRY_DELAY = 2 * 1000;
const MAX_RETRIES = 5;

class Queue {
	constructor(options = {}) {
		this.retryDelay = options.retryDelay ?? RETRY_DELAY;
		this.maxRetries = options.maxRetries ?? MAX_RETRIES;
	}

	schedule(job, attempt) {
		if (attempt >= this.maxRetries) {
			return false;
		}
		setTimeout(() => this.run(job, attempt + 1), this.retryDelay * 2 ** attempt);
		return true;
	}
}

module.exports = Queue;
'''


def test_js_delay_folded_to_the_same_milliseconds_is_no_retry_change(tmp_path):
    after = QUEUE_JS.replace("const RETRY_DELAY = 2 * 1000;", "const RETRY_DELAY = 2000;")
    assert changes(file_findings(tmp_path, "lib/queue.js", QUEUE_JS, after)) == set()


def test_js_delay_folded_to_another_number_still_changes(tmp_path):
    after = QUEUE_JS.replace("const RETRY_DELAY = 2 * 1000;", "const RETRY_DELAY = 3000;")
    assert "retry.changed" in changes(file_findings(tmp_path, "lib/queue.js", QUEUE_JS, after))


def test_js_count_written_otherwise_keeps_its_rule(tmp_path):
    # a count is no duration: ``5`` -> ``4 + 1`` is compared as written, as before
    after = QUEUE_JS.replace("const MAX_RETRIES = 5;", "const MAX_RETRIES = 4 + 1;")
    assert "retry.changed" in changes(file_findings(tmp_path, "lib/queue.js", QUEUE_JS, after))


AGENT_TS = '''import {Agent} from 'node:http';

export interface AgentOptions {
	keepAliveTimeoutMs?: number;
	retryDelayMs?: number;
}

export const defaults = {
	keepAliveTimeoutMs: 4_000,
	retryDelayMs: 250,
};

export function createAgent(options: AgentOptions = {}): Agent {
	const {keepAliveTimeoutMs, retryDelayMs} = {...defaults, ...options};
	return new Agent({keepAlive: true, timeout: keepAliveTimeoutMs, maxSockets: retryDelayMs > 0 ? 64 : 1});
}
'''

AGENT_TS_UNITLESS = AGENT_TS.replace("keepAliveTimeoutMs", "keepAliveTimeout").replace("retryDelayMs", "retryDelay")


def test_ts_ms_suffix_dropped_with_the_same_milliseconds_is_no_change(tmp_path):
    assert changes(file_findings(tmp_path, "src/agent.ts", AGENT_TS, AGENT_TS_UNITLESS)) == set()


def test_ts_ms_suffix_dropped_with_another_number_still_changes(tmp_path):
    after = AGENT_TS_UNITLESS.replace("retryDelay: 250", "retryDelay: 100")
    assert changes(file_findings(tmp_path, "src/agent.ts", AGENT_TS, after))


# -- Go: a backoff policy's fields and their defaults re-typed from milliseconds to time.Duration ----------

BACKOFF_GO = '''package backoff

import "time"

type ExponentialBackOff struct {
	InitialIntervalMillis int64
	Multiplier            float64
	MaxIntervalMillis     int64
}

const (
	DefaultInitialIntervalMillis int64   = 500
	DefaultMultiplier            float64 = 1.5
	DefaultMaxIntervalMillis     int64   = 60000
)

func NewExponentialBackOff() *ExponentialBackOff {
	return &ExponentialBackOff{
		InitialIntervalMillis: DefaultInitialIntervalMillis,
		Multiplier:            DefaultMultiplier,
		MaxIntervalMillis:     DefaultMaxIntervalMillis,
	}
}
'''

BACKOFF_GO_DURATION = BACKOFF_GO.replace("\tInitialIntervalMillis int64", "\tInitialInterval       time.Duration").replace(
    "\tMaxIntervalMillis     int64", "\tMaxInterval           time.Duration").replace(
    "DefaultInitialIntervalMillis int64   = 500", "DefaultInitialInterval       = 500 * time.Millisecond").replace(
    "DefaultMaxIntervalMillis     int64   = 60000", "DefaultMaxInterval           = time.Minute").replace(
    "InitialIntervalMillis: DefaultInitialIntervalMillis", "InitialInterval:       DefaultInitialInterval").replace(
    "MaxIntervalMillis:     DefaultMaxIntervalMillis", "MaxInterval:           DefaultMaxInterval")


def test_go_policy_defaults_re_typed_as_durations_of_the_same_length_are_no_retry_change(tmp_path):
    assert changes(file_findings(tmp_path, "exponential.go", BACKOFF_GO, BACKOFF_GO_DURATION)) == set()


def test_go_policy_default_re_typed_with_another_length_still_changes_that_field_only(tmp_path):
    after = BACKOFF_GO_DURATION.replace("DefaultMaxInterval           = time.Minute",
                                        "DefaultMaxInterval           = 2 * time.Minute")
    found = [f for f in file_findings(tmp_path, "exponential.go", BACKOFF_GO, after) if f.kind in CHANGES]
    assert {f.kind for f in found} == {"retry.changed"}
    assert all("MaxInterval" in f.message and "InitialInterval" not in f.message for f in found)


def test_go_default_typed_as_a_duration_but_left_a_bare_number_is_a_change(tmp_path):
    # ``DefaultInitialInterval time.Duration = 500`` is 500 nanoseconds, not 500 milliseconds
    after = BACKOFF_GO_DURATION.replace("DefaultInitialInterval       = 500 * time.Millisecond",
                                        "DefaultInitialInterval time.Duration = 500")
    found = [f for f in file_findings(tmp_path, "exponential.go", BACKOFF_GO, after) if f.kind in CHANGES]
    assert [f.kind for f in found] == ["retry.changed"] and "InitialInterval" in found[0].message


def test_unitless_names_a_setting_without_the_unit_it_carries():
    assert durations.unitless("InitialIntervalMillis") == "InitialInterval"
    assert durations.unitless("ExponentialBackOff.MaxIntervalMillis") == "ExponentialBackOff.MaxInterval"
    assert durations.unitless("timeout_ms") == "timeout" and durations.unitless("RETRY_DELAY_IN_MS") == "RETRY_DELAY"
    assert durations.unitless("Timeouts") == "Timeouts" and durations.unitless("ms") == "ms"
    assert durations.unitless("RetryWaitMin") == "RetryWaitMin"  # a minimum, not minutes


def test_timedelta_reads_positional_arguments_in_the_constructors_order():
    # ``timedelta(0, 30)`` is 30 seconds (days, seconds, ...), not 30 days; an unknown keyword is no duration
    for text, seconds in (("timedelta(0, 30)", 30.0), ("timedelta(1)", 86400.0), ("timedelta(0, 1, 0, 500)", 1.5),
                          ("timedelta(minutes=2, seconds=5)", 125.0), ("timedelta(fortnights=1)", None)):
        call = syntax.parse(text + "\n", "python").root_node.named_children[0].named_children[0]
        number = lambda n: float(syntax.node_text(n)) if n.type in ("integer", "float") else None  # noqa: E731
        assert durations.timedelta_seconds(syntax.arguments(call, "python"), number) == seconds, text
