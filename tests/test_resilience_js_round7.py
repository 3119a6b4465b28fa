"""JavaScript/TypeScript, issue 13 round 7: recall. Shapes of retry and timeout changes the detector
missed on the dev part, each positive next to a negative that must stay quiet. Real git histories,
real tree-sitter parses."""

from __future__ import annotations

from tests.retry_changes import findings, kinds

CHANGED = {"retry.added", "retry.removed", "retry.changed", "timeout.added", "timeout.removed", "timeout.changed"}
RETRY = {"retry.added", "retry.removed", "retry.changed"}
TIMEOUT = {"timeout.added", "timeout.removed", "timeout.changed"}


def _run(tmp_path, before: str, after: str, path: str = "src/options.ts"):
    return findings(tmp_path, {path: before}, {path: after})


# -- an options normaliser: what it returns is the setting every request follows -----------------------

NORMALISE = """import {defaultRetry, retryMethods, retryStatusCodes, retryAfterStatusCodes} from './constants';

export const normalizeRetryOptions = (retry: number | RetryOptions = {}): RetryOptions => {
  if (typeof retry === 'number') {
    return {...defaultRetry, limit: retry};
  }

  if (retry.methods && !Array.isArray(retry.methods)) {
    throw new Error('retry.methods must be an array');
  }

  return {
    ...defaultRetry,
    ...retry,
    afterStatusCodes: retryAfterStatusCodes,
  };
};
"""


def test_ts_normaliser_that_drops_undefined_retry_fields_is_a_retry_change(tmp_path):
    # {limit: undefined} used to override the default limit; now the default applies
    after = NORMALISE.replace("""  return {
    ...defaultRetry,
    ...retry,
""", """  const definedRetry = Object.fromEntries(
    Object.entries(retry).filter(([, value]) => value !== undefined),
  ) as RetryOptions;

  return {
    ...defaultRetry,
    ...definedRetry,
""")
    assert kinds(_run(tmp_path, NORMALISE, after)) & RETRY


def test_ts_normaliser_no_longer_forcing_a_retry_field_is_a_retry_change(tmp_path):
    after = NORMALISE.replace("    afterStatusCodes: retryAfterStatusCodes,\n", "")
    assert kinds(_run(tmp_path, NORMALISE, after)) & RETRY


def test_ts_normaliser_message_reworded_is_no_retry_change(tmp_path):
    after = NORMALISE.replace("'retry.methods must be an array'", "'The `retry.methods` option must be an array'")
    assert not kinds(_run(tmp_path, NORMALISE, after)) & CHANGED


MERGE = """import is from '@sindresorhus/is';
import deepMerge from './deep-merge';

export default function merge(target, ...sources) {
  const merged = deepMerge({}, target, ...sources.map(source => source || {}));
  return merged;
}
"""


def test_js_merge_turning_a_numeric_retry_into_an_object_is_a_retry_change(tmp_path):
    # a number given for `retry` used to replace the whole retry object (defaults lost)
    after = MERGE.replace("  const merged = deepMerge({}, target, ...sources.map(source => source || {}));\n", """\
  sources = sources.map(source => {
    if (!source) {
      return {};
    }
    if (is.object(source.retry)) {
      return source;
    }
    return {...source, retry: {retries: source.retry}};
  });
  const merged = deepMerge({}, target, ...sources);
""")
    assert kinds(_run(tmp_path, MERGE, after, "source/merge.js")) & RETRY


FREEZE = """export class Options {
  merge(options) {
    if (!options) {
      return;
    }
    Object.freeze(options);
    Object.freeze(options.headers);
    Object.freeze(options.timeout);
    Object.freeze(options.retry);
    for (const key in options) {
      this[key] = options[key];
    }
  }
}
"""


def test_ts_merge_that_stops_freezing_the_timeout_options_is_no_change(tmp_path):
    # freezing or cloning an options object changes none of its values
    after = FREEZE.replace("""    Object.freeze(options);
    Object.freeze(options.headers);
    Object.freeze(options.timeout);
    Object.freeze(options.retry);
""", "    options = cloneRaw(options);\n")
    assert not kinds(_run(tmp_path, FREEZE, after)) & CHANGED


HANDOFF = """export function send(request, options) {
  const merged = {...options, retry: options.retry, timeout: options.timeout};
  return request(merged);
}
"""


def test_js_retry_option_handed_on_outside_a_normaliser_is_no_change(tmp_path):
    # the same hand-off written differently in an ordinary function decides nothing
    after = HANDOFF.replace("retry: options.retry, timeout: options.timeout", "timeout: options.timeout, retry: options.retry")
    assert not kinds(_run(tmp_path, HANDOFF, after, "src/send.js")) & CHANGED


# -- a timer whose delay is a retry delay schedules the next attempt ---------------------------------

