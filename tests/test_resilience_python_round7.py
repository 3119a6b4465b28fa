"""Python (issue 13, round 7): retry recall by what a change does to the retry decision. Which
failures a client retries often sits in a collection of exception classes or in a classifying
method of a retry policy, with no retry word on the changed line. Real git histories and real
tree-sitter parses; each rule with what must fire next to what must not."""

from __future__ import annotations

from tests.retry_changes import findings, kinds

CHANGED = {"retry.added", "retry.removed", "retry.changed", "timeout.added", "timeout.removed", "timeout.changed"}


def _changes(found) -> set[str]:
    return kinds(found) & CHANGED


# -- which failures a transport reconnects and retries on ----------------------------------------

TRANSPORT = '''import socket


class BrokerConnectionError(Exception):
    pass


class ProtocolFault(Exception):
    pass


class Transport:
    connection_errors = (BrokerConnectionError, socket.error, OSError)
    channel_errors = (ProtocolFault,)

    def __init__(self, client):
        self.client = client

    def publish(self, body):
        return self.client.send(body)
'''


def test_python_an_exception_added_to_connection_errors_changes_retry(tmp_path):
    after = TRANSPORT.replace("connection_errors = (BrokerConnectionError, socket.error, OSError)",
                              "connection_errors = (BrokerConnectionError, socket.error, OSError, socket.timeout)")
    assert "retry.changed" in _changes(findings(tmp_path, {"broker/transport.py": TRANSPORT},
                                                {"broker/transport.py": after}))


def test_python_connection_errors_reordered_change_no_retry(tmp_path):
    after = TRANSPORT.replace("connection_errors = (BrokerConnectionError, socket.error, OSError)",
                              "connection_errors = (\n        OSError,\n        socket.error,\n"
                              "        BrokerConnectionError,\n    )")
    assert _changes(findings(tmp_path, {"broker/transport.py": TRANSPORT}, {"broker/transport.py": after})) == set()


def test_python_a_tuple_of_other_errors_changes_no_retry(tmp_path):
    """``fatal_errors`` of a parser, or a channel's errors, are not what a reconnect retries on."""
    before = TRANSPORT + '''

FATAL_ERRORS = (ValueError, TypeError)
'''
    after = before.replace("FATAL_ERRORS = (ValueError, TypeError)", "FATAL_ERRORS = (ValueError, TypeError, KeyError)")
    assert _changes(findings(tmp_path, {"broker/transport.py": before}, {"broker/transport.py": after})) == set()


DRIVER = '''import socket


class Transport:
    def __init__(self, client):
        self.client = client

    def _get_errors(self):
        """Import the driver's exceptions at run time."""
        from fastkv import exceptions
        return ((ConnectionError,
                 exceptions.ConnectionError,
                 exceptions.AuthenticationError),
                (exceptions.DataError,
                 exceptions.ResponseError))
'''


def test_python_an_exception_added_to_the_returned_connection_errors_changes_retry(tmp_path):
    after = DRIVER.replace("""                 exceptions.AuthenticationError),""", """                 exceptions.AuthenticationError,
                 exceptions.TimeoutError),""")
    assert "retry.changed" in _changes(findings(tmp_path, {"kv/transport.py": DRIVER}, {"kv/transport.py": after}))


def test_python_a_changed_docstring_of_the_error_function_changes_no_retry(tmp_path):
    after = DRIVER.replace("Import the driver's exceptions at run time.", "Driver exceptions, imported late.")
    assert _changes(findings(tmp_path, {"kv/transport.py": DRIVER}, {"kv/transport.py": after})) == set()


def test_python_a_function_returning_other_things_is_no_error_classifier(tmp_path):
    before = '''def get_errors(form):
    return (form.name, form.email)
'''
    after = before.replace("(form.name, form.email)", "(form.name, form.email, form.phone)")
    assert _changes(findings(tmp_path, {"web/forms.py": before}, {"web/forms.py": after})) == set()


HANDLER = '''from myclient.exceptions import EndpointConnectionError, ReadTimeoutError


# which exceptions each named retry condition of the config stands for
EXCEPTION_MAP = {
    'GENERAL_CONNECTION_ERROR': [ReadTimeoutError, EndpointConnectionError],
}
'''


