"""Python (issue 13, round 5): what a change does to a retry or timeout decision that no retry- or
timeout-named text shows. Real git histories and real tree-sitter parses; each rule with what must
fire next to what must not."""

from __future__ import annotations

from tests.retry_changes import findings, kinds

CHANGED = {"retry.added", "retry.removed", "retry.changed", "timeout.added", "timeout.removed", "timeout.changed"}


def _changes(found) -> set[str]:
    return kinds(found) & CHANGED


# -- which failures a hand-written retry loop retries --------------------------------------------

FETCH = '''import logging
import time

import requests

logger = logging.getLogger(__name__)
RETRYABLE_ERRORS = (requests.ConnectionError, requests.Timeout)


class MetadataFetcher:
    def __init__(self, url, attempts=3):
        self._url = url
        self._attempts = attempts

    def fetch(self):
        for i in range(self._attempts):
            try:
                response = requests.get(self._url, timeout=1)
                if response.status_code == 200:
                    return response.text
            except RETRYABLE_ERRORS as e:
                logger.debug("metadata fetch failed: %s", e)
            time.sleep(0.5)
        return None
'''


def test_python_a_retry_loop_that_gives_up_on_a_failure_it_used_to_retry_changes_retry(tmp_path):
    after = FETCH.replace("            except RETRYABLE_ERRORS as e:",
                          "            except requests.ReadTimeout:\n                return None\n"
                          "            except RETRYABLE_ERRORS as e:")
    found = findings(tmp_path, {"pkg/fetch.py": FETCH}, {"pkg/fetch.py": after})
    assert "retry.changed" in kinds(found)


def test_python_a_retry_loop_catching_fewer_errors_changes_retry(tmp_path):
    before = FETCH.replace("except RETRYABLE_ERRORS as e:", "except Exception as e:")
    found = findings(tmp_path, {"pkg/fetch.py": before}, {"pkg/fetch.py": FETCH})
    assert "retry.changed" in kinds(found)


def test_python_an_except_clause_that_now_leaves_the_loop_changes_retry(tmp_path):
    after = FETCH.replace('                logger.debug("metadata fetch failed: %s", e)',
                          '                if isinstance(e, requests.ConnectionError):\n'
                          '                    raise\n'
                          '                logger.debug("metadata fetch failed: %s", e)')
    found = findings(tmp_path, {"pkg/fetch.py": FETCH}, {"pkg/fetch.py": after})
    assert "retry.changed" in kinds(found)


def test_python_a_renamed_alias_and_a_new_log_line_in_a_retry_loop_change_nothing(tmp_path):
    after = FETCH.replace("            except RETRYABLE_ERRORS as e:\n"
                          '                logger.debug("metadata fetch failed: %s", e)',
                          "            except RETRYABLE_ERRORS as exc:\n"
                          '                logger.info("attempt %d of %d", i + 1, self._attempts)\n'
                          '                logger.debug("metadata fetch failed from %s: %s", self._url, exc)')
    found = findings(tmp_path, {"pkg/fetch.py": FETCH}, {"pkg/fetch.py": after})
    assert not _changes(found)


def test_python_a_longer_wait_between_attempts_changes_retry(tmp_path):
    after = FETCH.replace("time.sleep(0.5)", "time.sleep(2)")
    found = findings(tmp_path, {"pkg/fetch.py": FETCH}, {"pkg/fetch.py": after})
    assert "retry.changed" in kinds(found)


SKIP = '''import logging

logger = logging.getLogger(__name__)


def load_all(paths, parse):
    out = []
    for path in paths:
        try:
            out.append(parse(path))
        except ValueError as e:
            logger.warning("skipping %s: %s", path, e)
            continue
    return out
'''


def test_python_a_skip_on_error_loop_over_items_is_no_retry_whatever_it_catches(tmp_path):
    after = SKIP.replace("except ValueError as e:", "except (ValueError, OSError) as e:")
    found = findings(tmp_path, {"pkg/load.py": SKIP}, {"pkg/load.py": after})
    assert not _changes(found)


