"""Retry/timeout findings end to end for JavaScript/TypeScript, Java, Kotlin and C#: real git diffs
through ``features.retry_timeout.extract``, every finding kind, positives and negatives."""

from __future__ import annotations

import pytest

from mergeguard.change import Limits
from mergeguard.features import Context
from mergeguard.features.retry_timeout import extract
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_range
from tests.gitrepo import commit, init_repo

T0 = 1_700_000_000


def findings(tmp_path, path: str, before: str, after: str) -> list[dict]:
    """The retry/timeout findings of a real two-commit change of ``path``."""
    repo_dir = init_repo(tmp_path / "repo")
    base = commit(repo_dir, {path: before}, "base", T0)
    head = commit(repo_dir, {path: after}, "change", T0 + 60)
    change = change_from_range(GitRepo(repo_dir), base, head, Limits())
    return [f.to_json() for f in extract(change, Context()).findings]


def kinds(found: list[dict]) -> set[str]:
    return {f["kind"] for f in found}


# -- JavaScript / TypeScript ---------------------------------------------------------------------------

JS_BASE = """import axios from 'axios';
import pRetry from 'p-retry';

const api = axios.create({ baseURL: 'https://orders.internal', timeout: 5000 });

export async function getOrder(id: string) {
  const res = await api.get(`/orders/${id}`);
  return res.data;
}
"""

JS_CASES = {
    "retry.added": (
        JS_BASE,
        JS_BASE.replace("const res = await api.get(`/orders/${id}`);",
                        "const res = await pRetry(() => api.get(`/orders/${id}`), { retries: 3 });"),
        {"retry.added"}, {"retry.non_idempotent", "retry.without_backoff", "retry.without_limit"},
    ),
    "retry.removed": (
        JS_BASE.replace("const res = await api.get(`/orders/${id}`);",
                        "const res = await pRetry(() => api.get(`/orders/${id}`), { retries: 3 });"),
        JS_BASE,
        {"retry.removed"}, {"retry.added"},
    ),
    "retry.changed": (
        JS_BASE.replace("const res = await api.get(`/orders/${id}`);",
                        "const res = await pRetry(() => api.get(`/orders/${id}`), { retries: 3 });"),
        JS_BASE.replace("const res = await api.get(`/orders/${id}`);",
                        "const res = await pRetry(() => api.get(`/orders/${id}`), { retries: 6 });"),
        {"retry.changed"}, {"retry.added", "retry.removed"},
    ),
    "retry.without_backoff": (
        JS_BASE,
        JS_BASE.replace("const api = axios", "import axiosRetry from 'axios-retry';\nconst api = axios") +
        "axiosRetry(api, { retries: 5 });\n",
        {"retry.added", "retry.without_backoff"}, {"retry.without_limit"},
    ),
    "retry.without_limit": (
        JS_BASE,
        JS_BASE.replace("""  const res = await api.get(`/orders/${id}`);
  return res.data;""", """  while (true) {
    try {
      const res = await api.get(`/orders/${id}`);
      return res.data;
    } catch (err) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }"""),
        {"retry.added", "retry.without_limit"}, {"retry.without_backoff"},
    ),
    "retry.nested": (
        JS_BASE.replace("const res = await api.get(`/orders/${id}`);",
                        "const res = await pRetry(() => api.get(`/orders/${id}`), { retries: 3 });"),
        JS_BASE.replace("const res = await api.get(`/orders/${id}`);",
                        "const res = await pRetry(() => api.get(`/orders/${id}`), { retries: 3 });") + """
export async function syncOrder(id: string) {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await getOrder(id);
    } catch (err) {
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
  }
}
""",
        {"retry.added", "retry.nested"}, set(),
    ),
    "retry.non_idempotent": (
        JS_BASE + "\nexport async function charge(order) {\n  return api.post('/charges', order);\n}\n",
        JS_BASE + "\nexport async function charge(order) {\n  return pRetry(() => api.post('/charges', order), { retries: 2 });\n}\n",
        {"retry.added", "retry.non_idempotent"}, set(),
    ),
    "idempotency key makes a POST retry safe": (
        JS_BASE + "\nexport async function charge(order) {\n  return api.post('/charges', order);\n}\n",
        JS_BASE + ("\nexport async function charge(order) {\n  return pRetry(() => api.post('/charges', order, "
                   "{ headers: { 'Idempotency-Key': order.id } }), { retries: 2 });\n}\n"),
        {"retry.added"}, {"retry.non_idempotent"},
    ),
    "timeout.added": (
        JS_BASE.replace(", timeout: 5000", ""),
        JS_BASE,
        {"timeout.added"}, {"timeout.unbounded", "timeout.removed"},
    ),
    "timeout.removed": (
        JS_BASE,
        JS_BASE.replace(", timeout: 5000", ""),
        {"timeout.removed"}, {"timeout.added"},
    ),
    "timeout.changed": (
        JS_BASE,
        JS_BASE.replace("timeout: 5000", "timeout: 8000"),
        {"timeout.changed"}, {"timeout.increased", "timeout.added", "timeout.removed"},
    ),
    "timeout.increased": (
        JS_BASE,
        JS_BASE.replace("timeout: 5000", "timeout: 60_000"),
        {"timeout.increased"}, {"timeout.added", "timeout.removed"},
    ),
    "timeout.unbounded": (
        JS_BASE,
        JS_BASE.replace("timeout: 5000", "timeout: 0"),
        {"timeout.unbounded"}, set(),
    ),
    "timeout.missing": (
        JS_BASE,
        JS_BASE + "\nexport async function stock(sku: string) {\n  return (await fetch(`https://stock/${sku}`)).json();\n}\n",
        {"timeout.missing"}, set(),
    ),
    "fetch with AbortSignal.timeout is not missing a timeout": (
        JS_BASE,
        JS_BASE + ("\nexport async function stock(sku: string) {\n  return (await fetch(`https://stock/${sku}`, "
                   "{ signal: AbortSignal.timeout(2000) })).json();\n}\n"),
        {"timeout.added"}, {"timeout.missing", "timeout.unbounded"},
    ),
    "comments and strings do not fire": (
        JS_BASE,
        JS_BASE.replace("export async function getOrder",
                        "// TODO: pRetry(() => api.post('/x'), { retries: 100 }) with timeout: 0 and while (true)\n"
                        "const NOTE = 'axiosRetry(api) / AbortSignal.timeout(0)';\nexport async function getOrder"),
        set(), {"retry.added", "timeout.added", "timeout.unbounded", "retry.non_idempotent", "timeout.missing"},
    ),
}