def test_python_an_exception_table_of_a_retry_module_changes_retry(tmp_path):
    after = HANDLER.replace("from myclient.exceptions import EndpointConnectionError, ReadTimeoutError",
                            "from myclient.exceptions import ConnectionClosedError, EndpointConnectionError, "
                            "ReadTimeoutError").replace("[ReadTimeoutError, EndpointConnectionError]",
                                                        "[ReadTimeoutError, EndpointConnectionError, "
                                                        "ConnectionClosedError]")
    assert "retry.changed" in _changes(findings(tmp_path, {"myclient/retryhandler.py": HANDLER},
                                                {"myclient/retryhandler.py": after}))


def test_python_the_same_exception_table_elsewhere_changes_no_retry(tmp_path):
    """An exception table of a module not named for retrying maps errors for messages or metrics."""
    after = HANDLER.replace("[ReadTimeoutError, EndpointConnectionError]",
                            "[ReadTimeoutError, EndpointConnectionError, ValueError]")
    assert _changes(findings(tmp_path, {"myclient/errors_report.py": HANDLER},
                             {"myclient/errors_report.py": after})) == set()


# -- which outcomes a retry policy counts, decided by its classifying methods ----------------------

POLICY = '''class ConnectTimeoutError(Exception):
    pass


class ProxyError(Exception):
    def __init__(self, message, error):
        super().__init__(message)
        self.original_error = error


class Retry:
    def __init__(self, total=3, connect=None):
        self.total = total
        self.connect = connect

    def _is_connection_error(self, err):
        """Errors where the server surely did not get the request."""
        return isinstance(err, ConnectTimeoutError)

    def describe(self):
        return "Retry(total=%s)" % self.total
'''


def test_python_a_classifying_method_of_a_retry_policy_changes_retry(tmp_path):
    after = POLICY.replace('''        return isinstance(err, ConnectTimeoutError)''', '''        if isinstance(err, ProxyError):
            err = err.original_error
        return isinstance(err, ConnectTimeoutError)''')
    assert "retry.changed" in _changes(findings(tmp_path, {"netlib/util/retry.py": POLICY},
                                                {"netlib/util/retry.py": after}))


def test_python_a_reworded_docstring_of_a_classifying_method_changes_no_retry(tmp_path):
    after = POLICY.replace("Errors where the server surely did not get the request.",
                           "Failures before the request reached the server.")
    assert _changes(findings(tmp_path, {"netlib/util/retry.py": POLICY}, {"netlib/util/retry.py": after})) == set()


def test_python_an_is_method_of_another_class_changes_no_retry(tmp_path):
    before = POLICY.replace("class Retry:", "class Session:")
    after = before.replace('''        return isinstance(err, ConnectTimeoutError)''', '''        if isinstance(err, ProxyError):
            err = err.original_error
        return isinstance(err, ConnectTimeoutError)''')
    assert _changes(findings(tmp_path, {"netlib/session.py": before}, {"netlib/session.py": after})) == set()


CHECKERS = '''import logging

logger = logging.getLogger(__name__)


class BaseChecker:
    def __call__(self, attempt_number, response, caught_exception):
        if response is not None:
            return self._check_response(attempt_number, response)
        return False


class ServiceErrorCodeChecker(BaseChecker):
    def __init__(self, status_code, error_code):
        self._status_code = status_code
        self._error_code = error_code

    def _check_response(self, attempt_number, response):
        if response[0].status_code == self._status_code:
            if any(e.get('Code') == self._error_code for e in response[1].get('Errors', [])):
                logger.debug("retry needed: %s", self._error_code)
                return True
        return False
'''


def test_python_a_checker_of_a_retry_module_reading_another_field_changes_retry(tmp_path):
    after = CHECKERS.replace(
        "            if any(e.get('Code') == self._error_code for e in response[1].get('Errors', [])):",
        "            if response[1].get('Error', {}).get('Code') == self._error_code:")
    assert "retry.changed" in _changes(findings(tmp_path, {"svc/retryhandler.py": CHECKERS},
                                                {"svc/retryhandler.py": after}))


