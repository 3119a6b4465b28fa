"""JavaScript/TypeScript, issue 13 round 5: what ordinary client and server code does to its retries
and timeouts that the scanner did not see. Real git histories and real tree-sitter parses; each
rule with what must fire next to what must not."""

from __future__ import annotations

from tests.retry_changes import findings, kinds

CHANGED = {"retry.added", "retry.removed", "retry.changed", "timeout.added", "timeout.removed", "timeout.changed"}


def _changes(found) -> set[str]:
    return kinds(found) & CHANGED


def _run(tmp_path, before: str, after: str, path: str = "src/client.js"):
    return findings(tmp_path, {path: before}, {path: after})


# -- functions that answer a retry question: their code is the policy ---------------------------------

REDIS = """const Redis = require('ioredis');

export const redis = new Redis({
  host: process.env.REDIS_HOST,
  retryStrategy(times) {
    return Math.min(times * 50, 2000);
  },
});
"""

SHOULD_RETRY = """export function shouldRetry(error) {
  if (!error.response) {
    return error.code === 'ECONNRESET';
  }
  return error.response.status === 503;
}

export async function send(payload) {
  return http.post('/events', payload);
}
"""


def test_js_a_retry_strategy_whose_delay_changes_is_a_retry_change(tmp_path):
    found = _run(tmp_path, REDIS, REDIS.replace("times * 50, 2000", "times * 200, 10000"))
    assert "retry.changed" in kinds(found)


def test_js_a_retry_strategy_reformatted_or_commented_is_no_change(tmp_path):
    after = REDIS.replace("    return Math.min(times * 50, 2000);",
                          "    // back off, but never more than two seconds\n    return Math.min(\n      times * 50,\n      2000,\n    );")
    assert not _changes(_run(tmp_path, REDIS, after))


def test_js_which_errors_a_should_retry_function_accepts_is_a_retry_change(tmp_path):
    after = SHOULD_RETRY.replace("error.response.status === 503", "error.response.status === 503 || error.response.status === 429")
    assert "retry.changed" in kinds(_run(tmp_path, SHOULD_RETRY, after))


def test_js_a_should_retry_function_with_a_renamed_parameter_is_no_change(tmp_path):
    after = SHOULD_RETRY.replace("shouldRetry(error)", "shouldRetry(err)").replace("error.", "err.")
    assert not _changes(_run(tmp_path, SHOULD_RETRY, after))


RECONNECT = """export class Client {
  reconnect() {
    this.emit('reconnect');
    this.stream = this.connect();
  }
}
"""


def test_js_a_method_that_does_the_reconnecting_is_not_judged_as_a_policy_function(tmp_path):
    # its code is the operation and its events; a new event or a renamed field changes no decision
    after = RECONNECT.replace("    this.emit('reconnect');\n", "    this.emit('reconnect', this.options);\n    this.log('reconnecting');\n")
    assert not _changes(_run(tmp_path, RECONNECT, after))


# -- retry libraries that clients use ---------------------------------------------------------------

LIBS = """import pTimeout from 'p-timeout';
import promiseRetry from 'promise-retry';
import { backOff } from 'exponential-backoff';
import retry from 'retry';

export const load = (id) => pTimeout(db.find(id), { milliseconds: 5000 });

export const fetchUser = (id) => promiseRetry((again) => api.get(`/users/${id}`).catch(again), { retries: 3 });

export const fetchOrders = () => backOff(() => api.get('/orders'), { numOfAttempts: 5, startingDelay: 100 });

export function sendAll(batch, cb) {
  const operation = retry.operation({ retries: 4, factor: 2, minTimeout: 1000 });
  operation.attempt(() => queue.send(batch, (err) => (operation.retry(err) ? undefined : cb(err))));
}
"""


def test_js_p_timeout_value_change_is_a_timeout_change(tmp_path):
    found = _run(tmp_path, LIBS, LIBS.replace("milliseconds: 5000", "milliseconds: 20000"), "src/api.ts")
    assert _changes(found) == {"timeout.changed"}


