"""Issue 13, stop 18 (Python, JavaScript/TypeScript): families of changes seen on round 9's fresh dev
commits in several repositories, each with what must still fire next to what must stay quiet. Real git
histories and real tree-sitter parses, through the same scorer path as the other resilience tests
(``docs/retry_timeout.md``, "Stop 18")."""

from __future__ import annotations

from tests.retry_changes import file_findings, findings, kinds

# -- a retry library's policy object running its own loop is no retry nested in a retry ---------------
# (``retry.nested python:tenacity``: the decorator builds ``Retrying(...)`` and calls ``r.call(f)``,
# whose attempts are the loop of ``Retrying.call``; three false alarms on the fresh dev part)

LIBRARY = '''import time


def retry(*dargs, **dkw):
    """Decorator building a Retrying object."""
    if len(dargs) == 1 and callable(dargs[0]):
        return retry()(dargs[0])

    def wrap(f):
        r = Retrying(*dargs, **dkw)

        def wrapped_f(*args, **kw):
            return r.call(f, *args, **kw)

        return wrapped_f

    return wrap


class Retrying:
    def __init__(self, stop=None, wait=None, max_attempts=5, delay=1.0):
        self.max_attempts = max_attempts
        self.delay = delay

    def call(self, fn, *args, **kwargs):
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn(*args, **kwargs)
            except Exception:
                if attempt >= self.max_attempts:
                    raise
                time.sleep(self.delay)
'''

LIBRARY_BEFORE = LIBRARY.replace('''    def wrap(f):
        r = Retrying(*dargs, **dkw)

        def wrapped_f(*args, **kw):
            return r.call(f, *args, **kw)

        return wrapped_f

    return wrap
''', '''    def wrap(f):
        return f

    return wrap
''')

CLIENT = '''import time

from tenacity import retry, stop_after_attempt, wait_exponential


def download(url):
    for attempt in range(5):
        try:
            return fetch(url)
        except ConnectionError:
            time.sleep(2 ** attempt)
    raise RuntimeError(url)


def sync(urls):
    return [download(u) for u in urls]
'''

CLIENT_NESTED = CLIENT.replace('''def sync(urls):
    return [download(u) for u in urls]
''', '''@retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=1))
def sync(urls):
    return [download(u) for u in urls]
''')


def test_a_retry_library_running_its_own_loop_is_no_nested_retry(tmp_path):
    found = file_findings(tmp_path, "retrying.py", LIBRARY_BEFORE, LIBRARY)
    assert "retry.nested" not in kinds(found)
    assert "retry.added" in kinds(found)  # the decorator now retries: still a retry change


def test_a_retrying_function_calling_another_retrying_function_is_still_nested(tmp_path):
    found = file_findings(tmp_path, "sync.py", CLIENT, CLIENT_NESTED)
    assert [f.message for f in found if f.kind == "retry.nested"] == [
        "tenacity retry (3 attempts, exponential backoff) calls download, which retries too "
        "(loop retry (5 attempts, exponential backoff)): attempts multiply"]


def test_a_loop_building_a_retrying_client_is_still_nested(tmp_path):
    before = LIBRARY + '''

def push(items):
    for item in items:
        Retrying(max_attempts=3).call(send, item)
'''
    after = LIBRARY + '''

def push(items):
    for attempt in range(3):
        try:
            return Retrying(max_attempts=3).call(send, items)
        except OSError:
            time.sleep(1)
'''
    assert "retry.nested" in kinds(findings(tmp_path, {"push.py": before}, {"push.py": after}))


# -- which errors are retried: a predicate built from exception classes --------------------------------
# (python-api-core ``if_transient_error = if_exception_type(...)`` gaining classes, twice on the fresh
# dev part; the same shape is tenacity's ``retry_if_exception_type((A, B))`` bound to a retry name)

PREDICATE = '''import requests.exceptions

from google.api_core import exceptions


def if_exception_type(*exception_types):
    def if_exception_type_predicate(exception):
        return isinstance(exception, exception_types)

    return if_exception_type_predicate


if_transient_error = if_exception_type(
    exceptions.InternalServerError,
    exceptions.TooManyRequests,
    exceptions.ServiceUnavailable,
)
"""A predicate that checks if an exception is a transient API error."""

if_not_found = if_exception_type(exceptions.NotFound)
'''