@pytest.mark.parametrize("case", list(JS_CASES))
def test_typescript_findings(tmp_path, case):
    before, after, present, absent = JS_CASES[case]
    found = findings(tmp_path, "src/orders.ts", before, after)
    got = kinds(found)
    assert present <= got, f"{case}: expected {present}, got {found}"
    assert not (absent & got), f"{case}: unexpected {absent & got} in {found}"
    if not present:
        assert not {k for k in got if k.startswith(("retry.", "timeout."))}, found


def test_javascript_file_and_finding_location(tmp_path):
    before = "const axios = require('axios');\n\nexports.load = async (id) => {\n  return axios.get(`/x/${id}`, { timeout: 3000 });\n};\n"
    after = before.replace("timeout: 3000", "timeout: 0")
    found = [f for f in findings(tmp_path, "lib/load.js", before, after) if f["kind"] == "timeout.unbounded"]
    assert found and found[0]["path"] == "lib/load.js" and found[0]["line"] == 4


# -- Java ---------------------------------------------------------------------------------------------

JAVA_BASE = """package shop.payments;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

public class PaymentClient {
    private final OkHttpClient http = new OkHttpClient.Builder()
            .connectTimeout(2, TimeUnit.SECONDS)
            .readTimeout(5, TimeUnit.SECONDS)
            .build();
    private RestTemplate restTemplate;

    public Status status(String id) {
        return restTemplate.getForObject("/status/" + id, Status.class);
    }

    public Receipt charge(Order order) {
        return restTemplate.postForObject("/charges", order, Receipt.class);
    }
}
"""

