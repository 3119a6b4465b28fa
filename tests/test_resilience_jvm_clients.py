"""Retry/timeout changes in ordinary JVM client code (Java and Kotlin), end to end through real git
diffs: blocking waits bounded by a time (gRPC deadlines, latches, queues, Reactor's ``block``), socket
connect timeouts, timeout setters given run-time values, retry strategy objects handed to a client
(Apache ``setRetryStrategy``, Reactor ``retryWhen``, ``disableAutomaticRetries``), OkHttp builder setters
inside ``apply { }`` and Kotlin property setters. Positives and negatives for each."""

from __future__ import annotations

import pytest

from tests.retry_changes import findings, kinds

JAVA_PATH = "src/main/java/com/acme/orders/OrdersClient.java"
KOTLIN_PATH = "src/main/kotlin/com/acme/orders/OrdersClient.kt"

JAVA = """package com.acme.orders;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

public class OrdersClient {
    private final ClientConfig config;
    private final OrdersGrpc.OrdersBlockingStub stub;

    public OrdersClient(ClientConfig config, OrdersGrpc.OrdersBlockingStub stub) {
        this.config = config;
        this.stub = stub;
    }

    public Order fetch(OrderRequest request) throws Exception {
%s
    }
}
"""

KOTLIN = """package com.acme.orders

import java.util.concurrent.TimeUnit

class OrdersClient(private val config: ClientConfig, private val stub: OrdersStub) {
    fun fetch(request: OrderRequest): Order {
%s
    }
}
"""

JAVA_CASES = {
    # gRPC deadline added to a stub call, then raised from 5 s to 30 s
    "grpc deadline added": ("        return stub.getOrder(request);",
                            "        return stub.withDeadlineAfter(5, TimeUnit.SECONDS).getOrder(request);",
                            {"timeout.added"}),
    "grpc deadline raised": ("        return stub.withDeadlineAfter(5, TimeUnit.SECONDS).getOrder(request);",
                             "        return stub.withDeadlineAfter(30, TimeUnit.SECONDS).getOrder(request);",
                             {"timeout.changed", "timeout.increased"}),
    "latch bounded by a configured time": (
        "        latch.await();\n        return result;",
        "        latch.await(config.replyTimeoutMillis(), TimeUnit.MILLISECONDS);\n        return result;",
        {"timeout.added"}),
    "queue poll instead of take": ("        return queue.take();",
                                   "        return queue.poll(5, TimeUnit.SECONDS);", {"timeout.added"}),
    "reactor block bounded": ("        return mono.block();", "        return mono.block(Duration.ofSeconds(3));",
                              {"timeout.added"}),
    "socket connect timeout": (
        "        socket.connect(address);\n        return read(socket);",
        "        socket.connect(address, config.connectTimeoutMillis());\n        return read(socket);",
        {"timeout.added"}),
    "idle timeout setter at run time": (
        "        pool.setMaxTotal(20);\n        return pool.lease(request);",
        "        pool.setMaxTotal(20);\n        pool.setIdleTimeout(config.idleTimeout());\n        return pool.lease(request);",
        {"timeout.added"}),
    "apache retry strategy added": (
        "        CloseableHttpClient c = HttpClients.custom().build();\n        return c.execute(request);",
        "        CloseableHttpClient c = HttpClients.custom()\n"
        "            .setRetryStrategy(new DefaultHttpRequestRetryStrategy(3, TimeValue.ofSeconds(1)))\n"
        "            .build();\n        return c.execute(request);",
        {"retry.added"}),
    "apache retry strategy interval changed": (
        "        CloseableHttpClient c = HttpClients.custom()\n"
        "            .setRetryStrategy(new DefaultHttpRequestRetryStrategy(3, TimeValue.ofSeconds(1)))\n"
        "            .build();\n        return c.execute(request);",
        "        CloseableHttpClient c = HttpClients.custom()\n"
        "            .setRetryStrategy(new DefaultHttpRequestRetryStrategy(3, TimeValue.ofSeconds(5)))\n"
        "            .build();\n        return c.execute(request);",
        {"retry.changed"}),
    "apache 4.x retry handler": (
        "        CloseableHttpClient c = HttpClients.custom().build();\n        return c.execute(request);",
        "        CloseableHttpClient c = HttpClients.custom()"
        ".setRetryHandler(new DefaultHttpRequestRetryHandler(3, false)).build();\n        return c.execute(request);",
        {"retry.added"}),
    "automatic retries switched off": (
        "        CloseableHttpClient c = HttpClients.custom().build();\n        return c.execute(request);",
        "        CloseableHttpClient c = HttpClients.custom().disableAutomaticRetries().build();\n"
        "        return c.execute(request);",
        {"retry.added"}),
    "reactor retryWhen": (
        "        return client.get().retrieve().bodyToMono(Order.class).block();",
        "        return client.get().retrieve().bodyToMono(Order.class)\n"
        "            .retryWhen(Retry.backoff(3, Duration.ofMillis(200)))\n            .block();",
        {"retry.added"}),
}

