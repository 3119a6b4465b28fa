"""The Java retry and timeout scanner on real tree-sitter parses of realistic code."""

from __future__ import annotations

from mergeguard.features import syntax
from mergeguard.features.resilience import INFINITE, java


def scan(text: str):
    tree = syntax.parse(text, "java")
    assert tree is not None, "no java grammar installed"
    return java.scan(syntax.Source("Svc.java", "post", "java", text, tree))


def only(items, **where):
    hits = [i for i in items if all(getattr(i, k) == v for k, v in where.items())]
    assert len(hits) == 1, f"expected one {where}, got {hits}"
    return hits[0]


def retries(s):
    return [c for c in s.constructs if c.kind == "retry"]


def timeouts(s):
    return [c for c in s.constructs if c.kind == "timeout"]


SPRING = """package shop.payments;

import org.springframework.retry.annotation.Backoff;
import org.springframework.retry.annotation.Retryable;

@Service
public class PaymentService {
    private final RestTemplate restTemplate;

    @Retryable(retryFor = IOException.class, maxAttempts = 5, backoff = @Backoff(delay = 500, multiplier = 2))
    public Receipt charge(Order order) {
        HttpHeaders headers = new HttpHeaders();
        headers.set("Idempotency-Key", order.id());
        return restTemplate.postForObject("/charges", new HttpEntity<>(order, headers), Receipt.class);
    }

    @Retryable
    public Receipt capture(Order order) {
        return restTemplate.postForObject("/captures", order, Receipt.class);
    }

    @Retryable(maxAttempts = 4, backoff = @Backoff(delay = 0))
    public Status status(String id) {
        return restTemplate.getForObject("/status/" + id, Status.class);
    }

    @Transactional(timeout = 30)
    public void record(Receipt r) { repository.save(r); }

    @Transactional(readOnly = true)
    public Receipt find(String id) { return repository.find(id); }
}
"""


def test_spring_retryable_values_method_and_idempotency_key():
    s = scan(SPRING)
    charge = only(retries(s), target="charge")
    # placed on the annotation, spanning the method it retries (what retry.nested looks inside)
    assert (charge.library, charge.line, charge.end_line, charge.scope) == ("spring-retry", 10, 15,
                                                                           "PaymentService.charge")
    assert (charge.attempts, charge.backoff) == (5, "exponential")
    assert charge.method == "POST" and charge.idempotency_key is True
    assert "restTemplate.postForObject" in charge.calls


def test_spring_retryable_defaults_three_attempts_fixed_one_second():
    s = scan(SPRING)
    capture = only(retries(s), target="capture")
    assert (capture.attempts, capture.backoff, capture.method, capture.idempotency_key) == (3, "fixed", "POST", False)
    status = only(retries(s), target="status")
    assert (status.attempts, status.backoff, status.method) == (4, "none", "GET")


def test_transactional_timeout_only_when_set():
    t = only(timeouts(scan(SPRING)))
    assert (t.library, t.target, t.seconds, t.scope) == ("spring.Transactional", "record", 30.0, "PaymentService.record")


def test_rest_template_without_factory_timeout_is_an_unbounded_call():
    calls = scan(SPRING).calls
    assert {c.callee for c in calls} == {"RestTemplate.postForObject", "RestTemplate.getForObject"}
    assert all(c.library == "spring.RestTemplate" and not c.has_timeout and c.default_is_unbounded for c in calls)


POLICIES = """package shop.inventory;

import io.github.resilience4j.retry.RetryConfig;
import dev.failsafe.RetryPolicy;

public class InventoryClient {
    private static final int MAX = 6;

    private final RetryConfig exponential = RetryConfig.custom()
            .maxAttempts(MAX)
            .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(200), 2.0))
            .build();
    private final RetryConfig plain = RetryConfig.ofDefaults();
    private final RetryConfig tuned = RetryConfig.custom().maxAttempts(2).waitDuration(Duration.ofSeconds(1)).build();

    private final RetryPolicy<Object> forever = RetryPolicy.builder().withMaxRetries(-1).withDelay(Duration.ofSeconds(2)).build();
    private final RetryPolicy<Object> quick = RetryPolicy.builder().withMaxRetries(3).build();
    private final RetryPolicy<Object> backoff = RetryPolicy.builder()
            .withMaxAttempts(5).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(5)).withJitter(0.1).build();

    private final Retryer<Stock> guava = RetryerBuilder.<Stock>newBuilder()
            .retryIfExceptionOfType(IOException.class)
            .withWaitStrategy(WaitStrategies.exponentialWait(100, 5, TimeUnit.MINUTES))
            .withStopStrategy(StopStrategies.stopAfterAttempt(7))
            .build();
    private final Retryer<Stock> guavaForever = RetryerBuilder.<Stock>newBuilder().build();

    private final RetryTemplate template = RetryTemplate.builder().maxAttempts(4).exponentialBackoff(100, 2, 5000).build();
    private final RetryTemplate endless = RetryTemplate.builder().infiniteRetry().build();

    @Retry(name = "inventory")
    public Stock stock(String sku) { return template.execute(ctx -> client.stock(sku)); }
}
"""