def test_an_exception_class_added_to_a_retry_predicate_changes_retry(tmp_path):
    after = PREDICATE.replace("    exceptions.ServiceUnavailable,\n",
                              "    exceptions.ServiceUnavailable,\n    requests.exceptions.ConnectionError,\n")
    found = file_findings(tmp_path, "google/api_core/retry.py", PREDICATE, after)
    assert [f.message for f in found if f.kind.startswith("retry.")] == [
        "changes retry setting if_transient_error: if_transient_error if_exception_type(exceptions.InternalServerError, "
        "exceptions.ServiceUnavailable, exceptions.TooManyRequests) → if_exception_type("
        "exceptions.InternalServerError, exceptions.ServiceUnavailable, exceptions.TooManyRequests, "
        "requests.exceptions.ConnectionError)"]


def test_a_retry_predicate_reordered_or_an_unrelated_predicate_changed_is_no_retry_change(tmp_path):
    after = PREDICATE.replace("    exceptions.InternalServerError,\n    exceptions.TooManyRequests,\n",
                              "    exceptions.TooManyRequests,\n    exceptions.InternalServerError,\n") \
        .replace("if_exception_type(exceptions.NotFound)", "if_exception_type(exceptions.NotFound, exceptions.Gone)")
    assert not {k for k in kinds(file_findings(tmp_path, "google/api_core/retry.py", PREDICATE, after))
                if k.startswith("retry.")}


def test_a_tenacity_condition_bound_to_a_retry_name_changes_with_its_classes(tmp_path):
    before = '''from tenacity import retry_if_exception_type

retry_on_network = retry_if_exception_type((ConnectionError, TimeoutError))
'''
    after = before.replace("(ConnectionError, TimeoutError)", "(ConnectionError, TimeoutError, OSError)")
    assert "retry.changed" in kinds(file_findings(tmp_path, "client/policy.py", before, after))
    local = '''from tenacity import retry_if_exception_type


def build():
    retry_on_network = retry_if_exception_type((ConnectionError, TimeoutError))
    return retry_on_network
'''
    assert "retry.changed" not in kinds(file_findings(tmp_path, "client/policy.py", local, local.replace(
        "(ConnectionError, TimeoutError)", "(ConnectionError, TimeoutError, OSError)")))


# -- which errors are retried: a function that marks a failure retryable ---------------------------------
# (mongo-python-driver ``_add_retryable_write_error`` deciding which errors get the label its retry loop
# tests, changed twice on the fresh dev part; Go and JS/TS read ``addRetryableLabel`` as a policy already)

LABEL = '''def _add_retryable_write_error(exc, max_wire_version):
    doc = _retryable_error_doc(exc)
    if doc:
        code = doc.get("code", 0)
        if code in helpers._RETRYABLE_ERROR_CODES:
            exc._add_error_label("RetryableWriteError")
    # Connection errors are always retryable except NotPrimaryError.
    if isinstance(exc, ConnectionFailure) and not isinstance(exc, NotPrimaryError):
        exc._add_error_label("RetryableWriteError")


def _add_retry_headers(request, attempt):
    request.headers["x-attempt"] = str(attempt)
    if attempt > 1:
        request.headers["x-retried"] = "1"
'''


def test_a_failure_class_no_longer_marked_retryable_changes_retry(tmp_path):
    after = LABEL.replace("not isinstance(exc, NotPrimaryError)",
                          "not isinstance(exc, (NotPrimaryError, WaitQueueTimeoutError))")
    found = file_findings(tmp_path, "pymongo/mongo_client.py", LABEL, after)
    assert [(f.kind, f.line) for f in found if f.kind.startswith("retry.")] == [("retry.changed", 1)]


def test_wiring_retry_headers_or_a_reworded_marker_is_no_retry_change(tmp_path):
    after = LABEL.replace('request.headers["x-attempt"] = str(attempt)', 'request.headers["x-try"] = str(attempt)') \
        .replace("# Connection errors are always retryable except NotPrimaryError.",
                 "# Every connection error is retryable, NotPrimaryError excepted.")
    assert not {k for k in kinds(file_findings(tmp_path, "pymongo/mongo_client.py", LABEL, after))
                if k.startswith("retry.")}


# -- a reconnect armed or cancelled on another path --------------------------------------------------------
# (MQTT.js: clean-up now re-arms the reconnect timer, ``end()`` now cancels a pending one; labelled retry
# changes on both dev parts. The same shape in Python: a reconnecting client's ``_schedule_reconnect()``)