# -- a deadline applied to a block with ``with`` -------------------------------------------------

CONNECT = '''import asyncio

from .helpers import ceil_timeout


class Session:
    async def _connect(self, req, timeout):
        try:
            async with ceil_timeout(timeout.connect, ceil_threshold=timeout.ceil_threshold):
                conn = await self._connector.connect(req, timeout=timeout)
        except asyncio.TimeoutError as exc:
            raise ConnectionError(req.url) from exc
        return conn
'''


def test_python_a_call_taken_out_of_a_timeout_block_changes_timeout(tmp_path):
    after = CONNECT.replace(
        "            async with ceil_timeout(timeout.connect, ceil_threshold=timeout.ceil_threshold):\n"
        "                conn = await self._connector.connect(req, timeout=timeout)",
        "            conn = await self._connector.connect(req, timeout=timeout)")
    found = findings(tmp_path, {"pkg/client.py": CONNECT}, {"pkg/client.py": after})
    assert "timeout.removed" in kinds(found)


def test_python_a_deadline_scope_added_around_a_call_is_a_timeout_change(tmp_path):
    before = '''import anyio


async def ping(stream):
    await stream.send(b"ping")
    return await stream.receive()
'''
    after = before.replace("    await stream.send(b\"ping\")\n    return await stream.receive()",
                           "    with anyio.fail_after(5):\n        await stream.send(b\"ping\")\n"
                           "        return await stream.receive()")
    found = findings(tmp_path, {"pkg/ping.py": before}, {"pkg/ping.py": after})
    assert "timeout.added" in kinds(found)


def test_python_a_timeout_block_moved_unchanged_into_a_helper_changes_nothing(tmp_path):
    after = CONNECT.replace(
        "            async with ceil_timeout(timeout.connect, ceil_threshold=timeout.ceil_threshold):\n"
        "                conn = await self._connector.connect(req, timeout=timeout)",
        "            conn = await self._open(req, timeout)") + '''
    async def _open(self, req, timeout):
        async with ceil_timeout(timeout.connect, ceil_threshold=timeout.ceil_threshold):
            return await self._connector.connect(req, timeout=timeout)
'''
    found = findings(tmp_path, {"pkg/client.py": CONNECT}, {"pkg/client.py": after})
    assert not _changes(found) & {"timeout.added", "timeout.removed", "timeout.changed"}


def test_python_a_lock_or_a_file_opened_with_with_is_no_timeout(tmp_path):
    before = "def load(path):\n    return None\n"
    after = "def load(path, lock):\n    with lock:\n        with open(path) as f:\n            return f.read()\n"
    found = findings(tmp_path, {"pkg/load.py": before}, {"pkg/load.py": after})
    assert not _changes(found)


# -- a retry policy built or installed by a factory function -------------------------------------

CLIENT = '''from . import retryhandler, translate


class ClientCreator:
    def __init__(self, loader, emitter):
        self._loader = loader
        self._emitter = emitter

    def create_client(self, service_model):
        client = self._build(service_model)
        return client
'''


def test_python_a_client_that_now_installs_a_retry_handler_changes_retry(tmp_path):
    after = CLIENT.replace("        client = self._build(service_model)\n",
                           "        client = self._build(service_model)\n"
                           "        config = self._loader.load_data('_retry')\n"
                           "        handler = retryhandler.create_retry_handler(config, service_model.prefix)\n"
                           "        self._emitter.register('needs-retry', handler)\n")
    found = findings(tmp_path, {"pkg/client.py": CLIENT}, {"pkg/client.py": after})
    assert "retry.added" in kinds(found)
    found = findings(tmp_path / "back", {"pkg/client.py": after}, {"pkg/client.py": CLIENT})
    assert "retry.removed" in kinds(found)


