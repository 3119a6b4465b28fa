"""Python and JavaScript/TypeScript: rules that decide by what a change does to the retry or timeout
decision, not by which retry- or timeout-named text it touched (issue 13, round 4). Real git
histories and real tree-sitter parses; each rule with what must fire next to what must not."""

from __future__ import annotations

from tests.retry_changes import findings, kinds

CHANGED = {"retry.added", "retry.removed", "retry.changed", "timeout.added", "timeout.removed", "timeout.changed"}


def _changes(found) -> set[str]:
    return kinds(found) & CHANGED


# -- a "was it passed at all" test picks a default; it decides no retry or wait ---------------------

WAIT_BEFORE = '''class wait_fixed(object):
    def __init__(self, wait):
        self.wait_fixed = wait

    def __call__(self, previous_attempt_number, delay_since_first_attempt):
        return self.wait_fixed
'''

WAIT_AFTER = '''_unset = object()


class wait_fixed(object):
    def __init__(self, wait):
        self.wait_fixed = wait

    def __call__(self, previous_attempt_number=_unset, delay_since_first_attempt=_unset, call_state=None):
        if previous_attempt_number is _unset:
            previous_attempt_number = call_state.attempt_number
        return self.wait_fixed
'''


def test_python_a_sentinel_test_for_a_passed_argument_is_no_retry_change(tmp_path):
    found = findings(tmp_path, {"pkg/wait.py": WAIT_BEFORE}, {"pkg/wait.py": WAIT_AFTER})
    assert not _changes(found)


def test_python_a_limit_compared_with_a_value_is_still_a_retry_change(tmp_path):
    after = WAIT_BEFORE.replace("        return self.wait_fixed",
                                "        if previous_attempt_number > 3:\n            return 0\n"
                                "        return self.wait_fixed")
    found = findings(tmp_path, {"pkg/wait.py": WAIT_BEFORE}, {"pkg/wait.py": after})
    assert "retry.changed" in kinds(found)


SOCK_BEFORE = '''class Pool:
    def _make_request(self, conn, timeout_obj):
        read_timeout = timeout_obj.read_timeout
        if hasattr(conn, "sock"):
            conn.sock.settimeout(read_timeout)
        return conn.getresponse()
'''


def test_python_a_none_test_on_a_timeout_decides_how_long_a_call_waits(tmp_path):
    # None is "wait forever" to a socket: testing for it is no mere default
    after = SOCK_BEFORE.replace('        if hasattr(conn, "sock"):',
                                '        if hasattr(conn, "sock") and read_timeout is not None:')
    found = findings(tmp_path, {"pkg/pool.py": SOCK_BEFORE}, {"pkg/pool.py": after})
    assert "timeout.changed" in kinds(found)


OPTS_BEFORE = '''export function normalize(options, defaults) {
	const result = {...options};
	result.retry = {...defaults.retry, ...options.retry};
	return result;
}
'''

OPTS_AFTER = '''export function normalize(options, defaults) {
	const result = {...options};
	result.retry = {...defaults.retry, ...options.retry};
	if (result.retry.maxRetryAfter === undefined) {
		result.retry.maxRetryAfter = defaults.retry.maxRetryAfter;
	}
	return result;
}
'''


def test_js_an_undefined_test_that_fills_in_a_default_is_no_retry_change(tmp_path):
    found = findings(tmp_path, {"source/normalize.ts": OPTS_BEFORE}, {"source/normalize.ts": OPTS_AFTER})
    assert not _changes(found)


def test_js_a_retry_limit_compared_with_a_value_is_still_a_retry_change(tmp_path):
    after = OPTS_AFTER.replace("result.retry.maxRetryAfter === undefined", "result.retry.limit > 5")
    found = findings(tmp_path, {"source/normalize.ts": OPTS_BEFORE}, {"source/normalize.ts": after})
    assert "retry.changed" in kinds(found)