JAVA_NEGATIVES = {
    # a delay before a task is not a timeout; neither is a sleep
    "scheduled task": ("        return stub.getOrder(request);",
                       "        scheduler.schedule(this::refresh, 5, TimeUnit.SECONDS);\n"
                       "        return stub.getOrder(request);"),
    # a helper working a timeout out is not a setting applied
    "computed timeout helper": ("        return stub.getOrder(request);",
                                "        long budget = this.computeTimeout(request);\n"
                                "        return stub.getOrder(request);"),
    # one number of a retry policy handed on at run time is plumbing, not a policy
    "max attempts handed on": ("        policy.setBackOffPeriod(100);\n        return stub.getOrder(request);",
                               "        policy.setBackOffPeriod(100);\n        policy.setMaxAttempts(config.maxAttempts());\n"
                               "        return stub.getOrder(request);"),
    # a circuit breaker's open timeout says how long it stays open, not how long a call waits
    "circuit breaker open timeout": ("        return stub.getOrder(request);",
                                     "        breaker.setOpenTimeout(config.openTimeout());\n"
                                     "        return stub.getOrder(request);"),
    # the same deadline, the call only re-wrapped
    "deadline re-wrapped": ("        return stub.withDeadlineAfter(5, TimeUnit.SECONDS).getOrder(request);",
                            "        return stub\n            .withDeadlineAfter(5, TimeUnit.SECONDS)\n"
                            "            .getOrder(request);"),
}


@pytest.mark.parametrize("case", list(JAVA_CASES))
def test_java_client_changes(tmp_path, case):
    before, after, expected = JAVA_CASES[case]
    found = kinds(findings(tmp_path, {JAVA_PATH: JAVA % before}, {JAVA_PATH: JAVA % after}))
    assert expected <= found, found


@pytest.mark.parametrize("case", list(JAVA_NEGATIVES))
def test_java_client_non_changes(tmp_path, case):
    before, after = JAVA_NEGATIVES[case]
    found = findings(tmp_path, {JAVA_PATH: JAVA % before}, {JAVA_PATH: JAVA % after})
    assert not [f for f in found if f.kind.startswith(("retry.", "timeout."))], found


def test_java_wait_finding_sits_on_its_link(tmp_path):
    before = "        return stub.getOrder(request);"
    after = "        return stub\n            .withDeadlineAfter(2, TimeUnit.SECONDS)\n            .getOrder(request);"
    found = findings(tmp_path, {JAVA_PATH: JAVA % before}, {JAVA_PATH: JAVA % after})
    added = [f for f in found if f.kind == "timeout.added"]
    assert [f.line for f in added] == [17], found  # the .withDeadlineAfter line, not the chain start (16)


KOTLIN_CASES = {
    "okhttp setters inside apply": (
        "        val client = OkHttpClient.Builder().build()\n        return client.call(request)",
        "        val client = OkHttpClient.Builder().apply {\n            connectTimeout(10, TimeUnit.SECONDS)\n"
        "            readTimeout(config.readTimeout)\n        }.build()\n        return client.call(request)",
        {"timeout.added"}),
    "grpc deadline": ("        return stub.getOrder(request)",
                      "        return stub.withDeadlineAfter(5, TimeUnit.SECONDS).getOrder(request)", {"timeout.added"}),
    "connection read timeout property": (
        "        val conn = url.openConnection() as HttpURLConnection\n        return read(conn)",
        "        val conn = url.openConnection() as HttpURLConnection\n"
        "        conn.readTimeout = config.readTimeoutMillis\n        return read(conn)",
        {"timeout.added"}),
    "setter at run time": ("        val b = Client.builder()\n        return b.build().call(request)",
                           "        val b = Client.builder()\n        b.setConnectTimeout(config.connectTimeout)\n"
                           "        return b.build().call(request)", {"timeout.added"}),
    "retry strategy": ("        val b = HttpClients.custom()\n        return b.build().call(request)",
                       "        val b = HttpClients.custom()\n"
                       "        b.setRetryStrategy(DefaultHttpRequestRetryStrategy(3, TimeValue.ofSeconds(1)))\n"
                       "        return b.build().call(request)", {"retry.added"}),
}

