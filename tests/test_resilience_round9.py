"""Issue 13, round 9: rules narrowed by what they did on commits they were not written from (the
per-rule table of ``benchmarks/retry_timeout.py --by-rule`` over fresh labelled commits and the old
dev part). Real git histories and real tree-sitter parses; each narrowing with what must still fire
next to what must not (``docs/retry_timeout.md``, "Round 9")."""

from __future__ import annotations

from tests.retry_changes import file_findings, kinds

# -- a Python policy function typed anew decides nothing new -----------------------------------------
# (``retry.changed python:policy function``: wrong in two repositories of the fresh part, on typing-only
# changes; Java, Kotlin, Go and TypeScript digests already leave typing out)

DECORATOR = '''import typing as t


def retry_if_transient(*dargs: t.Any, **dkw: t.Any) -> t.Any:
    """Wrap a function so that a transient failure is tried again."""
    if len(dargs) == 1 and callable(dargs[0]):
        return retry_if_transient()(dargs[0])

    def wrap(f):
        policy: "BasePolicy" = AsyncPolicy(*dargs, **dkw) if is_async(f) else Policy(*dargs, **dkw)
        return policy.wraps(f)

    return wrap
'''

DECORATOR_TYPED = DECORATOR.replace('''    def wrap(f):
        policy: "BasePolicy" = AsyncPolicy(*dargs, **dkw) if is_async(f) else Policy(*dargs, **dkw)
''', '''    def wrap(f: "WrappedFn") -> "WrappedFn":
        policy: "BasePolicy"
        policy = AsyncPolicy(*dargs, **dkw) if is_async(f) else Policy(*dargs, **dkw)
''')

DECORATOR_DECIDES = DECORATOR.replace("if len(dargs) == 1 and callable(dargs[0]):",
                                      "if len(dargs) == 1 and callable(dargs[0]) and not dkw.get(\"once\"):")


def test_python_policy_function_typed_anew_is_no_retry_change(tmp_path):
    assert "retry.changed" not in kinds(file_findings(tmp_path, "pkg/retrying.py", DECORATOR, DECORATOR_TYPED))


def test_python_policy_function_with_a_new_condition_still_changes(tmp_path):
    found = file_findings(tmp_path, "pkg/retrying.py", DECORATOR, DECORATOR_DECIDES)
    assert [f.message for f in found if f.kind == "retry.changed"] == [
        "changes policy function retry retry_if_transient: the code of retry_if_transient changed"]


# -- a wait removed with the branch that held it, the same wait kept on the others -------------------
# (``timeout.removed python:asyncio``: one right, three wrong in three repositories of the old dev part,
# wrong on the fresh part too)

SEND = '''import asyncio
import sys


async def send_all(sock, buf, timeout):
    loop = asyncio.get_running_loop()
    try:
        if is_tls(sock):
            if sys.platform == "win32":
                await asyncio.wait_for(_send_tls_polling(sock, buf), timeout=timeout)
            else:
                await asyncio.wait_for(_send_tls(sock, buf, loop), timeout=timeout)
        else:
            await asyncio.wait_for(loop.sock_sendall(sock, buf), timeout=timeout)
    finally:
        sock.settimeout(timeout)
'''

SEND_MERGED = '''import asyncio
import socket


async def send_all(sock, buf, timeout):
    loop = asyncio.get_running_loop()
    try:
        if is_tls(sock):
            await asyncio.wait_for(_send_tls(sock, buf, loop), timeout=timeout)
        else:
            await asyncio.wait_for(loop.sock_sendall(sock, buf), timeout=timeout)
    except asyncio.TimeoutError as exc:
        raise socket.timeout("timed out") from exc
    finally:
        sock.settimeout(timeout)
'''

SEND_UNBOUNDED_ON_WINDOWS = SEND.replace("await asyncio.wait_for(_send_tls_polling(sock, buf), timeout=timeout)",
                                         "await _send_tls_polling(sock, buf)")


def test_wait_removed_with_its_branch_while_the_others_keep_it_is_no_removal(tmp_path):
    found = file_findings(tmp_path, "pkg/network.py", SEND, SEND_MERGED)
    assert "timeout.removed" not in kinds(found)


def test_wait_taken_off_a_call_that_stays_is_still_removed(tmp_path):
    found = file_findings(tmp_path, "pkg/network.py", SEND, SEND_UNBOUNDED_ON_WINDOWS)
    assert [f.kind for f in found if f.kind.startswith("timeout.")] == ["timeout.removed"]


# -- a timeout keyword taken off a call while the same value is handed on another way -----------------
# (``timeout.removed python:call``: two right, four wrong in three repositories of the old dev part, and
# wrong in two more repositories of the fresh part)

