"""Stop 28: a setting's default written otherwise, meaning exactly the same (``features/resilience/defaults.py``).

``typeof x === 'undefined' ? d : x`` is ``x === undefined ? d : x``; a test turned round (``x != null ? x :
d``, ``x if x is not None else d``) is the same test; in JavaScript a loose ``x == null ? d : x`` is ``x ??
d``. Each reads as the setting's default ``d`` in both images, compared as one text. A strict undefined
check rewritten as ``??`` lets ``null`` through differently, so it stays a change, as ``x || d`` -> ``x ??
d`` does (0 and ``false`` differ). Real git histories and tree-sitter parses; each rewrite next to the
same rewrite with another default."""

from __future__ import annotations

import pytest

from mergeguard.features import syntax
from mergeguard.features.resilience import defaults
from tests.retry_changes import file_findings, kinds

CHANGES = {"retry.added", "retry.removed", "retry.changed", "timeout.added", "timeout.removed", "timeout.changed"}


def changes(found) -> set[str]:
    return kinds(found) & CHANGES


def value_node(language: str, text: str):
    """The value of the first ``=`` binding in ``text``, parsed."""
    tree = syntax.parse(text, language)
    for n in syntax.walk(tree.root_node):
        if n.type in ("ternary_expression", "conditional_expression"):
            return n
    raise AssertionError("no conditional in " + text)


@pytest.mark.parametrize("language,text,default", [
    ("typescript", "const t = typeof o.timeout === 'undefined' ? 10_000 : o.timeout;", "10_000"),
    ("typescript", "const t = o.timeout !== undefined ? o.timeout : 10_000;", "10_000"),
    ("javascript", "const r = o.retry == null ? 2 : o.retry;", "2"),
    ("java", "class C { int r = b.maxRetries != null ? b.maxRetries : 3; }", "3"),
    ("python", "t = 30 if timeout is None else timeout\n", "30"),
])
def test_a_conditional_that_tests_for_a_missing_value_has_a_default(language, text, default):
    assert syntax.node_text(defaults.default_of(value_node(language, text), language)) == default


@pytest.mark.parametrize("language,text", [
    ("typescript", "const t = o.timeout > 0 ? o.timeout : 10_000;"),  # a clamp, not a default
    ("typescript", "const t = o.timeout === null ? 10_000 : o.timeout;"),  # strict null: undefined passes through
    ("typescript", "const t = o.timeout === undefined ? 10_000 : o.other;"),  # the other branch is not the value
    ("python", "t = 30 if timeout else timeout\n"),
])
def test_a_conditional_that_does_not_default_a_missing_value_has_none(language, text):
    assert defaults.default_of(value_node(language, text), language) is None


# -- TypeScript / JavaScript ---------------------------------------------------------------------------

CLIENT_TS = '''type Options = {timeout?: number | false; retry?: number};

export class Client {
	private readonly _options: Options;

	constructor(options: Options) {
		this._options = {
			...options,
			timeout: typeof options.timeout === 'undefined' ? 10_000 : options.timeout,
			retry: options.retry == null ? 2 : options.retry,
		};
	}
}
'''


def test_ts_undefined_and_null_checks_written_otherwise_are_no_change(tmp_path):
    after = CLIENT_TS.replace("typeof options.timeout === 'undefined'", "options.timeout === undefined").replace(
        "options.retry == null ? 2 : options.retry", "options.retry ?? 2")
    assert changes(file_findings(tmp_path, "src/client.ts", CLIENT_TS, after)) == set()


def test_ts_undefined_and_null_checks_written_otherwise_with_other_defaults_still_change(tmp_path):
    after = CLIENT_TS.replace("typeof options.timeout === 'undefined' ? 10_000", "options.timeout === undefined ? 30_000").replace(
        "options.retry == null ? 2 : options.retry", "options.retry ?? 5")
    assert changes(file_findings(tmp_path, "src/client.ts", CLIENT_TS, after)) == {"timeout.changed", "retry.changed"}


