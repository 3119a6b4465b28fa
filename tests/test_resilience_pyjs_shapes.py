"""Python and JavaScript/TypeScript shapes met on real commits (issue 13, the corpus's dev part), on
real tree-sitter parses and real git diffs: each fix with what must fire next to what must not."""

from __future__ import annotations

from tests.retry_changes import findings, kinds





# -- JavaScript: a 'timeout' event handler ends a wait that would never end --------------------------

XHR_BEFORE = """module.exports = function xhrAdapter(resolve, reject, config) {
  var request = new XMLHttpRequest();
  request.open(config.method.toUpperCase(), config.url, true);
  request.timeout = config.timeout;
  request.onload = function handleLoad() {
    resolve(request.responseText);
  };
  request.send(config.data);
};
"""

XHR_AFTER = XHR_BEFORE.replace("""  request.send(config.data);""", """  // Handle timeout
  request.ontimeout = function handleTimeout() {
    reject(new Error('timeout of ' + config.timeout + 'ms exceeded'));
    request = null;
  };

  request.send(config.data);""")


def test_an_ontimeout_handler_added_is_a_timeout_change(tmp_path):
    found = findings(tmp_path, {"lib/xhr.js": XHR_BEFORE}, {"lib/xhr.js": XHR_AFTER})
    added = [f for f in found if f.kind == "timeout.added"]
    assert [f.line for f in added] == [XHR_AFTER.splitlines().index("  request.ontimeout = function handleTimeout() {") + 1]
    assert not kinds(found) & {"timeout.unbounded", "timeout.missing"}  # it sets no duration


CONN_BEFORE = """function Connection(stream, server) {
  this.stream = stream;
  this.stream.on('data', this.parse.bind(this));
  this.stream.on('timeout', this.timedOut.bind(this));
  this.stream.on('close', this.closed.bind(this));
}
"""


def test_a_timeout_listener_removed_or_commented_out_is_a_timeout_change(tmp_path):
    after = CONN_BEFORE.replace("  this.stream.on('timeout'", "  // this.stream.on('timeout'")
    found = findings(tmp_path, {"lib/connection.js": CONN_BEFORE}, {"lib/connection.js": after})
    removed = [f for f in found if f.kind == "timeout.removed"]
    assert len(removed) == 1 and "removed" in removed[0].message


def test_a_timeout_listener_that_only_moved_or_other_events_are_no_change(tmp_path):
    moved = """function Connection(stream, server) {
  this.stream = stream;
  this.stream.on('timeout', this.timedOut.bind(this));
  this.stream.on('data', this.parse.bind(this));
  this.stream.on('close', this.closed.bind(this));
  this.stream.on('end', this.ended.bind(this));
  log('waiting for timeout');
}
"""
    assert not {k for k in kinds(findings(tmp_path, {"lib/connection.js": CONN_BEFORE},
                                          {"lib/connection.js": moved})) if k.startswith("timeout")}


def test_a_timeout_listener_in_typescript_is_seen(tmp_path):
    before = """export function attach(socket: Socket): void {
  socket.on('data', (d: Buffer) => parse(d));
}
"""
    after = """export function attach(socket: Socket): void {
  socket.on('data', (d: Buffer) => parse(d));
  socket.once('timeout', () => socket.destroy(new TimeoutError('socket')));
}
"""
    assert "timeout.added" in kinds(findings(tmp_path, {"src/conn.ts": before}, {"src/conn.ts": after}))


# -- logic lines: only the names around a retry/timeout decision changed ------------------------------

POLL_BEFORE = """import time
from time import time as _time


def wait_for_read(sock, timeout):
    deadline = _time() + timeout
    while True:
        if deadline and _time() > deadline:
            raise TimeoutError("read")
        if sock.readable():
            return sock.recv(4096)
"""


def test_a_clock_swapped_around_the_same_deadline_is_no_timeout_change(tmp_path):
    after = POLL_BEFORE.replace("_time()", "time.monotonic()").replace("from time import time as _time\n", "")
    found = findings(tmp_path, {"pkg/network.py": POLL_BEFORE}, {"pkg/network.py": after})
    assert not {k for k in kinds(found) if k.startswith("timeout")}