def test_python_a_checker_whose_log_line_changes_changes_no_retry(tmp_path):
    after = CHECKERS.replace('logger.debug("retry needed: %s", self._error_code)',
                             'logger.debug("retry needed: matching error code %s", self._error_code)')
    assert _changes(findings(tmp_path, {"svc/retryhandler.py": CHECKERS}, {"svc/retryhandler.py": after})) == set()


def test_python_a_checker_outside_a_retry_module_changes_no_retry(tmp_path):
    """A health checker's ``_check_response`` decides whether a service is up, not a retry."""
    after = CHECKERS.replace(
        "            if any(e.get('Code') == self._error_code for e in response[1].get('Errors', [])):",
        "            if response[1].get('Error', {}).get('Code') == self._error_code:")
    assert _changes(findings(tmp_path, {"svc/health.py": CHECKERS}, {"svc/health.py": after})) == set()


# -- a loop that only looks through a list is no retry loop ---------------------------------------

CLASSIFIER = '''import logging

log = logging.getLogger(__name__)


def is_retryable_response(response):
    for code in response.error_codes:
        if code in ("Throttling", "RequestTimeout"):
            return True
    return False


def retry_send(client, payload):
    for attempt in range(3):
        try:
            return client.send(payload)
        except OSError:
            log.warning("send failed, attempt %d", attempt)
            continue
    raise RuntimeError("gave up")
'''


def test_python_a_retry_predicate_looping_over_codes_changes_retry(tmp_path):
    after = CLASSIFIER.replace('("Throttling", "RequestTimeout")', '("Throttling", "RequestTimeout", "SlowDown")')
    assert "retry.changed" in _changes(findings(tmp_path, {"svc/client.py": CLASSIFIER}, {"svc/client.py": after}))


def test_python_a_retry_loop_whose_log_line_changes_changes_no_retry(tmp_path):
    """A function holding a retry loop is judged by what the loop decides, not by its whole body."""
    after = CLASSIFIER.replace('"send failed, attempt %d"', '"send to %s failed, attempt %d"') \
        .replace("attempt)", "client, attempt)")
    assert _changes(findings(tmp_path, {"svc/client.py": CLASSIFIER}, {"svc/client.py": after})) == set()


# -- a retry policy copied with some settings replaced ---------------------------------------------

BUILDER = '''class Retry:
    """How an RPC is retried: which errors, how long, which delays."""

    def __init__(self, predicate=None, initial=1.0, maximum=60.0, multiplier=2.0, timeout=120.0):
        self._predicate = predicate
        self._initial = initial
        self._maximum = maximum
        self._multiplier = multiplier
        self._timeout = timeout

    def with_delay(self, initial=None, maximum=None, multiplier=None):
        """A copy with other delays."""
        return type(self)(
            predicate=self._predicate,
            initial=initial or self._initial,
            maximum=maximum or self._maximum,
            multiplier=multiplier or self._multiplier,
            timeout=self._timeout,
        )

    def __str__(self):
        return "<Retry initial=%s>" % self._initial
'''


def test_python_a_policy_copy_that_keeps_an_explicit_zero_changes_retry(tmp_path):
    after = BUILDER.replace("initial=initial or self._initial",
                            "initial=initial if initial is not None else self._initial")
    assert "retry.changed" in _changes(findings(tmp_path, {"rpc/retry.py": BUILDER}, {"rpc/retry.py": after}))


def test_python_a_reworded_docstring_or_message_of_a_policy_copy_changes_no_retry(tmp_path):
    after = BUILDER.replace('"""A copy with other delays."""', '"""Return a copy of this policy with new delays."""') \
        .replace('"<Retry initial=%s>"', '"Retry(initial=%s)"')
    assert _changes(findings(tmp_path, {"rpc/retry.py": BUILDER}, {"rpc/retry.py": after})) == set()


def test_python_a_copy_method_of_another_class_changes_no_retry(tmp_path):
    before = BUILDER.replace("class Retry:", "class Layout:").replace("<Retry", "<Layout")
    after = before.replace("initial=initial or self._initial",
                           "initial=initial if initial is not None else self._initial")
    assert _changes(findings(tmp_path, {"ui/layout.py": before}, {"ui/layout.py": after})) == set()