def test_resilience4j_configs():
    s = scan(POLICIES)
    e = only(retries(s), target="exponential")
    assert (e.library, e.attempts, e.backoff, e.jitter, e.line) == ("resilience4j", 6, "exponential", True, 9)
    assert (only(retries(s), target="plain").attempts, only(retries(s), target="plain").backoff) == (3, "fixed")
    assert only(retries(s), target="tuned").attempts == 2
    ann = only(retries(s), target="inventory")
    assert (ann.library, ann.attempts, ann.scope) == ("resilience4j", 3, "InventoryClient.stock")


def test_failsafe_policies():
    s = scan(POLICIES)
    f = only(retries(s), target="forever")
    assert (f.library, f.attempts, f.backoff) == ("failsafe", INFINITE, "fixed")
    q = only(retries(s), target="quick")
    assert (q.attempts, q.backoff) == (4, "none")
    b = only(retries(s), target="backoff")
    assert (b.attempts, b.backoff, b.jitter) == (5, "exponential", True)


def test_guava_retrying_and_spring_retry_template():
    s = scan(POLICIES)
    g = only(retries(s), target="guava")
    assert (g.library, g.attempts, g.backoff) == ("guava-retrying", 7, "exponential")
    gf = only(retries(s), target="guavaForever")
    assert (gf.attempts, gf.backoff) == (INFINITE, "none")
    t = only(retries(s), target="template")
    assert (t.library, t.attempts, t.backoff) == ("spring-retry", 4, "exponential")
    assert only(retries(s), target="endless").attempts == INFINITE


def test_using_a_retry_template_is_not_a_new_policy():
    assert [r for r in retries(scan(POLICIES)) if r.scope == "InventoryClient.stock" and r.library == "spring-retry"] == []


LOOPS = """package shop.sync;

public class Syncer {
    private static final int MAX_TRIES = 4;

    public String push(URL url, byte[] body) throws InterruptedException {
        for (int attempt = 0; attempt < MAX_TRIES; attempt++) {
            try {
                HttpURLConnection conn = (HttpURLConnection) url.openConnection();
                conn.setRequestMethod("POST");
                conn.setConnectTimeout(2000);
                conn.setReadTimeout(0);
                return read(conn, body);
            } catch (IOException e) {
                Thread.sleep(100L << attempt);
            }
        }
        throw new IllegalStateException("gave up");
    }

    public void await(Cluster cluster) {
        while (true) {
            try {
                cluster.leader();
                break;
            } catch (NoLeaderException e) {
                log.warn("no leader yet", e);
            }
        }
    }

    public Ack send(Queue q, Message m) throws Exception {
        int attempt = 0;
        while (true) {
            try {
                return q.send(m);
            } catch (IOException e) {
                if (++attempt >= 3) {
                    throw e;
                }
                TimeUnit.SECONDS.sleep(1);
            }
        }
    }

    public void saveAll(List<Order> orders) {
        for (int i = 0; i < orders.size(); i++) {
            try { repo.save(orders.get(i)); } catch (RuntimeException e) { log.warn("skip", e); }
        }
        for (Order o : orders) {
            try { repo.save(o); return; } catch (RuntimeException e) { log.warn("skip", e); }
        }
        for (int i = 0; i < 3; i++) {
            try { return; } catch (RuntimeException e) { throw e; }
        }
    }
}
"""


def test_for_loop_retry_with_shift_backoff():
    s = scan(LOOPS)
    r = only(retries(s), scope="Syncer.push")
    assert (r.library, r.line, r.attempts, r.backoff, r.method) == ("loop", 7, 4, "exponential", "POST")
    assert "url.openConnection" in r.calls


def test_while_true_loops():
    s = scan(LOOPS)
    spin = only(retries(s), scope="Syncer.await")
    assert (spin.attempts, spin.backoff) == (INFINITE, "none")
    bounded = only(retries(s), scope="Syncer.send")
    assert (bounded.attempts, bounded.backoff) == (3, "fixed")


