"""Java and Kotlin shapes of issue 13 found by writing idiomatic retry and timeout changes (resilience
style configs, interval functions, Future waits) rather than by reading corpus commits: each positive
beside a negative of the same shape. Real git histories and real tree-sitter parses."""

from __future__ import annotations

from tests.retry_changes import file_findings as findings
from tests.retry_changes import kinds

# -- a cap or a jitter added through a call (Math.min, coerceAtMost, nextLong) -------------------------------

INTERVALS = '''package io.acme.core;

public final class IntervalFunctions {
    static IntervalFunction ofExponentialBackoff(long initial, double multiplier, long max) {
        return attempt -> (long) (initial * Math.pow(multiplier, attempt - 1));
    }
}
'''
JAVA = "src/main/java/io/acme/core/IntervalFunctions.java"


def test_java_a_cap_added_to_a_backoff_through_math_min_is_a_retry_change(tmp_path):
    after = INTERVALS.replace("return attempt -> (long) (initial * Math.pow(multiplier, attempt - 1));",
                              "return attempt -> Math.min(max, (long) (initial * Math.pow(multiplier, attempt - 1)));")
    assert "retry.changed" in kinds(findings(tmp_path, JAVA, INTERVALS, after))


def test_java_a_backoff_whose_names_are_renamed_is_no_retry_change(tmp_path):
    before = INTERVALS.replace("return attempt -> (long)", "return attempt -> Math.min(max, (long)").replace(
        "attempt - 1));", "attempt - 1)));")
    after = before.replace("attempt", "n").replace("max", "cap")
    assert kinds(findings(tmp_path, JAVA, before, after)) == set()


KOTLIN_BACKOFF = '''package io.acme.core

import kotlin.random.Random

class ReconnectBackoff(private val base: Long, private val cap: Long) {
    fun nextDelay(attempt: Int): Long = base shl attempt
}
'''
KT = "src/main/kotlin/io/acme/core/ReconnectBackoff.kt"


def test_kotlin_a_cap_and_a_jitter_added_through_calls_are_a_retry_change(tmp_path):
    after = KOTLIN_BACKOFF.replace("base shl attempt", "(base shl attempt).coerceAtMost(cap)")
    assert "retry.changed" in kinds(findings(tmp_path / "1", KT, KOTLIN_BACKOFF, after))
    after = KOTLIN_BACKOFF.replace("base shl attempt", "(base shl attempt) + Random.nextLong(base)")
    assert "retry.changed" in kinds(findings(tmp_path / "2", KT, KOTLIN_BACKOFF, after))


# -- Kotlin: a Future's bounded get -------------------------------------------------------------------------

WAITER = '''package io.acme.net

import java.util.concurrent.Future
import java.util.concurrent.TimeUnit

class Waiter {
    fun <T> await(f: Future<T>): T = f.get()
}
'''
WAITER_KT = "src/main/kotlin/io/acme/net/Waiter.kt"


def test_kotlin_a_future_given_a_bound_or_another_one_is_a_timeout_change(tmp_path):
    bounded = WAITER.replace("f.get()", "f.get(5, TimeUnit.SECONDS)")
    assert "timeout.added" in kinds(findings(tmp_path / "1", WAITER_KT, WAITER, bounded))
    assert "timeout.changed" in kinds(findings(tmp_path / "2", WAITER_KT, bounded, bounded.replace("get(5,", "get(30,")))


def test_kotlin_a_future_bound_handed_on_from_the_caller_is_no_timeout_change(tmp_path):
    before = WAITER.replace("await(f: Future<T>): T = f.get()", "await(f: Future<T>, secs: Long): T = f.get(secs, TimeUnit.SECONDS)")
    after = before.replace("f.get(secs, TimeUnit.SECONDS)", "f.get(secs, TimeUnit.SECONDS).also { seen(it) }")
    assert kinds(findings(tmp_path, WAITER_KT, before, after)) == set()


# -- a queue polled with a time inside a consumer loop paces the loop -----------------------------------------