# -- a comment on a moved line says nothing about what it decides -------------------------------------

CHECK_BEFORE = '''const safeTimeout = (resolve, reject, ms) => {
	if (ms > 2147483647) { // The maximum value of a 32bit int
		reject(new RangeError('The timeout option cannot be greater than 2147483647'));
	}
	return setTimeout(resolve, ms);
};

export const ky = (input, options) => request(input, options);
'''

CHECK_AFTER = '''const assertSafeTimeout = timeout => {
	if (timeout > 2147483647) { // The maximum value of a 32bit int (see issue #117)
		throw new RangeError('The timeout option cannot be greater than 2147483647');
	}
};

export const ky = (input, options) => request(input, options);
'''


def test_js_a_range_check_moved_with_a_new_comment_is_no_timeout_change(tmp_path):
    found = findings(tmp_path, {"index.js": CHECK_BEFORE}, {"index.js": CHECK_AFTER})
    assert "timeout.changed" not in kinds(found)


def test_js_a_check_that_only_rejects_a_value_is_no_timeout_change_but_a_clamp_is(tmp_path):
    # a bound that only rejects bad settings leaves every accepted setting waiting as long as before
    rejects = CHECK_AFTER.replace("if (timeout > 2147483647) {", "if (timeout > 60000) {")
    found = findings(tmp_path, {"index.js": CHECK_BEFORE}, {"index.js": rejects})
    assert "timeout.changed" not in kinds(found)
    # one that caps the wait changes how long a call waits
    clamps = CHECK_AFTER.replace(
        "\t\tthrow new RangeError('The timeout option cannot be greater than 2147483647');",
        "\t\ttimeout = 60000;")
    assert clamps != CHECK_AFTER
    found = findings(tmp_path / "b", {"index.js": CHECK_BEFORE}, {"index.js": clamps})
    assert kinds(found) & {"timeout.changed", "timeout.added"}


RETRY_CONFIG = """class Config:
    def _validate_retry_configuration(self, retries):
        if retries is not None:
            for key in retries:
                if key not in ['max_attempts']:
                    raise InvalidRetryConfigurationError(retry_config_option=key)
"""


def test_python_a_validation_that_only_raises_is_no_retry_change_but_a_give_up_is(tmp_path):
    validates = RETRY_CONFIG + """                if key == 'max_attempts' and retries[key] < 0:
                    raise InvalidMaxRetryAttemptsError(provided_max_attempts=retries[key])
"""
    found = findings(tmp_path, {"pkg/config.py": RETRY_CONFIG}, {"pkg/config.py": validates})
    assert "retry.changed" not in kinds(found)
    before = """def increment(self, retries, max_retries):
    retries += 1
    return retries
"""
    gives_up = before.replace("    return retries", "    if retries > max_retries:\n"
                                                    "        raise MaxRetryError(retries)\n    return retries")
    found = findings(tmp_path / "b", {"pkg/retry.py": before}, {"pkg/retry.py": gives_up})
    assert "retry.changed" in kinds(found)


def test_python_a_constant_read_through_its_class_is_the_same_constant(tmp_path):
    before = '''from .timeout import DEFAULT_TIMEOUT


def read(conn, read_timeout):
    if read_timeout is not DEFAULT_TIMEOUT:
        conn.sock.settimeout(read_timeout)
'''
    after = before.replace("from .timeout import DEFAULT_TIMEOUT", "from .timeout import Timeout") \
        .replace("is not DEFAULT_TIMEOUT", "is not Timeout.DEFAULT_TIMEOUT")
    found = findings(tmp_path, {"pkg/conn.py": before}, {"pkg/conn.py": after})
    assert "timeout.changed" not in kinds(found)
    other = before.replace("is not DEFAULT_TIMEOUT", "is not Timeout.NO_TIMEOUT")
    assert "timeout.changed" in kinds(findings(tmp_path / "b", {"pkg/conn.py": before}, {"pkg/conn.py": other}))


