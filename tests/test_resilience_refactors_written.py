"""Python and JavaScript/TypeScript changes that keep every retry and timeout as it was, written from
scratch the way client libraries write them (issue 13: precision is the weaker side on held-out
commits), each beside a change of the same shape that does alter a retry or a timeout. Real git
histories and real tree-sitter parses."""

from __future__ import annotations

from tests.retry_changes import file_findings as findings
from tests.retry_changes import findings as all_findings
from tests.retry_changes import kinds

PY_CLIENT = '''import time

from .exceptions import ConnectionError, TimeoutError

DEFAULT_TIMEOUT = 10
MAX_RETRIES = 3


class Client:
    def __init__(self, host, timeout=DEFAULT_TIMEOUT, max_retries=MAX_RETRIES):
        self.host = host
        self.timeout = timeout
        self.max_retries = max_retries

    def request(self, method, path):
        attempt = 0
        while True:
            try:
                return self._send(method, path, timeout=self.timeout)
            except (ConnectionError, TimeoutError):
                attempt += 1
                if attempt > self.max_retries:
                    raise
                time.sleep(min(2 ** attempt, 30))
'''

JS_CLIENT = '''const DEFAULT_TIMEOUT = 10000;
const MAX_RETRIES = 3;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Client {
  constructor(baseUrl, { timeout = DEFAULT_TIMEOUT, retries = MAX_RETRIES } = {}) {
    this.baseUrl = baseUrl;
    this.timeout = timeout;
    this.retries = retries;
  }

  async request(path) {
    let attempt = 0;
    for (;;) {
      try {
        return await fetch(this.baseUrl + path, { signal: AbortSignal.timeout(this.timeout) });
      } catch (err) {
        attempt++;
        if (attempt > this.retries) throw err;
        await sleep(Math.min(1000 * 2 ** attempt, 30000));
      }
    }
  }
}
'''


# -- a loop counter renamed at every use is the same loop ---------------------------------------------

def test_a_retry_counter_renamed_everywhere_is_no_retry_change(tmp_path):
    """The Python loop's digest keeps only retry-named names, so ``attempt`` (retry-named) renamed to
    ``failures`` (not) changed the digest; the loop's lines, with the rename made, are the same."""
    assert kinds(findings(tmp_path / "py", "lib/client.py", PY_CLIENT, PY_CLIENT.replace("attempt", "failures"))) == set()
    assert kinds(findings(tmp_path / "js", "src/client.js", JS_CLIENT, JS_CLIENT.replace("attempt", "failures"))) == set()


def test_a_retry_counter_renamed_while_the_bound_changes_is_a_retry_change(tmp_path):
    after = PY_CLIENT.replace("attempt", "failures").replace("if failures > self.max_retries:",
                                                             "if failures >= self.max_retries:")
    assert "retry.changed" in kinds(findings(tmp_path, "lib/client.py", PY_CLIENT, after))


# -- a constant inlined holds its value at its use ------------------------------------------------------

def test_a_timeout_constant_inlined_is_no_timeout_change(tmp_path):
    after = PY_CLIENT.replace("DEFAULT_TIMEOUT = 10\n", "").replace("timeout=DEFAULT_TIMEOUT", "timeout=10")
    assert kinds(findings(tmp_path, "lib/client.py", PY_CLIENT, after)) == set()


def test_a_timeout_constant_inlined_with_another_value_is_a_timeout_change(tmp_path):
    after = PY_CLIENT.replace("DEFAULT_TIMEOUT = 10\n", "").replace("timeout=DEFAULT_TIMEOUT", "timeout=30")
    assert "timeout" in {f.category for f in findings(tmp_path, "lib/client.py", PY_CLIENT, after)}


# -- a tally of retries is reported, it decides nothing ---------------------------------------------------

def test_a_retry_counted_on_a_statistics_object_is_no_retry_change(tmp_path):
    for i, (path, before, after) in enumerate((
            ("lib/client.py", PY_CLIENT, PY_CLIENT.replace("                attempt += 1\n",
                                                           "                attempt += 1\n                self.stats.retries += 1\n")),
            ("src/client.js", JS_CLIENT, JS_CLIENT.replace("        attempt++;\n",
                                                           "        attempt++;\n        this.metrics.retries++;\n")))):
        assert kinds(findings(tmp_path / str(i), path, before, after)) == set(), path