CONSUMER = '''package io.acme.net;

import java.util.concurrent.TimeUnit;

public class Consumer {
    void run() throws InterruptedException {
        while (running) {
            Event e = queue.poll(100, TimeUnit.MILLISECONDS);
            if (e != null) {
                handle(e);
            }
        }
    }

    Event next() throws InterruptedException {
        return queue.poll(5, TimeUnit.SECONDS);
    }
}
'''
CONSUMER_JAVA = "src/main/java/io/acme/net/Consumer.java"


def test_java_a_poll_period_in_a_consumer_loop_is_no_timeout_change(tmp_path):
    after = CONSUMER.replace("poll(100, TimeUnit.MILLISECONDS)", "poll(500, TimeUnit.MILLISECONDS)")
    assert kinds(findings(tmp_path, CONSUMER_JAVA, CONSUMER, after)) == set()


def test_java_a_single_bounded_poll_given_another_bound_is_a_timeout_change(tmp_path):
    after = CONSUMER.replace("poll(5, TimeUnit.SECONDS)", "poll(30, TimeUnit.SECONDS)")
    assert "timeout.changed" in kinds(findings(tmp_path, CONSUMER_JAVA, CONSUMER, after))


def test_kotlin_a_poll_period_in_a_loop_is_no_timeout_change(tmp_path):
    before = '''package io.acme.net

import java.util.concurrent.TimeUnit

class Consumer {
    fun run() {
        while (running) {
            val e = queue.poll(100, TimeUnit.MILLISECONDS) ?: continue
            handle(e)
        }
    }
}
'''
    after = before.replace("poll(100,", "poll(500,")
    assert kinds(findings(tmp_path, "src/main/kotlin/io/acme/net/Consumer.kt", before, after)) == set()


# -- Kotlin: a retry helper's policy is its parameters' defaults -------------------------------------------------

RETRY_IO = '''package io.acme.net

import java.io.IOException
import kotlinx.coroutines.delay

suspend fun <T> retryIO(
    times: Int = 3,
    initialDelay: Long = 100,
    factor: Double = 2.0,
    block: suspend () -> T,
): T {
    var currentDelay = initialDelay
    repeat(times - 1) {
        try {
            return block()
        } catch (e: IOException) {
        }
        delay(currentDelay)
        currentDelay = (currentDelay * factor).toLong()
    }
    return block()
}

suspend fun fetchPages(pageSize: Int = 100): List<Page> = api.pages(pageSize)
'''
RETRY_KT = "src/main/kotlin/io/acme/net/Retry.kt"


def test_kotlin_a_retry_helpers_default_changed_is_a_retry_change(tmp_path):
    for i, (old, new) in enumerate((("times: Int = 3", "times: Int = 5"), ("factor: Double = 2.0", "factor: Double = 1.5"))):
        assert "retry.changed" in kinds(findings(tmp_path / str(i), RETRY_KT, RETRY_IO, RETRY_IO.replace(old, new)))


def test_kotlin_another_functions_default_changed_is_no_retry_change(tmp_path):
    after = RETRY_IO.replace("pageSize: Int = 100", "pageSize: Int = 500")
    assert kinds(findings(tmp_path, RETRY_KT, RETRY_IO, after)) == set()


# -- a retry policy built through a chain, valued by its links -----------------------------------------------

CHAINS = '''package io.acme.net;

import java.time.Duration;

public class Policies {
    static RetryConfig retryConfig() {
        return RetryConfig.custom().maxAttempts(3).waitDuration(Duration.ofMillis(500)).build();
    }

    static RetryTemplate retryTemplate() {
        return RetryTemplate.builder().maxAttempts(3).fixedBackoff(1000).retryOn(IOException.class).build();
    }
}
'''
POLICIES = "src/main/java/io/acme/net/Policies.java"


def test_java_another_wait_or_retried_exception_in_a_policy_chain_is_a_retry_change(tmp_path):
    for i, (old, new) in enumerate((("Duration.ofMillis(500)", "Duration.ofMillis(100)"),
                                    ("fixedBackoff(1000)", "fixedBackoff(2000)"),
                                    ("retryOn(IOException.class)", "retryOn(List.of(IOException.class, TimeoutException.class))"))):
        found = findings(tmp_path / str(i), POLICIES, CHAINS, CHAINS.replace(old, new))
        assert "retry.changed" in kinds(found), new


