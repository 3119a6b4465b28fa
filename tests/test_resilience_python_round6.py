"""Python (issue 13, round 6): precision that generalises. Rules that stop words and shapes near an
unrelated change from reading as a retry or timeout decision. Real git histories and real tree-sitter
parses; each rule with what must fire next to what must not."""

from __future__ import annotations

from tests.retry_changes import findings, kinds

CHANGED = {"retry.added", "retry.removed", "retry.changed", "timeout.added", "timeout.removed", "timeout.changed"}


def _changes(found) -> set[str]:
    return kinds(found) & CHANGED


# -- a timeout-named exception is a failure, not a wait ------------------------------------------

SEND = '''import socket
import urllib.request


class RequestError(Exception):
    pass


class Client:
    def __init__(self, timeout=10):
        self.timeout = timeout

    def send(self, url):
        try:
            return urllib.request.urlopen(url, timeout=self.timeout).read()
        except OSError as error:
            raise RequestError(str(error))
'''


def test_python_a_timeout_error_raised_for_a_failure_changes_no_timeout(tmp_path):
    after = SEND.replace('''class RequestError(Exception):
    pass
''', '''class RequestError(Exception):
    pass


class RequestTimeout(RequestError):
    pass
''').replace('''        except OSError as error:
''', '''        except OSError as error:
            if isinstance(error, socket.timeout):
                raise RequestTimeout(str(error))
''')
    assert _changes(findings(tmp_path, {"client/http.py": SEND}, {"client/http.py": after})) == set()


def test_python_a_failure_mapped_by_a_conditional_raise_changes_no_timeout(tmp_path):
    after = SEND.replace('''class RequestError(Exception):
    pass
''', '''class RequestError(Exception):
    pass


class Timeout(RequestError):
    pass
''').replace('''            raise RequestError(str(error))''',
              '''            raise Timeout if isinstance(error.reason, socket.timeout) else RequestError(str(error))''')
    assert _changes(findings(tmp_path, {"client/http.py": SEND}, {"client/http.py": after})) == set()


def test_python_a_wait_that_now_depends_on_the_deadline_still_changes_timeout(tmp_path):
    after = SEND.replace("urllib.request.urlopen(url, timeout=self.timeout)",
                         "urllib.request.urlopen(url, timeout=self.timeout if self.timeout > 1 else 1)")
    assert "timeout.changed" in _changes(findings(tmp_path, {"client/http.py": SEND}, {"client/http.py": after}))


# -- lifetimes named like timeouts, and "attempt" the verb ---------------------------------------

TOKENS = '''import time

import requests

_CONNECT_TIMEOUT = 5
_ADVISORY_REFRESH_TIMEOUT = 5 * 60


class TokenProvider:
    def __init__(self, url):
        self._url = url
        self._token = None
        self._expires = 0

    def token(self):
        if self._token is None or time.time() > self._expires - _ADVISORY_REFRESH_TIMEOUT:
            response = requests.post(self._url, timeout=_CONNECT_TIMEOUT)
            self._token = response.json()["token"]
            self._expires = time.time() + response.json()["expires_in"]
        return self._token
'''


def test_python_a_refresh_window_before_expiry_is_no_timeout(tmp_path):
    after = TOKENS.replace("_ADVISORY_REFRESH_TIMEOUT = 5 * 60",
                           "_ADVISORY_REFRESH_TIMEOUT = 15 * 60\n_MANDATORY_REFRESH_TIMEOUT = 10 * 60")
    assert _changes(findings(tmp_path, {"auth/tokens.py": TOKENS}, {"auth/tokens.py": after})) == set()


def test_python_a_queue_deleted_after_a_delay_is_no_timeout(tmp_path):
    after = TOKENS.replace("_CONNECT_TIMEOUT = 5\n", "_CONNECT_TIMEOUT = 5\nQUEUE_AUTO_DELETE_TIMEOUT = 3\n")
    assert _changes(findings(tmp_path, {"auth/tokens.py": TOKENS}, {"auth/tokens.py": after})) == set()


def test_python_the_connect_timeout_next_to_a_refresh_window_still_changes_timeout(tmp_path):
    after = TOKENS.replace("_CONNECT_TIMEOUT = 5", "_CONNECT_TIMEOUT = 30")
    assert "timeout.changed" in _changes(findings(tmp_path, {"auth/tokens.py": TOKENS}, {"auth/tokens.py": after}))


CHANNEL = '''import grpc


def create_channel(target, credentials=None, compression=None):
    """A channel to ``target``."""
    if credentials is None:
        return grpc.insecure_channel(target, compression=compression)
    return grpc.secure_channel(target, credentials, compression=compression)
'''


