"""JavaScript/TypeScript, issue 13 round 6: precision that generalises. Each rule that was tightened
because it fired on code that changes no retry or timeout decision, with the negative that fired
before next to the positive that must still fire. Real git histories, real tree-sitter parses."""

from __future__ import annotations

import pytest

from tests.retry_changes import findings, kinds

CHANGED = {"retry.added", "retry.removed", "retry.changed", "timeout.added", "timeout.removed", "timeout.changed"}
TIMEOUT = {"timeout.added", "timeout.removed", "timeout.changed"}


def _changes(found) -> set[str]:
    return kinds(found) & CHANGED


def _run(tmp_path, before: str, after: str, path: str = "src/client.js"):
    return findings(tmp_path, {path: before}, {path: after})


# -- a timer's callback is valued by how it ends the wait, not by every call it makes ------------------

QUERY_TIMER = """export class Client {
  query(text, values, callback) {
    const query = this.buildQuery(text, values, callback);
    if (this.readTimeout) {
      query.readTimeoutTimer = setTimeout(() => {
        const error = new Error('Query read timeout');
        process.nextTick(() => {
          query.handleError(error, this.connection);
        });
        this.removeFromQueue(query);
      }, this.readTimeout);
    }
    this.queue.push(query);
    this.pulseQueue();
    return query;
  }
}
"""


def test_js_bookkeeping_added_to_a_timeout_timer_callback_is_no_timeout_change(tmp_path):
    # a deprecation notice and a renamed helper: the timer still fails the query after readTimeout
    after = QUERY_TIMER.replace("        this.removeFromQueue(query);\n",
                                "        this.warnDeprecated('readTimeout');\n        this.dequeue(query);\n")
    assert not kinds(_run(tmp_path, QUERY_TIMER, after)) & TIMEOUT


def test_js_a_timeout_timer_that_no_longer_defers_its_failure_is_a_timeout_change(tmp_path):
    after = QUERY_TIMER.replace("""        process.nextTick(() => {
          query.handleError(error, this.connection);
        });
""", "        query.handleError(error, this.connection);\n")
    assert "timeout.changed" in kinds(_run(tmp_path, QUERY_TIMER, after))


def test_js_a_timeout_timer_that_no_longer_fails_the_query_is_a_timeout_change(tmp_path):
    after = QUERY_TIMER.replace("""        const error = new Error('Query read timeout');
        process.nextTick(() => {
          query.handleError(error, this.connection);
        });
""", "")
    assert kinds(_run(tmp_path, QUERY_TIMER, after)) & TIMEOUT


PAUSE = """export class Runner {
  async processEachMessage(batch) {
    for (const message of batch.messages) {
      try {
        await this.eachMessage({ message, pause: this.pause.bind(this) });
      } catch (e) {
        this.logger.error('eachMessage failed', { error: e.message });
        throw e;
      }
    }
  }
}
"""

PAUSE_AFTER = PAUSE.replace("""        this.logger.error('eachMessage failed', { error: e.message });
        throw e;""", """        if (e.pauseTimeout) {
          this.consumerGroup.pause([batch.topic]);
          setTimeout(() => this.consumerGroup.resume([batch.topic]), e.pauseTimeout);
          return;
        }
        this.logger.error('eachMessage failed', { error: e.message });
        throw e;""")


def test_js_a_timer_named_for_a_timeout_that_only_resumes_later_is_no_timeout(tmp_path):
    # the delay is called a timeout, but the callback gives nothing up: a pause, then a resume
    assert not kinds(_run(tmp_path, PAUSE, PAUSE_AFTER)) & TIMEOUT


def test_js_a_timer_named_for_a_timeout_that_rejects_is_still_a_timeout(tmp_path):
    before = """export function call(client, method, args, options) {
  return new Promise((resolve, reject) => {
    client.send(method, args, (err, res) => (err ? reject(err) : resolve(res)));
  });
}
"""
    after = before.replace("  return new Promise((resolve, reject) => {\n",
                           "  return new Promise((resolve, reject) => {\n"
                           "    setTimeout(() => reject(new RequestError('no reply')), options.requestTimeout);\n")
    assert "timeout.added" in kinds(_run(tmp_path, before, after))


FLUSH = """export class Batcher {
  add(item) {
    this.items.push(item);
    if (this.items.length >= this.max) {
      this.flush();
    }
  }
}
"""