def test_python_a_retry_factory_handed_other_plumbing_is_no_retry_change(tmp_path):
    before = CLIENT.replace("        client = self._build(service_model)\n",
                            "        client = self._build(service_model)\n"
                            "        handler = retryhandler.create_retry_handler(self._config, service_model.prefix)\n")
    after = before.replace("create_retry_handler(self._config, service_model.prefix)",
                           "create_retry_handler(\n            self._config, prefix)")
    found = findings(tmp_path, {"pkg/client.py": before}, {"pkg/client.py": after})
    assert not _changes(found)


def test_python_a_getter_of_a_retry_count_is_no_retry_policy(tmp_path):
    after = CLIENT.replace("        client = self._build(service_model)\n",
                           "        client = self._build(service_model)\n"
                           "        client.meta.attempts = get_retry_count(service_model)\n")
    found = findings(tmp_path, {"pkg/client.py": CLIENT}, {"pkg/client.py": after})
    assert not _changes(found) & {"retry.added", "retry.removed", "retry.changed"}


# -- a retry flag named after a timeout ----------------------------------------------------------

def test_python_retry_on_timeout_is_a_retry_setting_not_a_timeout(tmp_path):
    before = "import redis\n\n\ndef connect(url):\n    return redis.Redis.from_url(url, socket_timeout=5)\n"
    after = before.replace("socket_timeout=5", "socket_timeout=5, retry_on_timeout=True")
    found = findings(tmp_path, {"pkg/cache.py": before}, {"pkg/cache.py": after})
    assert "retry.added" in kinds(found) or "retry.changed" in kinds(found)
    assert not kinds(found) & {"timeout.added", "timeout.removed", "timeout.changed"}


# -- a retry policy held as data -----------------------------------------------------------------

RETRY_JSON = '''{
  "retry": {
    "__default__": {
      "max_attempts": 5,
      "delay": {"type": "exponential", "base": "rand", "growth_factor": 2},
      "policies": {
        "throttling": {"applies_when": {"response": {"service_error_code": "Throttling", "http_status_code": 400}}}
      }
    }
  }
}
'''


def test_python_a_status_code_added_to_a_retry_policy_file_changes_retry(tmp_path):
    after = RETRY_JSON.replace(
        '        "throttling": {"applies_when": {"response": {"service_error_code": "Throttling", '
        '"http_status_code": 400}}}\n',
        '        "throttling": {"applies_when": {"response": {"service_error_code": "Throttling", '
        '"http_status_code": 400}}},\n'
        '        "bad_gateway": {"applies_when": {"response": {"http_status_code": 502}}}\n')
    found = findings(tmp_path, {"pkg/data/_retry.json": RETRY_JSON}, {"pkg/data/_retry.json": after})
    hits = [f for f in found if f.kind == "retry.changed"]
    assert hits and hits[0].path == "pkg/data/_retry.json" and hits[0].line in (7, 8)  # the lines it touched


def test_python_a_retry_policy_file_reformatted_changes_nothing(tmp_path):
    import json

    after = json.dumps(json.loads(RETRY_JSON), indent=4, sort_keys=True) + "\n"
    found = findings(tmp_path, {"pkg/data/_retry.json": RETRY_JSON}, {"pkg/data/_retry.json": after})
    assert not _changes(found)


def test_python_a_grpc_service_config_retry_policy_changes_retry_not_timeout(tmp_path):
    config = '''{
  "methodConfig": [{
    "name": [{"service": "echo.Echo"}],
    "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "retryableStatusCodes": ["UNAVAILABLE"]}
  }]
}
'''
    more_codes = config.replace('["UNAVAILABLE"]', '["UNAVAILABLE", "DEADLINE_EXCEEDED"]')
    found = findings(tmp_path, {"svc/service_config.json": config}, {"svc/service_config.json": more_codes})
    assert "retry.changed" in kinds(found) and "timeout.changed" not in kinds(found)
    renamed_service = config.replace("echo.Echo", "echo.v2.Echo")  # which service: no retry policy value
    found = findings(tmp_path / "n", {"svc/service_config.json": config}, {"svc/service_config.json": renamed_service})
    assert not _changes(found)