KOTLIN_NEGATIVES = {
    # a value kept on the object, applied nowhere
    "own field": ("        return stub.getOrder(request)",
                  "        this.requestTimeout = config.requestTimeout\n        return stub.getOrder(request)"),
    # a bare connectTimeout(...) call outside any client builder is some other function
    "bare call outside builder": ("        return stub.getOrder(request)",
                                  "        val t = connectTimeout(config)\n        return stub.getOrder(request)"),
    "schedule is a delay": ("        return stub.getOrder(request)",
                            "        executor.schedule({ refresh() }, 5, TimeUnit.SECONDS)\n"
                            "        return stub.getOrder(request)"),
}


@pytest.mark.parametrize("case", list(KOTLIN_CASES))
def test_kotlin_client_changes(tmp_path, case):
    before, after, expected = KOTLIN_CASES[case]
    found = kinds(findings(tmp_path, {KOTLIN_PATH: KOTLIN % before}, {KOTLIN_PATH: KOTLIN % after}))
    assert expected <= found, found


@pytest.mark.parametrize("case", list(KOTLIN_NEGATIVES))
def test_kotlin_client_non_changes(tmp_path, case):
    before, after = KOTLIN_NEGATIVES[case]
    found = findings(tmp_path, {KOTLIN_PATH: KOTLIN % before}, {KOTLIN_PATH: KOTLIN % after})
    assert not [f for f in found if f.kind.startswith(("retry.", "timeout."))], found


def test_java_timeout_passed_through_is_not_a_new_wait(tmp_path):
    """A connect helper inlined from a superclass: the caller's ``connectTimeout`` is handed on as before."""
    shape = """package com.acme.net;

import java.net.Socket;

public class TlsSocketFactory extends BaseSocketFactory {
    public Socket connectSocket(int connectTimeout, Socket socket, InetSocketAddress remote) throws IOException {
%s
        return upgrade(sock);
    }
}
"""
    before = "        final Socket sock = super.connectSocket(connectTimeout, socket, remote);"
    after = ("        final Socket sock = socket != null ? socket : new Socket();\n"
             "        sock.connect(remote, connectTimeout);")
    path = "src/main/java/com/acme/net/TlsSocketFactory.java"
    found = findings(tmp_path, {path: shape % before}, {path: shape % after})
    assert not [f for f in found if f.kind.startswith("timeout.")], found


def test_java_action_named_after_a_timeout_is_no_setter(tmp_path):
    before = "        return stub.getOrder(request);"
    after = "        Internal.instance.timeoutExit(call, request);\n        return stub.getOrder(request);"
    found = findings(tmp_path, {JAVA_PATH: JAVA % before}, {JAVA_PATH: JAVA % after})
    assert not [f for f in found if f.kind.startswith("timeout.")], found


SERVICE = """package com.acme.orders;

import java.time.Duration;

@Service
public class OrdersGateway {
%s

    public Order get(String id) throws IOException {
        return api.get(id);
    }
}
"""
SERVICE_PATH = "src/main/java/com/acme/orders/OrdersGateway.java"

SERVICE_CASES = {
    "spring @Value default raised": ('    @Value("${orders.client.read-timeout:5000}")\n    private int readTimeoutMs;',
                                     '    @Value("${orders.client.read-timeout:30000}")\n    private int readTimeoutMs;',
                                     {"timeout.changed", "timeout.increased"}),
    "spring @Value retry default": ('    @Value("${orders.client.max-retries:3}")\n    private int maxRetries;',
                                    '    @Value("${orders.client.max-retries:1}")\n    private int maxRetries;',
                                    {"retry.changed"}),
    "@Retryable retries another exception": (
        "    @Retryable(include = SocketTimeoutException.class, maxAttempts = 3)\n    public void warm() { api.ping(); }",
        "    @Retryable(include = {SocketTimeoutException.class, ConnectException.class}, maxAttempts = 3)\n"
        "    public void warm() { api.ping(); }",
        {"retry.changed"}),
    "@Backoff delay changed": (
        "    @Retryable(maxAttempts = 3, backoff = @Backoff(delay = 500))\n    public void warm() { api.ping(); }",
        "    @Retryable(maxAttempts = 3, backoff = @Backoff(delay = 2000))\n    public void warm() { api.ping(); }",
        {"retry.changed"}),
    "kafka producer retries": (
        "    void configure(Properties p) {\n        p.put(ProducerConfig.ACKS_CONFIG, \"all\");\n    }",
        "    void configure(Properties p) {\n        p.put(ProducerConfig.ACKS_CONFIG, \"all\");\n"
        "        p.put(ProducerConfig.RETRIES_CONFIG, 5);\n    }",
        {"retry.added"}),
    "kafka request timeout by string key": (
        "    void configure(Properties p) {\n        p.put(\"acks\", \"all\");\n    }",
        "    void configure(Properties p) {\n        p.put(\"acks\", \"all\");\n        p.setProperty(\"request.timeout.ms\", \"30000\");\n    }",
        {"timeout.added"}),
    "netty connect timeout option": (
        "    HttpClient http = HttpClient.create();",
        "    HttpClient http = HttpClient.create().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);",
        {"timeout.added"}),
    "retryable exceptions grow": (
        "    private static final Set<Class<?>> RETRYABLE_EXCEPTIONS = Set.of(IOException.class);",
        "    private static final Set<Class<?>> RETRYABLE_EXCEPTIONS = Set.of(IOException.class, TimeoutException.class);",
        {"retry.changed"}),
}