def test_java_a_policy_chain_rewrapped_or_given_a_listener_is_no_retry_change(tmp_path):
    after = CHAINS.replace("RetryTemplate.builder().maxAttempts(3).fixedBackoff(1000).retryOn(IOException.class).build();",
                           "RetryTemplate.builder()\n            .maxAttempts(3)\n            .fixedBackoff(1_000)\n"
                           "            .retryOn(IOException.class)\n            .withListener(new LoggingListener())\n"
                           "            .build();")
    assert kinds(findings(tmp_path, POLICIES, CHAINS, after)) == set()


def test_java_a_literal_wait_moved_into_a_constant_of_the_same_length_is_no_change(tmp_path):
    before = '''package io.acme.net;

import java.util.concurrent.TimeUnit;

public class Permits {
    boolean acquire() throws InterruptedException {
        return permits.tryAcquire(10, TimeUnit.SECONDS);
    }
}
'''
    after = before.replace("public class Permits {\n", "public class Permits {\n    private static final long ACQUIRE_TIMEOUT_SECONDS = 10;\n\n").replace(
        "tryAcquire(10,", "tryAcquire(ACQUIRE_TIMEOUT_SECONDS,")
    assert kinds(findings(tmp_path, "src/main/java/io/acme/net/Permits.java", before, after)) == set()


# -- Ktor: what the HttpRequestRetry block decides --------------------------------------------------------------

KTOR = '''package io.acme.net

import io.ktor.client.HttpClient
import io.ktor.client.plugins.HttpRequestRetry

fun httpClient() = HttpClient {
    install(HttpRequestRetry) {
        maxRetries = 3
        retryIf { _, response -> response.status.value >= 500 }
        exponentialDelay()
    }
}
'''
KTOR_KT = "src/main/kotlin/io/acme/net/Http.kt"


def test_kotlin_another_ktor_retry_condition_or_delay_is_a_retry_change(tmp_path):
    for i, (old, new) in enumerate((("response.status.value >= 500 }", "response.status.value >= 500 || response.status.value == 429 }"),
                                    ("exponentialDelay()", "exponentialDelay(base = 3.0, maxDelayMs = 20_000)"))):
        assert "retry.changed" in kinds(findings(tmp_path / str(i), KTOR_KT, KTOR, KTOR.replace(old, new))), new


def test_kotlin_a_ktor_retry_block_rewrapped_is_no_retry_change(tmp_path):
    after = KTOR.replace("retryIf { _, response -> response.status.value >= 500 }",
                         "retryIf { _, response ->\n            response.status.value >= 500\n        }")
    assert kinds(findings(tmp_path, KTOR_KT, KTOR, after)) == set()


# -- a policy object built from constants -----------------------------------------------------------------------

WIRING = '''package io.acme.net;

import java.time.Duration;

public class Wiring {
    static Object retry() {
        return new ExponentialBackoff(100, 2.0, 30000);
    }

    static Object limiter() {
        return new TimeoutConfig(Duration.ofSeconds(5));
    }

    static Object handed(int attempts, Duration wait) {
        return new RetrySettings(attempts, wait);
    }

    void fail(String why) throws RetryException {
        throw new RetryException("gave up: " + why, 3);
    }
}
'''
WIRING_JAVA = "src/main/java/io/acme/net/Wiring.java"


def test_java_a_policy_object_given_other_constants_is_a_change(tmp_path):
    found = findings(tmp_path / "1", WIRING_JAVA, WIRING, WIRING.replace("100, 2.0, 30000", "100, 1.5, 30000"))
    assert {f.category for f in found} == {"retry"}
    found = findings(tmp_path / "2", WIRING_JAVA, WIRING, WIRING.replace("ofSeconds(5)", "ofSeconds(10)"))
    assert {f.category for f in found} == {"timeout"}


