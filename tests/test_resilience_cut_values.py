"""The seven values Java, Kotlin and JavaScript cut at 200 characters go through the shared digest
(``settings.bounded``) like every other value (issue 13, last review leftovers): two long values that
differ only past the cut are told apart, so the change is seen, and what a message shows stays short.
Real git diffs, real tree-sitter parses; each case is code a real project writes (a long backoff
computation, an HttpClient 5 retry strategy with its retried exceptions and status codes, a socket
timeout applied under a long guard, a got-style ``'retry'`` listener, a request timer whose delay
sums the phase budgets). Python's ``_error_table`` reading a commented exception map is here too
(review leftover 2)."""

from __future__ import annotations

import pytest

from mergeguard.features import retry_timeout, syntax
from mergeguard.features.resilience import settings
from tests.test_retry_timeout import kinds, run

JAVA_COMPUTED = '''package com.acme.client;

import java.util.concurrent.ThreadLocalRandom;

final class RetryingExecutor {
    private final RetryConfig config;

    RetryingExecutor(RetryConfig config) {
        this.config = config;
    }

    long nextDelay(int attempt, long serverHint) {
        long backoffMillis = Math.min(config.getMaxBackoffMillis(),
                (long) (config.getInitialBackoffMillis() * Math.pow(config.getBackoffMultiplier(), attempt - 1)))
                + ThreadLocalRandom.current().nextLong(0, config.getJitterMillis() + 1)
                + Math.max(0L, serverHint);
        return backoffMillis;
    }
}
'''
JAVA_COMPUTED_CHANGE = ("Math.max(0L, serverHint)", "Math.max(250L, serverHint)")

JAVA_STRATEGY = '''package com.acme.client;

import java.util.Arrays;
import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.util.TimeValue;

final class Clients {
    static CloseableHttpClient create() {
        return HttpClients.custom()
                .setRetryStrategy(new DefaultHttpRequestRetryStrategy(3, TimeValue.ofSeconds(1L),
                        Arrays.asList(InterruptedIOException.class, UnknownHostException.class, ConnectException.class,
                                NoRouteToHostException.class, SSLException.class),
                        Arrays.asList(HttpStatus.SC_TOO_MANY_REQUESTS, HttpStatus.SC_SERVICE_UNAVAILABLE)))
                .build();
    }
}
'''
JAVA_STRATEGY_CHANGE = ("HttpStatus.SC_SERVICE_UNAVAILABLE)))", "HttpStatus.SC_SERVICE_UNAVAILABLE, HttpStatus.SC_BAD_GATEWAY)))")

JAVA_GUARD = '''package com.acme.client;

final class ExchangeHandler {
    private final ManagedConnection connection;

    ExchangeHandler(ManagedConnection connection) {
        this.connection = connection;
    }

    void prepare(ClassicHttpRequest request, RequestConfig config, HttpRoute route) {
        if (config.getResponseTimeout() != null && !connection.isUpgraded() && !route.isTunnelled() && request.getVersion() != null && request.getVersion().greaterEquals(HttpVersion.HTTP_1_1) && !request.containsHeader("Upgrade") && !config.isExpectContinueEnabled()) {
            connection.setSocketTimeout(config.getResponseTimeout());
        }
    }
}
'''
JAVA_GUARD_CHANGE = ("&& !config.isExpectContinueEnabled())", "&& config.isExpectContinueEnabled())")

KOTLIN_STRATEGY = '''package com.acme.client

import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient
import org.apache.hc.client5.http.impl.classic.HttpClients
import org.apache.hc.core5.http.HttpStatus
import org.apache.hc.core5.util.TimeValue

object Clients {
    fun create(): CloseableHttpClient =
        HttpClients.custom()
            .setRetryStrategy(DefaultHttpRequestRetryStrategy(3, TimeValue.ofSeconds(1L),
                listOf(InterruptedIOException::class.java, UnknownHostException::class.java, ConnectException::class.java,
                    NoRouteToHostException::class.java, SSLException::class.java),
                listOf(HttpStatus.SC_TOO_MANY_REQUESTS, HttpStatus.SC_SERVICE_UNAVAILABLE)))
            .build()
}
'''
KOTLIN_STRATEGY_CHANGE = ("HttpStatus.SC_SERVICE_UNAVAILABLE)))", "HttpStatus.SC_SERVICE_UNAVAILABLE, HttpStatus.SC_BAD_GATEWAY)))")