def test_a_changed_deadline_comparison_is_still_timeout_logic(tmp_path):
    after = POLL_BEFORE.replace("_time() > deadline", "_time() >= deadline - 1")
    found = findings(tmp_path, {"pkg/network.py": POLL_BEFORE}, {"pkg/network.py": after})
    assert "timeout.changed" in kinds(found)


def test_a_new_condition_word_on_the_same_names_is_still_timeout_logic(tmp_path):
    after = POLL_BEFORE.replace("if deadline and _time() > deadline", "if deadline and not _time() > deadline")
    found = findings(tmp_path, {"pkg/network.py": POLL_BEFORE}, {"pkg/network.py": after})
    assert "timeout.changed" in kinds(found)


# -- Python: retry and timeout policies the library builds itself ------------------------------------

POLLING = """from google.api_core import exceptions
from google.api_core import retry


class _OperationNotComplete(Exception):
    pass


RETRY_PREDICATE = retry.if_exception_type(_OperationNotComplete)
DEFAULT_RETRY = retry.Retry(predicate=RETRY_PREDICATE)


class PollingFuture(object):
    def __init__(self, retry=DEFAULT_RETRY):
        self._retry = retry

    def _blocking_poll(self, timeout=None):
        retry_ = self._retry.with_deadline(timeout)
        retry_(self._done_or_raise)()
"""


def test_a_policy_constant_whose_arguments_change_is_a_retry_change(tmp_path):
    after = POLLING.replace("retry.if_exception_type(_OperationNotComplete)",
                            "retry.if_exception_type(\n    _OperationNotComplete,\n    exceptions.TooManyRequests,\n)")
    found = findings(tmp_path, {"api/polling.py": POLLING}, {"api/polling.py": after})
    changed = [f for f in found if f.kind == "retry.changed"]
    assert len(changed) == 1 and "RETRY_PREDICATE" in changed[0].message
    assert changed[0].line == after.splitlines().index("RETRY_PREDICATE = retry.if_exception_type(") + 1


def test_a_default_policy_object_added_is_a_retry_change(tmp_path):
    before = POLLING.replace("DEFAULT_RETRY = retry.Retry(predicate=RETRY_PREDICATE)\n", "DEFAULT_RETRY = None\n")
    found = findings(tmp_path, {"api/polling.py": before}, {"api/polling.py": POLLING})
    assert "retry.added" in kinds(found) or "retry.changed" in kinds(found)


def test_a_policy_built_in_a_method_with_other_arguments_is_a_retry_change(tmp_path):
    before = """from google.api_core import retry


class Future(object):
    def result(self, timeout=None):
        retry_ = retry.Retry(predicate=retry.if_exception_type(NotDone), deadline=timeout)
        return retry_(self._poll)()
"""
    after = before.replace("retry.if_exception_type(NotDone)", "retry.if_exception_type(NotDone, Unavailable)")
    assert "retry.changed" in kinds(findings(tmp_path, {"api/future.py": before}, {"api/future.py": after}))


def test_policies_moved_or_exceptions_named_after_retrying_are_no_retry_change(tmp_path):
    moved = POLLING.replace("RETRY_PREDICATE = retry.if_exception_type(_OperationNotComplete)\n"
                            "DEFAULT_RETRY = retry.Retry(predicate=RETRY_PREDICATE)\n", "from api.policy import DEFAULT_RETRY\n")
    policy = ("from google.api_core import retry\n\nfrom api.polling import _OperationNotComplete\n\n"
              "RETRY_PREDICATE = retry.if_exception_type(_OperationNotComplete)\n"
              "DEFAULT_RETRY = retry.Retry(predicate=RETRY_PREDICATE)\n")
    found = findings(tmp_path, {"api/polling.py": POLLING}, {"api/polling.py": moved, "api/policy.py": policy})
    assert not {k for k in kinds(found) if k.startswith("retry")}
    raising = """from pymongo.errors import AutoReconnect


def send(sock, msg, is_primary):
    if not is_primary:
        raise AutoReconnect("not master")
    try:
        return sock.sendall(msg)
    except OSError as e:
        raise AutoReconnect(str(e))
"""
    after = raising.replace('AutoReconnect("not master")', 'AutoReconnect("not primary")')
    assert not {k for k in kinds(findings(tmp_path / "b", {"pymongo/net.py": raising}, {"pymongo/net.py": after}))
                if k.startswith("retry")}