def test_iteration_and_rethrow_loops_are_not_retries():
    assert [r for r in retries(scan(LOOPS)) if r.scope == "Syncer.saveAll"] == []


def test_url_connection_timeouts_zero_is_infinite_and_call_has_timeout():
    s = scan(LOOPS)
    assert only(timeouts(s), target="setConnectTimeout").seconds == 2.0
    read = only(timeouts(s), target="setReadTimeout")
    assert (read.seconds, read.library, read.line) == (INFINITE, "HttpURLConnection", 12)
    call = only(s.calls, library="HttpURLConnection")
    assert call.has_timeout is True and call.default_is_unbounded is True


CLIENTS = """package shop.http;

public class Clients {
    private static final long READ_MS = 2_500L;

    private final OkHttpClient ok = new OkHttpClient.Builder()
            .connectTimeout(5, TimeUnit.SECONDS)
            .readTimeout(Duration.ofMillis(READ_MS))
            .callTimeout(0, TimeUnit.SECONDS)
            .build();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    String get(String url) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).GET().build();
        return http.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }

    String okGet(Request r) throws IOException {
        return ok.newCall(r).execute().body().string();
    }

    Stock stock(CompletableFuture<Stock> f) throws Exception {
        return f.orTimeout(2, TimeUnit.MINUTES).get(30, TimeUnit.SECONDS);
    }

    int count(Connection c) throws SQLException {
        Statement st = c.createStatement();
        st.setQueryTimeout(15);
        return st.executeQuery("select count(*) from orders").getInt(1);
    }

    int unbounded(Connection c) throws SQLException {
        PreparedStatement ps = c.prepareStatement("select 1");
        return ps.executeUpdate();
    }

    RequestConfig apache() {
        return RequestConfig.custom().setConnectTimeout(1000).setSocketTimeout(-1).build();
    }
}
"""


def test_okhttp_and_java_net_http_builders():
    s = scan(CLIENTS)
    assert only(timeouts(s), library="okhttp", target="connectTimeout").seconds == 5.0
    read = only(timeouts(s), library="okhttp", target="readTimeout")
    assert (read.seconds, read.line, read.scope) == (2.5, 8, "Clients")
    assert only(timeouts(s), library="okhttp", target="callTimeout").seconds == INFINITE
    assert only(timeouts(s), library="java.net.http.HttpClient").seconds == 3.0


def test_future_jdbc_and_apache_timeouts():
    s = scan(CLIENTS)
    assert only(timeouts(s), target="orTimeout").seconds == 120.0
    assert only(timeouts(s), target="get").seconds == 30.0
    assert only(timeouts(s), target="setQueryTimeout").seconds == 15.0  # JDBC takes seconds
    assert only(timeouts(s), library="apache.RequestConfig", target="setConnectTimeout").seconds == 1.0
    assert only(timeouts(s), target="setSocketTimeout").seconds == INFINITE


def test_network_calls_and_defaults():
    s = scan(CLIENTS)
    send = only(s.calls, library="java.net.http")
    assert (send.callee, send.has_timeout, send.default_is_unbounded, send.scope) == (
        "HttpClient.send", False, True, "Clients.get")
    assert only(s.calls, library="okhttp").default_is_unbounded is False
    assert only(s.calls, callee="Statement.executeQuery").has_timeout is True
    assert only(s.calls, callee="PreparedStatement.executeUpdate").has_timeout is False


def test_request_timeout_bounds_http_client_send():
    s = scan(CLIENTS.replace(".GET().build()", ".timeout(Duration.ofSeconds(10)).GET().build()"))
    assert only(s.calls, library="java.net.http").has_timeout is True
    assert only(timeouts(s), library="java.net.http.HttpRequest").seconds == 10.0


def test_comments_strings_and_test_names_do_not_fire():
    s = scan("""package shop;

/** Retries with @Retryable(maxAttempts = 10) and RetryConfig.custom().maxAttempts(3); timeout 0. */
class RetryDocsTest {
    // new OkHttpClient.Builder().readTimeout(0, TimeUnit.SECONDS)
    private static final String HELP = "RetryPolicy.builder().withMaxRetries(-1) while (true) { try {} catch {} }";

    @Test
    void retriesWithBackoffAndTimeout() {
        assertEquals("Thread.sleep(100) setReadTimeout(0)", HELP);
    }
}
""")
    assert s.constructs == [] and s.calls == []


def test_mockito_timeout_is_not_a_client_timeout():
    s = scan("""class OrderServiceTest {
    @Test
    void notifies() {
        service.place(order);
        verify(notifier, timeout(100)).send(any());
    }
}
""")
    assert s.constructs == []