def test_python_attempt_the_verb_is_no_retry_option(tmp_path):
    after = CHANNEL.replace("compression=None):", "compression=None, attempt_direct_path=False):").replace(
        '    if credentials is None:', '    if attempt_direct_path:\n        target = "google-c2p:///" + target\n'
                                       '    if credentials is None:')
    assert _changes(findings(tmp_path, {"api/channel.py": CHANNEL}, {"api/channel.py": after})) == set()


def test_python_an_attempt_limit_option_is_a_retry_option(tmp_path):
    after = CHANNEL.replace("compression=None):", "compression=None, attempt_limit=3):").replace(
        "compression=compression)\n", "compression=compression, options=[('grpc.max_attempts', attempt_limit)])\n")
    assert "retry.added" in _changes(findings(tmp_path, {"api/channel.py": CHANNEL}, {"api/channel.py": after}))


# -- how long to keep retrying is retry policy, not a wait ----------------------------------------

POLICY = '''import random
import time

_DEFAULT_INITIAL_DELAY = 1.0
_DEFAULT_MAXIMUM_DELAY = 60.0
_DEFAULT_DEADLINE = 120.0


class ExponentialRetry:
    """Calls a function again with growing delays until it succeeds or the deadline passes."""

    def __init__(self, predicate, initial=_DEFAULT_INITIAL_DELAY, maximum=_DEFAULT_MAXIMUM_DELAY,
                 deadline=_DEFAULT_DEADLINE):
        self._predicate = predicate
        self._initial = initial
        self._maximum = maximum
        self._deadline = deadline

    def __call__(self, func, *args):
        delay = self._initial
        started = time.monotonic()
        while True:
            try:
                return func(*args)
            except Exception as exc:
                if not self._predicate(exc):
                    raise
                if time.monotonic() - started + delay > self._deadline:
                    raise
            time.sleep(delay * random.random())
            delay = min(delay * 2, self._maximum)
'''


def test_python_a_retry_policy_deadline_default_changes_retry_not_timeout(tmp_path):
    after = POLICY.replace("_DEFAULT_DEADLINE = 120.0", "_DEFAULT_DEADLINE = 600.0")
    found = _changes(findings(tmp_path, {"client/retry.py": POLICY}, {"client/retry.py": after}))
    assert found == {"retry.changed"}


def test_python_a_retry_policy_deadline_check_changes_retry_not_timeout(tmp_path):
    after = POLICY.replace("if time.monotonic() - started + delay > self._deadline:",
                           "if self._deadline is not None and time.monotonic() - started > self._deadline:")
    found = _changes(findings(tmp_path, {"client/policy.py": POLICY}, {"client/policy.py": after}))
    assert "timeout.changed" not in found and "retry.changed" in found


def test_python_a_deadline_option_of_a_retry_policy_class_is_a_retry_option(tmp_path):
    before = POLICY.replace("                 deadline=_DEFAULT_DEADLINE):", "                 ):").replace(
        "        self._deadline = deadline\n", "        self._deadline = _DEFAULT_DEADLINE\n")
    found = _changes(findings(tmp_path, {"client/policy.py": before}, {"client/policy.py": POLICY}))
    assert "retry.added" in found and not any(k.startswith("timeout.") for k in found)


def test_python_a_per_call_timeout_in_a_client_module_is_still_a_timeout(tmp_path):
    client = '''import requests

_DEFAULT_TIMEOUT = 10.0


class Client:
    def __init__(self, url, timeout=_DEFAULT_TIMEOUT):
        self._url = url
        self._timeout = timeout

    def get(self, path):
        return requests.get(self._url + path, timeout=self._timeout)
'''
    after = client.replace("_DEFAULT_TIMEOUT = 10.0", "_DEFAULT_TIMEOUT = 60.0")
    assert "timeout.changed" in _changes(findings(tmp_path, {"client/http.py": client}, {"client/http.py": after}))


# -- a name means what its own function gives it ----------------------------------------------------

CREDS = '''import logging

import requests

logger = logging.getLogger(__name__)


def probe_metadata_service(url):
    timeout = 1
    try:
        return requests.get(url, timeout=timeout).ok
    except requests.RequestException:
        return False


def fetch_role_credentials(url, timeout=None):
    try:
        response = requests.get(url, timeout=timeout)
        if response.status_code == 200:
            return response.json()
    except requests.RequestException as e:
        logger.debug("could not fetch credentials: %s", e)
    return None
'''