SERVICE_NEGATIVES = {
    # data that happens to hold a "timeout" entry: a response body, not a setting
    "map of data": ("    Map<String, Object> describe(long elapsed) {\n        Map<String, Object> m = new HashMap<>();\n"
                    "        return m;\n    }",
                    "    Map<String, Object> describe(long elapsed) {\n        Map<String, Object> m = new HashMap<>();\n"
                    "        m.put(\"timeout\", elapsed);\n        return m;\n    }"),
    # a property that is not about retries or timeouts
    "other property": ("    void configure(Properties p) {\n        p.put(\"acks\", \"all\");\n    }",
                       "    void configure(Properties p) {\n        p.put(\"acks\", \"1\");\n        p.put(\"linger.ms\", \"5\");\n    }"),
    # a flag on one error is no set of retried failures
    "retryable flag": ("    private boolean retryable;", "    private boolean retryable = true;"),
    # a @Value default of something else
    "other @Value": ('    @Value("${orders.client.page-size:50}")\n    private int pageSize;',
                     '    @Value("${orders.client.page-size:100}")\n    private int pageSize;'),
    # the same @Retryable, re-wrapped over two lines
    "@Retryable re-wrapped": (
        "    @Retryable(include = SocketTimeoutException.class, maxAttempts = 3)\n    public void warm() { api.ping(); }",
        "    @Retryable(include = SocketTimeoutException.class,\n               maxAttempts = 3)\n"
        "    public void warm() { api.ping(); }"),
}


@pytest.mark.parametrize("case", list(SERVICE_CASES))
def test_java_service_settings(tmp_path, case):
    before, after, expected = SERVICE_CASES[case]
    found = kinds(findings(tmp_path, {SERVICE_PATH: SERVICE % before}, {SERVICE_PATH: SERVICE % after}))
    assert expected <= found, found


@pytest.mark.parametrize("case", list(SERVICE_NEGATIVES))
def test_java_service_non_settings(tmp_path, case):
    before, after = SERVICE_NEGATIVES[case]
    found = findings(tmp_path, {SERVICE_PATH: SERVICE % before}, {SERVICE_PATH: SERVICE % after})
    assert not [f for f in found if f.kind.startswith(("retry.", "timeout."))], found


REPEAT = """package com.acme.orders

class OrdersClient(private val http: OrdersApi) {
    suspend fun fetch(id: String): Order {
        repeat(3) {
            try {
                return http.get(id)
            } catch (e: IOException) {
                %s
                delay(%s)
            }
        }
        throw IOException("orders unavailable")
    }
}
"""


def test_kotlin_repeat_loop_delay_changed(tmp_path):
    found = findings(tmp_path, {KOTLIN_PATH: REPEAT % ("log.warn(\"retrying\", e)", "500")},
                     {KOTLIN_PATH: REPEAT % ("log.warn(\"retrying\", e)", "2000")})
    assert "retry.changed" in kinds(found), found


def test_kotlin_repeat_loop_stops_on_a_permanent_error(tmp_path):
    found = findings(tmp_path, {KOTLIN_PATH: REPEAT % ("log.warn(\"retrying\", e)", "500")},
                     {KOTLIN_PATH: REPEAT % ("if (e is SSLException) throw e", "500")})
    assert "retry.changed" in kinds(found), found


