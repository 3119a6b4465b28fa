"""Round 6 of the retry/timeout detector on JVM code: what a changed line of Java or Kotlin does with a
retry- or timeout-named value decides whether it is a change. Tests whether a value was given
(``timeout != null``, ``timeout.isPresent()``), checks that only reject a bad value, values reported to a
log or a listener and a circuit breaker's open timeout decide nothing; a blocking wait given one
``Duration`` is the same wait as ``(n, unit)``; ``orElseGet(() -> d)`` is the default ``d``. Each negative
here fired before round 6; each positive shows the rule still sees the decision next to it."""

from __future__ import annotations

import pytest

from tests.retry_changes import file_findings

JAVA_PATH = "src/main/java/com/acme/billing/BillingClient.java"
KOTLIN_PATH = "src/main/kotlin/com/acme/billing/BillingClient.kt"

JAVA = """package com.acme.billing;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

public class BillingClient {
    private static final Logger log = LoggerFactory.getLogger(BillingClient.class);
    private final ExecutorService workers;
    private OkHttpClient http;

%s
}
"""

KOTLIN = """package com.acme.billing

import java.time.Duration
import java.util.concurrent.TimeUnit

class BillingClient(private val config: BillingConfig) {
%s
}
"""


def _rt(found) -> list:
    return [f for f in found if f.kind.startswith(("retry.", "timeout."))]


JAVA_NEGATIVES = {
    # an Optional parameter turned into a @Nullable one: the same timeout applied when given
    "optional turned nullable": (
        """    void configure(Optional<Integer> timeout) {
        OkHttpClient.Builder builder = new OkHttpClient.Builder();
        if (timeout.isPresent()) {
            builder.connectTimeout(Duration.ofMillis(timeout.get()));
        }
        this.http = builder.build();
    }""",
        """    void configure(Integer timeout) {
        OkHttpClient.Builder builder = new OkHttpClient.Builder();
        if (timeout != null) {
            builder.connectTimeout(Duration.ofMillis(timeout));
        }
        this.http = builder.build();
    }"""),
    # the attempt number reported to a log and a listener, worded otherwise
    "attempt reported": (
        """    void onFailure(Exception e, int attempt) {
        log.warn("billing call failed", e);
        listener.onRetry(attempt);
    }""",
        """    void onFailure(Exception e, int attempt) {
        log.warn("billing call failed on attempt {}", attempt + 1, e);
        listener.onRetry(attempt + 1);
    }"""),
    # the same one-second wait, given as a Timeout instead of (n, unit)
    "wait given as one duration": (
        """    void close() throws InterruptedException {
        workers.shutdown();
        workers.awaitTermination(1L, TimeUnit.SECONDS);
    }""",
        """    void close() throws InterruptedException {
        workers.shutdown();
        workers.awaitTermination(Timeout.ofSeconds(1));
    }"""),
    # Optional's lazy default is the same five minutes
    "lazy default": (
        """    void configure(Duration requestTimeout) {
        this.http = client.newBuilder()
            .setRequestTimeout(Optional.ofNullable(requestTimeout).orElse(Duration.ofMinutes(5)))
            .build();
    }""",
        """    void configure(Duration requestTimeout) {
        this.http = client.newBuilder()
            .setRequestTimeout(Optional.ofNullable(requestTimeout).orElseGet(() -> Duration.ofMinutes(5)))
            .build();
    }"""),
}

JAVA_BREAKER = (
    """package com.acme.billing;

public class CircuitBreakerPolicy {
    private final RetryPolicy delegate;

    public CircuitBreakerPolicy(RetryPolicy delegate) {
        this.delegate = delegate;
    }
}
""",
    """package com.acme.billing;

public class CircuitBreakerPolicy {
    private final RetryPolicy delegate;
    private long openTimeout = 5000;
    private long resetTimeout = 20000;

    public CircuitBreakerPolicy(RetryPolicy delegate) {
        this.delegate = delegate;
    }

    public void setOpenTimeout(long openTimeout) {
        this.openTimeout = openTimeout;
    }
}
""")