def test_python_a_callers_timeout_handed_on_through_a_new_helper_changes_nothing(tmp_path):
    after = CREDS.replace('''def fetch_role_credentials(url, timeout=None):
    try:
        response = requests.get(url, timeout=timeout)
''', '''def _get(url, timeout):
    return requests.get(url, timeout=timeout)


def fetch_role_credentials(url, timeout=None):
    try:
        response = _get(url, timeout=timeout)
''')
    assert _changes(findings(tmp_path, {"auth/imds.py": CREDS}, {"auth/imds.py": after})) == set()


def test_python_a_local_timeout_constant_changed_in_its_own_function_changes_timeout(tmp_path):
    after = CREDS.replace("    timeout = 1\n", "    timeout = 5\n")
    assert "timeout.changed" in _changes(findings(tmp_path, {"auth/imds.py": CREDS}, {"auth/imds.py": after}))


# -- a poll is no timeout -------------------------------------------------------------------------------

POLLER = '''import queue
import threading


class ChannelPoller(threading.Thread):
    def __init__(self, drain_events):
        super().__init__(daemon=True)
        self.drain_events = drain_events
        self.inbound = queue.Queue()

    def poll(self):
        self.wake()
        return self.inbound.get()

    def drain_nowait(self):
        return self.drain_events()

    def wake(self):
        pass
'''


def test_python_a_wait_for_an_item_of_an_in_process_queue_is_no_timeout(tmp_path):
    after = POLLER.replace("return self.inbound.get()", "return self.inbound.get(timeout=0.3)")
    assert _changes(findings(tmp_path, {"transport/poller.py": POLLER}, {"transport/poller.py": after})) == set()


def test_python_a_zero_timeout_on_a_call_that_blocked_is_a_timeout_added(tmp_path):
    # checks without waiting instead of blocking: whether a call waits at all is a timeout decision
    after = POLLER.replace("return self.drain_events()", "return self.drain_events(timeout=0)")
    assert "timeout.added" in _changes(findings(tmp_path, {"transport/poller.py": POLLER},
                                                {"transport/poller.py": after}))


def test_python_a_drain_that_now_waits_a_second_is_a_timeout(tmp_path):
    after = POLLER.replace("return self.drain_events()", "return self.drain_events(timeout=1)")
    assert "timeout.added" in _changes(findings(tmp_path, {"transport/poller.py": POLLER},
                                                {"transport/poller.py": after}))


# -- a timeout handed on in keyword arguments built elsewhere -------------------------------------

POOL = '''from urllib3 import PoolManager


class HTTPSession:
    def __init__(self, timeout=60, max_pool_connections=10):
        self._timeout = timeout
        self._max_pool_connections = max_pool_connections
        self._manager = PoolManager(
            timeout=self._timeout,
            maxsize=self._max_pool_connections,
        )
'''


def test_python_a_timeout_moved_into_keyword_arguments_built_by_a_helper_changes_nothing(tmp_path):
    after = POOL.replace('''        self._manager = PoolManager(
            timeout=self._timeout,
            maxsize=self._max_pool_connections,
        )
''', '''        self._manager = PoolManager(**self._pool_manager_kwargs())

    def _pool_manager_kwargs(self, **extra):
        kwargs = {
            "timeout": self._timeout,
            "maxsize": self._max_pool_connections,
        }
        kwargs.update(extra)
        return kwargs
''')
    assert _changes(findings(tmp_path, {"client/session.py": POOL}, {"client/session.py": after})) == set()


def test_python_a_pool_that_loses_its_timeout_keyword_changes_timeout(tmp_path):
    after = POOL.replace("            timeout=self._timeout,\n", "")
    assert "timeout.removed" in _changes(findings(tmp_path, {"client/session.py": POOL},
                                                  {"client/session.py": after}))


# -- which exception reports a failure is no wait ---------------------------------------------------

SSLCONN = '''import socket
import time

from OpenSSL import SSL


class SSLConn:
    def __init__(self, conn, timeout=None):
        self._conn = conn
        self._timeout = timeout

    def _call(self, call, *args):
        timeout = self._timeout
        start = time.monotonic()
        while True:
            try:
                return call(*args)
            except (SSL.WantReadError, SSL.WantWriteError):
                if self._conn.fileno() == -1:
                    raise OSError("underlying socket closed")
            if timeout and time.monotonic() - start > timeout:
                raise socket.timeout("timed out")
            time.sleep(0.001)
'''