def test_js_p_timeout_added_around_a_call_is_a_timeout_added(tmp_path):
    before = LIBS.replace("pTimeout(db.find(id), { milliseconds: 5000 })", "db.find(id)")
    assert "timeout.added" in kinds(_run(tmp_path, before, LIBS, "src/api.ts"))


def test_js_exponential_backoff_attempts_change_is_a_retry_change(tmp_path):
    found = _run(tmp_path, LIBS, LIBS.replace("numOfAttempts: 5", "numOfAttempts: 10"), "src/api.ts")
    assert _changes(found) == {"retry.changed"}


def test_js_promise_retry_and_node_retry_operation_limits(tmp_path):
    found = _run(tmp_path, LIBS, LIBS.replace("{ retries: 3 }", "{ retries: 6 }").replace("retries: 4,", "retries: 8,"),
                 "src/api.ts")
    assert [f for f in found if f.kind == "retry.changed"]


def test_js_retry_libraries_moved_within_the_file_are_no_change(tmp_path):
    lines = LIBS.split("\n\n")
    after = "\n\n".join([lines[0], lines[3], lines[2], lines[1], lines[4]])
    assert not _changes(_run(tmp_path, LIBS, after, "src/api.ts"))


# -- nested client options and defaults -------------------------------------------------------------

UNDICI = """import { Agent, setGlobalDispatcher } from 'undici';

setGlobalDispatcher(new Agent({ connect: { timeout: 10_000 }, keepAliveTimeout: 4_000 }));
"""


def test_js_a_timeout_one_level_down_in_client_options_is_a_timeout_change(tmp_path):
    found = _run(tmp_path, UNDICI, UNDICI.replace("timeout: 10_000", "timeout: 60_000"), "src/http.ts")
    assert "timeout.changed" in kinds(found) and "timeout.increased" in kinds(found)


def test_js_a_nested_non_timeout_option_change_is_no_timeout_change(tmp_path):
    after = UNDICI.replace("connect: { timeout: 10_000 }", "connect: { timeout: 10_000, rejectUnauthorized: false }")
    assert not _changes(_run(tmp_path, UNDICI, after, "src/http.ts"))


DEFAULTS = """const defaults = {
  retry: {
    limit: 2,
    statusCodes: [408, 429, 500, 502, 503, 504],
    errorCodes: ['ETIMEDOUT', 'ECONNRESET'],
    calculateDelay: ({ computedValue }) => computedValue,
  },
  headers: { 'user-agent': 'svc' },
};

export default defaults;
"""


def test_js_retried_status_codes_in_client_defaults_are_a_retry_change(tmp_path):
    after = DEFAULTS.replace("502, 503, 504]", "502, 503, 504, 521, 522]")
    found = _run(tmp_path, DEFAULTS, after, "src/defaults.ts")
    assert _changes(found) == {"retry.changed"}


def test_js_retried_error_codes_and_limit_in_client_defaults_are_a_retry_change(tmp_path):
    after = DEFAULTS.replace("'ECONNRESET']", "'ECONNRESET', 'EAI_AGAIN']")
    assert "retry.changed" in kinds(_run(tmp_path, DEFAULTS, after, "src/defaults.ts"))
    assert "retry.changed" in kinds(_run(tmp_path / "b", DEFAULTS, DEFAULTS.replace("limit: 2", "limit: 5"), "src/defaults.ts"))


def test_js_other_defaults_beside_a_retry_policy_are_no_change(tmp_path):
    after = DEFAULTS.replace("'user-agent': 'svc'", "'user-agent': 'svc/2'").replace(
        "    limit: 2,\n", "    // two retries by default\n    limit: 2,\n")
    assert not _changes(_run(tmp_path, DEFAULTS, after, "src/defaults.ts"))


SOCKET = """import { io } from 'socket.io-client';

export const socket = io(URL, { reconnectionAttempts: 5, reconnectionDelay: 1000, transports: ['websocket'] });
"""