KOTLIN_COMPUTED = '''package com.acme.client

import kotlin.math.pow
import kotlin.random.Random

class RetryingExecutor(private val config: RetryConfig) {
    fun nextDelay(attempt: Int, serverHint: Long): Long {
        val backoffMillis = (config.initialBackoff.inWholeMilliseconds * config.backoffMultiplier.pow(attempt - 1))
            .toLong().coerceAtMost(config.maxBackoff.inWholeMilliseconds) +
            Random.nextLong(0, config.jitter.inWholeMilliseconds + 1) +
            serverHint.coerceAtLeast(0L)
        return backoffMillis
    }
}
'''
KOTLIN_COMPUTED_CHANGE = ("serverHint.coerceAtLeast(0L)", "serverHint.coerceAtLeast(250L)")

JS_LISTENER = ''''use strict';

function send(request, options, body, makeRequest) {
  let promiseSettled = false;
  request.once('retry', (newRetryCount, error) => {
    if (promiseSettled) {
      return;
    }
    if (typeof body?.getBoundary === 'function' && body.readableEnded === false && !options.allowGetBody && options.method !== 'POST' && options.method !== 'PUT' && options.method !== 'PATCH' && error.code !== 'ECONNRESET') {
      return;
    }
    makeRequest(newRetryCount);
  });
}

module.exports = send;
'''
JS_LISTENER_CHANGE = ("error.code !== 'ECONNRESET'", "error.code !== 'ETIMEDOUT'")

JS_TIMER = ''''use strict';

const http = require('http');
const { TimeoutError } = require('./errors');

function request(options, callback) {
  const req = http.request(options, callback);
  const timer = setTimeout(() => {
    req.destroy(new TimeoutError('request timed out'));
  }, Math.max(0, Math.min(options.timeout.request, options.timeout.socket ?? options.timeout.request)
    - (Date.now() - options.startedAt) + (options.timeout.lookup ?? 0) + (options.timeout.connect ?? 0)
    + (options.handshakeAllowance ?? 0)));
  req.once('close', () => clearTimeout(timer));
  return req;
}

module.exports = request;
'''
JS_TIMER_CHANGE = ("(options.handshakeAllowance ?? 0)", "(options.handshakeAllowance ?? 5000)")


#: (id, path, image, the change past the first 200 characters, the finding kind it is, the library of the construct)
CASES = [
    ("java-computed", "src/main/java/com/acme/client/RetryingExecutor.java", JAVA_COMPUTED, JAVA_COMPUTED_CHANGE,
     "retry.changed", "computed"),
    ("java-strategy", "src/main/java/com/acme/client/Clients.java", JAVA_STRATEGY, JAVA_STRATEGY_CHANGE,
     "retry.changed", "retry strategy"),
    ("java-guard", "src/main/java/com/acme/client/ExchangeHandler.java", JAVA_GUARD, JAVA_GUARD_CHANGE,
     "timeout.changed", "ManagedConnection"),
    ("kotlin-strategy", "src/main/kotlin/com/acme/client/Clients.kt", KOTLIN_STRATEGY, KOTLIN_STRATEGY_CHANGE,
     "retry.changed", "retry strategy"),
    ("kotlin-computed", "src/main/kotlin/com/acme/client/RetryingExecutor.kt", KOTLIN_COMPUTED,
     KOTLIN_COMPUTED_CHANGE, "retry.changed", "computed"),
    ("js-retry-listener", "lib/send.js", JS_LISTENER, JS_LISTENER_CHANGE, "retry.changed", "retry-event"),
    ("js-timer", "lib/request.js", JS_TIMER, JS_TIMER_CHANGE, "timeout.changed", "setting"),
]
IDS = [c[0] for c in CASES]


def constructs(path: str, text: str, library: str) -> list:
    """The constructs of one image made by ``library``."""
    language = syntax.language_of(path)
    src = syntax.Source(path, "post", language, text, syntax.parse(text, language))
    found = retry_timeout._scan_image(retry_timeout.scanner(language), src)
    assert found is not None
    return [c for c in found.constructs if c.library == library]