def test_python_a_file_of_timeouts_changes_timeout_not_retry(tmp_path):
    config = '{"connect": 5, "read": 30}\n'
    found = findings(tmp_path, {"svc/timeouts.json": config}, {"svc/timeouts.json": config.replace("30", "60")})
    assert "timeout.changed" in kinds(found) and "retry.changed" not in kinds(found)


def test_python_waiters_tool_timeouts_and_model_docs_in_json_are_no_policy(tmp_path):
    waiters = '{"waiters": {"BucketExists": {"delay": 5, "maxAttempts": 20, "operation": "HeadBucket"}}}\n'
    tool = '{"name": "pkg", "mocha": {"timeout": 5000}}\n'
    model = '{"shapes": {"Job": {"members": {"Timeout": {"shape": "Integer", "documentation": "in minutes"}}}}}\n'
    found = findings(tmp_path, {"pkg/data/waiters-2.json": waiters, "pkg/settings.json": tool,
                                "pkg/data/service-2.json": model},
                     {"pkg/data/waiters-2.json": waiters.replace("20", "40"),
                      "pkg/settings.json": tool.replace("5000", "20000"),
                      "pkg/data/service-2.json": model.replace("Integer", "Long").replace("in minutes", "minutes")})
    assert not _changes(found)


# -- the same retry setting written another way --------------------------------------------------

SEND = '''from urllib3 import PoolManager


class Session:
    def send(self, pool: PoolManager, request):
        return pool.urlopen(
            method=request.method,
            url=request.url,
            retries=False,
            timeout=request.timeout,
        )
'''


def test_python_retries_false_written_as_retry_false_changes_nothing(tmp_path):
    after = SEND.replace("from urllib3 import PoolManager", "from urllib3 import PoolManager\n"
                         "from urllib3.util.retry import Retry").replace("retries=False,", "retries=Retry(False),")
    found = findings(tmp_path, {"pkg/session.py": SEND}, {"pkg/session.py": after})
    assert not _changes(found)


def test_python_retries_false_turned_into_a_retry_policy_changes_retry(tmp_path):
    after = SEND.replace("from urllib3 import PoolManager", "from urllib3 import PoolManager\n"
                         "from urllib3.util.retry import Retry").replace(
        "retries=False,", "retries=Retry(total=3, backoff_factor=0.5),")
    found = findings(tmp_path, {"pkg/session.py": SEND}, {"pkg/session.py": after})
    assert _changes(found) & {"retry.added", "retry.changed"}


# -- a retry loop counted by itertools.count() ---------------------------------------------------

OVER_TIME = '''import itertools
from time import sleep


def retry_over_time(fun, catch, max_retries=None, interval_step=1.0):
    for retries in itertools.count():
        try:
            return fun()
        except catch:
            if max_retries is not None and retries >= max_retries:
                raise
            for i in range(int(retries)):
                sleep(i)
'''


def test_python_a_counted_retry_loop_that_waits_differently_changes_retry(tmp_path):
    after = OVER_TIME.replace("            for i in range(int(retries)):\n                sleep(i)",
                              "            for i in range(int(retries / interval_step)):\n"
                              "                sleep(interval_step)")
    found = findings(tmp_path, {"pkg/utils.py": OVER_TIME}, {"pkg/utils.py": after})
    assert "retry.changed" in kinds(found)