def test_java_a_policy_object_handed_run_time_values_or_an_exception_is_no_change(tmp_path):
    after = WIRING.replace("handed(int attempts, Duration wait)", "handed(int attempts, Duration pause)").replace(
        "new RetrySettings(attempts, wait)", "new RetrySettings(attempts, pause)").replace(
        '"gave up: " + why, 3', '"gave up: " + why, 5').replace("30000", "30_000")
    assert kinds(findings(tmp_path, WIRING_JAVA, WIRING, after)) == set()


KT_WIRING = '''package io.acme.net

import kotlin.time.Duration.Companion.milliseconds

val backoff = ExponentialBackoff(100, 2.0, 30_000)
val policy = RetryPolicy(maxAttempts = 3, delay = 500.milliseconds)

fun handed(attempts: Int, pause: kotlin.time.Duration) = RetryPolicy(maxAttempts = attempts, delay = pause)

fun fail(why: String): Nothing = throw RetryException("gave up: $why", 3)
'''
KT_WIRING_PATH = "src/main/kotlin/io/acme/net/Wiring.kt"


def test_kotlin_a_policy_object_given_other_constants_is_a_retry_change(tmp_path):
    for i, (old, new) in enumerate((("2.0, 30_000", "1.5, 30_000"), ("delay = 500.milliseconds", "delay = 1_000.milliseconds"))):
        assert "retry.changed" in kinds(findings(tmp_path / str(i), KT_WIRING_PATH, KT_WIRING, KT_WIRING.replace(old, new)))


def test_kotlin_a_policy_object_handed_run_time_values_or_an_exception_is_no_change(tmp_path):
    after = KT_WIRING.replace("pause: kotlin.time.Duration) = RetryPolicy(maxAttempts = attempts, delay = pause)",
                              "wait: kotlin.time.Duration) = RetryPolicy(maxAttempts = attempts, delay = wait)").replace(
        '$why", 3)', '$why", 5)').replace("30_000)", "30000)").replace("500.milliseconds", "500L.milliseconds")
    assert kinds(findings(tmp_path, KT_WIRING_PATH, KT_WIRING, after)) == set()


# -- a retry loop extracted whole into a helper that takes the operation: the helper only delegates --------

UPLOADER = '''package org.acme.http;

import java.io.IOException;

public class Uploader {
    private final Store store;
    private final int maxAttempts = 4;

    Uploader(Store store) { this.store = store; }

    public void upload(Blob blob) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                store.put(blob);
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(200L * attempt);
            }
        }
        throw last;
    }
}
'''

UPLOADER_HELPER = '''package org.acme.http;

import java.io.IOException;

public class Uploader {
    private final Store store;
    private final int maxAttempts = 4;

    Uploader(Store store) { this.store = store; }

    public void upload(Blob blob) throws IOException, InterruptedException {
        withRetries(() -> store.put(blob));
    }

    private void withRetries(IoAction action) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                action.run();
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(200L * attempt);
            }
        }
        throw last;
    }

    interface IoAction { void run() throws IOException; }
}
'''


def test_java_a_retry_loop_extracted_into_a_helper_unchanged_is_no_retry_change(tmp_path):
    """The helper only delegates, and the loop's operation becoming a parameter leaves its HTTP method
    unknown, not changed."""
    path = "src/main/java/org/acme/http/Uploader.java"
    assert kinds(findings(tmp_path / "out", path, UPLOADER, UPLOADER_HELPER)) == set()
    assert kinds(findings(tmp_path / "in", path, UPLOADER_HELPER, UPLOADER)) == set()


def test_java_a_retry_loop_extracted_with_another_bound_is_a_retry_change(tmp_path):
    path = "src/main/java/org/acme/http/Uploader.java"
    after = UPLOADER_HELPER.replace("attempt <= maxAttempts", "attempt < maxAttempts")
    assert "retry.changed" in kinds(findings(tmp_path, path, UPLOADER, after))


SYNCER = '''package org.acme.http

import java.io.IOException
import kotlinx.coroutines.delay

class Syncer(private val api: Api) {
    private val maxAttempts = 5

    suspend fun push(batch: Batch) {
        var attempt = 0
        while (true) {
            try {
                api.push(batch)
                return
            } catch (e: IOException) {
                attempt++
                if (attempt >= maxAttempts) throw e
                delay(300L * attempt)
            }
        }
    }
}
'''