SCHEDULE = """module.exports = (options, emitter) => {
  let retryCount = 0;
  const get = opts => {
    const req = request(opts, response => emitter.emit('response', response));
    req.once('error', error => {
      const backoff = opts.retry.computeDelay(++retryCount, error);
      if (backoff) {
        setTimeout(get, backoff, opts);
        return;
      }
      emitter.emit('error', error);
    });
  };
  get(options);
};
"""


def test_js_retry_timer_sending_other_options_is_a_retry_change(tmp_path):
    # the retried request now bypasses the cache that would replay the error response
    after = SCHEDULE.replace("setTimeout(get, backoff, opts);", "setTimeout(get, backoff, {...opts, forceRefresh: true});")
    assert kinds(_run(tmp_path, SCHEDULE, after, "source/as-emitter.js")) & RETRY


FLUSH = """export class Batcher {
  constructor(options) {
    this.flushInterval = options.flushInterval;
    this.items = [];
  }

  add(item) {
    this.items.push(item);
    setTimeout(this.flush.bind(this), this.flushInterval, {reason: 'timer'});
  }
}
"""


def test_js_timer_with_a_poll_delay_changed_is_no_retry_change(tmp_path):
    after = FLUSH.replace("{reason: 'timer'}", "{reason: 'interval', force: true}")
    assert not kinds(_run(tmp_path, FLUSH, after, "src/batcher.js")) & CHANGED


def test_js_retry_delay_handed_to_a_logger_is_no_retry_change(tmp_path):
    before = SCHEDULE.replace("      if (backoff) {\n", "      debug('retrying', retryCount);\n      if (backoff) {\n")
    after = SCHEDULE.replace("      if (backoff) {\n", "      debug('retrying in %d ms', backoff, retryCount);\n      if (backoff) {\n")
    assert not kinds(_run(tmp_path, before, after, "source/as-emitter.js")) & CHANGED


# -- a call that starts another attempt, added to or removed from a path ---------------------------------

PING = """function Client(stream, options) {
  this.options = options;
  this.pingResp = true;
  this.stream = stream;
}

Client.prototype._checkPing = function () {
  if (this.pingResp) {
    this.pingResp = false;
    this._sendPacket({cmd: 'pingreq'});
  } else {
    this._cleanUp(true);
  }
};

Client.prototype._reconnect = function () {
  this.emit('reconnect');
  this._setupStream();
};

module.exports = Client;
"""


def test_js_missed_ping_now_reconnecting_is_a_retry_change(tmp_path):
    after = PING.replace("    this._cleanUp(true);\n", "    this._cleanUp(true);\n    this._reconnect();\n")
    assert kinds(_run(tmp_path, PING, after, "lib/client.js")) & RETRY


def test_js_missed_ping_no_longer_reconnecting_at_once_is_a_retry_change(tmp_path):
    before = PING.replace("    this._cleanUp(true);\n", "    this._cleanUp(true);\n    this._reconnect();\n")
    assert kinds(_run(tmp_path, before, PING, "lib/client.js")) & RETRY


def test_js_reconnect_event_emitted_with_another_payload_is_no_retry_change(tmp_path):
    # telling listeners about a reconnect is no attempt; neither is registering a callback for one
    after = PING.replace("  this.emit('reconnect');\n", "  this.emit('reconnect', {attempt: this.attempts});\n") \
        .replace("module.exports = Client;\n", "Client.prototype.watch = function (cb) {\n  this.onReconnect(cb);\n};\n\n"
                 "module.exports = Client;\n")
    assert not kinds(_run(tmp_path, PING, after, "lib/client.js")) & CHANGED


# -- a project's own timer helper taking the delay first ---------------------------------------------

TIMED = """function addTimeout(delay, callback, ...args) {
  const id = setTimeout(callback, delay, ...args);
  id.unref();
  return () => clearTimeout(id);
}

module.exports = (request, delays) => {
  const cancelers = [];
  const timeoutHandler = (delay, event) => {
    request.abort();
    request.emit('error', new TimeoutError(delay, event));
  };
  if (delays.connect !== undefined) {
    request.once('socket', socket => {
      const cancel = addTimeout(delays.connect, timeoutHandler, 'connect');
      cancelers.push(cancel);
      socket.once('connect', cancel);
    });
  }
  return () => cancelers.forEach(cancel => cancel());
};
"""


def test_js_timeout_added_through_a_delay_first_timer_helper_is_a_timeout_change(tmp_path):
    after = TIMED.replace("  return () => cancelers.forEach", """  if (delays.secureConnect !== undefined) {
    request.once('socket', socket => {
      socket.once('connect', () => {
        const cancel = addTimeout(delays.secureConnect, timeoutHandler, 'secureConnect');
        cancelers.push(cancel);
        socket.once('secureConnect', cancel);
      });
    });
  }
  return () => cancelers.forEach""")
    assert kinds(_run(tmp_path, TIMED, after, "source/timed-out.js")) & TIMEOUT