CLIENT_JS = """function MqttClient(streamBuilder, options) {
  this.options = options;
  this.reconnectTimer = null;
  this.disconnecting = false;
}

MqttClient.prototype.end = function (force, cb) {
  if (this.disconnecting) {
    return true;
  }
  this.disconnecting = true;
  this._cleanUp(force, cb);
};

MqttClient.prototype._setupReconnect = function () {
  var that = this;
  if (!that.disconnecting && !that.reconnectTimer && (that.options.reconnectPeriod > 0)) {
    that.reconnectTimer = setInterval(function () {
      that._reconnect();
    }, that.options.reconnectPeriod);
  }
};

MqttClient.prototype._clearReconnect = function () {
  if (this.reconnectTimer) {
    clearInterval(this.reconnectTimer);
    this.reconnectTimer = null;
  }
};

MqttClient.prototype._cleanUp = function (forced, done) {
  if (done) {
    this.stream.on('close', done);
  }
  this.stream.destroy();
};

module.exports = MqttClient;
"""


def test_js_clean_up_now_rearming_the_reconnect_is_a_retry_change(tmp_path):
    after = CLIENT_JS.replace("  this.stream.destroy();\n", "  this.stream.destroy();\n  if (!this.disconnecting) {\n"
                                                           "    this._setupReconnect();\n  }\n")
    assert kinds(findings(tmp_path, {"lib/client.js": CLIENT_JS}, {"lib/client.js": after})) & {"retry.changed"}


def test_js_end_now_cancelling_a_pending_reconnect_is_a_retry_change(tmp_path):
    after = CLIENT_JS.replace("  this.disconnecting = true;\n", "  this._clearReconnect();\n  this.disconnecting = true;\n")
    assert kinds(findings(tmp_path, {"lib/client.js": CLIENT_JS}, {"lib/client.js": after})) & {"retry.changed"}


def test_js_reconnect_helpers_referenced_or_moved_unchanged_are_no_retry_change(tmp_path):
    # handed on as a listener (no call made here), or a call moved to another line of the same path
    before = CLIENT_JS.replace("  this.disconnecting = true;\n", "  this._clearReconnect();\n  this.disconnecting = true;\n")
    after = CLIENT_JS.replace("  this.disconnecting = true;\n", "  this.disconnecting = true;\n  this._clearReconnect();\n") \
        .replace("  this.reconnectTimer = null;\n  this.disconnecting = false;\n",
                 "  this.reconnectTimer = null;\n  this.disconnecting = false;\n  process.once('exit', this._clearReconnect);\n")
    assert not {k for k in kinds(findings(tmp_path, {"lib/client.js": before}, {"lib/client.js": after}))
                if k.startswith("retry.")}


CLIENT_PY = '''import socket


class Connection:
    def __init__(self, host, reconnect_delay=2.0):
        self.host = host
        self.reconnect_delay = reconnect_delay
        self._timer = None
        self.closing = False

    def _schedule_reconnect(self):
        self._timer = self.loop.call_later(self.reconnect_delay, self.connect)

    def connection_lost(self, exc):
        self.sock = None
        self.emit("disconnected", exc)
'''


def test_python_connection_lost_now_scheduling_a_reconnect_is_a_retry_change(tmp_path):
    after = CLIENT_PY.replace('        self.emit("disconnected", exc)\n',
                              '        self.emit("disconnected", exc)\n        if not self.closing:\n'
                              '            self._schedule_reconnect()\n')
    assert kinds(file_findings(tmp_path, "amqp/connection.py", CLIENT_PY, after)) & {"retry.changed"}


def test_python_reconnect_event_or_helper_handed_on_is_no_retry_change(tmp_path):
    after = CLIENT_PY.replace('        self.emit("disconnected", exc)\n',
                              '        self.emit("reconnect", exc)\n        self.on_lost = self._schedule_reconnect\n')
    assert not {k for k in kinds(file_findings(tmp_path, "amqp/connection.py", CLIENT_PY, after))
                if k.startswith("retry.")}


# -- a non-blocking call tried again once the socket is ready waits between its attempts -----------------
# (urllib3's pyOpenSSL ``sendall``: ``except WantWriteError: select.select(...)`` then round again; read as a
# retry without backoff on the fresh dev part, while the bare ``except WantReadError: continue`` spins)