def test_kotlin_repeat_loop_log_line_is_no_change(tmp_path):
    found = findings(tmp_path, {KOTLIN_PATH: REPEAT % ("log.warn(\"retrying\", e)", "500")},
                     {KOTLIN_PATH: REPEAT % ("log.info(\"attempt failed, trying again: ${e.message}\")", "500")})
    assert not [f for f in found if f.kind.startswith("retry.")], found


def test_kotlin_engine_config_timeout_changed(tmp_path):
    shape = """package com.acme.orders

val client = HttpClient(OkHttp) {
    engine { config { readTimeout(%s, TimeUnit.SECONDS) } }
}
"""
    found = findings(tmp_path, {KOTLIN_PATH: shape % "10"}, {KOTLIN_PATH: shape % "30"})
    assert "timeout.changed" in kinds(found), found


RECOVER = """package com.acme.orders;

final class CallRecovery {
    /** Whether a failed call may be tried again on another route. */
    boolean isRecoverable(IOException e, boolean requestSent) {
        if (e instanceof ProtocolException) {
            return false;
        }
%s
        return !requestSent || e instanceof ConnectException;
    }
}
"""
RECOVER_PATH = "src/main/java/com/acme/orders/CallRecovery.java"


def test_java_recoverable_decision_changed(tmp_path):
    """OkHttp-style clients name their retry decision "recover": an error class it now gives up on is a
    retry change."""
    found = findings(tmp_path, {RECOVER_PATH: RECOVER % ""},
                     {RECOVER_PATH: RECOVER % "        if (e instanceof InterruptedIOException) {\n"
                                              "            return false;\n        }"})
    assert "retry.changed" in kinds(found), found


def test_java_recoverable_comment_is_no_change(tmp_path):
    found = findings(tmp_path, {RECOVER_PATH: RECOVER % ""},
                     {RECOVER_PATH: RECOVER % "        // a sent request may have reached the server"})
    assert not [f for f in found if f.kind.startswith("retry.")], found


LET = """package com.acme.engine

internal fun RequestData.toHttpRequest(): HttpRequest {
    val builder = HttpRequest.newBuilder(url)
    with(builder) {
        timeouts?.let { t ->
            t.%s?.let {
                timeout(Duration.ofMillis(it))
            }
        }
    }
    return builder.build()
}
"""
LET_PATH = "src/main/kotlin/com/acme/engine/Requests.kt"


def test_kotlin_timeout_applied_from_another_setting(tmp_path):
    """``t.socketTimeoutMillis?.let { timeout(…it…) }`` -> ``t.requestTimeoutMillis?.let { … }``: the request
    now waits as long as the request timeout, not the socket timeout."""
    found = findings(tmp_path, {LET_PATH: LET % "socketTimeoutMillis"}, {LET_PATH: LET % "requestTimeoutMillis"})
    assert "timeout.changed" in kinds(found), found


def test_kotlin_timeout_from_the_same_setting_renamed_lambda_is_no_change(tmp_path):
    after = (LET % "socketTimeoutMillis").replace("timeouts?.let { t ->", "timeouts?.let { attrs ->").replace(
        "t.socketTimeoutMillis", "attrs.socketTimeoutMillis")
    found = findings(tmp_path, {LET_PATH: LET % "socketTimeoutMillis"}, {LET_PATH: after})
    assert not [f for f in found if f.kind.startswith("timeout.")], found


BACKOFF = """package com.acme.orders;

final class Backoff {
    private final long base;
    private final long maxDelay;

    Backoff(long base, long maxDelay) {
        this.base = base;
        this.maxDelay = maxDelay;
    }

    long next(int attempt) {
        long backoff = Math.min(maxDelay, %s);
        return backoff;
    }
%s
}
"""
BACKOFF_PATH = "src/main/java/com/acme/orders/Backoff.java"


def test_java_computed_backoff_changed(tmp_path):
    found = findings(tmp_path, {BACKOFF_PATH: BACKOFF % ("base << attempt", "")},
                     {BACKOFF_PATH: BACKOFF % ("base * (attempt + 1)", "")})
    assert "retry.changed" in kinds(found), found


def test_java_computed_backoff_read_through_this_is_no_change(tmp_path):
    found = findings(tmp_path, {BACKOFF_PATH: BACKOFF % ("base << attempt", "")},
                     {BACKOFF_PATH: BACKOFF % ("this.base << attempt", "")})
    assert not [f for f in found if f.kind.startswith("retry.")], found