def test_js_reconnection_delay_is_a_retry_setting(tmp_path):
    found = _run(tmp_path, SOCKET, SOCKET.replace("reconnectionDelay: 1000", "reconnectionDelay: 5000"), "src/ws.ts")
    assert _changes(found) == {"retry.changed"}


def test_js_transports_beside_reconnection_options_is_no_change(tmp_path):
    found = _run(tmp_path, SOCKET, SOCKET.replace("['websocket']", "['websocket', 'polling']"), "src/ws.ts")
    assert not _changes(found)


# -- a timer's delay from a parameter's default ----------------------------------------------------

ABORT = """export async function getJson(url, ms = 5000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    const res = await fetch(url, { signal: controller.signal });
    return await res.json();
  } finally {
    clearTimeout(timer);
  }
}
"""


def test_js_a_timer_delay_taken_from_a_parameter_default_changes_with_it(tmp_path):
    found = _run(tmp_path, ABORT, ABORT.replace("ms = 5000", "ms = 10000"))
    assert "timeout.changed" in kinds(found)


def test_js_another_parameter_default_of_the_same_function_is_no_timeout_change(tmp_path):
    before = ABORT.replace("(url, ms = 5000)", "(url, ms = 5000, format = 'json')")
    after = ABORT.replace("(url, ms = 5000)", "(url, ms = 5000, format = 'text')")
    assert not _changes(_run(tmp_path, before, after))


# -- hand-written retries in the shapes application code writes -----------------------------------

COUNTDOWN = """async function publish(channel, msg) {
  let retries = 5;
  while (retries-- > 0) {
    try {
      await channel.publish(msg);
      return;
    } catch (e) {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error('publish failed');
}
module.exports = { publish };
"""


def test_js_a_countdown_loop_takes_its_attempts_from_the_counter_it_starts_with(tmp_path):
    found = _run(tmp_path, COUNTDOWN, COUNTDOWN.replace("let retries = 5", "let retries = 10"))
    [f] = [f for f in found if f.kind == "retry.changed"]
    assert "5 → 10" in f.message


def test_js_the_wait_between_attempts_of_a_loop_is_part_of_it(tmp_path):
    assert "retry.changed" in kinds(_run(tmp_path, COUNTDOWN, COUNTDOWN.replace("setTimeout(r, 500)", "setTimeout(r, 2000)")))


def test_js_a_countdown_loop_with_a_new_log_line_is_no_change(tmp_path):
    after = COUNTDOWN.replace("    } catch (e) {\n", "    } catch (e) {\n      console.warn('publish failed, retrying', e.message);\n")
    assert not _changes(_run(tmp_path, COUNTDOWN, after))


RECONNECT_ON_CLOSE = """const net = require('net');

class Connection {
  open() {
    this.sock = net.connect(this.port, this.host);
    this.sock.on('close', () => {
      this.emit('down');
      setTimeout(() => this.open(), 1000);
    });
  }
}
module.exports = Connection;
"""


def test_js_a_timer_that_reopens_a_connection_after_close_is_a_retry(tmp_path):
    before = RECONNECT_ON_CLOSE.replace("      setTimeout(() => this.open(), 1000);\n", "")
    assert "retry.added" in kinds(_run(tmp_path, before, RECONNECT_ON_CLOSE))
    assert "retry.changed" in kinds(_run(tmp_path / "b", RECONNECT_ON_CLOSE, RECONNECT_ON_CLOSE.replace("1000", "5000")))


def test_js_a_timer_after_close_that_only_reports_is_no_retry(tmp_path):
    before = RECONNECT_ON_CLOSE.replace("      setTimeout(() => this.open(), 1000);\n", "")
    after = RECONNECT_ON_CLOSE.replace("setTimeout(() => this.open(), 1000)", "setTimeout(() => this.emit('gone'), 1000)")
    assert not {k for k in _changes(_run(tmp_path, before, after)) if k.startswith("retry.")}