SOCKET = '''import select

import OpenSSL.SSL


class WrappedSocket(object):
    def __init__(self, connection, socket):
        self.connection = connection
        self.socket = socket

    def sendall(self, data):
        return self.connection.sendall(data)
'''


def test_a_send_retried_after_waiting_for_the_socket_is_no_retry_without_backoff(tmp_path):
    after = SOCKET.replace('''    def sendall(self, data):
        return self.connection.sendall(data)
''', '''    def _send_until_done(self, data):
        while True:
            try:
                return self.connection.send(data)
            except OpenSSL.SSL.WantWriteError:
                _, wlist, _ = select.select([], [self.socket], [], self.socket.gettimeout())
                if not wlist:
                    raise timeout()
                continue

    def sendall(self, data):
        while len(data):
            sent = self._send_until_done(data)
            data = data[sent:]
''')
    found = kinds(file_findings(tmp_path, "urllib3/contrib/pyopenssl.py", SOCKET, after))
    assert "retry.added" in found and "retry.without_backoff" not in found


def test_a_send_retried_at_once_is_still_a_retry_without_backoff(tmp_path):
    after = SOCKET.replace('''    def sendall(self, data):
        return self.connection.sendall(data)
''', '''    def _send_until_done(self, data):
        while True:
            try:
                return self.connection.send(data)
            except OpenSSL.SSL.WantWriteError:
                if self.socket is None:
                    raise timeout()
                continue
''')
    assert "retry.without_backoff" in kinds(file_findings(tmp_path, "urllib3/contrib/pyopenssl.py", SOCKET, after))


# -- a condition added on a line of its own to a retry decision written over several lines ---------------
# (mongo-python-driver: ``retryable = (retryable and self.retry_writes`` gaining ``and not
# session.in_transaction)``; formatters put one condition a line in Python and JS/TS alike)

RETRYABLE = '''class MongoClient:
    def _retry_with_session(self, retryable, func, session, bulk):
        retryable = retryable and self.retry_writes
        last_error = None
        retrying = False
        while True:
            try:
                return func(session, retryable)
            except AutoReconnect as exc:
                if not retryable or retrying:
                    raise
                retrying = True
                last_error = exc
'''


def test_python_condition_added_on_its_own_line_to_a_retry_decision_changes_retry(tmp_path):
    after = RETRYABLE.replace("        retryable = retryable and self.retry_writes\n",
                              "        retryable = (retryable and self.retry_writes\n"
                              "                     and not session.in_transaction)\n")
    assert "retry.changed" in kinds(file_findings(tmp_path, "pymongo/mongo_client.py", RETRYABLE, after))


def test_python_condition_added_to_a_condition_without_retry_names_is_no_retry_change(tmp_path):
    before = RETRYABLE.replace("        last_error = None\n", "        use_cache = (self.cache_enabled and bulk\n"
                                                              "                     and not session.dirty)\n"
                                                              "        last_error = None\n")
    after = before.replace("                     and not session.dirty)\n",
                           "                     and not session.dirty\n                     and not session.in_transaction)\n")
    assert not {k for k in kinds(file_findings(tmp_path, "pymongo/mongo_client.py", before, after))
                if k.startswith("retry.")}


SHOULD_RETRY = """export class Ky {
	async _retry(fn) {
		try {
			return await fn();
		} catch (error) {
			const ms = Math.min(this._calculateRetryDelay(error), maxSafeTimeout);
			if (ms !== 0 &&
				this._retryCount > 0) {
				await delay(ms, {signal: this._options.signal});
				return this._retry(fn);
			}
			throw error;
		}
	}
}
"""


CLOSE_JS = """function handleClose(client) {
  if (client.options.reconnectPeriod > 0 &&
      !client.disconnecting) {
    client.emit('offline');
    client.reconnecting = true;
  }
}

module.exports = handleClose;
"""


def test_js_condition_added_on_its_own_line_to_a_retry_decision_changes_retry(tmp_path):
    after = CLOSE_JS.replace("      !client.disconnecting) {\n", "      !client.manualClose &&\n      !client.disconnecting) {\n")
    assert "retry.changed" in kinds(findings(tmp_path, {"lib/close.js": CLOSE_JS}, {"lib/close.js": after}))