def test_java_computed_value_in_new_code_is_plumbing(tmp_path):
    """A new method that works out a timeout and returns it applies nothing: no timeout.added."""
    extra = "\n    long budget(ClientConfig config) {\n        long timeout = clamp(config.timeoutMillis());\n        return timeout;\n    }"
    found = findings(tmp_path, {BACKOFF_PATH: BACKOFF % ("base << attempt", "")},
                     {BACKOFF_PATH: BACKOFF % ("base << attempt", extra)})
    assert not [f for f in found if f.kind.startswith(("retry.", "timeout."))], found


def test_kotlin_computed_timeout_changed(tmp_path):
    shape = """package com.acme.orders

class Budget(private val config: ClientConfig) {
    fun remaining(elapsedMs: Long): Long {
        val timeout = %s
        return timeout
    }
}
"""
    found = findings(tmp_path, {KOTLIN_PATH: shape % "config.timeoutMs - elapsedMs"},
                     {KOTLIN_PATH: shape % "config.timeoutMs * 2 - elapsedMs"})
    assert "timeout.changed" in kinds(found), found


CALL = """package com.acme.orders;

public final class RetryInterceptor implements Interceptor {
    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
%s
    }
}
"""
CALL_PATH = "src/main/java/com/acme/orders/RetryInterceptor.java"


def test_java_status_retry_loop_in_an_interceptor(tmp_path):
    """OkHttp interceptor retrying unsuccessful responses with no delay: a retry, and without backoff."""
    after = """        Response response = chain.proceed(request);
        int tryCount = 0;
        while (!response.isSuccessful() && tryCount < 3) {
            tryCount++;
            response.close();
            response = chain.proceed(request);
        }
        return response;"""
    found = findings(tmp_path, {CALL_PATH: CALL % "        return chain.proceed(request);"}, {CALL_PATH: CALL % after})
    assert {"retry.added", "retry.without_backoff"} <= kinds(found), found
    loop = next(f for f in found if f.kind == "retry.without_backoff")
    assert loop.line == 9  # the while header


def test_java_status_retry_loop_with_sleep_has_backoff(tmp_path):
    after = """        Response r = null;
        for (int i = 0; i < 4; i++) {
            r = chain.proceed(request);
            if (r.code() != 503) {
                return r;
            }
            r.close();
            Thread.sleep(500L << i);
        }
        return r;"""
    found = findings(tmp_path, {CALL_PATH: CALL % "        return chain.proceed(request);"}, {CALL_PATH: CALL % after})
    assert "retry.added" in kinds(found) and "retry.without_backoff" not in kinds(found), found


def test_java_poll_until_ready_is_not_a_retry(tmp_path):
    after = """        Job job = jobs.submit(request);
        while (job.getState() != State.DONE) {
            Thread.sleep(1000);
            job = jobs.get(job.id());
        }
        return job.response();"""
    found = findings(tmp_path, {CALL_PATH: CALL % "        return chain.proceed(request);"}, {CALL_PATH: CALL % after})
    assert not [f for f in found if f.kind.startswith("retry.")], found


def test_java_paging_loop_on_status_ok_is_not_a_retry(tmp_path):
    """Reading pages while each succeeds is no retry: the test is of success going on, not of failure."""
    after = """        Response r = chain.proceed(request);
        while (r.isSuccessful() && r.header("Link") != null) {
            collect(r);
            r = chain.proceed(next(r));
        }
        return r;"""
    found = findings(tmp_path, {CALL_PATH: CALL % "        return chain.proceed(request);"}, {CALL_PATH: CALL % after})
    assert not [f for f in found if f.kind.startswith("retry.")], found


RETRY_CONFIG = """package com.acme.orders;

@Configuration
public class RetryConfiguration {
    @Bean
    public RetryTemplate retryTemplate() {
        RetryTemplate template = new RetryTemplate();
        ExponentialBackOffPolicy backOff = new ExponentialBackOffPolicy();
        backOff.setInitialInterval(%s);
        backOff.setMultiplier(2.0);
        template.setBackOffPolicy(backOff);
%s
        return template;
    }

    @HystrixCommand(commandProperties = {
        @HystrixProperty(name = "execution.isolation.thread.timeoutInMilliseconds", value = "%s")
    })
    public Order get(String id) { return api.get(id); }
}
"""
RETRY_CONFIG_PATH = "src/main/java/com/acme/orders/RetryConfiguration.java"


def test_java_setter_on_a_backoff_policy_object(tmp_path):
    found = findings(tmp_path, {RETRY_CONFIG_PATH: RETRY_CONFIG % ("500", "", "1000")},
                     {RETRY_CONFIG_PATH: RETRY_CONFIG % ("1000", "", "1000")})
    assert "retry.changed" in kinds(found) and not [f for f in found if f.kind.startswith("timeout.")], found


