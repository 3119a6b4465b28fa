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
    assert "retry.changed" in kinds(findings(tmp_path, KT, KOTLIN_BACKOFF, after))
    after = KOTLIN_BACKOFF.replace("base shl attempt", "(base shl attempt) + Random.nextLong(base)")
    assert "retry.changed" in kinds(findings(tmp_path, KT, KOTLIN_BACKOFF, after))