# -- a poll: a wait for work inside a loop that goes round again whatever happens -----------------------

POLLER_BEFORE = '''import threading


class Channel:
    def get(self, queue):
        return self.client.rpop(queue)
'''

POLLER_AFTER = '''import threading
from queue import Empty


class ChannelPoller(threading.Thread):
    def __init__(self, drain_events):
        super().__init__()
        self.drain_events = drain_events
        self.shutdown = threading.Event()

    def run(self):
        while True:
            if self.shutdown.is_set():
                break
            try:
                item = self.drain_events(timeout=1)
            except Empty:
                pass
            else:
                self.inbound.put(item)


class Channel:
    def get(self, queue):
        return self.client.rpop(queue)
'''


def test_python_a_poll_wait_in_a_consumer_loop_is_no_timeout(tmp_path):
    found = findings(tmp_path, {"pkg/transport.py": POLLER_BEFORE}, {"pkg/transport.py": POLLER_AFTER})
    assert not kinds(found) & {"timeout.added", "timeout.changed"}


def test_python_a_per_attempt_timeout_in_a_retry_loop_is_a_timeout(tmp_path):
    before = '''import requests


def fetch(url):
    for attempt in range(3):
        try:
            return requests.get(url, timeout=5)
        except requests.Timeout:
            continue
'''
    after = before.replace("timeout=5", "timeout=30")
    found = findings(tmp_path, {"pkg/client.py": before}, {"pkg/client.py": after})
    assert "timeout.changed" in kinds(found)
    # a poll loop that leaves once it has its item is no poll: its wait bounds the operation
    leaves = POLLER_AFTER.replace("                self.inbound.put(item)", "                return item")
    found = findings(tmp_path / "b", {"pkg/transport.py": POLLER_BEFORE}, {"pkg/transport.py": leaves})
    assert kinds(found) & {"timeout.added"}


# -- a new function that hands its caller's timeout on, and vendored copies --------------------------

API_BEFORE = '''from . import sessions


def request(method, url, timeout=None, **kwargs):
    with sessions.Session() as session:
        return session.request(method=method, url=url, timeout=timeout, **kwargs)


def get(url, params=None, timeout=None, **kwargs):
    """Sends a GET request."""
    return request("get", url, params=params,
                   timeout=timeout, **kwargs)
'''


def test_python_a_new_function_forwarding_its_timeout_parameter_is_no_timeout_change(tmp_path):
    # the edited docstring mentions the callee on a line with no timeout: the hunk has "the same call
    # without a timeout" on its other side, yet the whole function is new
    after = API_BEFORE.replace("Sends a GET request.", "Sends a GET request; returns a Response.") + '''

def patch(url, data=None, timeout=None, **kwargs):
    return request("patch", url, data=data,
                   timeout=timeout, **kwargs)
'''
    found = findings(tmp_path, {"pkg/api.py": API_BEFORE}, {"pkg/api.py": after})
    assert not _changes(found)


def test_python_an_existing_call_given_a_timeout_is_a_timeout_change(tmp_path):
    before = API_BEFORE.replace("timeout=timeout, **kwargs)\n", "**kwargs)\n")
    found = findings(tmp_path, {"pkg/api.py": before}, {"pkg/api.py": API_BEFORE})
    assert "timeout.added" in kinds(found)


VENDORED = '''class HTTPConnectionPool:
    def _get_conn(self, timeout=None):
        conn = self.pool.get(block=self.block, timeout=timeout)
        return conn
'''


def test_python_vendored_copies_say_nothing(tmp_path):
    after = VENDORED.replace("        return conn", "        conn.timeout = self.timeout\n        return conn")
    for i, path in enumerate(("requests/packages/urllib3/connectionpool.py", "pip/_vendor/urllib3/connectionpool.py",
                              "botocore/vendored/requests/packages/urllib3/connectionpool.py")):
        found = findings(tmp_path / str(i), {path: VENDORED}, {path: after})
        assert not _changes(found), path
    found = findings(tmp_path / "own", {"urllib3/connectionpool.py": VENDORED}, {"urllib3/connectionpool.py": after})
    assert "timeout.added" in kinds(found)