def test_js_a_websocket_onclose_that_reconnects_is_a_retry(tmp_path):
    before = """export function connect(url, onMessage) {
  const ws = new WebSocket(url);
  ws.onmessage = (e) => onMessage(JSON.parse(e.data));
  return ws;
}
"""
    after = before.replace("  return ws;", "  ws.onclose = () => setTimeout(() => connect(url, onMessage), 2000);\n  return ws;")
    assert "retry.added" in kinds(_run(tmp_path, before, after, "src/live.ts"))


RECURSION = """function withRetry(fn, n = 3) {
  return fn().catch((err) => (n > 1 ? delay(200).then(() => withRetry(fn, n - 1)) : Promise.reject(err)));
}
module.exports = withRetry;
"""


def test_js_a_function_that_calls_itself_on_failure_retries_by_recursion(tmp_path):
    found = _run(tmp_path, RECURSION, RECURSION.replace("n = 3", "n = 5"))
    [f] = [f for f in found if f.kind == "retry.changed"]
    assert "3 → 5" in f.message
    assert "retry.changed" in kinds(_run(tmp_path / "b", RECURSION, RECURSION.replace("delay(200)", "delay(1000)")))


def test_js_a_recursive_walk_that_is_no_failure_path_is_no_retry(tmp_path):
    before = """function visit(node, depth = 3) {
  return load(node).then((children) => Promise.all(children.map((c) => visit(c, depth - 1))));
}
module.exports = visit;
"""
    assert not _changes(_run(tmp_path, before, before.replace("depth = 3", "depth = 5")))


STATUS_LOOP = """export async function call(url) {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (res.status !== 503) return res;
    await sleep(1000);
  }
  throw new Error('unavailable');
}
"""


def test_js_a_loop_that_retries_on_a_status_without_try_is_a_retry(tmp_path):
    found = _run(tmp_path, STATUS_LOOP, STATUS_LOOP.replace("res.status !== 503", "res.status !== 503 && res.status !== 429"),
                 "src/api.ts")
    assert _changes(found) == {"retry.changed"}
    assert "retry.changed" in kinds(_run(tmp_path / "b", STATUS_LOOP, STATUS_LOOP.replace("i < 3", "i < 6"), "src/api.ts"))


def test_js_a_poll_loop_waiting_for_a_state_is_no_retry(tmp_path):
    before = """export async function waitForJob(id) {
  for (let i = 0; i < 30; i++) {
    const job = await api.getJob(id);
    if (job.status === 'done') return job;
    await sleep(2000);
  }
}
"""
    assert not _changes(_run(tmp_path, before, before.replace("i < 30", "i < 60"), "src/jobs.ts"))


# -- timeouts written as a deadline from now, or put on by a helper -------------------------------

GRPC = """export function getUser(client, id, cb) {
  client.getUser({ id }, { deadline: Date.now() + 5000 }, cb);
}

export function listUsers(client) {
  const deadline = new Date(Date.now() + 10_000);
  return client.listUsers({}, { deadline });
}
"""


def test_js_a_grpc_deadline_from_now_is_a_timeout(tmp_path):
    found = _run(tmp_path, GRPC, GRPC.replace("Date.now() + 5000", "Date.now() + 30000"), "src/users.ts")
    assert "timeout.changed" in kinds(found) and "timeout.increased" in kinds(found)
    found = _run(tmp_path / "b", GRPC, GRPC.replace("{ deadline: Date.now() + 5000 }", "{}"), "src/users.ts")
    assert "timeout.removed" in kinds(found)


def test_js_a_timestamp_that_is_no_deadline_is_no_timeout(tmp_path):
    before = GRPC + "\nexport const stamp = () => ({ createdAt: Date.now() + 0 });\n"
    after = before.replace("Date.now() + 0", "Date.now() + 1000")
    assert not _changes(_run(tmp_path, before, after, "src/users.ts"))


HELPER = """export function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('Timed out')), ms))]);
}

export const getUser = (id) => withTimeout(api.get(`/u/${id}`), 5000);
"""