@pytest.mark.parametrize(("path", "image", "change", "kind", "library"), [c[1:] for c in CASES], ids=IDS)
def test_two_long_values_that_differ_past_200_characters_are_kept_apart_and_short(path, image, change, kind,
                                                                                 library):
    after = image.replace(*change)
    assert after != image
    (was,), (now,) = constructs(path, image, library), constructs(path, after, library)
    # the change is past the first 200 characters of the value as written (where it used to be cut)
    assert " … #" in was.value and " … #" in now.value
    assert was.value != now.value
    assert len(was.value) <= 2 * (2 * settings._SHOWN_PREFIX + 16)  # at most two bounded parts (a guard's)


@pytest.mark.parametrize(("path", "image", "change", "kind", "library"), [c[1:] for c in CASES], ids=IDS)
def test_a_change_past_200_characters_is_a_change(tmp_path, path, image, change, kind, library):
    ex = run(tmp_path, {path: image}, {path: image.replace(*change)})
    assert kind in kinds(ex)


@pytest.mark.parametrize(("path", "image", "change", "kind", "library"), [c[1:] for c in CASES], ids=IDS)
def test_a_long_value_only_moved_down_is_no_change(tmp_path, path, image, change, kind, library):
    """The same long value, two lines lower (a comment added above the class): no finding."""
    marker = "\n\n"
    at = image.index(marker) + len(marker)
    after = image[:at] + "// Shared client code.\n// See docs/clients.md.\n" + image[at:]
    ex = run(tmp_path, {path: image}, {path: after})
    assert not [k for k in kinds(ex) if k.startswith(("retry.", "timeout."))]
PY_TABLE = '''"""Which failures the client's retry handler retries, by the names its retry config uses."""

from urllib3.exceptions import ProtocolError, ReadTimeoutError, SSLError

from .exceptions import ConnectionClosedError, ConnectTimeoutError, EndpointConnectionError

EXCEPTION_MAP = {
    'GENERAL_CONNECTION_ERROR': [
        ConnectionError,
        ConnectionClosedError,
        ReadTimeoutError,
        EndpointConnectionError,
    ],
    # SSL failures are retried: a handshake cut short by a proxy is worth another try
    'SSL_ERROR': [SSLError],
}
'''

PY_TABLE_PATH = "botocore/retryhandler.py"
PY_COMMENT = "    # SSL failures are retried: a handshake cut short by a proxy is worth another try\n"


def test_a_commented_exception_table_is_read_as_a_table():
    """A comment among a dict's pairs is skipped, as among a tuple's members (``_members``): the table
    is read, valued by its members without the comment."""
    found = constructs(PY_TABLE_PATH, PY_TABLE, "setting")
    assert [(c.target, c.value) for c in found] == [
        ("EXCEPTION_MAP", "{'GENERAL_CONNECTION_ERROR': {ConnectionClosedError, ConnectionError, "
                          "EndpointConnectionError, ReadTimeoutError}; 'SSL_ERROR': {SSLError}}")]
    assert [c.value for c in constructs(PY_TABLE_PATH, PY_TABLE.replace(PY_COMMENT, ""), "setting")] == \
        [c.value for c in found]


def test_an_exception_added_to_a_commented_table_is_a_retry_change(tmp_path):
    after = PY_TABLE.replace("        EndpointConnectionError,\n", "        EndpointConnectionError,\n        ProtocolError,\n")
    assert after != PY_TABLE
    ex = run(tmp_path, {PY_TABLE_PATH: PY_TABLE}, {PY_TABLE_PATH: after})
    assert "retry.changed" in kinds(ex)


def test_a_table_with_its_comment_reworded_or_its_entries_reordered_is_no_change(tmp_path):
    after = PY_TABLE.replace(PY_COMMENT, "    # a TLS handshake a proxy cut short is retried\n").replace(
        "        ConnectionError,\n        ConnectionClosedError,\n", "        ConnectionClosedError,\n        ConnectionError,\n")
    assert after != PY_TABLE
    ex = run(tmp_path, {PY_TABLE_PATH: PY_TABLE}, {PY_TABLE_PATH: after})
    assert not [k for k in kinds(ex) if k.startswith(("retry.", "timeout."))]