# -- an option copied only when it is there; a handle of a scheduled callback -------------------------

CLONE_BEFORE = '''export function cloneRaw(raw) {
	const result = {...raw};
	return result;
}
'''

CLONE_AFTER = '''export function cloneRaw(raw) {
	const {retry} = raw;
	const result = {...raw};
	if (retry) {
		result.retry = {...retry};

		if (retry.methods) {
			result.retry.methods = [...retry.methods];
		}
	}

	if (raw.timeout) {
		result.timeout = {...raw.timeout};
	}

	return result;
}
'''


def test_js_options_copied_only_when_present_are_no_change(tmp_path):
    found = findings(tmp_path, {"source/core/options.ts": CLONE_BEFORE}, {"source/core/options.ts": CLONE_AFTER})
    assert not _changes(found)


def test_js_a_guard_that_does_more_than_copy_still_decides(tmp_path):
    after = CLONE_AFTER.replace("\t\tresult.timeout = {...raw.timeout};", "\t\tresult.timeout = {request: 30000};")
    found = findings(tmp_path, {"source/core/options.ts": CLONE_BEFORE}, {"source/core/options.ts": after})
    assert kinds(found) & {"timeout.changed", "timeout.added"}


def test_python_an_option_copied_only_when_present_is_no_change_but_a_negated_test_decides(tmp_path):
    before = '''class Retry:
    def new(self, **kw):
        params = dict(total=self.total)
        return type(self)(**params)
'''
    after = before.replace("        return type(self)(**params)",
                           "        if self.backoff_max:\n            params['backoff_max'] = self.backoff_max\n"
                           "        return type(self)(**params)")
    found = findings(tmp_path, {"pkg/retry.py": before}, {"pkg/retry.py": after})
    assert not _changes(found)
    decides = after.replace("if self.backoff_max:", "if not self.backoff_max:")
    found = findings(tmp_path / "b", {"pkg/retry.py": before}, {"pkg/retry.py": decides})
    assert "retry.changed" in kinds(found)


def test_python_a_handle_of_a_scheduled_callback_is_no_timeout_setting(tmp_path):
    before = '''class RequestHandler:
    def __init__(self, loop, keepalive_timeout=75.0):
        self._loop = loop
        self._keepalive_timeout = keepalive_timeout
'''
    after = before + "        self._keepalive_handle = None\n"
    found = findings(tmp_path, {"pkg/web_protocol.py": before}, {"pkg/web_protocol.py": after})
    assert not _changes(found)
    after = before + "        self._shutdown_timeout = 60.0\n"
    found = findings(tmp_path / "b", {"pkg/web_protocol.py": before}, {"pkg/web_protocol.py": after})
    assert "timeout.added" in kinds(found)


# -- a loop whose failure ends it is a fallback; documentation and CI code is not the product ---------

PAGES_BEFORE = '''async def find_tool(app, name):
    return None
'''

PAGES_AFTER = '''import logging

logger = logging.getLogger(__name__)


async def find_tool(app, name):
    params = {}
    for _ in range(100):
        try:
            result = await app.list_tools(params)
            for tool in result.get("tools", []):
                if tool.get("name") == name:
                    return tool
            cursor = result.get("nextCursor")
        except Exception:
            logger.exception("listing failed")
            return None
        if not isinstance(cursor, str):
            return None
        params = {"cursor": cursor}
'''