def test_a_retry_counter_of_the_loop_itself_changed_is_a_retry_change(tmp_path):
    after = PY_CLIENT.replace("                attempt += 1\n", "                attempt += 2\n")
    assert "retry.changed" in kinds(findings(tmp_path, "lib/client.py", PY_CLIENT, after))


# -- a response or result built with a retry count reports it ---------------------------------------------

RESPONSE = '''class Response:
    def __init__(self, status, body):
        self.status = status
        self.body = body
'''


def test_a_retry_count_kept_on_a_response_is_no_retry_setting(tmp_path):
    after = RESPONSE.replace("status, body):", "status, body, retries=0):") + "        self.retries = retries\n"
    assert kinds(findings(tmp_path, "lib/response.py", RESPONSE, after)) == set()


def test_a_retry_count_given_to_a_client_is_a_retry_setting(tmp_path):
    before = RESPONSE.replace("class Response:", "class Session:")
    after = before.replace("status, body):", "status, body, retries=2):") + "        self.retries = retries\n"
    assert "retry.added" in kinds(findings(tmp_path, "lib/session.py", before, after))


# -- what is thrown once the retries run out, and how a number is written ---------------------------------

def test_another_error_thrown_after_the_last_attempt_is_no_retry_change(tmp_path):
    after = JS_CLIENT.replace("if (attempt > this.retries) throw err;",
                              "if (attempt > this.retries) throw new RetryError(`gave up after ${attempt} tries`, { cause: err });")
    assert kinds(findings(tmp_path, "src/client.js", JS_CLIENT, after)) == set()


def test_giving_up_one_attempt_earlier_is_a_retry_change(tmp_path):
    after = JS_CLIENT.replace("if (attempt > this.retries) throw err;", "if (attempt >= this.retries) throw err;")
    assert "retry.changed" in kinds(findings(tmp_path, "src/client.js", JS_CLIENT, after))


def test_digit_separators_in_a_backoff_cap_are_no_retry_change(tmp_path):
    after = JS_CLIENT.replace("30000));", "30_000));")
    assert kinds(findings(tmp_path / "same", "src/client.js", JS_CLIENT, after)) == set()
    other = JS_CLIENT.replace("30000));", "10_000));")
    assert "retry" in {f.category for f in findings(tmp_path / "other", "src/client.js", JS_CLIENT, other)}


# -- a thread, event or future waited for with a limit given by position ----------------------------------

RUNNER = '''class Runner:
    def stop(self):
        self._stop.set()
        self._done.wait()
'''


def test_an_event_waited_for_with_a_positional_limit_is_a_timeout_added(tmp_path):
    for i, call in enumerate(("self._done.wait(10)", "self._thread.join(5)", "self._future.result(30)")):
        after = RUNNER.replace("self._done.wait()", call)
        assert kinds(findings(tmp_path / str(i), "svc/runner.py", RUNNER, after)) == {"timeout.added"}, call


def test_an_event_wait_that_paces_a_loop_is_no_timeout(tmp_path):
    before = '''def run(stop, tick):
    while not stop.wait(5):
        tick()
'''
    after = before.replace("stop.wait(5)", "stop.wait(2)")
    assert kinds(findings(tmp_path / "poll", "svc/loop.py", before, after)) == set()
    joined = RUNNER.replace("self._done.wait()", "print(', '.join(self.names))")
    assert kinds(findings(tmp_path / "str", "svc/runner.py", RUNNER, joined)) == set()


# -- a timer promise made first and raced by name ----------------------------------------------------------

CALL = '''export async function call<T>(p: Promise<T>): Promise<T> {
  return await p;
}
'''
RACED = '''export async function call<T>(p: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('rpc timed out')), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
'''


def test_a_timer_promise_raced_by_name_is_a_timeout_added(tmp_path):
    assert "timeout.added" in kinds(findings(tmp_path, "src/rpc.ts", CALL, RACED))