def test_python_a_timeout_tested_only_to_pick_the_exception_raised_changes_no_timeout(tmp_path):
    after = SSLCONN.replace('''                if self._conn.fileno() == -1:
                    raise OSError("underlying socket closed")''', '''                if self._conn.fileno() == -1:
                    if timeout and time.monotonic() - start > timeout:
                        raise socket.timeout("timed out")
                    raise OSError("underlying socket closed")''')
    found = _changes(findings(tmp_path, {"net/sslconn.py": SSLCONN}, {"net/sslconn.py": after}))
    assert not any(k.startswith("timeout.") for k in found)


def test_python_a_timeout_check_that_now_gives_up_sooner_still_changes_timeout(tmp_path):
    after = SSLCONN.replace("if timeout and time.monotonic() - start > timeout:",
                            "if timeout and time.monotonic() - start > timeout / 2:")
    found = _changes(findings(tmp_path, {"net/sslconn.py": SSLCONN}, {"net/sslconn.py": after}))
    assert "timeout.changed" in found


# -- functions that are a retry policy by their name ------------------------------------------------

RETRIES = '''import random

from .exceptions import ConnectTimeoutError, ProtocolError, ReadTimeoutError

RETRY_AFTER_STATUS_CODES = frozenset([413, 429, 503])


class RetryState:
    def __init__(self, backoff_factor=0.5, backoff_max=120, history=()):
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self.history = history

    def get_backoff_time(self):
        """How long to sleep before the next attempt."""
        errors = len(self.history)
        if errors <= 1:
            return 0
        value = self.backoff_factor * (2 ** (errors - 1))
        return min(self.backoff_max, value)

    def _is_retryable_error(self, err):
        return isinstance(err, (ConnectTimeoutError, ProtocolError))

    def on_retry(self, err):
        print("retrying after", err)

    def call_with_retries(self, func):
        return func()
'''


def test_python_the_backoff_computation_changed_is_a_retry_change(tmp_path):
    after = RETRIES.replace("value = self.backoff_factor * (2 ** (errors - 1))",
                            "value = self.backoff_factor * (2 ** (errors - 1)) * random.uniform(0.5, 1.5)")
    assert "retry.changed" in _changes(findings(tmp_path, {"client/retries.py": RETRIES},
                                                {"client/retries.py": after}))


def test_python_an_error_class_that_is_now_retried_is_a_retry_change(tmp_path):
    after = RETRIES.replace("(ConnectTimeoutError, ProtocolError)", "(ConnectTimeoutError, ProtocolError, ReadTimeoutError)")
    assert "retry.changed" in _changes(findings(tmp_path, {"client/retries.py": RETRIES},
                                                {"client/retries.py": after}))


def test_python_a_reworded_docstring_or_a_renamed_local_in_a_retry_policy_function_changes_nothing(tmp_path):
    after = RETRIES.replace('"""How long to sleep before the next attempt."""',
                            '"""Seconds to wait before the next attempt (0 for the first retry)."""').replace(
        "errors = len(self.history)", "consecutive = len(self.history)").replace(
        "if errors <= 1:", "if consecutive <= 1:").replace("(2 ** (errors - 1))", "(2 ** (consecutive - 1))")
    assert _changes(findings(tmp_path, {"client/retries.py": RETRIES}, {"client/retries.py": after})) == set()


def test_python_a_retry_hook_or_wrapper_changed_is_no_retry_change(tmp_path):
    after = RETRIES.replace('print("retrying after", err)', 'print("retrying after %r" % (err,), flush=True)').replace(
        "        return func()\n", "        result = func()\n        return result if result is not None else {}\n")
    assert _changes(findings(tmp_path, {"client/retries.py": RETRIES}, {"client/retries.py": after})) == set()


def test_python_a_protocol_stub_named_for_retrying_is_no_retry_policy(tmp_path):
    protocol = '''import typing as t


class Decorated(t.Protocol):
    def __call__(self, *args: t.Any) -> t.Any: ...
'''
    after = protocol + '''
    def retry_with(self, *args: t.Any, **kwargs: t.Any) -> "Decorated": ...
'''
    assert _changes(findings(tmp_path, {"lib/typing.py": protocol}, {"lib/typing.py": after})) == set()


# -- what is said about a setting is no decision ------------------------------------------------------

FETCHER = '''import logging
import warnings

from google.appengine.api import urlfetch

log = logging.getLogger(__name__)


class URLFetchManager:
    def urlopen(self, method, url, timeout=None, retries=3):
        if timeout is not None and timeout.read is not timeout.connect:
            warnings.warn("URLFetch does not support granular timeouts, reverting to the total timeout.")
        if retries > 5:
            log.info("more than 5 retries asked for")
        deadline = timeout.total if timeout is not None else None
        return urlfetch.fetch(url, method=method, deadline=deadline)
'''