def test_java_hystrix_timeout_property(tmp_path):
    found = findings(tmp_path, {RETRY_CONFIG_PATH: RETRY_CONFIG % ("500", "", "1000")},
                     {RETRY_CONFIG_PATH: RETRY_CONFIG % ("500", "", "5000")})
    assert {"timeout.changed", "timeout.increased"} <= kinds(found), found
    assert not [f for f in found if f.kind.startswith("retry.")], found


def test_java_retry_configuration_log_line_is_no_change(tmp_path):
    found = findings(tmp_path, {RETRY_CONFIG_PATH: RETRY_CONFIG % ("500", "", "1000")},
                     {RETRY_CONFIG_PATH: RETRY_CONFIG % ("500", '        log.info("retry template ready");', "1000")})
    assert not [f for f in found if f.kind.startswith(("retry.", "timeout."))], found


def test_java_spring_recover_fallback_is_no_retry_policy(tmp_path):
    """Spring Retry's @Recover method runs after the last attempt: its body is a fallback, not a decision
    to try again."""
    shape = """package com.acme.orders;

@Service
public class OrdersGateway {
    @Recover
    public Order recover(IOException e, String id) {
%s
    }
}
"""
    found = findings(tmp_path, {SERVICE_PATH: shape % "        return Order.unknown(id);"},
                     {SERVICE_PATH: shape % "        if (e instanceof SSLException) {\n            throw new IllegalStateException(e);\n"
                                            "        }\n        return Order.unknown(id);"})
    assert not [f for f in found if f.kind.startswith("retry.")], found


def test_java_retry_predicate_moved_to_another_class_is_no_change(tmp_path):
    engine = """package com.acme.orders;

final class %s {
    boolean isRecoverable(IOException e, boolean requestSent) {
        if (e instanceof ProtocolException) {
            return false;
        }
        return !requestSent || e instanceof ConnectException;
    }
}
"""
    empty = "package com.acme.orders;\n\nfinal class %s {\n}\n"
    a, b = "src/main/java/com/acme/orders/Engine.java", "src/main/java/com/acme/orders/RetryInterceptor.java"
    found = findings(tmp_path, {a: engine % "Engine", b: empty % "RetryInterceptor"},
                     {a: empty % "Engine", b: engine % "RetryInterceptor"})
    assert not [f for f in found if f.kind.startswith("retry.")], found


def test_kotlin_builder_overload_is_no_timeout(tmp_path):
    shape = """package com.acme.http

class Builder {
    internal var callTimeout = 0
    fun callTimeout(timeout: Long, unit: TimeUnit) = apply {
        callTimeout = checkDuration("timeout", timeout, unit)
    }
%s
}
"""
    overload = ("    fun callTimeout(duration: Duration) = apply {\n"
                "        callTimeout(duration.toMillis(), TimeUnit.MILLISECONDS)\n    }")
    found = findings(tmp_path, {KOTLIN_PATH: shape % ""}, {KOTLIN_PATH: shape % overload})
    assert not [f for f in found if f.kind.startswith("timeout.")], found


HANDLER = """package com.acme.orders;

public class OrdersRetryHandler implements RetryHandler {
    public boolean retryRequest(IOException exception, int executionCount) {
        if (executionCount > 3) {
            return false;
        }
%s        if (exception instanceof InterruptedIOException) {
            return false;
        }
        return true;
    }
}
"""
HANDLER_PATH = "src/main/java/com/acme/orders/OrdersRetryHandler.java"


def test_java_retried_exception_only_deleted_is_a_change(tmp_path):
    """A change that only deletes lines (a retried exception case dropped) still changes the policy."""
    case = "        if (exception instanceof NoHttpResponseException) {\n            return true;\n        }\n"
    found = findings(tmp_path, {HANDLER_PATH: HANDLER % case}, {HANDLER_PATH: HANDLER % ""})
    assert "retry.changed" in kinds(found), found


def test_java_comment_only_deleted_is_no_change(tmp_path):
    found = findings(tmp_path, {HANDLER_PATH: HANDLER % "        // the server may have dropped the connection\n"},
                     {HANDLER_PATH: HANDLER % ""})
    assert not [f for f in found if f.kind.startswith("retry.")], found