def test_a_race_of_two_requests_is_no_timeout(tmp_path):
    after = ("export async function call<T>(p: Promise<T>, replica: () => Promise<T>): Promise<T> {\n"
             "  const second = replica();\n"
             "  return await Promise.race([p, second]);\n"
             "}\n")
    assert kinds(findings(tmp_path, "src/rpc.ts", CALL, after)) == set()


def test_a_module_split_with_its_constants_moved_is_no_change(tmp_path):
    after = {"src/client.js": JS_CLIENT.replace("const DEFAULT_TIMEOUT = 10000;\nconst MAX_RETRIES = 3;\n",
                                                "import { DEFAULT_TIMEOUT, MAX_RETRIES } from './constants.js';\n"),
             "src/constants.js": "export const DEFAULT_TIMEOUT = 10000;\nexport const MAX_RETRIES = 3;\n"}
    assert kinds(all_findings(tmp_path, {"src/client.js": JS_CLIENT}, after)) == set()


# -- a wrapper that now forwards its keyword arguments whole ----------------------------------------------

API = '''from .sessions import Session

DEFAULT_TIMEOUT = 30


def request(method, url, *, timeout=DEFAULT_TIMEOUT, retries=2):
    with Session() as s:
        return s.request(method, url, timeout=timeout, retries=retries)


def get(url, *, timeout=DEFAULT_TIMEOUT, retries=2):
    return request("GET", url, timeout=timeout, retries=retries)
'''
FORWARDED = API.replace('''def get(url, *, timeout=DEFAULT_TIMEOUT, retries=2):
    return request("GET", url, timeout=timeout, retries=retries)''', '''def get(url, **kwargs):
    return request("GET", url, **kwargs)''')


def test_a_wrapper_forwarding_its_keyword_arguments_keeps_the_callees_defaults(tmp_path):
    """The wrapper's copy of ``request``'s defaults goes; ``request``'s own defaults apply as before."""
    assert kinds(findings(tmp_path, "lib/api.py", API, FORWARDED)) == set()


def test_a_wrapper_forwarding_while_the_callees_default_changes_is_a_timeout_change(tmp_path):
    after = FORWARDED.replace("def request(method, url, *, timeout=DEFAULT_TIMEOUT,", "def request(method, url, *, timeout=None,")
    found = findings(tmp_path, "lib/api.py", API, after)
    assert {f.line for f in found if f.category == "timeout"} == {6}  # at request's own default, not the wrapper
    dropped = API.replace('''def get(url, *, timeout=DEFAULT_TIMEOUT, retries=2):
    return request("GET", url, timeout=timeout, retries=retries)''', '''def get(url):
    return request("GET", url)''')
    assert "timeout.removed" in kinds(findings(tmp_path / "dropped", "lib/api.py", API, dropped))


# -- a retry count given a name ----------------------------------------------------------------------------

OPTS = '''class Client:
    def __init__(self, **opts):
        self.max_retries = opts.get("max_retries", 3)
'''


def test_a_retry_default_read_through_a_class_constant_of_the_same_value_is_no_change(tmp_path):
    after = OPTS.replace("class Client:\n", "class Client:\n    DEFAULT_MAX_RETRIES = 3\n\n").replace(
        'opts.get("max_retries", 3)', 'opts.get("max_retries", self.DEFAULT_MAX_RETRIES)')
    assert kinds(findings(tmp_path / "same", "lib/client.py", OPTS, after)) == set()
    other = after.replace("DEFAULT_MAX_RETRIES = 3", "DEFAULT_MAX_RETRIES = 5")
    assert "retry" in {f.category for f in findings(tmp_path / "other", "lib/client.py", OPTS, other)}


def test_a_javascript_wrapper_handing_its_options_object_on_keeps_the_callees_defaults(tmp_path):
    before = ("import { request } from './request.js';\n\n"
              "export function get(url, { timeout = 10000, retries = 2 } = {}) {\n"
              "  return request('GET', url, { timeout, retries });\n}\n")
    whole = before.replace("{ timeout = 10000, retries = 2 } = {}", "options = {}").replace(
        "{ timeout, retries }", "options")
    assert kinds(findings(tmp_path / "whole", "src/api.js", before, whole)) == set()
    dropped = before.replace("{ timeout = 10000, retries = 2 } = {}", "options = {}").replace(
        "request('GET', url, { timeout, retries })", "request('GET', url)")
    assert "timeout.removed" in kinds(findings(tmp_path / "dropped", "src/api.js", before, dropped))