def test_ts_strict_undefined_check_turned_into_nullish_coalescing_is_still_a_change(tmp_path):
    # ``null`` was passed on and now gets the default: not the same test
    after = CLIENT_TS.replace("typeof options.timeout === 'undefined' ? 10_000 : options.timeout",
                              "options.timeout ?? 10_000")
    assert changes(file_findings(tmp_path, "src/client.ts", CLIENT_TS, after)) == {"timeout.changed"}


QUEUE_JS = '''class Queue {
	constructor(options) {
		this.retryDelay = options.retryDelay != null ? options.retryDelay : 1000;
		this.maxRetries = options.maxRetries;
	}
}

module.exports = Queue;
'''


def test_js_null_check_turned_round_or_coalesced_is_no_change(tmp_path):
    for i, after in enumerate((
            QUEUE_JS.replace("options.retryDelay != null ? options.retryDelay : 1000",
                             "options.retryDelay == null ? 1000 : options.retryDelay"),
            QUEUE_JS.replace("options.retryDelay != null ? options.retryDelay : 1000", "options.retryDelay ?? 1000"))):
        assert changes(file_findings(tmp_path / str(i), "lib/queue.js", QUEUE_JS, after)) == set()


def test_js_null_check_coalesced_with_another_default_still_changes(tmp_path):
    after = QUEUE_JS.replace("options.retryDelay != null ? options.retryDelay : 1000", "options.retryDelay ?? 2000")
    assert changes(file_findings(tmp_path, "lib/queue.js", QUEUE_JS, after)) == {"retry.changed"}


# -- Python ----------------------------------------------------------------------------------------------

POOL_PY = '''class Pool:
    def __init__(self, timeout=None, retries=None):
        self.timeout = 30 if timeout is None else timeout
        self.retries = 3 if retries is None else retries
'''


def test_python_none_check_turned_round_is_no_change(tmp_path):
    after = POOL_PY.replace("30 if timeout is None else timeout", "timeout if timeout is not None else 30").replace(
        "3 if retries is None else retries", "retries if retries is not None else 3")
    assert changes(file_findings(tmp_path, "pkg/pool.py", POOL_PY, after)) == set()


def test_python_none_check_turned_round_with_other_defaults_still_changes(tmp_path):
    after = POOL_PY.replace("30 if timeout is None else timeout", "timeout if timeout is not None else 60").replace(
        "3 if retries is None else retries", "retries if retries is not None else 5")
    assert changes(file_findings(tmp_path, "pkg/pool.py", POOL_PY, after)) == {"timeout.changed", "retry.changed"}


# -- Java ------------------------------------------------------------------------------------------------

SETTINGS_JAVA = '''public final class Settings {
  private final Duration connectTimeout;
  private final Integer maxRetries;

  Settings(Builder builder) {
    this.connectTimeout = builder.connectTimeout == null ? Duration.ofSeconds(10) : builder.connectTimeout;
    this.maxRetries = builder.maxRetries == null ? 3 : builder.maxRetries;
  }
}
'''


def test_java_null_check_turned_round_is_no_change(tmp_path):
    after = SETTINGS_JAVA.replace(
        "builder.connectTimeout == null ? Duration.ofSeconds(10) : builder.connectTimeout",
        "builder.connectTimeout != null ? builder.connectTimeout : Duration.ofSeconds(10)").replace(
        "builder.maxRetries == null ? 3 : builder.maxRetries", "builder.maxRetries != null ? builder.maxRetries : 3")
    assert changes(file_findings(tmp_path, "src/main/java/Settings.java", SETTINGS_JAVA, after)) == set()


def test_java_null_check_turned_round_with_other_defaults_still_changes(tmp_path):
    after = SETTINGS_JAVA.replace(
        "builder.connectTimeout == null ? Duration.ofSeconds(10) : builder.connectTimeout",
        "builder.connectTimeout != null ? builder.connectTimeout : Duration.ofSeconds(30)").replace(
        "builder.maxRetries == null ? 3 : builder.maxRetries", "builder.maxRetries != null ? builder.maxRetries : 5")
    assert changes(file_findings(tmp_path, "src/main/java/Settings.java", SETTINGS_JAVA, after)) == {
        "timeout.changed", "retry.changed"}