JAVA_POSITIVES = {
    # a value newly rejected is a change (labelling rules: a timeout that rejects zero, a backoff validated)
    "bad value rejected": (
        """    BillingClient(int maxRetries) {
        this.maxRetries = maxRetries;
    }""",
        """    BillingClient(int maxRetries) {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative");
        }
        this.maxRetries = maxRetries;
    }""", "retry."),
    "precondition call": (
        """    void setReadTimeout(long readTimeoutMillis) {
        this.readTimeoutMillis = readTimeoutMillis;
    }""",
        """    void setReadTimeout(long readTimeoutMillis) {
        Preconditions.checkArgument(readTimeoutMillis >= 0, "negative read timeout");
        this.readTimeoutMillis = readTimeoutMillis;
    }""", "timeout."),
    # the bound of the retry decision changed; the exception says attempts ran out, not a bad value
    "attempt bound changed": (
        """    void check(int attempt) {
        if (attempt >= maxAttempts) {
            throw new RetriesExhaustedException("gave up");
        }
    }""",
        """    void check(int attempt) {
        if (attempt >= maxAttempts - 1) {
            throw new RetriesExhaustedException("gave up");
        }
    }""", "retry."),
    # a timeout tested for a value, not for presence: a decision
    "timeout compared": (
        """    boolean expired(long elapsed) {
        return elapsed > readTimeoutMillis;
    }""",
        """    boolean expired(long elapsed) {
        return elapsed > readTimeoutMillis * 2;
    }""", "timeout."),
    # the one-duration wait changing its value is a change
    "wait given as one duration raised": (
        """    void close() throws InterruptedException {
        workers.awaitTermination(Timeout.ofSeconds(1));
    }""",
        """    void close() throws InterruptedException {
        workers.awaitTermination(Timeout.ofSeconds(30));
    }""", "timeout."),
    "lazy default changed": (
        """    void configure(Duration requestTimeout) {
        this.http = client.newBuilder()
            .setRequestTimeout(Optional.ofNullable(requestTimeout).orElse(Duration.ofMinutes(5)))
            .build();
    }""",
        """    void configure(Duration requestTimeout) {
        this.http = client.newBuilder()
            .setRequestTimeout(Optional.ofNullable(requestTimeout).orElseGet(() -> Duration.ofMinutes(1)))
            .build();
    }""", "timeout."),
}

KOTLIN_NEGATIVES = {
    "presence test": (
        """    fun apply(builder: Builder) {
        config.requestTimeout?.let { builder.requestTimeout(it) }
    }""",
        """    fun apply(builder: Builder) {
        if (config.requestTimeout != null) {
            builder.requestTimeout(config.requestTimeout)
        }
    }"""),
    "attempt logged": (
        """    fun onFailure(cause: Throwable, attempt: Int) {
        logger.warn("billing call failed", cause)
    }""",
        """    fun onFailure(cause: Throwable, attempt: Int) {
        logger.warn("billing call failed on attempt {}", attempt + 1, cause)
    }"""),
    "wait given as one duration": (
        """    fun close() {
        workers.awaitTermination(1, TimeUnit.SECONDS)
    }""",
        """    fun close() {
        workers.awaitTermination(Duration.ofSeconds(1))
    }"""),
}

KOTLIN_POSITIVES = {
    # a presence test that picks the request's own timeout over the engine's: which timeout applies changed
    "request timeout preferred when given": (
        """    fun timeoutFor(request: Request): Long {
        val timeout = config.requestTimeout
        return timeout
    }""",
        """    fun timeoutFor(request: Request): Long {
        val capability = request.timeoutCapability()
        return if (capability?.requestTimeoutMillis != null) {
            capability.requestTimeoutMillis as Long
        } else {
            config.requestTimeout
        }
    }""", "timeout."),
    "require rejects a value": (
        """    fun configure(maxRetries: Int): BillingClient {
        return copy(maxRetries = maxRetries)
    }""",
        """    fun configure(maxRetries: Int): BillingClient {
        require(maxRetries >= 0) { "maxRetries must not be negative" }
        return copy(maxRetries = maxRetries)
    }""", "retry."),
    "retry bound changed": (
        """    fun shouldRetry(attempt: Int): Boolean {
        return attempt < maxRetries
    }""",
        """    fun shouldRetry(attempt: Int): Boolean {
        return attempt <= maxRetries
    }""", "retry."),
    "wait given as one duration raised": (
        """    fun close() {
        workers.awaitTermination(Duration.ofSeconds(1))
    }""",
        """    fun close() {
        workers.awaitTermination(Duration.ofSeconds(30))
    }""", "timeout."),
}