# -- an options literal written in another order -------------------------------------------------------

RETRY_DEFAULTS = '''const defaultRetryOptions = {
  limit: 2,
  methods: ['get', 'put', 'head', 'delete', 'options', 'trace'],
  statusCodes: [408, 413, 429, 500, 502, 503, 504],
};
'''


def test_retry_options_reordered_are_no_retry_change(tmp_path):
    keys = RETRY_DEFAULTS.replace("  limit: 2,\n  methods: ['get', 'put', 'head', 'delete', 'options', 'trace'],\n",
                                  "  methods: ['get', 'put', 'head', 'delete', 'options', 'trace'],\n  limit: 2,\n")
    members = RETRY_DEFAULTS.replace("['get', 'put', 'head',", "['head', 'get', 'put',")
    for i, after in enumerate((keys, members)):
        assert kinds(findings(tmp_path / str(i), "src/normalize.js", RETRY_DEFAULTS, after)) == set()
    python = 'RETRY = {"total": 3, "status_forcelist": [502, 503]}\n'
    assert kinds(findings(tmp_path / "py", "lib/policy.py", python,
                          'RETRY = {"status_forcelist": [503, 502], "total": 3}\n')) == set()


def test_a_status_code_added_to_reordered_retry_options_is_a_retry_change(tmp_path):
    after = RETRY_DEFAULTS.replace("  limit: 2,\n", "").replace("504],\n", "504, 521],\n  limit: 2,\n")
    assert "retry.changed" in kinds(findings(tmp_path, "src/normalize.js", RETRY_DEFAULTS, after))


# -- a condition that gains a name ------------------------------------------------------------------------

RECONNECT = '''export class Connection {
  _setupReconnect() {
    if (!this.disconnecting && this.reconnectPeriod > 0) {
      this.reconnectTimer = setTimeout(() => this._reconnect(), this.reconnectPeriod);
    }
  }
}
'''


def test_a_new_reason_not_to_reconnect_is_a_retry_change(tmp_path):
    after = RECONNECT.replace("if (!this.disconnecting && ", "if (!this.disconnecting && !this.closed && ")
    assert "retry.changed" in kinds(findings(tmp_path / "added", "src/connection.js", RECONNECT, after))
    assert "retry.changed" in kinds(findings(tmp_path / "removed", "src/connection.js", after, RECONNECT))


def test_a_renamed_flag_in_the_reconnect_test_is_no_retry_change(tmp_path):
    after = RECONNECT.replace("this.disconnecting", "this.closing")
    assert kinds(findings(tmp_path, "src/connection.js", RECONNECT, after)) == set()


# -- a timer's cleanup goes with the timer ---------------------------------------------------------------

LOAD = '''export async function load(url) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 8000);
  try {
    return await fetch(url, { signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}
'''


def test_an_abort_timer_replaced_by_an_abort_signal_of_the_same_wait_is_no_change(tmp_path):
    after = "export async function load(url) {\n  return await fetch(url, { signal: AbortSignal.timeout(8000) });\n}\n"
    assert kinds(findings(tmp_path / "same", "src/load.js", LOAD, after)) == set()
    longer = after.replace("8000", "30000")
    assert "timeout" in {f.category for f in findings(tmp_path / "longer", "src/load.js", LOAD, longer)}


def test_a_timer_no_longer_cleared_is_a_timeout_change(tmp_path):
    after = LOAD.replace("  } finally {\n    clearTimeout(timer);\n  }\n", "  } finally {\n  }\n")
    assert "timeout.removed" in kinds(findings(tmp_path, "src/load.js", LOAD, after))


def test_the_server_a_test_suite_starts_is_no_production_code(tmp_path):
    before = "import threading\n\n\ndef stop(server_thread):\n    server_thread.join()\n"
    after = before.replace("server_thread.join()", "server_thread.join(0.1)")
    for i, folder in enumerate(("dummyserver", "mock_server", "testserver")):
        assert kinds(findings(tmp_path / str(i), f"{folder}/server.py", before, after)) == set(), folder
    assert kinds(findings(tmp_path / "prod", "lib/server.py", before, after)) == {"timeout.added"}