def test_js_a_timeout_helper_call_with_a_bound_is_a_timeout(tmp_path):
    assert "timeout.changed" in kinds(_run(tmp_path, HELPER, HELPER.replace("5000)", "15000)"), "src/users.ts"))
    found = _run(tmp_path / "b", HELPER, HELPER.replace("withTimeout(api.get(`/u/${id}`), 5000)", "api.get(`/u/${id}`)"),
                 "src/users.ts")
    assert "timeout.removed" in kinds(found)


def test_js_superagent_timeouts_are_timeouts(tmp_path):
    before = """import request from 'superagent';
export const getUser = (id) => request.get(`/u/${id}`).timeout({ response: 5000, deadline: 60000 });
"""
    found = _run(tmp_path, before, before.replace("response: 5000", "response: 1000"), "src/users.ts")
    assert _changes(found) == {"timeout.changed"}


def test_js_a_helper_call_without_a_bound_is_no_timeout(tmp_path):
    before = HELPER + "export const getAll = () => withTimeout(api.get('/u'), DEFAULTS.slow);\n"
    after = before.replace("api.get('/u')", "api.get('/users')")
    assert not _changes(_run(tmp_path, before, after, "src/users.ts"))


# -- what reports or schedules an attempt decides nothing --------------------------------------------

RETRY_HOOKS = """export class Request {
  async _onError(error) {
    if (this.retryCount < this.options.retry.limit) {
      for (const hook of this.options.hooks.beforeRetry) {
        await hook(error);
      }
      this.retryCount++;
      return this._send();
    }
    throw error;
  }
}
"""


def test_js_the_attempt_number_handed_to_a_hook_is_no_retry_change(tmp_path):
    after = RETRY_HOOKS.replace("await hook(error);", "await hook(error, this.retryCount + 1);")
    assert not _changes(_run(tmp_path, RETRY_HOOKS, after, "src/request.ts"))


def test_js_the_retry_limit_compared_differently_still_is(tmp_path):
    after = RETRY_HOOKS.replace("this.retryCount < this.options.retry.limit", "this.retryCount <= this.options.retry.limit")
    assert "retry.changed" in kinds(_run(tmp_path, RETRY_HOOKS, after, "src/request.ts"))


def test_js_a_retry_hook_called_inside_a_recursive_retry_is_no_change(tmp_path):
    before = """export class Ky {
  async _retry(fn) {
    try {
      return await fn();
    } catch (error) {
      const ms = this._calculateDelay(error);
      if (ms !== 0) {
        await delay(ms);
        return this._retry(fn);
      }
      throw error;
    }
  }
}
"""
    after = before.replace("        await delay(ms);\n", "        await delay(ms);\n        for (const hook of this._hooks.beforeRetry) {\n"
                                                         "          await hook(this._input, error);\n        }\n")
    assert not _changes(_run(tmp_path, before, after, "src/ky.ts"))
    assert "retry.changed" in kinds(_run(tmp_path / "b", before, before.replace("ms !== 0", "ms > 100"), "src/ky.ts"))


DEFERRED = """export class Client {
  end() {
    this.disconnecting = true;
    this.stream.end(() => {
      this.disconnecting = false;
    });
  }
}
"""


def test_js_a_deferred_reconnect_handle_is_no_retry_setting_or_decision(tmp_path):
    after = DEFERRED.replace("      this.disconnecting = false;\n",
                             "      this.disconnecting = false;\n      if (this.deferredReconnect) {\n"
                             "        this.deferredReconnect();\n      }\n").replace(
        "    this.disconnecting = true;\n", "    this.disconnecting = true;\n    this.deferredReconnect = null;\n")
    assert not _changes(_run(tmp_path, DEFERRED, after, "src/client.ts"))


# -- a run-time bound applied where none was; a wait that cancellation cuts short -------------------

SERVER = """const http2 = require('http2');

function createServer(options, handler) {
  const server = http2.createServer(options, handler);
  server.on('clientError', onClientError);
  return server;
}
module.exports = { createServer };
"""