JAVA_CASES = {
    "retry.added": (
        JAVA_BASE,
        JAVA_BASE.replace("    public Status status", "    @Retryable(maxAttempts = 4, backoff = @Backoff(delay = 200, multiplier = 2))\n    public Status status"),
        {"retry.added"}, {"retry.non_idempotent", "retry.without_backoff", "retry.without_limit"},
    ),
    "retry.removed": (
        JAVA_BASE.replace("    public Status status", "    @Retryable(maxAttempts = 4)\n    public Status status"),
        JAVA_BASE,
        {"retry.removed"}, {"retry.added"},
    ),
    "retry.changed": (
        JAVA_BASE.replace("    public Status status", "    @Retryable(maxAttempts = 4)\n    public Status status"),
        JAVA_BASE.replace("    public Status status", "    @Retryable(maxAttempts = 8)\n    public Status status"),
        {"retry.changed"}, {"retry.added", "retry.removed"},
    ),
    "retry.without_backoff": (
        JAVA_BASE,
        JAVA_BASE.replace("    public Status status", "    @Retryable(maxAttempts = 5, backoff = @Backoff(delay = 0))\n    public Status status"),
        {"retry.added", "retry.without_backoff"}, {"retry.without_limit"},
    ),
    "retry.without_limit": (
        JAVA_BASE,
        JAVA_BASE.replace("    private RestTemplate restTemplate;",
                          "    private RestTemplate restTemplate;\n    private final RetryPolicy<Object> retry = "
                          "RetryPolicy.builder().withMaxRetries(-1).withDelay(Duration.ofSeconds(1)).build();"),
        {"retry.added", "retry.without_limit"}, set(),
    ),
    "retry.nested": (
        JAVA_BASE,
        JAVA_BASE.replace("""    public Status status(String id) {
        return restTemplate.getForObject("/status/" + id, Status.class);
    }""", """    public Status status(String id) throws InterruptedException {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return restTemplate.getForObject("/status/" + id, Status.class);
            } catch (RestClientException e) {
                Thread.sleep(200L << attempt);
            }
        }
        throw new IllegalStateException("gave up");
    }

    @Retryable(maxAttempts = 3)
    public Status refresh(String id) throws InterruptedException {
        return status(id);
    }"""),
        {"retry.nested"}, set(),
    ),
    "retry.non_idempotent": (
        JAVA_BASE,
        JAVA_BASE.replace("    public Receipt charge", "    @Retryable(maxAttempts = 3)\n    public Receipt charge"),
        {"retry.added", "retry.non_idempotent"}, set(),
    ),
    "timeout.added": (
        JAVA_BASE,
        JAVA_BASE.replace(".readTimeout(5, TimeUnit.SECONDS)", ".readTimeout(5, TimeUnit.SECONDS)\n            .callTimeout(Duration.ofSeconds(10))"),
        {"timeout.added"}, {"timeout.unbounded", "timeout.removed"},
    ),
    "timeout.removed": (
        JAVA_BASE,
        JAVA_BASE.replace("\n            .readTimeout(5, TimeUnit.SECONDS)", ""),
        {"timeout.removed"}, {"timeout.added"},
    ),
    "timeout.changed": (
        JAVA_BASE,
        JAVA_BASE.replace("readTimeout(5, TimeUnit.SECONDS)", "readTimeout(Duration.ofSeconds(8))"),
        {"timeout.changed"}, {"timeout.increased", "timeout.added", "timeout.removed"},
    ),
    "timeout.increased": (
        JAVA_BASE,
        JAVA_BASE.replace("readTimeout(5, TimeUnit.SECONDS)", "readTimeout(2, TimeUnit.MINUTES)"),
        {"timeout.increased"}, {"timeout.added", "timeout.removed"},
    ),
    "timeout.unbounded": (
        JAVA_BASE,
        JAVA_BASE.replace("readTimeout(5, TimeUnit.SECONDS)", "readTimeout(0, TimeUnit.SECONDS)"),
        {"timeout.unbounded"}, set(),
    ),
    "timeout.missing": (
        JAVA_BASE,
        JAVA_BASE.replace("    private RestTemplate restTemplate;", """    private RestTemplate restTemplate;
    private final HttpClient client = HttpClient.newBuilder().build();

    public String stock(String sku) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("https://stock/" + sku)).GET().build();
        return client.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }"""),
        {"timeout.missing"}, set(),
    ),
    "request timeout is not missing": (
        JAVA_BASE,
        JAVA_BASE.replace("    private RestTemplate restTemplate;", """    private RestTemplate restTemplate;
    private final HttpClient client = HttpClient.newBuilder().build();

    public String stock(String sku) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("https://stock/" + sku)).timeout(Duration.ofSeconds(3)).GET().build();
        return client.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }"""),
        {"timeout.added"}, {"timeout.missing"},
    ),
    "comments and strings do not fire": (
        JAVA_BASE,
        JAVA_BASE.replace("    private RestTemplate restTemplate;",
                          "    // @Retryable(maxAttempts = 100) and readTimeout(0, TimeUnit.SECONDS) later\n"
                          "    private static final String NOTE = \"RetryPolicy.builder().withMaxRetries(-1)\";\n"
                          "    private RestTemplate restTemplate;"),
        set(), {"retry.added", "timeout.added", "timeout.unbounded", "retry.without_limit"},
    ),
}