def test_python_a_paging_loop_whose_failure_gives_up_is_no_retry(tmp_path):
    found = findings(tmp_path, {"pkg/server.py": PAGES_BEFORE}, {"pkg/server.py": PAGES_AFTER})
    assert not kinds(found) & {"retry.added", "retry.without_backoff"}
    # the same loop going round again after a failure retries
    retries = PAGES_AFTER.replace('            logger.exception("listing failed")\n            return None\n',
                                  '            logger.exception("listing failed")\n            continue\n')
    assert retries != PAGES_AFTER
    found = findings(tmp_path / "b", {"pkg/server.py": PAGES_BEFORE}, {"pkg/server.py": retries})
    assert "retry.added" in kinds(found)


def test_documentation_scripts_and_ci_code_say_nothing(tmp_path):
    before = '''import httpx


async def main():
    async with httpx.AsyncClient() as client:
        await client.get("https://example.com")
'''
    after = before.replace("httpx.AsyncClient()", "httpx.AsyncClient(timeout=30.0)")
    for i, path in enumerate(("docs_src/client/tutorial003.py", ".github/actions/conformance/client.py",
                              "docs/snippets/client.py", "scripts/fetch_schema.py")):
        assert not _changes(findings(tmp_path / str(i), {path: before}, {path: after})), path
    assert "timeout.added" in kinds(findings(tmp_path / "own", {"src/pkg/client.py": before},
                                             {"src/pkg/client.py": after}))


# -- a loop that tries the next candidate after a failure is no retry of one operation ----------------

REAL_BEFORE = '''import {realpath} from 'node:fs/promises';

export async function resolvePath(path) {
  return realpath(path);
}
'''

REAL_AFTER = '''import {realpath} from 'node:fs/promises';
import {basename, dirname, resolve} from 'node:path';

export async function resolvePath(path) {
  const missing = [];
  let existing = path;
  while (true) {
    try {
      return resolve(await realpath(existing), ...missing);
    } catch (error) {
      const parent = dirname(existing);
      missing.unshift(basename(existing));
      existing = parent;
    }
  }
}
'''


def test_js_a_loop_that_walks_up_to_the_parent_on_failure_is_no_retry(tmp_path):
    found = findings(tmp_path, {"src/paths.ts": REAL_BEFORE}, {"src/paths.ts": REAL_AFTER})
    assert not kinds(found) & {"retry.added", "retry.without_backoff", "retry.without_limit"}
    # going round again on the same path retries it
    same = REAL_AFTER.replace("      existing = parent;\n", "      console.warn(parent);\n")
    found = findings(tmp_path / "b", {"src/paths.ts": REAL_BEFORE}, {"src/paths.ts": same})
    assert "retry.added" in kinds(found)


def test_js_a_loop_indexing_a_collection_backwards_is_no_retry(tmp_path):
    before = "export function find(candidates) {\n  return undefined;\n}\n"
    after = '''export function find(candidates) {
  for (let index = candidates.length - 1; index >= 0; index -= 1) {
    try {
      return validate(candidates[index]);
    } catch (error) {
      console.debug(error);
    }
  }
  return undefined;
}
'''
    found = findings(tmp_path, {"src/find.ts": before}, {"src/find.ts": after})
    assert not kinds(found) & {"retry.added", "retry.without_backoff"}


def test_python_a_loop_that_tries_the_next_host_on_failure_is_no_retry(tmp_path):
    before = "def connect(hosts):\n    return None\n"
    after = '''import socket


def connect(hosts):
    host = hosts.pop()
    while True:
        try:
            return socket.create_connection(host, timeout=5)
        except OSError:
            host = hosts.pop()
'''
    found = findings(tmp_path, {"pkg/net.py": before}, {"pkg/net.py": after})
    assert not kinds(found) & {"retry.added", "retry.without_backoff", "retry.without_limit"}
    same = after.replace("            host = hosts.pop()\n", "            attempt = 1\n")
    found = findings(tmp_path / "b", {"pkg/net.py": before}, {"pkg/net.py": same})
    assert "retry.added" in kinds(found)