def test_js_line_added_to_a_message_about_retries_is_no_retry_change(tmp_path):
    # a chain of ``+`` building a message, not a chain of conditions
    before = SHOULD_RETRY.replace("\t}\n}\n", "\t}\n\n\tdescribe() {\n\t\treturn 'attempt ' +\n\t\t\tthis._retryCount;\n\t}\n}\n")
    after = before.replace("\t\t\tthis._retryCount;\n", "\t\t\tthis._retryCount +\n\t\t\t' of the request';\n")
    assert not {k for k in kinds(findings(tmp_path, {"source/core/Ky.ts": before}, {"source/core/Ky.ts": after}))
                if k.startswith("retry.")}


# -- a retry library's own class built with its own defaults ---------------------------------------------
# (tenacity: ``Retrying().call(f)`` in the module that defines ``Retrying``; whether its defaults never stop
# and never wait is judged where they are defined, at a changed default, not at every use inside the
# library: ``retry.without_limit`` read off it was wrong on the fresh dev part)

OWN_LIBRARY = '''import time


def retry(*dargs, **dkw):
    def wrap(f):
        def wrapped_f(*args, **kw):
            return Retrying(*dargs, **dkw).call(f, *args, **kw)
        return wrapped_f
    return wrap


class Retrying(object):
    def __init__(self, stop='never_stop', wait='no_sleep', stop_max_attempt_number=5, wait_fixed=1000):
        self.stop = getattr(self, stop)
        self.wait = getattr(self, wait)
        self._stop_max_attempt_number = stop_max_attempt_number
        self._wait_fixed = wait_fixed

    def call(self, fn, *args, **kwargs):
        attempt_number = 1
        while True:
            try:
                return fn(*args, **kwargs)
            except Exception:
                if self.stop(attempt_number):
                    raise
                time.sleep(self.wait(attempt_number) / 1000.0)
                attempt_number += 1
'''

OWN_SIMPLE = OWN_LIBRARY.replace('''        return wrapped_f
    return wrap
''', '''        return wrapped_f

    def wrap_simple(f):
        def wrapped_f(*args, **kw):
            return Retrying().call(f, *args, **kw)
        return wrapped_f

    if len(dargs) == 1 and callable(dargs[0]):
        return wrap_simple(dargs[0])
    return wrap
''')


def test_a_retry_library_building_its_own_class_with_defaults_is_no_unbounded_retry_there(tmp_path):
    found = kinds(file_findings(tmp_path, "retrying.py", OWN_LIBRARY, OWN_SIMPLE))
    assert "retry.without_limit" not in found and "retry.without_backoff" not in found


def test_user_code_building_tenacity_retrying_with_defaults_still_never_stops(tmp_path):
    before = '''from tenacity import Retrying


def fetch(client, url):
    return client.get(url)
'''
    after = before.replace("    return client.get(url)\n", "    return Retrying().call(client.get, url)\n")
    assert "retry.without_limit" in kinds(file_findings(tmp_path, "app/fetch.py", before, after))


# -- code moved into a new helper and called where it was --------------------------------------------------
# (MQTT.js: the reconnect timer's set-up and clearing moved into ``_setupReconnect``/``_clearReconnect``,
# same logic; the calls left in place decide nothing new, the helpers' own lines are compared as usual)

INLINE_JS = """function MqttClient(stream, options) {
  var that = this;
  this.options = options;
  this.stream = stream;

  this.stream.on('close', function () {
    if (!that.reconnectTimer) {
      that.reconnectTimer = setInterval(function () {
        that._reconnect();
      }, that.options.reconnectPeriod);
    }
  });
}

module.exports = MqttClient;
"""

EXTRACTED_JS = INLINE_JS.replace('''    if (!that.reconnectTimer) {
      that.reconnectTimer = setInterval(function () {
        that._reconnect();
      }, that.options.reconnectPeriod);
    }
''', '''    that._setupReconnect();
''').replace("module.exports = MqttClient;\n", '''MqttClient.prototype._setupReconnect = function () {
  var that = this;

  if (!that.reconnectTimer) {
    that.reconnectTimer = setInterval(function () {
      that._reconnect();
    }, that.options.reconnectPeriod);
  }
};

module.exports = MqttClient;
''')


def test_js_reconnect_code_moved_into_a_new_helper_is_no_retry_change(tmp_path):
    assert not {k for k in kinds(findings(tmp_path, {"lib/client.js": INLINE_JS}, {"lib/client.js": EXTRACTED_JS}))
                if k.startswith("retry.")}