def test_python_a_condition_that_only_warns_about_a_timeout_changes_nothing(tmp_path):
    after = FETCHER.replace("if timeout is not None and timeout.read is not timeout.connect:",
                            "if timeout is not None and (timeout.read is not None or timeout.connect is not None):")
    assert _changes(findings(tmp_path, {"contrib/urlfetch.py": FETCHER}, {"contrib/urlfetch.py": after})) == set()


def test_python_a_condition_that_only_logs_about_retries_changes_nothing(tmp_path):
    after = FETCHER.replace("if retries > 5:", "if retries > 10:")
    assert _changes(findings(tmp_path, {"contrib/urlfetch.py": FETCHER}, {"contrib/urlfetch.py": after})) == set()


def test_python_a_condition_that_now_chooses_the_deadline_changes_timeout(tmp_path):
    after = FETCHER.replace("deadline = timeout.total if timeout is not None else None",
                            "deadline = timeout.total if timeout is not None and timeout.total else 60")
    assert "timeout.changed" in _changes(findings(tmp_path, {"contrib/urlfetch.py": FETCHER},
                                                  {"contrib/urlfetch.py": after}))


def test_python_a_retry_count_an_exception_reports_is_no_retry_setting(tmp_path):
    errors = '''class HTTPError(Exception):
    pass


class PoolError(HTTPError):
    def __init__(self, pool, message):
        self.pool = pool
        HTTPError.__init__(self, "%s: %s" % (pool, message))
'''
    after = errors + '''

class HostChangedError(PoolError):
    def __init__(self, pool, url, retries=3):
        PoolError.__init__(self, pool, "tried to open a foreign host with url: %s" % url)
        self.url = url
        self.retries = retries
'''
    assert _changes(findings(tmp_path, {"lib/exceptions.py": errors}, {"lib/exceptions.py": after})) == set()


# -- arming a timeout again is part of when it fires ---------------------------------------------------

PROTOCOL = '''import asyncio


class ResponseHandler(asyncio.Protocol):
    def __init__(self, loop, read_timeout=None):
        self._loop = loop
        self._read_timeout = read_timeout
        self._read_timeout_handle = None
        self._buffer = bytearray()

    def _reschedule_timeout(self):
        if self._read_timeout_handle is not None:
            self._read_timeout_handle.cancel()
        if self._read_timeout:
            self._read_timeout_handle = self._loop.call_later(self._read_timeout, self._on_read_timeout)

    def _on_read_timeout(self):
        self.transport.close()

    def data_received(self, data):
        self._buffer.extend(data)
'''


def test_python_a_read_timeout_now_rearmed_when_data_arrives_changes_timeout(tmp_path):
    after = PROTOCOL.replace("        self._buffer.extend(data)\n",
                             "        self._buffer.extend(data)\n        self._reschedule_timeout()\n")
    assert "timeout.changed" in _changes(findings(tmp_path, {"client/proto.py": PROTOCOL},
                                                  {"client/proto.py": after}))


def test_python_a_timeout_handle_cancelled_on_close_is_no_timeout_change(tmp_path):
    after = PROTOCOL + '''
    def connection_lost(self, exc):
        self._cancel_timeout()
'''
    assert _changes(findings(tmp_path, {"client/proto.py": PROTOCOL}, {"client/proto.py": after})) == set()


def test_python_a_tcp_keepalive_switch_is_no_timeout(tmp_path):
    after = POOL.replace("max_pool_connections=10):", "max_pool_connections=10, tcp_keepalive=False):").replace(
        "        self._max_pool_connections = max_pool_connections\n",
        "        self._max_pool_connections = max_pool_connections\n        self._tcp_keepalive = tcp_keepalive\n")
    assert _changes(findings(tmp_path, {"client/session.py": POOL}, {"client/session.py": after})) == set()


def test_python_a_keepalive_timeout_option_is_still_a_timeout(tmp_path):
    after = POOL.replace("max_pool_connections=10):", "max_pool_connections=10, keepalive_timeout=15):").replace(
        "        self._max_pool_connections = max_pool_connections\n",
        "        self._max_pool_connections = max_pool_connections\n        self._keepalive_timeout = keepalive_timeout\n")
    assert "timeout.added" in _changes(findings(tmp_path, {"client/session.py": POOL}, {"client/session.py": after}))