def test_js_a_run_time_timeout_applied_to_sessions_where_none_was_is_added(tmp_path):
    after = SERVER.replace("  return server;\n", "  server.on('session', (session) => session.setTimeout(options.sessionTimeout, close));\n"
                                                   "  return server;\n")
    assert "timeout.added" in kinds(_run(tmp_path, SERVER, after, "lib/server.js"))


def test_js_a_run_time_timeout_moved_into_a_helper_is_no_change(tmp_path):
    before = SERVER.replace("  return server;\n", "  server.on('session', (session) => session.setTimeout(options.sessionTimeout, close));\n"
                                                    "  return server;\n")
    after = before.replace("(session) => session.setTimeout(options.sessionTimeout, close)", "sessionTimeout(options.sessionTimeout)") + \
        "\nfunction sessionTimeout(timeout) {\n  return (session) => session.setTimeout(timeout, close);\n}\n"
    assert not _changes(_run(tmp_path, before, after, "lib/server.js"))


CANCEL = """export async function send(request, signal) {
  let attempt = 0;
  while (attempt < 4) {
    try {
      return await fetch(request, { signal });
    } catch (error) {
      attempt++;
      await delay(250 * 2 ** attempt);
    }
  }
}
"""


def test_js_a_wait_between_attempts_that_cancellation_now_cuts_short_is_a_retry_change(tmp_path):
    after = CANCEL.replace("await delay(250 * 2 ** attempt);", "await delay(250 * 2 ** attempt, { signal });")
    assert "retry.changed" in kinds(_run(tmp_path, CANCEL, after, "src/send.ts"))


def test_js_a_function_that_calls_itself_on_another_input_after_a_failure_is_no_retry(tmp_path):
    before = """export async function findConfig(dir) {
  return dir;
}
"""
    after = """export async function findConfig(dir) {
  try {
    return await readConfig(join(dir, 'app.json'));
  } catch (err) {
    return findConfig(dirname(dir));
  }
}
"""
    assert not {k for k in kinds(_run(tmp_path, before, after, "src/config.ts")) if k.startswith("retry.")}


def test_js_a_timer_that_aborts_through_a_bound_method_is_a_timeout(tmp_path):
    before = """export async function get(url) {
  const controller = new AbortController();
  const id = setTimeout(controller.abort.bind(controller), 5000);
  try {
    return await fetch(url, { signal: controller.signal });
  } finally {
    clearTimeout(id);
  }
}
"""
    assert "timeout.changed" in kinds(_run(tmp_path, before, before.replace("5000", "20000"), "src/get.ts"))
    other = before.replace("controller.abort.bind(controller)", "controller.report.bind(controller)")
    assert not _changes(_run(tmp_path / "b", other, other.replace("5000", "20000"), "src/get.ts"))


# -- lists of retried status codes and methods held in a local const or given as a default ---------

RANGES = """export async function getRetryConfig(err) {
  const config = err.config.retryConfig || {};
  config.httpMethodsToRetry = config.httpMethodsToRetry || ['GET', 'HEAD', 'PUT', 'OPTIONS', 'DELETE'];
  const retryRanges = [
    // 1xx - retry (informational)
    [100, 199],
    [429, 429],
    [500, 599],
  ];
  config.statusCodesToRetry = config.statusCodesToRetry || retryRanges;
  return config;
}
"""


def test_js_a_status_range_added_to_a_local_list_of_retried_codes_is_a_retry_change(tmp_path):
    after = RANGES.replace("    [429, 429],\n", "    [408, 408],\n    [429, 429],\n")
    assert _changes(_run(tmp_path, RANGES, after, "src/retry.ts")) == {"retry.changed"}


def test_js_a_method_added_to_a_defaulted_list_of_retried_methods_is_a_retry_change(tmp_path):
    after = RANGES.replace("'OPTIONS', 'DELETE']", "'OPTIONS', 'DELETE', 'POST']")
    assert _changes(_run(tmp_path, RANGES, after, "src/retry.ts")) == {"retry.changed"}