def test_js_new_helper_with_other_reconnect_logic_is_still_a_retry_change(tmp_path):
    after = EXTRACTED_JS.replace("  if (!that.reconnectTimer) {\n    that.reconnectTimer",
                                 "  if (!that.reconnectTimer && that.reconnectAttempts < 10) {\n    that.reconnectTimer")
    assert "retry.changed" in kinds(findings(tmp_path, {"lib/client.js": INLINE_JS}, {"lib/client.js": after}))


# -- an else after a return taken out (a lint's no-else-return rewrite) --------------------------------------
# (tenacity's lint pass turned ``if ...: return ...`` / ``else: def wrap ...`` into the same code without the
# ``else``, read as the retry decorator's policy changed; the rule is eslint's and ruff's alike)

POLICY_PY = '''def should_retry(error, attempt, max_attempts):
    if attempt >= max_attempts:
        return False
    elif isinstance(error, (ConnectionError, TimeoutError)):
        return True
    else:
        log_failure(error)
        return getattr(error, "retryable", False)
'''

POLICY_PY_FLAT = '''def should_retry(error, attempt, max_attempts):
    if attempt >= max_attempts:
        return False
    if isinstance(error, (ConnectionError, TimeoutError)):
        return True
    log_failure(error)
    return getattr(error, "retryable", False)
'''


def test_python_no_else_return_rewrite_of_a_retry_policy_is_no_retry_change(tmp_path):
    assert not {k for k in kinds(file_findings(tmp_path, "client/retries.py", POLICY_PY, POLICY_PY_FLAT))
                if k.startswith("retry.")}


def test_python_else_taken_out_where_the_branch_falls_through_still_changes_retry(tmp_path):
    before = POLICY_PY.replace("        return True\n", "        attempt_kind = 'network'\n")
    after = POLICY_PY_FLAT.replace("        return True\n", "        attempt_kind = 'network'\n")
    assert "retry.changed" in kinds(file_findings(tmp_path, "client/retries.py", before, after))


POLICY_TS = """export function shouldRetry(error: Error, retryCount: number, limit: number): boolean {
	if (retryCount >= limit) {
		return false;
	} else if (error instanceof TimeoutError) {
		return true;
	} else {
		return isNetworkError(error);
	}
}
"""

POLICY_TS_FLAT = """export function shouldRetry(error: Error, retryCount: number, limit: number): boolean {
	if (retryCount >= limit) {
		return false;
	}

	if (error instanceof TimeoutError) {
		return true;
	}

	return isNetworkError(error);
}
"""


def test_ts_no_else_return_rewrite_of_a_retry_policy_is_no_retry_change(tmp_path):
    assert not {k for k in kinds(findings(tmp_path, {"source/retry.ts": POLICY_TS}, {"source/retry.ts": POLICY_TS_FLAT}))
                if k.startswith("retry.")}


def test_ts_else_taken_out_where_the_branch_falls_through_still_changes_retry(tmp_path):
    before = POLICY_TS.replace("\t\treturn true;\n", "\t\tretryCount++;\n")
    after = POLICY_TS_FLAT.replace("\t\treturn true;\n", "\t\tretryCount++;\n")
    assert "retry.changed" in kinds(findings(tmp_path, {"source/retry.ts": before}, {"source/retry.ts": after}))


def test_a_condition_chain_beyond_the_work_budget_is_left_unread_not_walked_forever(tmp_path):
    # hostile input: a chain of thousands of lines, each changed; the reading stops at its budget
    from mergeguard.features import retry_timeout, syntax

    def chain(n: int) -> str:
        return "ok = (retry_count > 0\n" + "".join(f"      and x{i}\n" for i in range(n)) + "      )\n"

    # 4,000 links: deeper than syntax.MAX_TREE_DEPTH, never parsed (tests/test_tree_depth.py)
    assert syntax.parse(chain(4000), "python") is None
    # 500 links fit under the depth cap, but climbing from each of them is ~125,000 node steps
    text = chain(500)
    src = syntax.Source("m.py", "post", "python", text, syntax.parse(text, "python"))
    out: dict[int, tuple[str, str]] = {}
    retry_timeout._continued_conditions(src, set(range(2, 502)), out, None)
    assert 0 < len(out) < 500  # read until the budget ran out, then stopped
    small = "ok = (retry_count > 0\n      and x1\n      )\n"
    out = {}
    retry_timeout._continued_conditions(syntax.Source("m.py", "post", "python", small, syntax.parse(small, "python")),
                                        {2}, out, None)
    assert out == {2: ("retry", "retry_count")}