def test_js_a_timer_whose_callback_sets_or_clears_another_timer_is_no_timeout(tmp_path):
    # ``clearTimeout`` in a callback named it a timeout handler before: a flush timer bounds no wait
    after = FLUSH.replace("""    if (this.items.length >= this.max) {
      this.flush();
    }""", """    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        clearTimeout(this.idleTimer);
        this.flush();
      }, 50);
    }""")
    assert not kinds(_run(tmp_path, FLUSH, after)) & TIMEOUT


HANDLER = """export function get(url, ms) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, resolve);
    req.setTimeout(ms);
    req.on('timeout', () => {
      req.destroy(new TimeoutError('request timed out after ' + ms + ' ms'));
    });
    req.on('error', reject);
  });
}
"""


def test_js_a_timeout_handler_whose_message_changed_is_no_timeout_change(tmp_path):
    after = HANDLER.replace("new TimeoutError('request timed out after ' + ms + ' ms')",
                            "new TimeoutError(`timed out after ${ms}ms: ${url}`, { url })")
    assert not kinds(_run(tmp_path, HANDLER, after)) & TIMEOUT


def test_js_a_timeout_handler_that_no_longer_ends_the_request_is_a_timeout_change(tmp_path):
    after = HANDLER.replace("req.destroy(new TimeoutError('request timed out after ' + ms + ' ms'));",
                            "log('request timed out after ' + ms + ' ms');")
    assert "timeout.changed" in kinds(_run(tmp_path, HANDLER, after))


# -- test and benchmark tooling known by its file name is not production code -------------------------

CLIENT = """import axios from 'axios';

export const client = axios.create({ baseURL: process.env.API_URL });
"""
CLIENT_TIMEOUT = CLIENT.replace("baseURL: process.env.API_URL", "baseURL: process.env.API_URL, timeout: 30000")


@pytest.mark.parametrize("path", ["packages/pg/bench-pipelining.js", "src/benchmark.ts", ".mocharc.js",
                                  "packages/client/.mocharc-re.cjs", "jest.config.ts",
                                  "lib/telemetry/utils/test.util.ts", "testHelpers/index.js",
                                  "testProjects/types/client.ts", "sandbox/client.js", "Gruntfile.js",
                                  "webpack.config.js"])
def test_js_a_timeout_in_test_or_benchmark_tooling_is_no_change(tmp_path, path):
    assert not _changes(_run(tmp_path, CLIENT, CLIENT_TIMEOUT, path=path))


@pytest.mark.parametrize("path", ["src/client.ts", "lib/contest/client.js", "src/retest.js",
                                  "packages/bench/src/client.ts", "lib/sandbox.js"])
def test_js_the_same_timeout_in_production_code_is_a_change(tmp_path, path):
    assert "timeout.added" in kinds(_run(tmp_path, CLIENT, CLIENT_TIMEOUT, path=path))


# -- a formatter's re-wrap changes no decision --------------------------------------------------------

RETRY_CONFIG = """export async function getRetryConfig(err) {
  let config = getConfig(err);
  config.retry =
      (config.retry === undefined || config.retry === null) ? 3 : config.retry;
  config.httpMethodsToRetry =
      config.httpMethodsToRetry || ['GET', 'HEAD', 'PUT', 'OPTIONS', 'DELETE'];
  const retryDelay = config.currentRetryAttempt ? 0 : config.retryDelay ?? 100;
  const delay = retryDelay + (Math.pow(2, config.currentRetryAttempt) - 1) / 2 * 1000;
  return {config, delay};
}
"""

REFORMATTED = """export async function getRetryConfig(err) {
  let config = getConfig(err);
  config.retry =
    config.retry === undefined || config.retry === null ? 3 : config.retry;
  config.httpMethodsToRetry = config.httpMethodsToRetry || [
    "GET",
    "HEAD",
    "PUT",
    "OPTIONS",
    "DELETE",
  ];
  const retryDelay = config.currentRetryAttempt
    ? 0
    : (config.retryDelay ?? 100);
  const delay = retryDelay + ((Math.pow(2, config.currentRetryAttempt) - 1) / 2) * 1000;
  return { config, delay };
}
"""


def test_js_retry_code_reformatted_by_a_formatter_is_no_change(tmp_path):
    assert not _changes(_run(tmp_path, RETRY_CONFIG, REFORMATTED, path="src/retry.ts"))


