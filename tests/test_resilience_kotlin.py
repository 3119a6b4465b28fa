"""The Kotlin retry and timeout scanner on real tree-sitter parses of realistic code."""

from __future__ import annotations

from mergeguard.features import syntax
from mergeguard.features.resilience import INFINITE, kotlin


def scan(text: str):
    tree = syntax.parse(text, "kotlin")
    assert tree is not None, "no kotlin grammar installed"
    return kotlin.scan(syntax.Source("Repo.kt", "post", "kotlin", text, tree))


def only(items, **where):
    hits = [i for i in items if all(getattr(i, k) == v for k, v in where.items())]
    assert len(hits) == 1, f"expected one {where}, got {hits}"
    return hits[0]


def retries(s):
    return [c for c in s.constructs if c.kind == "retry"]


def timeouts(s):
    return [c for c in s.constructs if c.kind == "timeout"]


REPO = '''package shop

import kotlinx.coroutines.withTimeout
import kotlin.time.Duration.Companion.seconds

const val MAX_TRIES = 4

val client = HttpClient(CIO) {
    install(HttpTimeout) {
        requestTimeoutMillis = 15_000
        connectTimeoutMillis = HttpTimeout.INFINITE_TIMEOUT_MS
    }
    install(HttpRequestRetry) {
        retryOnServerErrors(maxRetries = 5)
        exponentialDelay()
    }
}

class OrderRepository(private val api: Api) {
    @Retryable(maxAttempts = 4, backoff = Backoff(delay = 200, multiplier = 2.0))
    fun charge(order: Order): Receipt = api.post(order)

    @Transactional(timeout = 20)
    fun record(order: Order) = repo.save(order)

    suspend fun load(id: String): Order = withTimeout(3.seconds) {
        repeat(MAX_TRIES) { attempt ->
            try {
                return@withTimeout client.get("/orders/$id").body()
            } catch (e: IOException) {
                delay(100L * (1 shl attempt))
            }
        }
        error("gave up")
    }

    suspend fun quick(id: String) = withTimeoutOrNull(2_500) { api.order(id) }

    fun updates(): Flow<Order> = api.stream().retry(3) { e -> (e is IOException).also { if (it) delay(1000) } }

    fun forever(): Flow<Order> = api.stream().retry()

    fun poll(): Status {
        for (attempt in 1..3) {
            try {
                return api.status()
            } catch (e: IOException) {
                Thread.sleep(500)
            }
        }
        while (true) {
            try { return api.status() } catch (e: IOException) { log.warn("again") }
        }
    }

    fun saveAll(items: List<Order>) {
        for (item in items) { try { api.save(item) } catch (e: Exception) { log.warn("skip") } }
        for (i in 0 until 3) { try { return api.flush() } catch (e: Exception) { throw e } }
    }

    val http = OkHttpClient.Builder()
        .readTimeout(10, TimeUnit.SECONDS)
        .callTimeout(0, TimeUnit.SECONDS)
        .build()
}
'''


def test_ktor_timeout_and_retry_plugins():
    s = scan(REPO)
    assert only(timeouts(s), target="requestTimeoutMillis").seconds == 15.0
    assert only(timeouts(s), target="connectTimeoutMillis").seconds == INFINITE
    r = only(retries(s), library="ktor.HttpRequestRetry")
    assert (r.attempts, r.backoff, r.line) == (6, "exponential", 13)


def test_spring_annotations_on_kotlin_functions():
    s = scan(REPO)
    r = only(retries(s), library="spring-retry")
    assert (r.target, r.attempts, r.backoff, r.method, r.scope) == ("charge", 4, "exponential", "POST",
                                                                    "OrderRepository.charge")
    t = only(timeouts(s), library="spring.Transactional")
    assert (t.target, t.seconds) == ("record", 20.0)


def test_with_timeout_durations_and_millis():
    s = scan(REPO)
    assert only(timeouts(s), target="withTimeout").seconds == 3.0
    assert only(timeouts(s), target="withTimeoutOrNull").seconds == 2.5


def test_repeat_retry_loop_with_exponential_delay():
    r = only(retries(scan(REPO)), scope="OrderRepository.load")
    assert (r.library, r.attempts, r.backoff, r.line, r.method) == ("loop", 4, "exponential", 27, "GET")


def test_flow_retry_counts_and_unbounded_default():
    s = scan(REPO)
    u = only(retries(s), scope="OrderRepository.updates")
    assert (u.library, u.attempts, u.backoff) == ("flow.retry", 4, "fixed")
    f = only(retries(s), scope="OrderRepository.forever")
    assert (f.attempts, f.backoff) == (INFINITE, "none")


def test_for_and_while_loops():
    s = scan(REPO)
    loops = sorted((r.line, r.attempts, r.backoff) for r in retries(s) if r.scope == "OrderRepository.poll")
    assert loops == [(44, 3, "fixed"), (51, INFINITE, "none")]
    assert [r for r in retries(s) if r.scope == "OrderRepository.saveAll"] == []


def test_okhttp_builder_in_kotlin():
    s = scan(REPO)
    assert only(timeouts(s), library="okhttp", target="readTimeout").seconds == 10.0
    assert only(timeouts(s), library="okhttp", target="callTimeout").seconds == INFINITE


def test_comments_and_strings_do_not_fire():
    s = scan('''package shop
// withTimeout(1) and flow.retry(99) in a comment; install(HttpRequestRetry)
class Docs {
    val doc = "withTimeout(1) repeat(3) { try {} catch {} } requestTimeoutMillis = 0"
    @Test
    fun `retries with timeout of zero`() {
        assertEquals("api.stream().retry()", doc)
    }
}
''')
    assert s.constructs == []


def test_ktor_retry_custom_policy_and_no_plugin_defaults():
    s = scan('''val client = HttpClient(OkHttp) {
    install(HttpRequestRetry) {
        maxRetries = 2
        retryIf { _, response -> !response.status.isSuccess() }
        constantDelay(500)
    }
}
val bare = HttpClient(CIO) {
    install(HttpRequestRetry)
}
''')
    custom = only(retries(s), line=2)
    assert (custom.attempts, custom.backoff) == (3, "fixed")
    default = only(retries(s), line=9)
    assert (default.attempts, default.backoff) == (4, "exponential")