FLUENT = """package com.acme.orders;

public class FluentRequest {
    private Integer connectTimeout;

    RequestConfig config() {
        RequestConfig.Builder builder = RequestConfig.custom();
        if (this.connectTimeout != null) {
            builder.%s(this.connectTimeout);
        }
        return builder.build();
    }
}
"""
FLUENT_PATH = "src/main/java/com/acme/orders/FluentRequest.java"


def test_java_another_timeout_set_with_the_same_value(tmp_path):
    """setSocketTimeout(this.connectTimeout) -> setConnectTimeout(this.connectTimeout): the value now bounds
    the connect, not every read."""
    found = findings(tmp_path, {FLUENT_PATH: FLUENT % "setSocketTimeout"}, {FLUENT_PATH: FLUENT % "setConnectTimeout"})
    assert "timeout.changed" in kinds(found), found


def test_java_setter_renamed_to_its_millis_form_is_no_change(tmp_path):
    found = findings(tmp_path, {FLUENT_PATH: FLUENT % "setConnectTimeout"},
                     {FLUENT_PATH: FLUENT % "setConnectTimeoutMillis"})
    assert not [f for f in found if f.kind.startswith("timeout.")], found


EXEC = """package com.acme.orders;

final class ConnectionExec {
    Response execute(Request request, ManagedConnection conn, RequestConfig config) throws IOException {
        if (!conn.isOpen()) {
            conn.open(route, config.getConnectTimeout());
%s
        return conn.send(request);
    }
}
"""
EXEC_PATH = "src/main/java/com/acme/orders/ConnectionExec.java"
ELSE_ONLY = """        } else {
            final int timeout = config.getSocketTimeout();
            if (timeout >= 0) {
                conn.setSocketTimeout(timeout);
            }
        }"""
ALWAYS = """        }
        final int timeout = config.getSocketTimeout();
        if (timeout >= 0) {
            conn.setSocketTimeout(timeout);
        }"""


def test_java_timeout_now_applied_in_more_cases(tmp_path):
    """The socket timeout was set on reused connections only; now on new ones too."""
    found = findings(tmp_path, {EXEC_PATH: EXEC % ELSE_ONLY}, {EXEC_PATH: EXEC % ALWAYS})
    assert "timeout.changed" in kinds(found), found


def test_java_same_guard_with_a_log_line_is_no_change(tmp_path):
    """A statement added beside the setter under the same condition applies the same timeout as before."""
    after = ELSE_ONLY.replace("            final int timeout", "            log.debug(\"reusing connection\");\n            final int timeout")
    found = findings(tmp_path, {EXEC_PATH: EXEC % ELSE_ONLY}, {EXEC_PATH: EXEC % after})
    assert not [f for f in found if f.kind.startswith("timeout.")], found


def test_java_recover_deciding_a_new_attempt_is_a_retry_policy(tmp_path):
    """OkHttp's recover(e, request) returns the engine to try again with, or null to give up: a request body
    that cannot be sent twice now stops the retrying."""
    shape = """package com.acme.http;

final class Engine {
    Engine recover(IOException e, Request userRequest) {
        if (!client.retryOnConnectionFailure()) {
            return null;
        }
%s        return new Engine(client, userRequest, routeSelector);
    }
}
"""
    path = "src/main/java/com/acme/http/Engine.java"
    extra = "        if (userRequest.body() instanceof UnrepeatableRequestBody) {\n            return null;\n        }\n"
    found = findings(tmp_path, {path: shape % ""}, {path: shape % extra})
    assert "retry.changed" in kinds(found), found


def test_java_logger_on_a_retry_template_is_no_policy(tmp_path):
    shape = """package com.acme.orders;

public class Retries {
    RetryTemplate template() {
        RetryTemplate retryTemplate = new RetryTemplate();
%s
        return retryTemplate;
    }
}
"""
    path = "src/main/java/com/acme/orders/Retries.java"
    found = findings(tmp_path, {path: shape % ""}, {path: shape % "        retryTemplate.setLogger(logger);"})
    assert not [f for f in found if f.kind.startswith("retry.")], found


def test_kotlin_property_timeout_zero_waits_forever(tmp_path):
    shape = """package com.acme.server

class AsyncDispatch {
    fun start(request: HttpServletRequest) {
        val context = request.startAsync()
%s
        context.start { handle(request) }
    }
}
"""
    found = findings(tmp_path, {KOTLIN_PATH: shape % ""}, {KOTLIN_PATH: shape % "        context.timeout = 0"})
    unbounded = [f for f in found if f.kind == "timeout.unbounded"]
    assert [f.line for f in unbounded] == [6], found