def test_js_retry_code_reformatted_with_a_changed_default_is_a_retry_change(tmp_path):
    after = REFORMATTED.replace("? 3 : config.retry", "? 5 : config.retry")
    assert "retry.changed" in kinds(_run(tmp_path, RETRY_CONFIG, after, path="src/retry.ts"))


def test_js_a_retry_condition_rewritten_on_one_line_is_still_a_change(tmp_path):
    after = RETRY_CONFIG.replace("config.currentRetryAttempt ? 0 : config.retryDelay ?? 100",
                                 "config.currentRetryAttempt > 1 ? 0 : config.retryDelay ?? 100")
    assert "retry.changed" in kinds(_run(tmp_path, RETRY_CONFIG, after, path="src/retry.ts"))


# -- a timer's handle is the timer, not its bound ------------------------------------------------------

CONNECT = """export class Client {
  connect(callback) {
    const con = this.connection;
    if (this.connectionTimeoutMillis > 0) {
      this.connectionTimeoutHandle = setTimeout(() => {
        con.stream.destroy(new Error('timeout expired'));
      }, this.connectionTimeoutMillis);
    }
    con.connect(this.port, this.host);
    con.once('connect', () => callback(null, this));
  }
}
"""


def test_js_unref_on_a_timeout_timer_handle_is_no_timeout_change(tmp_path):
    # whether the timer keeps the process alive changes no wait
    after = CONNECT.replace("      }, this.connectionTimeoutMillis);\n",
                            "      }, this.connectionTimeoutMillis);\n"
                            "      if (this.connectionTimeoutHandle.unref) {\n"
                            "        this.connectionTimeoutHandle.unref();\n      }\n")
    assert not kinds(_run(tmp_path, CONNECT, after)) & TIMEOUT


def test_js_a_changed_condition_on_the_timeout_value_is_still_a_timeout_change(tmp_path):
    after = CONNECT.replace("if (this.connectionTimeoutMillis > 0)", "if (this.connectionTimeoutMillis >= 1000)")
    assert kinds(_run(tmp_path, CONNECT, after)) & TIMEOUT


# -- a long options literal is compared whole, not by its first 120 characters --------------------------

DEFAULTS = """const defaults = {
  options: {
    retry: {
      limit: 2,
      methods: ['GET', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'],
      statusCodes: [408, 413, 429, 500, 502, 503, 504, 521, 522, 524],
      errorCodes: ['ETIMEDOUT', 'ECONNRESET', 'EADDRINUSE', 'ECONNREFUSED', 'EPIPE'],
    },
    headers: {},
  },
};

module.exports = defaults;
"""


def test_js_an_error_code_added_at_the_end_of_a_long_retry_literal_is_a_retry_change(tmp_path):
    after = DEFAULTS.replace("'EPIPE']", "'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']")
    assert "retry.changed" in kinds(_run(tmp_path, DEFAULTS, after, path="source/index.js"))


def test_js_a_long_retry_literal_reformatted_is_no_change(tmp_path):
    after = DEFAULTS.replace("'ECONNREFUSED', 'EPIPE']", "'ECONNREFUSED',\n        'EPIPE',\n      ]") \
        .replace("'ETIMEDOUT'", '"ETIMEDOUT"')
    assert not _changes(_run(tmp_path, DEFAULTS, after, path="source/index.js"))


# -- typing and type guards decide nothing in a policy function ----------------------------------------

DELAY = """import {HTTPError} from './errors/HTTPError.js';
import {TimeoutError} from './errors/TimeoutError.js';

export function calculateRetryDelay(error: unknown, retryCount: number, options: RetryOptions): number {
  if (retryCount > options.limit || error instanceof TimeoutError) {
    return 0;
  }
  if (error instanceof HTTPError) {
    if (!options.statusCodes.includes((error as HTTPError).response.status)) {
      return 0;
    }
  }
  return 0.3 * (2 ** (retryCount - 1)) * 1000;
}
"""


def test_ts_type_guards_and_casts_in_a_retry_delay_function_are_no_change(tmp_path):
    after = DELAY.replace("error instanceof TimeoutError", "isTimeoutError(error)") \
        .replace("error instanceof HTTPError", "isHTTPError(error)") \
        .replace("(error as HTTPError).response.status", "error.response!.status")
    assert not _changes(_run(tmp_path, DELAY, after, path="source/core/retry.ts"))