def test_python_a_counted_retry_loop_added_is_a_retry(tmp_path):
    before = "def call(fun):\n    return fun()\n"
    after = ("import itertools\nimport time\n\n\ndef call(fun):\n    for attempt in itertools.count():\n"
             "        try:\n            return fun()\n        except ConnectionError:\n"
             "            time.sleep(2 ** attempt)\n")
    found = findings(tmp_path, {"pkg/call.py": before}, {"pkg/call.py": after})
    assert "retry.added" in kinds(found) and "retry.without_limit" in kinds(found)


# -- a constant turned into an option callers can set ---------------------------------------------

ADAPTER = '''DEFAULT_RETRIES = 0
DEFAULT_POOLSIZE = 10


class HTTPAdapter:
    def __init__(self, pool_connections=DEFAULT_POOLSIZE):
        self.max_retries = DEFAULT_RETRIES
        self._pool_connections = pool_connections
'''


def test_python_a_retry_constant_made_a_constructor_option_is_a_retry_change(tmp_path):
    after = ADAPTER.replace("    def __init__(self, pool_connections=DEFAULT_POOLSIZE):\n"
                            "        self.max_retries = DEFAULT_RETRIES",
                            "    def __init__(self, pool_connections=DEFAULT_POOLSIZE, max_retries=DEFAULT_RETRIES):\n"
                            "        self.max_retries = max_retries")
    found = findings(tmp_path, {"pkg/adapters.py": ADAPTER}, {"pkg/adapters.py": after})
    assert _changes(found) & {"retry.added", "retry.changed"}


def test_python_a_timeout_constant_made_a_constructor_option_is_a_timeout_change(tmp_path):
    before = "class Client:\n    def __init__(self, url):\n        self.url = url\n        self.timeout = 30\n"
    after = ("class Client:\n    def __init__(self, url, timeout=30):\n        self.url = url\n"
             "        self.timeout = timeout\n")
    found = findings(tmp_path, {"pkg/client.py": before}, {"pkg/client.py": after})
    assert _changes(found) & {"timeout.added", "timeout.changed"}


def test_python_an_option_kept_under_another_attribute_or_with_no_default_is_no_change(tmp_path):
    before = ("class Client:\n    def __init__(self, url, timeout=30, proxy_timeout=None):\n"
              "        self.timeout = timeout\n")
    renamed = before.replace("self.timeout = timeout", "self._timeout = timeout")
    found = findings(tmp_path, {"pkg/client.py": before}, {"pkg/client.py": renamed})
    assert not _changes(found)
    kept = before + "        self.proxy_timeout = proxy_timeout\n"
    found = findings(tmp_path / "none", {"pkg/client.py": before}, {"pkg/client.py": kept})
    assert not _changes(found)


# -- a new reason for a retry loop to give up ----------------------------------------------------

SSL_CALL = '''import time

BLOCKING_IO_ERRORS = (BlockingIOError, InterruptedError)


class Conn:
    def _call(self, call, *args):
        timeout = self.gettimeout()
        start = time.monotonic()
        while True:
            try:
                return call(*args)
            except BLOCKING_IO_ERRORS:
                self.checker.select(self, True, False, timeout)
                if timeout and time.monotonic() - start > timeout:
                    raise TimeoutError("timed out")
                continue
'''


def test_python_a_retry_loop_that_now_gives_up_on_a_closed_socket_changes_retry(tmp_path):
    after = SSL_CALL.replace("            except BLOCKING_IO_ERRORS:\n",
                             "            except BLOCKING_IO_ERRORS:\n"
                             "                if self.fileno() == -1:\n"
                             "                    raise ConnectionError(\"socket closed\")\n")
    found = findings(tmp_path, {"pkg/conn.py": SSL_CALL}, {"pkg/conn.py": after})
    assert "retry.changed" in kinds(found)


def test_python_a_clock_read_another_way_in_a_give_up_condition_changes_no_retry(tmp_path):
    before = SSL_CALL.replace("import time\n", "from time import monotonic as _time\n").replace(
        "time.monotonic()", "_time()")
    found = findings(tmp_path, {"pkg/conn.py": before}, {"pkg/conn.py": SSL_CALL})
    assert not kinds(found) & {"retry.added", "retry.removed", "retry.changed"}