def test_js_comments_and_layout_in_a_list_of_retried_codes_are_no_change(tmp_path):
    after = RANGES.replace("    // 1xx - retry (informational)\n", "    // 1xx: informational, still processing\n    // 4xx: not retried\n").replace(
        "    [500, 599],\n  ];", "    [500, 599]\n  ];")
    assert not _changes(_run(tmp_path, RANGES, after, "src/retry.ts"))


def test_js_a_local_const_list_that_is_not_retry_named_is_no_setting(tmp_path):
    before = "export function mimeTypes() {\n  const known = ['json', 'text'];\n  return known;\n}\n"
    assert not _changes(_run(tmp_path, before, before.replace("'text'", "'text', 'xml'"), "src/mime.ts"))


def test_js_recover_and_retry_once_is_a_retry_without_a_backoff_alarm(tmp_path):
    before = """export class Client {
  async execute(cmd, retried = false) {
    return this.queue.send(cmd);
  }
}
"""
    after = """export class Client {
  async execute(cmd, retried = false) {
    try {
      return await this.queue.send(cmd);
    } catch (err) {
      if (retried || !err.message.includes('no such fieldset')) throw err;
      await this.prepare(cmd);
      return this.execute(cmd, true);
    }
  }
}
"""
    found = kinds(_run(tmp_path, before, after, "src/client.ts"))
    assert "retry.added" in found and "retry.without_backoff" not in found


def test_js_a_counted_recursive_retry_with_no_delay_is_flagged(tmp_path):
    before = "export function get(url, retries = 3) {\n  return fetch(url);\n}\n"
    after = "export function get(url, retries = 3) {\n  return fetch(url).catch((e) => (retries > 0 ? get(url, retries - 1) : Promise.reject(e)));\n}\n"
    found = kinds(_run(tmp_path, before, after, "src/get.ts"))
    assert {"retry.added", "retry.without_backoff"} <= found


FETCH_CLIENT = """export class FetchClient {
  constructor(fetchFn) {
    this.fetchFn = fetchFn;
  }

  request(url, init, timeout) {
    return this.fetchFn(url, init);
  }
}
"""


def test_js_an_abort_timer_with_a_run_time_delay_where_none_was_is_a_timeout_added(tmp_path):
    after = FETCH_CLIENT.replace("""  request(url, init, timeout) {
    return this.fetchFn(url, init);
  }""", """  request(url, init, timeout) {
    return withAbort(this.fetchFn, url, init, timeout);
  }
}

async function withAbort(fetchFn, url, init, timeout) {
  const abort = new AbortController();
  const id = setTimeout(() => abort.abort(), timeout);
  try {
    return await fetchFn(url, { ...init, signal: abort.signal });
  } finally {
    clearTimeout(id);
  }""")
    assert "timeout.added" in kinds(_run(tmp_path, FETCH_CLIENT, after, "src/net/fetch.ts"))


def test_js_a_timeout_named_timer_handle_reset_to_null_is_no_timeout_setting(tmp_path):
    before = """export class TokenManager {
  start() {
    this.refreshTimeout = setTimeout(() => this.refresh(), this.ttl);
  }
}
"""
    after = before.replace("  start() {", "  stop() {\n    clearTimeout(this.refreshTimeout);\n    this.refreshTimeout = null;\n  }\n\n  start() {")
    assert not _changes(_run(tmp_path, before, after, "src/tokens.ts"))
    # a timeout-named field that only ever holds a value stays a setting
    plain = "export class Client {\n  constructor() {\n    this.requestTimeout = 5000;\n  }\n}\n"
    assert _changes(_run(tmp_path / "b", plain, plain.replace("5000", "undefined"), "src/client.ts"))