@pytest.mark.parametrize("case", list(JAVA_NEGATIVES))
def test_java_non_decisions(tmp_path, case):
    before, after = JAVA_NEGATIVES[case]
    found = _rt(file_findings(tmp_path, JAVA_PATH, JAVA % before, JAVA % after))
    assert not found, found


@pytest.mark.parametrize("case", list(JAVA_POSITIVES))
def test_java_decisions(tmp_path, case):
    before, after, kind = JAVA_POSITIVES[case]
    found = _rt(file_findings(tmp_path, JAVA_PATH, JAVA % before, JAVA % after))
    assert any(f.kind.startswith(kind) for f in found), found


def test_java_circuit_breaker_open_timeout_is_no_timeout(tmp_path):
    before, after = JAVA_BREAKER
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/CircuitBreakerPolicy.java", before, after)
    assert not [f for f in found if f.kind.startswith("timeout.")], found


def test_java_read_timeout_beside_a_breaker_still_counts(tmp_path):
    before, after = JAVA_BREAKER
    after = after.replace("private long resetTimeout = 20000;", "private long readTimeout = 20000;")
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/CircuitBreakerPolicy.java", before, after)
    assert [f for f in found if f.kind.startswith("timeout.")], found


@pytest.mark.parametrize("case", list(KOTLIN_NEGATIVES))
def test_kotlin_non_decisions(tmp_path, case):
    before, after = KOTLIN_NEGATIVES[case]
    found = _rt(file_findings(tmp_path, KOTLIN_PATH, KOTLIN % before, KOTLIN % after))
    assert not found, found


@pytest.mark.parametrize("case", list(KOTLIN_POSITIVES))
def test_kotlin_decisions(tmp_path, case):
    before, after, kind = KOTLIN_POSITIVES[case]
    found = _rt(file_findings(tmp_path, KOTLIN_PATH, KOTLIN % before, KOTLIN % after))
    assert any(f.kind.startswith(kind) for f in found), found


POLICY = """package com.acme.retry;

import java.util.Arrays;
import java.util.List;

public class RetryRules {
    private List<Class<? extends Throwable>> retryOn;

    public RetryRules retryOn(List<Class<? extends Throwable>> failures) {
        for (Class<? extends Throwable> f : failures) {
            if (f == Error.class) {
                throw new IllegalArgumentException("errors are never retried");
            }
        }
        this.retryOn = failures;
        return this;
    }
%s
}
"""


def test_java_overload_delegating_to_its_namesake_is_no_new_policy(tmp_path):
    """A convenience overload that checks its argument and hands it on decides nothing new."""
    overload = """
    public RetryRules retryOn(Class<? extends Throwable> failure) {
        Assert.notNull(failure, "failure");
        return retryOn(Arrays.asList(failure));
    }"""
    found = file_findings(tmp_path, "src/main/java/com/acme/retry/RetryRules.java", POLICY % "", POLICY % overload)
    assert not _rt(found), found


def test_java_overload_with_a_value_of_its_own_is_a_policy(tmp_path):
    """An overload that adds a failure of its own to what it hands on decides which failures are retried."""
    overload = """
    public RetryRules retryOn(Class<? extends Throwable> failure) {
        Assert.notNull(failure, "failure");
        return retryOn(Arrays.asList(failure, java.net.SocketTimeoutException.class));
    }"""
    found = file_findings(tmp_path, "src/main/java/com/acme/retry/RetryRules.java", POLICY % "", POLICY % overload)
    assert [f for f in found if f.kind.startswith("retry.")], found


def test_java_value_applied_when_given_is_no_decision(tmp_path):
    """``timeout != null ? timeout.toMillis() : Long.MAX_VALUE`` replacing a (time, unit) pair: the same wait,
    applied when given."""
    before = JAVA % """    void awaitStop(long time, TimeUnit timeUnit) throws InterruptedException {
        thread.join((timeUnit != null ? timeUnit : TimeUnit.MILLISECONDS).toMillis(time));
    }"""
    after = JAVA % """    void awaitStop(Timeout timeout) throws InterruptedException {
        thread.join(timeout != null ? timeout.toMillis() : Long.MAX_VALUE);
    }"""
    assert not _rt(file_findings(tmp_path, JAVA_PATH, before, after))