def test_js_delay_first_timer_helper_that_only_flushes_is_no_timeout(tmp_path):
    after = TIMED.replace("  return () => cancelers.forEach", """  const cancelFlush = addTimeout(delays.flush, flushQueue, 'flush');
  cancelers.push(cancelFlush);
  return () => cancelers.forEach""")
    assert not kinds(_run(tmp_path, TIMED, after, "source/timed-out.js")) & CHANGED


# -- which network errors are retried: a list of error codes under a retry name or in a retry module --

CODES = """'use strict';

const ALLOWED = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'EADDRINUSE',
  'EPIPE'
]);

module.exports = error => {
  if (error && ALLOWED.has(error.code)) {
    return true;
  }
  return false;
};
"""


def test_js_network_error_code_added_in_a_retry_module_is_a_retry_change(tmp_path):
    after = CODES.replace("  'EPIPE'\n", "  'EPIPE',\n  'ENOTFOUND',\n  'EAI_AGAIN'\n")
    assert kinds(_run(tmp_path, CODES, after, "source/is-retry-allowed.js")) & RETRY


def test_ts_retryable_codes_list_changed_is_a_retry_change(tmp_path):
    before = """export const retryableCodes = ['ECONNRESET', 'ETIMEDOUT'];

export function shouldRetry(error: NodeJS.ErrnoException): boolean {
  return retryableCodes.includes(error.code ?? '');
}
"""
    after = before.replace("['ECONNRESET', 'ETIMEDOUT']", "['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED']")
    assert kinds(_run(tmp_path, before, after, "src/transport.ts")) & RETRY


def test_js_error_codes_ignored_on_close_are_no_retry_setting(tmp_path):
    after = CODES.replace("  'EPIPE'\n", "  'EPIPE',\n  'ENOTFOUND'\n")
    assert not kinds(_run(tmp_path, CODES, after, "lib/ignore-close-errors.js")) & CHANGED


# -- the listener that runs the next attempt, valued by the guards that stop it ----------------------

LISTENER = """export default function asPromise(firstRequest: Request) {
  let settled = false;
  const makeRequest = (retryCount: number): void => {
    const request = firstRequest ?? new Request(undefined, undefined, options);
    request.once('response', (response) => {
      settled = true;
      resolve(response.body);
    });
    request.once('retry', (newRetryCount: number, error: RequestError) => {
      if (previousBody === request.options.body && is.nodeStream(request.options.body)) {
        onError(error);
        return;
      }
      makeRequest(newRetryCount);
    });
  };
  makeRequest(0);
}
"""


def test_ts_guard_added_to_the_retry_listener_is_a_retry_change(tmp_path):
    # a late error after the promise settled no longer starts another attempt
    after = LISTENER.replace("    request.once('retry', (newRetryCount: number, error: RequestError) => {\n",
                             "    request.once('retry', (newRetryCount: number, error: RequestError) => {\n"
                             "      if (settled) {\n        return;\n      }\n")
    assert kinds(_run(tmp_path, LISTENER, after, "source/as-promise/index.ts")) & RETRY


def test_ts_retry_listener_whose_guard_body_changed_is_no_retry_change(tmp_path):
    # same guard, another way of reporting the error: whether a retry happens is unchanged
    after = LISTENER.replace("        onError(error);\n", "        emitter.emit('error', error);\n")
    assert not kinds(_run(tmp_path, LISTENER, after, "source/as-promise/index.ts")) & CHANGED


def test_js_reconnect_listener_that_only_logs_is_no_retry(tmp_path):
    before = """export function watch(client, log) {
  client.on('reconnect', () => {
    log.info('reconnecting');
  });
}
"""
    after = before.replace("    log.info('reconnecting');\n",
                           "    if (log.level === 'debug') {\n      log.debug('reconnecting', client.options.host);\n    }\n")
    assert not kinds(_run(tmp_path, before, after, "src/watch.js")) & CHANGED


# -- a retry loop driven by a list of delays ------------------------------------------------------------

SEND = """export async function publish(client: Client, msg: Message): Promise<Ack> {
  return await client.send(msg);
}
"""


def test_ts_retry_loop_over_a_list_of_delays_is_a_retry(tmp_path):
    after = """export async function publish(client: Client, msg: Message): Promise<Ack> {
  const delays = [100, 500, 2000];
  while (delays.length) {
    try {
      return await client.send(msg);
    } catch (error) {
      await sleep(delays.shift());
    }
  }
  return await client.send(msg);
}
"""
    assert "retry.added" in kinds(_run(tmp_path, SEND, after, "src/publish.ts"))


def test_ts_loop_over_a_list_of_hosts_is_no_retry(tmp_path):
    # each pass tries the next host: falling back through alternatives, not retrying one
    after = """export async function publish(client: Client, msg: Message, hosts: string[]): Promise<Ack> {
  while (hosts.length) {
    const host = hosts.shift();
    try {
      return await client.send(msg, host);
    } catch (error) {
      await sleep(100);
    }
  }
  throw new Error('no host answered');
}
"""
    assert not kinds(_run(tmp_path, SEND, after, "src/publish.ts")) & RETRY