def test_ts_a_type_guard_for_another_error_class_is_a_retry_change(tmp_path):
    after = DELAY.replace("error instanceof TimeoutError", "isNetworkError(error)")
    assert "retry.changed" in kinds(_run(tmp_path, DELAY, after, path="source/core/retry.ts"))


# -- a loop that takes the next piece of its input on every pass is no retry ---------------------------

READ_BUFFER = """export class ReadBuffer {
  append(chunk) {
    this._buffer = this._buffer ? Buffer.concat([this._buffer, chunk]) : chunk;
  }

  readMessage() {
    while (this._buffer) {
      const index = this._buffer.indexOf('\\\\n');
      if (index === -1) {
        return null;
      }
      const line = this._buffer.toString('utf8', 0, index);
      this._buffer = this._buffer.subarray(index + 1);
      return deserializeMessage(line);
    }
    return null;
  }
}
"""

READ_BUFFER_SKIPPING = READ_BUFFER.replace("      return deserializeMessage(line);\n", """      try {
        return deserializeMessage(line);
      } catch (error) {
        if (error instanceof SyntaxError) {
          continue;
        }
        throw error;
      }
""")


def test_js_a_parse_loop_that_skips_a_bad_line_is_no_retry(tmp_path):
    assert not kinds(_run(tmp_path, READ_BUFFER, READ_BUFFER_SKIPPING, path="src/shared/stdio.js")) & CHANGED


SEND = """export async function send(url, body) {
  return fetch(url, { method: 'PUT', body });
}
"""


def test_js_a_retry_loop_that_builds_its_request_on_every_pass_is_still_a_retry(tmp_path):
    after = """export async function send(url, body) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const request = new Request(url, { method: 'PUT', body });
    try {
      return await fetch(request);
    } catch (err) {
      await sleep(100 * 2 ** attempt);
    }
  }
  throw new Error('gave up');
}
"""
    assert "retry.added" in kinds(_run(tmp_path, SEND, after))


TRANSPORT = """export class StreamableHTTPClientTransport {
  constructor(url, opts) {
    this._url = url;
    this._reconnectionOptions = opts?.reconnectionOptions ?? DEFAULT_RECONNECTION_OPTIONS;
  }

  async close() {
    this._abortController?.abort();
    this.onclose?.();
  }
}
"""


def test_js_the_handle_that_cancels_a_scheduled_reconnect_is_no_retry_setting(tmp_path):
    after = TRANSPORT.replace("    this._abortController?.abort();\n",
                              "    this._cancelReconnection?.();\n    this._cancelReconnection = undefined;\n"
                              "    this._abortController?.abort();\n")
    assert not kinds(_run(tmp_path, TRANSPORT, after, path="src/client/streamableHttp.ts")) & CHANGED


def test_js_a_reconnection_option_default_is_still_a_retry_setting(tmp_path):
    after = TRANSPORT.replace("    this._url = url;\n", "    this._url = url;\n    this._maxRetries = opts?.maxRetries ?? 2;\n")
    assert "retry.added" in kinds(_run(tmp_path, TRANSPORT, after, path="src/client/streamableHttp.ts"))


SHIM = """export class Runtime {
  clearTimeout(timeoutId) {
    globalThis.clearTimeout(timeoutId);
  }
}
"""


def test_js_a_timer_class_tested_with_instanceof_is_no_timeout_change(tmp_path):
    after = SHIM.replace("    globalThis.clearTimeout(timeoutId);\n", """    if (timeoutId instanceof ReactNativeTimeout) {
      timeoutId.clear();
      return;
    }
    globalThis.clearTimeout(timeoutId);
""")
    assert not kinds(_run(tmp_path, SHIM, after, path="src/shims/shims-react-native.ts")) & TIMEOUT


def test_js_a_timeout_value_tested_in_a_condition_is_still_a_timeout_change(tmp_path):
    after = SHIM.replace("    globalThis.clearTimeout(timeoutId);\n", """    if (this.requestTimeout > MAX_TIMEOUT) {
      return;
    }
    globalThis.clearTimeout(timeoutId);
""")
    assert kinds(_run(tmp_path, SHIM, after, path="src/shims/shims-react-native.ts")) & TIMEOUT