# -- a call that applies a timeout is never plumbing ---------------------------------------------

RECV = '''import asyncio


class Reader:
    def __init__(self, sock, timeout):
        self._sock = sock
        self._timeout = timeout

    def read(self, n):
        return self._sock.recv(n)

    async def wait(self, fut):
        return await fut
'''


def test_python_a_socket_timeout_set_where_none_was_is_a_timeout_added(tmp_path):
    after = RECV.replace("        return self._sock.recv(n)",
                         "        self._sock.settimeout(self._timeout)\n        return self._sock.recv(n)")
    found = findings(tmp_path, {"pkg/reader.py": RECV}, {"pkg/reader.py": after})
    assert "timeout.added" in kinds(found)


def test_python_a_wait_for_around_an_await_is_a_timeout_added(tmp_path):
    after = RECV.replace("        return await fut", "        return await asyncio.wait_for(fut, self._timeout)")
    found = findings(tmp_path, {"pkg/reader.py": RECV}, {"pkg/reader.py": after})
    assert "timeout.added" in kinds(found)


def test_python_an_applied_timeout_read_through_a_renamed_private_field_is_no_change(tmp_path):
    before = RECV.replace("        return self._sock.recv(n)",
                          "        self._sock.settimeout(self._timeout)\n        return self._sock.recv(n)")
    after = before.replace("self._timeout", "self.timeout")
    found = findings(tmp_path, {"pkg/reader.py": before}, {"pkg/reader.py": after})
    assert not _changes(found)


# -- which status codes or errors are retried, held in a collection ------------------------------

CODES = '''import socket

RETRY_STATUS_CODES = frozenset([429, 502, 503])


class Transport:
    retryable_exceptions = (socket.timeout, ConnectionResetError)

    def should_retry(self, status):
        return status in RETRY_STATUS_CODES
'''


def test_python_a_status_code_added_to_the_retried_set_changes_retry(tmp_path):
    after = CODES.replace("frozenset([429, 502, 503])", "frozenset([429, 500, 502, 503])")
    found = findings(tmp_path, {"pkg/transport.py": CODES}, {"pkg/transport.py": after})
    assert "retry.changed" in kinds(found)


def test_python_an_exception_added_to_the_retried_errors_changes_retry(tmp_path):
    after = CODES.replace("(socket.timeout, ConnectionResetError)", "(socket.timeout, ConnectionResetError, EOFError)")
    found = findings(tmp_path, {"pkg/transport.py": CODES}, {"pkg/transport.py": after})
    assert "retry.changed" in kinds(found)


def test_python_a_retried_set_reordered_or_rewrapped_changes_nothing(tmp_path):
    after = CODES.replace("frozenset([429, 502, 503])", "frozenset(\n    [503, 429, 502]\n)").replace(
        "(socket.timeout, ConnectionResetError)", "(ConnectionResetError, socket.timeout)")
    found = findings(tmp_path, {"pkg/transport.py": CODES}, {"pkg/transport.py": after})
    assert not _changes(found)


def test_python_a_collection_not_named_for_retrying_is_no_retry_setting(tmp_path):
    before = "ALLOWED_HOSTS = frozenset(['a', 'b'])\nSTATUS_NAMES = (200, 404)\n"
    after = "ALLOWED_HOSTS = frozenset(['a', 'b', 'c'])\nSTATUS_NAMES = (200, 404, 500)\n"
    found = findings(tmp_path, {"pkg/consts.py": before}, {"pkg/consts.py": after})
    assert not _changes(found)


# -- what is and is not a retry with no delay ----------------------------------------------------