def test_java_value_scaled_when_given_is_a_decision(tmp_path):
    before = JAVA % """    void awaitStop(Timeout timeout) throws InterruptedException {
        thread.join(timeout != null ? timeout.toMillis() : Long.MAX_VALUE);
    }"""
    after = JAVA % """    void awaitStop(Timeout timeout) throws InterruptedException {
        thread.join(timeout != null ? timeout.toMillis() * 2 : Long.MAX_VALUE);
    }"""
    assert [f for f in _rt(file_findings(tmp_path, JAVA_PATH, before, after)) if f.kind.startswith("timeout.")]


LOOP = """package com.acme.billing;

final class InvoiceHandler {
    private final Retryer retryer;
    private final Policy propagation;

    Object invoke(Request request) throws Throwable {
        while (true) {
            try {
                return send(request);
            } catch (RetryableException e) {
%s
                continue;
            }
        }
    }
}
"""


def test_java_what_is_thrown_when_retries_run_out_is_no_retry_change(tmp_path):
    """The retryer still decides; the change only picks which exception leaves once it gives up (labelling
    rules: what happens once retries run out is not a retry change), so the loop's bound is untouched."""
    before = LOOP % "                retryer.continueOrPropagate(e);"
    after = LOOP % """                try {
                    retryer.continueOrPropagate(e);
                } catch (RetryableException th) {
                    Throwable cause = th.getCause();
                    if (propagation == Policy.UNWRAP && cause != null) {
                        throw cause;
                    } else {
                        throw th;
                    }
                }"""
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/InvoiceHandler.java", before, after)
    assert not _rt(found), found


def test_java_counted_give_up_still_bounds_the_loop(tmp_path):
    before = LOOP % "                retryer.continueOrPropagate(e);"
    after = LOOP % """                if (++attempts >= 5) {
                    throw e;
                }"""
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/InvoiceHandler.java", before, after)
    assert any(f.kind == "retry.changed" for f in found), found


KOTLIN_RETRIES = """package com.acme.billing

class Invoices(private val api: InvoiceApi) {
%s
}
"""


def test_kotlin_retry_when_bounded_by_attempt_is_not_unlimited(tmp_path):
    """``retryWhen { _, attempt -> attempt < 3 }`` retries three times: a bound, not ``retry.without_limit``."""
    before = KOTLIN_RETRIES % "    fun invoices() = api.invoices()"
    after = KOTLIN_RETRIES % "    fun invoices() = api.invoices().retryWhen { cause, attempt -> attempt < 3 }"
    found = file_findings(tmp_path, "src/main/kotlin/com/acme/billing/Invoices.kt", before, after)
    assert "retry.added" in {f.kind for f in found}, found
    assert "retry.without_limit" not in {f.kind for f in found}, found


def test_kotlin_counted_while_true_loop_is_bounded(tmp_path):
    before = KOTLIN_RETRIES % "    fun invoice(id: String): Invoice = api.invoice(id)"
    after = KOTLIN_RETRIES % """    fun invoice(id: String): Invoice {
        var attempt = 0
        while (true) {
            try {
                return api.invoice(id)
            } catch (e: IOException) {
                if (++attempt >= 4) throw e
                Thread.sleep(200L * attempt)
            }
        }
    }"""
    found = file_findings(tmp_path, "src/main/kotlin/com/acme/billing/Invoices.kt", before, after)
    assert "retry.added" in {f.kind for f in found}, found
    assert "retry.without_limit" not in {f.kind for f in found}, found


def test_java_loop_bounded_by_a_retry_handler_is_not_unlimited(tmp_path):
    """``if (retryHandler.retryRequest(ex, count, ctx)) … else throw ex``: the handler bounds the attempts."""
    before = LOOP % "                retryer.continueOrPropagate(e);"
    after = LOOP % """                if (retryer.shouldRetry(e, ++attempts)) {
                    log.info("retrying");
                } else {
                    throw e;
                }"""
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/InvoiceHandler.java", before, after)
    assert "retry.changed" in {f.kind for f in found}, found
    assert "retry.without_limit" not in {f.kind for f in found}, found