# -- Python loops: what goes round again after a failure, and what does not --------------------------

def _py_retry_loops(text: str):
    from mergeguard.features import syntax
    from mergeguard.features.resilience import python
    tree = syntax.parse(text, "python")
    return [c for c in python.scan(syntax.Source("f.py", "post", "python", text, tree)).constructs
            if c.kind == "retry" and c.library == "loop"]


EVENT_LOOP = """def create_loop(self, sleep=sleep):
    while 1:
        for tick in self.on_tick:
            tick()
        if self.readers:
            try:
                events = self.poll(self.poll_timeout)
            except ValueError:
                raise StopIteration()
            for fileno, event in events or ():
                try:
                    cb = self.readers[fileno]
                except KeyError:
                    continue
                cb()
        else:
            sleep(0.1)
        yield
"""

POOL_ACQUIRE = """def acquire(self, block=True, timeout=None):
    self.not_empty.acquire()
    try:
        while 1:
            try:
                connection = self._connections.popleft()
                return connection
            except IndexError:
                if not block:
                    raise PoolExhausted()
                self.not_empty.wait(timeout)
    finally:
        self.not_empty.release()
"""

RECONNECT = """def run(self):
    while True:
        try:
            return self.connection.drain_events(timeout=1)
        except ConnectionError:
            self.connection = self.connect()
            time.sleep(10)
"""


def test_an_event_loop_whose_only_except_reraises_or_skips_inner_items_is_no_retry():
    assert _py_retry_loops(EVENT_LOOP) == []


def test_a_pool_waiting_on_an_empty_container_is_no_retry():
    assert _py_retry_loops(POOL_ACQUIRE) == []


def test_a_reconnect_loop_is_still_a_retry():
    (loop,) = _py_retry_loops(RECONNECT)
    assert loop.backoff == "fixed" and loop.attempts == float("inf")


TLS_READ_BEFORE = """class WrappedSocket(object):
    def recv_all(self, bufsize):
        chunks = []
        data = self._sock.recv(bufsize)
        while data:
            chunks.append(data)
            data = self._sock.recv(bufsize)
        return b"".join(chunks)
"""

TLS_READ_AFTER = """class WrappedSocket(object):
    def recv_all(self, bufsize):
        chunks = []
        while True:
            try:
                data = self._sock.recv(bufsize)
            except OpenSSL.SSL.WantReadError:
                continue
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)
"""


def test_spinning_on_want_read_is_a_retry_without_backoff_at_the_loop(tmp_path):
    found = findings(tmp_path, {"pkg/contrib/tls.py": TLS_READ_BEFORE}, {"pkg/contrib/tls.py": TLS_READ_AFTER})
    loop_line = TLS_READ_AFTER.splitlines().index("        while True:") + 1
    assert [(f.kind, f.line) for f in found if f.kind.startswith("retry.without")] == [
        ("retry.without_backoff", loop_line)]  # it ends when the data does: not "never gives up"


def test_a_system_call_retried_on_eintr_is_no_retry():
    eintr = TLS_READ_AFTER.replace("OpenSSL.SSL.WantReadError", "InterruptedError")
    assert _py_retry_loops(eintr) == []


# -- JavaScript: "none" that is no anti-pattern ---------------------------------------------------------

TIMED_OUT_BEFORE = """module.exports = (request, delays) => {
  const cancelers = [];
  if (delays.socket !== undefined) {
    request.setTimeout(delays.socket, () => {
      timeoutHandler(delays.socket, 'socket');
    });
  }
  return () => cancelers.forEach(cancel => cancel());
};
"""


def test_a_socket_timeout_disarmed_on_teardown_is_a_change_but_not_unbounded(tmp_path):
    after = TIMED_OUT_BEFORE.replace("""    });
  }""", """    });

    cancelers.push(() => request.setTimeout(0));
  }""")
    found = kinds(findings(tmp_path, {"source/timed-out.js": TIMED_OUT_BEFORE}, {"source/timed-out.js": after}))
    assert "timeout.added" in found and "timeout.unbounded" not in found