ECS = '''import time


class ContainerFetcher:
    RETRY_ATTEMPTS = 3
    SLEEP_TIME = 1

    def __init__(self, session, sleep=time.sleep):
        self._session = session
        self._sleep = sleep

    def retrieve(self, url):
        attempts = 0
        while True:
            try:
                return self._session.get(url, timeout=2).json()
            except ConnectionError:
                self._sleep(self.SLEEP_TIME)
                attempts += 1
                if attempts >= self.RETRY_ATTEMPTS:
                    raise
'''


def test_python_an_injected_sleep_between_attempts_is_a_backoff(tmp_path):
    before = "class ContainerFetcher:\n    pass\n"
    found = findings(tmp_path, {"pkg/fetch.py": before}, {"pkg/fetch.py": ECS})
    assert "retry.added" in kinds(found) and "retry.without_backoff" not in kinds(found)
    no_wait = ECS.replace("                self._sleep(self.SLEEP_TIME)\n", "")
    found = findings(tmp_path / "nowait", {"pkg/fetch.py": before}, {"pkg/fetch.py": no_wait})
    assert "retry.without_backoff" in kinds(found)


def test_python_trying_the_next_address_is_no_retry_without_backoff(tmp_path):
    before = "async def connect(addrs, dial):\n    return await dial(addrs[0])\n"
    after = '''async def connect(addrs, dial):
    last_exc = None
    while addrs:
        try:
            return await dial(addrs[0])
        except OSError as exc:
            last_exc = exc
            addrs.pop(0)
            continue
    raise last_exc
'''
    found = findings(tmp_path, {"pkg/connect.py": before}, {"pkg/connect.py": after})
    assert "retry.added" in kinds(found) and "retry.without_backoff" not in kinds(found)


# -- a retry loop bounded by a helper, or by the delays it is given ------------------------------

TARGET = '''import time


def retry_target(target, predicate, sleep_generator, deadline=None):
    for sleep in sleep_generator:
        try:
            return target()
        except Exception as exc:
            _retry_error_helper(exc, deadline, sleep, predicate)
            time.sleep(sleep)
    raise ValueError("Sleep generator stopped yielding sleep values.")
'''


def test_python_a_loop_over_delays_turned_into_while_true_with_a_deciding_helper_is_no_unlimited_retry(tmp_path):
    after = '''import time


def retry_target(target, predicate, sleep_generator, deadline=None):
    sleep_iter = iter(sleep_generator)
    while True:
        try:
            return target()
        except Exception as exc:
            next_sleep = _retry_error_helper(exc, deadline, sleep_iter, predicate)
            time.sleep(next_sleep)
'''
    found = findings(tmp_path, {"pkg/retry.py": TARGET}, {"pkg/retry.py": after})
    assert "retry.changed" in kinds(found)
    assert "retry.without_limit" not in kinds(found)


def test_python_a_while_true_retry_that_only_logs_the_error_never_gives_up(tmp_path):
    before = "def serve(step):\n    step()\n"
    after = '''import logging
import time

log = logging.getLogger(__name__)


def serve(step):
    while True:
        try:
            return step()
        except Exception as exc:
            log.warning("step failed: %s", exc)
            time.sleep(10)
'''
    found = findings(tmp_path, {"pkg/serve.py": before}, {"pkg/serve.py": after})
    assert "retry.without_limit" in kinds(found)


def test_python_a_json_file_nested_beyond_reason_or_not_json_is_read_as_no_policy(tmp_path):
    deep = '{"retry": ' + "[" * 50_000 + "]" * 50_000 + "}\n"
    found = findings(tmp_path, {"pkg/data/_retry.json": '{"retry": {"max_attempts": 3}}\n'},
                     {"pkg/data/_retry.json": deep})
    assert not _changes(found)
    found = findings(tmp_path / "bad", {"pkg/data/_retry.json": '{"retry": {"max_attempts": 3}}\n'},
                     {"pkg/data/_retry.json": '{"retry": {"max_attempts": 3,}}\n'})
    assert not _changes(found)