# -- waits given where the libraries take them --------------------------------------------------------------

def test_a_select_given_a_timeout_is_a_timeout_added(tmp_path):
    before = "import select\n\n\ndef readable(sock):\n    r, _, _ = select.select([sock], [], [])\n    return bool(r)\n"
    after = before.replace("select.select([sock], [], [])", "select.select([sock], [], [], 5.0)")
    assert kinds(findings(tmp_path, "lib/io.py", before, after)) == {"timeout.added"}


GRPC = ("import grpc\n\n\ndef channel(target):\n    return grpc.insecure_channel(target, options=[\n"
        "        ('grpc.keepalive_time_ms', 30000),\n        ('grpc.keepalive_timeout_ms', 10000),\n    ])\n")


def test_a_channel_argument_pair_holding_a_timeout_is_a_timeout_setting(tmp_path):
    after = GRPC.replace("('grpc.keepalive_timeout_ms', 10000)", "('grpc.keepalive_timeout_ms', 5000)")
    assert kinds(findings(tmp_path, "svc/rpc.py", GRPC, after)) == {"timeout.changed"}


def test_a_channel_argument_pair_holding_a_ping_interval_is_no_timeout(tmp_path):
    after = GRPC.replace("('grpc.keepalive_time_ms', 30000)", "('grpc.keepalive_time_ms', 60000)")
    assert kinds(findings(tmp_path / "interval", "svc/rpc.py", GRPC, after)) == set()
    plain = "PAIRS = [('read_timeout', 5)]\nPOINT = ('connect_timeout', 5)\n"
    listed = plain.replace("('read_timeout', 5)", "('read_timeout', 9)")
    assert kinds(findings(tmp_path / "tuple", "svc/pairs.py", plain, listed)) == {"timeout.changed"}
    assert kinds(findings(tmp_path / "lone", "svc/pairs.py", plain, plain.replace("('connect_timeout', 5)",
                                                                                   "('connect_timeout', 9)"))) == set()


def test_the_delay_bounds_beside_a_retry_count_are_retry_policy_not_timeouts(tmp_path):
    before = "import pRetry from 'p-retry';\n\nexport const run = (fn) => pRetry(fn, { retries: 5 });\n"
    after = before.replace("{ retries: 5 }", "{ retries: 5, minTimeout: 500, maxTimeout: 5000 }")
    found = findings(tmp_path / "bounds", "src/run.js", before, after)
    assert "timeout" not in {f.category for f in found} and "retry" in {f.category for f in found}
    alone = before.replace("pRetry(fn, { retries: 5 })", "fetchWith(fn, { minTimeout: 500 })")
    assert "timeout" in {f.category for f in findings(tmp_path / "alone", "src/run.js", before.replace(
        "pRetry(fn, { retries: 5 })", "fetchWith(fn, {})"), alone)}


# -- the same field declared another way -------------------------------------------------------------------

def test_a_field_documented_with_its_default_is_no_timeout_change(tmp_path):
    before = "from pydantic import BaseModel\n\n\nclass Config(BaseModel):\n    connect_timeout: float = 5.0\n"
    for i, declared in enumerate(("Field(5.0, description='seconds to wait')", "Field(default=5.0)")):
        after = before.replace("5.0\n", declared + "\n").replace("BaseModel\n", "BaseModel, Field\n", 1)
        assert kinds(findings(tmp_path / str(i), "lib/config.py", before, after)) == set(), declared
    other = before.replace("5.0\n", "Field(10.0, description='seconds to wait')\n")
    assert kinds(findings(tmp_path / "other", "lib/config.py", before, other)) == {"timeout.changed"}


QUEUE = '''export class Queue {
  private readonly timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
  }
}
'''