def test_a_socket_timeout_switched_off_for_every_connection_is_unbounded(tmp_path):
    before = """const server = http.createServer(handler);
server.on('connection', (socket) => {
  socket.setNoDelay(true);
});
"""
    after = before.replace("  socket.setNoDelay(true);", "  socket.setNoDelay(true);\n  socket.setTimeout(0);")
    assert "timeout.unbounded" in kinds(findings(tmp_path, {"lib/server.js": before}, {"lib/server.js": after}))


AVVIO_BEFORE = """function build (options) {
  const app = avvio(fastify, {
    autostart: false
  })
  return app
}
"""


def test_a_new_option_that_defaults_to_no_timeout_is_a_change_but_not_unbounded(tmp_path):
    after = AVVIO_BEFORE.replace("    autostart: false", "    autostart: false,\n    timeout: Number(options.pluginTimeout) || 0")
    found = kinds(findings(tmp_path, {"fastify.js": "const avvio = require('avvio')\n" + AVVIO_BEFORE},
                           {"fastify.js": "const avvio = require('avvio')\n" + after}))
    assert "timeout.added" in found and "timeout.unbounded" not in found


def test_its_default_changed_from_none_to_ten_seconds_is_a_timeout_change(tmp_path):
    before = AVVIO_BEFORE.replace("    autostart: false", "    autostart: false,\n    timeout: Number(options.pluginTimeout) || 0")
    after = before.replace("|| 0", "|| 10000")
    found = kinds(findings(tmp_path, {"fastify.js": "const avvio = require('avvio')\n" + before},
                           {"fastify.js": "const avvio = require('avvio')\n" + after}))
    assert "timeout.changed" in found


def test_retry_state_objects_and_timeouts_handed_on_are_no_policy():
    from mergeguard.features import syntax
    from mergeguard.features.resilience import python
    text = """from urllib3.util.timeout import Timeout
from tenacity import RetryCallState


class HTTPConnection(object):
    def __init__(self, timeout):
        self.enhanced_timeout = Timeout.from_float(timeout)
        self.copied_timeout = timeout.clone()


def wait_for(attempt):
    state = RetryCallState(None, (), {})
    return state
"""
    tree = syntax.parse(text, "python")
    scan = python.scan(syntax.Source("f.py", "post", "python", text, tree))
    assert [c for c in scan.constructs if c.library == "setting"] == []
    built = text.replace("Timeout.from_float(timeout)", "Timeout(connect=2.0, read=7.0)")
    scan = python.scan(syntax.Source("f.py", "post", "python", built, syntax.parse(built, "python")))
    assert [(c.kind, c.target) for c in scan.constructs if c.library == "setting"] == [("timeout", "enhanced_timeout")]


# -- a literal moved into a named default the change writes ---------------------------------------------

DEFAULTS = """'use strict'

const defaultInitOptions = {
  bodyLimit: 1024 * 1024,
  pluginTimeout: {timeout}
}

module.exports = defaultInitOptions
"""


def test_a_timeout_literal_moved_into_a_named_default_is_no_change(tmp_path):
    before = "const avvio = require('avvio')\n" + AVVIO_BEFORE.replace(
        "    autostart: false", "    autostart: false,\n    timeout: Number(options.pluginTimeout) || 10000")
    after = before.replace("|| 10000", "|| defaultInitOptions.pluginTimeout").replace(
        "const avvio = require('avvio')\n", "const avvio = require('avvio')\nconst defaultInitOptions = require('./lib/defaults')\n")
    found = findings(tmp_path, {"fastify.js": before},
                     {"fastify.js": after, "lib/defaults.js": DEFAULTS.replace("{timeout}", "10000")})
    assert "timeout.changed" not in kinds(found)
    # the same move with another value is a change (reported at the new default)
    found = findings(tmp_path / "b", {"fastify.js": before},
                     {"fastify.js": after, "lib/defaults.js": DEFAULTS.replace("{timeout}", "30000")})
    assert {"timeout.changed", "timeout.added"} & kinds(found)


# -- JavaScript: a timer that fails the operation is the wait's bound -------------------------------------

TIMED_OUT_TIMER = """export default function timedOut(request, delays) {
  const cancelers = [];
  const addTimeout = (delay, callback, event) => {
    const timeout = setTimeout(() => {
      request.destroy(new TimeoutError(delay, event));
    }, delay);
    cancelers.push(() => clearTimeout(timeout));
    return timeout;
  };
  if (delays.request !== undefined) {
    addTimeout(delays.request, null, 'request');
  }
  return () => cancelers.forEach(cancel => cancel());
}
"""