def test_js_an_abort_timer_helper_replaced_by_the_timer_itself_is_no_change(tmp_path):
    before = """const safeTimeout = (fn, reject, ms) => setTimeout(fn, ms);

export function timeout(promise, ms, controller) {
  return new Promise((resolve, reject) => {
    const id = safeTimeout(() => {
      controller.abort();
      reject(new TimeoutError());
    }, reject, ms);
    promise.then(resolve, reject).finally(() => clearTimeout(id));
  });
}
"""
    after = before.replace("}, reject, ms);", "}, ms);").replace("const id = safeTimeout(", "const id = setTimeout(")
    assert not {k for k in _changes(_run(tmp_path, before, after, "src/timeout.ts")) if k.startswith("timeout.")}


# -- which failures a retried function gives up on --------------------------------------------------

ASYNC_RETRY = """import retry from 'async-retry';

export async function fetchProfile(id) {
  return retry(async (bail) => {
    const res = await fetch(`https://api.example.com/profiles/${id}`, { signal: AbortSignal.timeout(5000) });
    if (res.status === 403) {
      bail(new Error('Unauthorized'));
      return;
    }
    return res.json();
  }, { retries: 5 });
}
"""


def test_js_a_new_status_that_bails_out_of_async_retry_is_a_retry_change(tmp_path):
    after = ASYNC_RETRY.replace("res.status === 403", "res.status === 403 || res.status === 404")
    assert _changes(_run(tmp_path, ASYNC_RETRY, after, "src/profiles.ts")) == {"retry.changed"}


def test_js_a_bail_message_reworded_is_no_retry_change(tmp_path):
    after = ASYNC_RETRY.replace("'Unauthorized'", "'not allowed to read this profile'")
    assert not _changes(_run(tmp_path, ASYNC_RETRY, after, "src/profiles.ts"))


def test_js_p_retry_abort_error_condition_is_a_retry_change(tmp_path):
    before = """import pRetry, { AbortError } from 'p-retry';

export const run = () => pRetry(async () => {
  const res = await fetch(URL);
  if (res.status === 404) throw new AbortError(res.statusText);
  return res.blob();
}, { retries: 5 });
"""
    after = before.replace("res.status === 404", "res.status >= 400 && res.status < 500")
    assert "retry.changed" in kinds(_run(tmp_path, before, after, "src/run.ts"))


# -- when a timeout's timer is cleared ---------------------------------------------------------------

TIMED_OUT = """module.exports = function timedOut(req, delay) {
  req.requestTimeoutTimer = setTimeout(() => {
    req.abort();
    req.emit('error', new TimeoutError(delay));
  }, delay);
  req.on('end', () => {
    clearTimeout(req.requestTimeoutTimer);
  });
};
"""


def test_js_a_timeout_timer_cleared_on_another_event_is_a_timeout_change(tmp_path):
    after = TIMED_OUT.replace("""  req.on('end', () => {
    clearTimeout(req.requestTimeoutTimer);
  });""", """  req.on('response', (res) => {
    res.on('end', () => {
      clearTimeout(req.requestTimeoutTimer);
    });
  });""")
    # reported as the clear changed (paired by place) or as one clear removed and another added
    assert {k for k in _changes(_run(tmp_path, TIMED_OUT, after, "source/timed-out.js")) if k.startswith("timeout.")}


def test_js_a_timeout_timer_clear_reworded_in_the_same_place_is_no_change(tmp_path):
    after = TIMED_OUT.replace("""  req.on('end', () => {
    clearTimeout(req.requestTimeoutTimer);
  });""", """  req.on('end', () => {
    // the request is over: its timeout no longer applies
    clearTimeout(req.requestTimeoutTimer);
    req.emit('done');
  });""")
    assert not _changes(_run(tmp_path, TIMED_OUT, after, "source/timed-out.js"))


def test_js_clearing_a_heartbeat_interval_is_no_timeout_change(tmp_path):
    before = """export class Conn {
  start() {
    this.pingTimer = setInterval(() => this.ping(), 30000);
  }
}
"""
    after = before.replace("  start() {", "  stop() {\n    clearInterval(this.pingTimer);\n  }\n\n  start() {")
    assert not _changes(_run(tmp_path, before, after, "src/conn.ts"))