BUILDER = """package com.acme.billing;

public final class BillingFeign {
    public static final class Builder {
        private final Feign.Builder delegate = Feign.builder();
        private Retryer retryer = new Retryer.Default();
        private Logger logger;
%s
    }
}
"""


def test_java_retryer_handed_to_a_delegate_builder_is_plumbing(tmp_path):
    """A builder method that hands its argument to the builder it wraps decides nothing."""
    after = BUILDER % """
        public Builder retryer(Retryer retryer) {
            delegate.retryer(retryer);
            return this;
        }"""
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/BillingFeign.java", BUILDER % "", after)
    assert not _rt(found), found


def test_java_builder_copying_its_own_retryer_is_plumbing(tmp_path):
    after = BUILDER % """
        public Client build() {
            return AsyncFeign.builder().logger(logger).retryer(retryer).build();
        }"""
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/BillingFeign.java", BUILDER % "", after)
    assert not _rt(found), found


def test_java_another_retryer_chosen_is_a_retry_change(tmp_path):
    after = BUILDER % """
        public Client build() {
            return AsyncFeign.builder().logger(logger).retryer(Retryer.NEVER_RETRY).build();
        }"""
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/BillingFeign.java", BUILDER % "", after)
    assert [f for f in found if f.kind.startswith("retry.")], found


R4J = """package com.acme.billing;

public final class FailoverProvider {
    private final RetryConfig retryConfig;

    public FailoverProvider(FailoverConfig config) {
%s
    }
%s
}
"""


def test_java_resilience4j_builder_moved_into_a_helper_is_no_change(tmp_path):
    """``RetryConfig.custom()`` bound to a local renamed from ``retryConfigBuilder`` to ``builder`` in a new
    helper further down the file: the same policy, moved."""
    before = R4J % ("""        RetryConfig.Builder retryConfigBuilder = RetryConfig.custom();
        retryConfigBuilder.maxAttempts(config.getMaxAttempts());
        this.retryConfig = retryConfigBuilder.build();""", "")
    filler = "".join(f"""
    public int weight{i}(Database db) {{
        return db.weight() * {i};
    }}
""" for i in range(6))
    after = R4J % ("""        this.retryConfig = buildRetryConfig(config);""", filler + """
    private static RetryConfig buildRetryConfig(FailoverConfig config) {
        RetryConfig.Builder builder = RetryConfig.custom();
        builder.maxAttempts(config.getMaxAttempts());
        return builder.build();
    }""")
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/FailoverProvider.java", before, after)
    assert not _rt(found), found


def test_java_resilience4j_builder_given_attempts_is_a_change(tmp_path):
    before = R4J % ("""        RetryConfig.Builder builder = RetryConfig.custom();
        this.retryConfig = builder.build();""", "")
    after = R4J % ("""        RetryConfig.Builder builder = RetryConfig.custom().maxAttempts(5);
        this.retryConfig = builder.build();""", "")
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/FailoverProvider.java", before, after)
    assert "retry.changed" in {f.kind for f in found}, found


def test_java_presence_test_writing_a_default_is_a_timeout(tmp_path):
    """``timeout == null ? ofSeconds(60) : timeout`` writes the default the client runs with: a decision."""
    before = JAVA % """    void configure(Duration timeout) {
        this.http = client.newBuilder().build();
    }"""
    after = JAVA % """    void configure(Duration timeout) {
        timeout = timeout == null ? Duration.ofSeconds(60) : timeout;
        this.http = client.newBuilder().build();
    }"""
    assert [f for f in _rt(file_findings(tmp_path, JAVA_PATH, before, after)) if f.kind.startswith("timeout.")]


def test_java_getter_in_give_up_condition_bounds_nothing(tmp_path):
    """Fields moved behind a configuration object's getters: ``config.getPropagationPolicy() == UNWRAP`` is
    no more a bound on attempts than ``propagation == UNWRAP`` was."""
    unwrap = """                try {
                    retryer.continueOrPropagate(e);
                } catch (RetryableException th) {
                    if (%s == Policy.UNWRAP && th.getCause() != null) {
                        throw th.getCause();
                    } else {
                        throw th;
                    }
                }"""
    before = LOOP % (unwrap % "propagation")
    after = LOOP % (unwrap % "config.getPropagationPolicy()")
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/InvoiceHandler.java", before, after)
    assert not _rt(found), found