def test_a_timer_that_fails_the_request_changed_is_a_timeout_change(tmp_path):
    after = TIMED_OUT_TIMER.replace("""      request.destroy(new TimeoutError(delay, event));""",
                                    """      setImmediate(() => {
        if (!request.destroyed) {
          request.destroy(new TimeoutError(delay, event));
        }
      });""")
    found = findings(tmp_path, {"source/timed-out.ts": TIMED_OUT_TIMER}, {"source/timed-out.ts": after})
    assert "timeout.changed" in kinds(found)


def test_a_timer_moved_or_a_timer_that_does_not_fail_anything_is_no_timeout_change(tmp_path):
    moved = TIMED_OUT_TIMER.replace("  const cancelers = [];\n", "") .replace(
        "export default function timedOut(request, delays) {\n", "export default function timedOut(request, delays) {\n"
        "  const cancelers = [];\n  const unused = 1;\n")
    found = findings(tmp_path, {"source/timed-out.ts": TIMED_OUT_TIMER}, {"source/timed-out.ts": moved})
    assert not {k for k in kinds(found) if k.startswith("timeout")}
    flush = """export function schedule(queue) {
  setTimeout(() => queue.flush(), 100);
}
"""
    found = findings(tmp_path / "b", {"source/flush.ts": flush}, {"source/flush.ts": flush.replace("100", "250")})
    assert not {k for k in kinds(found) if k.startswith("timeout")}


def test_a_timeout_timer_whose_log_message_changed_is_no_timeout_change(tmp_path):
    before = """class Client {
  _setupConnackTimer () {
    const that = this
    clearTimeout(this.connackTimer)
    this.connackTimer = setTimeout(function () {
      debug('!!connectTimeout hit!! Calling _cleanUp with force `true`')
      that._cleanUp(true, new TimeoutError('connack'))
    }, this.options.connectTimeout)
  }
}
"""
    after = before.replace("debug('!!connectTimeout", "that.log('!!connectTimeout")
    found = findings(tmp_path, {"lib/client.js": before}, {"lib/client.js": after})
    assert not {k for k in kinds(found) if k.startswith("timeout")}
    longer = before.replace("this.options.connectTimeout)", "this.options.connectTimeout * 2)")
    assert "timeout.changed" in kinds(findings(tmp_path / "b", {"lib/client.js": before}, {"lib/client.js": longer}))


# -- Python: a timeout handed to another object ---------------------------------------------------------

POOL = """class HTTPConnectionPool(object):
    def __init__(self, host, timeout=None):
        self.host = host
        self.timeout = timeout

    def _new_conn(self, timeout):
        conn = self.ConnectionCls(host=self.host)
        conn.connect()
        return conn
"""


def test_a_timeout_set_on_a_connection_is_a_timeout_change(tmp_path):
    after = POOL.replace("        conn.connect()", "        if hasattr(conn, 'timeout'):\n            conn.timeout = timeout\n"
                                                   "        conn.connect()")
    found = findings(tmp_path, {"pkg/pool.py": POOL}, {"pkg/pool.py": after})
    assert [f.line for f in found if f.kind == "timeout.added"] == [
        after.splitlines().index("            conn.timeout = timeout") + 1]


def test_an_objects_own_timeout_field_or_an_untouched_assignment_is_no_timeout_change(tmp_path):
    before = POOL.replace("        conn.connect()", "        conn.timeout = timeout\n        conn.connect()")
    other = before.replace("        conn.connect()", "        conn.connect()\n        log.debug('connected')")
    found = findings(tmp_path, {"pkg/pool.py": before}, {"pkg/pool.py": other})
    assert not {k for k in kinds(found) if k.startswith("timeout")}
    own = POOL.replace("        self.timeout = timeout\n", "        self.timeout = timeout\n        self.read_timeout = timeout\n")
    found = findings(tmp_path / "b", {"pkg/pool.py": POOL}, {"pkg/pool.py": own})
    assert not {k for k in kinds(found) if k.startswith("timeout")}