@pytest.mark.parametrize("case", list(JAVA_CASES))
def test_java_findings(tmp_path, case):
    before, after, present, absent = JAVA_CASES[case]
    found = findings(tmp_path, "src/main/java/shop/payments/PaymentClient.java", before, after)
    got = kinds(found)
    assert present <= got, f"{case}: expected {present}, got {found}"
    assert not (absent & got), f"{case}: unexpected {absent & got} in {found}"
    if not present:
        assert not {k for k in got if k.startswith(("retry.", "timeout."))}, found


# -- Kotlin and C# (no network call sites: see docs/retry_timeout_js_java.md) ------------------------

KT_BASE = """package shop

class Orders(private val api: Api) {
    fun updates(): Flow<Order> = api.stream().retry(3) { delay(1000); true }

    suspend fun load(id: String) = withTimeout(5_000) { api.order(id) }
}
"""

CS_BASE = """namespace Shop;

public class Orders
{
    private static readonly IAsyncPolicy Transient = Policy.Handle<HttpRequestException>()
        .WaitAndRetryAsync(3, attempt => TimeSpan.FromSeconds(Math.Pow(2, attempt)));
    private readonly HttpClient _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
}
"""

OTHER_CASES = {
    "kotlin retry.without_limit": ("src/Orders.kt", KT_BASE, KT_BASE.replace("retry(3) { delay(1000); true }", "retry()"),
                                   # one finding for a retry that never gives up and goes round at once
                                   {"retry.changed", "retry.without_limit"}),
    "kotlin timeout.increased": ("src/Orders.kt", KT_BASE, KT_BASE.replace("withTimeout(5_000)", "withTimeout(60.seconds)"),
                                 {"timeout.changed", "timeout.increased"}),
    "csharp retry.without_limit": ("src/Orders.cs", CS_BASE,
                                   CS_BASE.replace("""Policy.Handle<HttpRequestException>()
        .WaitAndRetryAsync(3, attempt => TimeSpan.FromSeconds(Math.Pow(2, attempt)));""",
                                                   "Policy.Handle<HttpRequestException>().RetryForeverAsync();"),
                                   {"retry.without_limit"}),
    "csharp timeout.unbounded": ("src/Orders.cs", CS_BASE,
                                 CS_BASE.replace("TimeSpan.FromSeconds(10) }", "Timeout.InfiniteTimeSpan }"),
                                 {"timeout.changed", "timeout.unbounded"}),
}


@pytest.mark.parametrize("case", list(OTHER_CASES))
def test_kotlin_and_csharp_findings(tmp_path, case):
    path, before, after, present = OTHER_CASES[case]
    found = findings(tmp_path, path, before, after)
    assert present <= kinds(found), f"{case}: expected {present}, got {found}"
    if "retry.without_limit" in present:  # reported once, as the worse of the two, saying both
        assert "retry.without_backoff" not in kinds(found), found