def test_a_field_made_private_with_a_hash_is_no_timeout_change(tmp_path):
    after = QUEUE.replace("private readonly timeoutMs: number;", "readonly #timeoutMs: number;").replace(
        "this.timeoutMs", "this.#timeoutMs")
    assert kinds(findings(tmp_path / "same", "src/queue.ts", QUEUE, after)) == set()
    longer = after.replace("?? 5000", "?? 15000")
    assert "timeout.changed" in kinds(findings(tmp_path / "longer", "src/queue.ts", QUEUE, longer))


def test_a_guard_chain_written_with_optional_chaining_is_no_retry_change(tmp_path):
    before = "export function limitOf(options) {\n  return options && options.retry && options.retry.limit;\n}\n"
    after = "export function limitOf(options) {\n  return options?.retry?.limit;\n}\n"
    assert kinds(findings(tmp_path / "same", "src/opts.js", before, after)) == set()
    other = "export function limitOf(options) {\n  return options?.retry?.limit || 2;\n}\n"
    assert "retry.changed" in kinds(findings(tmp_path / "other", "src/opts.js", before, other))


def test_a_field_declared_with_no_default_is_no_unbounded_timeout(tmp_path):
    """``attr.ib(default=None)`` in a timeout class says "not set", as a bare annotation would: no
    ``timeout.unbounded``."""
    before = "DEFAULT_TIMEOUT = 300\n"
    after = ("import attr\n\n\n@attr.s(frozen=True)\nclass ClientTimeout:\n    total = attr.ib(type=float, default=None)\n"
             "    connect = attr.ib(type=float, default=None)\n\n\nDEFAULT_TIMEOUT = ClientTimeout(total=300)\n")
    assert "timeout.unbounded" not in kinds(findings(tmp_path, "lib/client.py", before, after))


# -- the failures a loop retries, given a name ----------------------------------------------------------------

def test_retried_exceptions_given_a_name_are_no_retry_change(tmp_path):
    named = PY_CLIENT.replace("DEFAULT_TIMEOUT = 10\n", "DEFAULT_TIMEOUT = 10\nRETRYABLE_ERRORS = (ConnectionError, TimeoutError)\n") \
        .replace("except (ConnectionError, TimeoutError):", "except RETRYABLE_ERRORS:")
    assert kinds(findings(tmp_path / "named", "lib/client.py", PY_CLIENT, named)) == set()
    wider = named.replace("RETRYABLE_ERRORS = (ConnectionError, TimeoutError)", "RETRYABLE_ERRORS = (ConnectionError, TimeoutError, OSError)")
    assert "retry" in {f.category for f in findings(tmp_path / "wider", "lib/client.py", PY_CLIENT, wider)}
    assert "retry" in {f.category for f in findings(tmp_path / "widened", "lib/client.py", named, wider)}


# -- JavaScript options unpacked in the body, and a delay given a name ----------------------------------------

FETCH_JSON = '''export async function fetchJson(url, { timeout = 8000, retries = 2 } = {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeout) });
      return await res.json();
    } catch (err) {
      if (attempt >= retries) throw err;
      await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
    }
  }
}
'''


def test_options_unpacked_in_the_body_keep_their_defaults(tmp_path):
    unpacked = FETCH_JSON.replace("export async function fetchJson(url, { timeout = 8000, retries = 2 } = {}) {",
                                  "export async function fetchJson(url, options = {}) {\n"
                                  "  const { timeout = 8000, retries = 2 } = options;")
    assert kinds(findings(tmp_path / "same", "src/fetch-json.js", FETCH_JSON, unpacked)) == set()
    fewer = unpacked.replace("retries = 2 } = options", "retries = 1 } = options")
    assert "retry" in {f.category for f in findings(tmp_path / "fewer", "src/fetch-json.js", FETCH_JSON, fewer)}


def test_a_wait_read_through_a_callbacks_outer_name_is_valued_by_it(tmp_path):
    """``setTimeout(r, delay)`` in the promise's callback reads ``delay`` of the function around it."""
    before = FETCH_JSON.replace("      await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));\n",
                                "      const delay = 250;\n      await new Promise((r) => setTimeout(r, delay));\n")
    longer = before.replace("const delay = 250;", "const delay = 1000;")
    assert "retry" in {f.category for f in findings(tmp_path, "src/fetch-json.js", before, longer)}