def test_java_null_guarded_getter_is_no_policy(tmp_path):
    """A defensive copy in ``retryAfter()`` (findbugs): a getter, not a retry decision."""
    shape = """package com.acme.billing;

import java.util.Date;

public class RetryableBillingException extends BillingException {
    private final %s retryAfter;

    public RetryableBillingException(String message, Date retryAfter) {
        super(message);
        this.retryAfter = %s;
    }

    public Date retryAfter() {
        return %s;
    }
}
"""
    before = shape % ("Date", "retryAfter", "retryAfter")
    after = shape % ("Long", "retryAfter != null ? retryAfter.getTime() : null",
                     "retryAfter != null ? new Date(retryAfter) : null")
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/RetryableBillingException.java", before, after)
    assert not _rt(found), found


def test_kotlin_retry_after_worked_out_otherwise_is_a_retry_change(tmp_path):
    """``Retry-After`` read as seconds (times 1000) instead of milliseconds changes the delay before a retry."""
    shape = KOTLIN_RETRIES % """    fun delayMillis(response: HttpResponse?): Long {
        val retryAfter = response?.headers?.get("Retry-After")?.toLongOrNull()%s
        return retryAfter ?: 1000L
    }"""
    found = file_findings(tmp_path, "src/main/kotlin/com/acme/billing/Invoices.kt", shape % "",
                          shape % "?.times(1000)")
    assert [f for f in found if f.kind.startswith("retry.")], found


def test_kotlin_retry_after_read_the_same_way_is_no_change(tmp_path):
    shape = KOTLIN_RETRIES % """    fun delayMillis(response: HttpResponse?): Long {%s
        val retryAfter = response?.headers?.get("Retry-After")?.toLongOrNull()
        return retryAfter ?: 1000L
    }"""
    found = file_findings(tmp_path, "src/main/kotlin/com/acme/billing/Invoices.kt", shape % "",
                          shape % "\n        logger.debug(\"computing the delay\")")
    assert not _rt(found), found


EXECUTION = """package com.acme.retry;

final class Execution {
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile boolean attemptRecorded;
    private final int maxAttempts;

    public boolean isFirstAttempt() {
        return attempts.get() == %s;
    }

    public boolean hasAttemptsLeft() {
        return attempts.get() < maxAttempts%s;
    }
}
"""


def test_java_state_question_is_no_retry_decision(tmp_path):
    """``isFirstAttempt()`` tells a listener where an execution is; it decides nothing about retrying."""
    found = file_findings(tmp_path, "src/main/java/com/acme/retry/Execution.java", EXECUTION % ("0", ""),
                          EXECUTION % ("(!attemptRecorded ? 0 : 1)", ""))
    assert not _rt(found), found


def test_java_question_against_a_limit_decides(tmp_path):
    found = file_findings(tmp_path, "src/main/java/com/acme/retry/Execution.java", EXECUTION % ("0", ""),
                          EXECUTION % ("0", " - 1"))
    assert [f for f in found if f.kind.startswith("retry.")], found


BREAKER_CONTEXT = """package com.acme.billing;

public class CircuitBreakerState {
    private final long timeout;
    private long start = System.currentTimeMillis();

    public CircuitBreakerState(long timeout) {
        this.timeout = timeout;
    }

    public boolean closesAgain() {
        long time = System.currentTimeMillis() - this.start;
        return %s;
    }
}
"""


def test_java_timeout_inside_a_circuit_breaker_class_is_the_breakers(tmp_path):
    """``time > this.timeout`` in a circuit breaker's class closes the circuit again: not a wait."""
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/CircuitBreakerState.java",
                          BREAKER_CONTEXT % "false", BREAKER_CONTEXT % "time > this.timeout")
    assert not [f for f in found if f.kind.startswith("timeout.")], found


def test_java_same_comparison_in_a_client_is_a_timeout(tmp_path):
    client = BREAKER_CONTEXT.replace("CircuitBreakerState", "InvoiceCall")
    found = file_findings(tmp_path, "src/main/java/com/acme/billing/InvoiceCall.java",
                          client % "false", client % "time > this.timeout")
    assert [f for f in found if f.kind.startswith("timeout.")], found