SYNCER_HELPER = '''package org.acme.http

import java.io.IOException
import kotlinx.coroutines.delay

class Syncer(private val api: Api) {
    private val maxAttempts = 5

    suspend fun push(batch: Batch) = retrying { api.push(batch) }

    private suspend fun <T> retrying(block: suspend () -> T): T {
        var attempt = 0
        while (true) {
            try {
                return block()
            } catch (e: IOException) {
                attempt++
                if (attempt >= maxAttempts) throw e
                delay(300L * attempt)
            }
        }
    }
}
'''


def test_kotlin_a_retry_loop_extracted_into_a_helper_is_a_change_only_when_the_loop_is(tmp_path):
    path = "src/main/kotlin/org/acme/http/Syncer.kt"
    assert kinds(findings(tmp_path / "same", path, SYNCER, SYNCER_HELPER)) == set()
    after = SYNCER_HELPER.replace("delay(300L * attempt)", "delay(300L)")
    assert "retry.changed" in kinds(findings(tmp_path / "other", path, SYNCER, after))


def test_java_and_kotlin_a_backoff_step_given_a_name_is_no_retry_change(tmp_path):
    java = "src/main/java/org/acme/http/Uploader.java"
    named = UPLOADER.replace("    private final int maxAttempts = 4;\n",
                             "    private final int maxAttempts = 4;\n    private static final long BACKOFF_STEP_MS = 200L;\n")
    assert kinds(findings(tmp_path / "j", java, UPLOADER, named.replace("200L * attempt", "BACKOFF_STEP_MS * attempt"))) \
        == set()
    assert "retry.changed" in kinds(findings(tmp_path / "j2", java, UPLOADER,
                                             named.replace("200L * attempt", "BACKOFF_STEP_MS * (attempt + 1)")))
    kt = "src/main/kotlin/org/acme/http/Syncer.kt"
    kt_named = SYNCER.replace("delay(300L * attempt)", "delay(BACKOFF_STEP_MS * attempt)") \
        + "\nprivate const val BACKOFF_STEP_MS = 300L\n"
    assert kinds(findings(tmp_path / "k", kt, SYNCER, kt_named)) == set()


# -- a JMH benchmark source set is benchmark tooling, like benchmarks/ ------------------------------------

BENCH = '''package org.acme.http;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;

public class ClientBench {
    @Benchmark
    public Object get() throws Exception {
        return client.get("/x").get(1, TimeUnit.SECONDS);
    }
}
'''


def test_java_a_timeout_in_a_jmh_benchmark_is_no_change_and_in_main_it_is(tmp_path):
    after = BENCH.replace("get(1, TimeUnit.SECONDS)", "get(10, TimeUnit.SECONDS)")
    assert kinds(findings(tmp_path / "jmh", "src/jmh/java/org/acme/http/ClientBench.java", BENCH, after)) == set()
    assert "timeout.changed" in kinds(findings(tmp_path / "main", "src/main/java/org/acme/http/ClientBench.java",
                                               BENCH, after))


def test_java_a_counter_stepped_before_its_test_allows_as_many_attempts_as_its_bound(tmp_path):
    """``while (++attempt <= maxAttempts)`` from 0 makes ``maxAttempts`` passes, as the ``for`` loop from 1
    it replaces: the same attempts (``i <= n`` from 0 would make one more)."""
    path = "src/main/java/org/acme/http/Uploader.java"
    stepped = UPLOADER.replace("        for (int attempt = 1; attempt <= maxAttempts; attempt++) {",
                               "        int attempt = 0;\n        while (++attempt <= maxAttempts) {")
    assert "attempts 4 → 5" not in " ".join(f.message for f in findings(tmp_path / "same", path, UPLOADER, stepped))
    more = stepped.replace("++attempt <= maxAttempts", "attempt++ <= maxAttempts")
    assert "attempts 4 → 5" in " ".join(f.message for f in findings(tmp_path / "more", path, stepped, more))