POOL = '''from urllib3 import PoolManager, proxy_from_url


class HTTPSession:
    def __init__(self, timeout=60, max_pool_connections=10):
        self._timeout = timeout
        self._max_pool_connections = max_pool_connections
        self._manager = PoolManager(
            strict=True,
            timeout=self._timeout,
            maxsize=self._max_pool_connections,
        )

    def proxy_manager(self, proxy_url):
        return proxy_from_url(
            proxy_url,
            timeout=self._timeout,
            maxsize=self._max_pool_connections,
        )
'''

POOL_KWARGS = '''from urllib3 import PoolManager, proxy_from_url


class HTTPSession:
    def __init__(self, timeout=60, max_pool_connections=10, keepalive=False):
        self._timeout = timeout
        self._max_pool_connections = max_pool_connections
        self._keepalive = keepalive
        self._manager = PoolManager(**self._pool_kwargs())

    def _pool_kwargs(self, **extra):
        kwargs = {
            'timeout': self._timeout,
            'maxsize': self._max_pool_connections,
        }
        if self._keepalive:
            # socket options cannot differ per scheme through the PoolManager interface
            kwargs['socket_options'] = KEEPALIVE_OPTIONS
        kwargs.update(extra)
        return kwargs

    def proxy_manager(self, proxy_url):
        manager_kwargs = self._pool_kwargs(proxy_headers=headers_for(proxy_url))
        return proxy_from_url(
            proxy_url, **manager_kwargs)
'''

POOL_NO_TIMEOUT = POOL.replace('''            strict=True,
            timeout=self._timeout,
''', '''            strict=True,
''')


def test_timeout_keyword_handed_on_in_an_options_dict_is_no_removal(tmp_path):
    found = file_findings(tmp_path, "pkg/httpsession.py", POOL, POOL_KWARGS)
    assert not [f for f in found if f.kind == "timeout.removed"]


def test_timeout_keyword_taken_off_a_call_is_still_removed(tmp_path):
    found = file_findings(tmp_path, "pkg/httpsession.py", POOL, POOL_NO_TIMEOUT)
    assert [f.kind for f in found if f.kind.startswith("timeout.")] == ["timeout.removed"]


# -- a service model's API shapes describe the API, not the client's retry policy --------------------
# (``retry.changed other:data``: right only in botocore's ``_retry.json`` on the old dev part, 11/0, and
# wrong twice on the fresh part, both on members of API shapes in two services' ``service-2.json``)

MODEL = '''{
  "version": "2.0",
  "metadata": {"apiVersion": "2019-01-25", "protocol": "rest-json", "serviceId": "Mesh"},
  "operations": {
    "CreateRoute": {"name": "CreateRoute", "http": {"method": "PUT", "requestUri": "/routes"},
                    "input": {"shape": "CreateRouteInput"}}
  },
  "shapes": {
    "CreateRouteInput": {"type": "structure", "members": {"retryPolicy": {"shape": "HttpRetryPolicy"}}},
    "HttpRetryPolicy": {
      "type": "structure",
      "required": ["maxRetries", "perRetryTimeout"],
      "members": {
        "maxRetries": {"shape": "MaxRetries"},
        "perRetryTimeout": {"shape": "Duration"}
      }
    },
    "MaxRetries": {"type": "long", "min": 0},
    "Duration": {"type": "structure", "members": {"value": {"shape": "DurationValue"}}},
    "DurationValue": {"type": "long", "min": 0}
  }
}
'''

MODEL_NEW_MEMBER = MODEL.replace('''        "perRetryTimeout": {"shape": "Duration"}
''', '''        "perRetryTimeout": {"shape": "Duration"},
        "httpRetryEvents": {"shape": "HttpRetryPolicyEvents"}
''').replace('''    "MaxRetries": {"type": "long", "min": 0},''', '''    "MaxRetries": {"type": "long", "min": 0},
    "HttpRetryPolicyEvents": {"type": "list", "member": {"shape": "HttpRetryPolicyEvent"}, "min": 1, "max": 25},''')

RETRY_DATA = '''{
  "retry": {
    "__default__": {
      "max_attempts": 5,
      "delay": {"type": "exponential", "base": "rand", "growth_factor": 2},
      "policies": {"throttling": {"applies_when": {"response": {"service_error_code": "Throttling"}}}}
    }
  }
}
'''


def test_a_service_models_api_shapes_are_no_retry_policy(tmp_path):
    path = "client/data/mesh/2019-01-25/service-2.json"
    assert "retry.changed" not in kinds(file_findings(tmp_path, path, MODEL, MODEL_NEW_MEMBER))


def test_a_retry_policy_held_as_data_still_changes(tmp_path):
    found = file_findings(tmp_path, "client/data/_retry.json", RETRY_DATA,
                          RETRY_DATA.replace('"max_attempts": 5', '"max_attempts": 3'))
    assert [f.kind for f in found] == ["retry.changed"]
