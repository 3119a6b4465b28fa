"""The C# retry and timeout scanner on real tree-sitter parses of realistic code."""

from __future__ import annotations

from mergeguard.features import syntax
from mergeguard.features.resilience import INFINITE, csharp


def scan(text: str):
    tree = syntax.parse(text, "csharp")
    assert tree is not None, "no c# grammar installed"
    return csharp.scan(syntax.Source("Client.cs", "post", "csharp", text, tree))


def only(items, **where):
    hits = [i for i in items if all(getattr(i, k) == v for k, v in where.items())]
    assert len(hits) == 1, f"expected one {where}, got {hits}"
    return hits[0]


def retries(s):
    return [c for c in s.constructs if c.kind == "retry"]


def timeouts(s):
    return [c for c in s.constructs if c.kind == "timeout"]


CLIENT = '''using Polly;
namespace Shop.Payments;

public class PaymentClient
{
    private const int MaxRetries = 4;
    private static readonly IAsyncPolicy<HttpResponseMessage> Transient = HttpPolicyExtensions
        .HandleTransientHttpError()
        .WaitAndRetryAsync(MaxRetries, attempt => TimeSpan.FromSeconds(Math.Pow(2, attempt)));
    private static readonly IAsyncPolicy Quick = Policy.Handle<HttpRequestException>().RetryAsync(3);
    private static readonly IAsyncPolicy Forever = Policy.Handle<Exception>().RetryForeverAsync();
    private static readonly IAsyncPolicy Steady = Policy.Handle<Exception>()
        .WaitAndRetryAsync(new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1) });
    private readonly HttpClient _http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

    public async Task<HttpResponseMessage> ChargeAsync(Order order)
    {
        _http.Timeout = Timeout.InfiniteTimeSpan;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        cts.CancelAfter(2500);
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 5, BackoffType = DelayBackoffType.Exponential, UseJitter = true })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/charges");
                request.Headers.Add("Idempotency-Key", order.Id);
                return await _http.PostAsJsonAsync("/charges", order);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200 * (1 << attempt));
            }
        }
        throw new InvalidOperationException("gave up");
    }

    public async Task WaitForLeaderAsync(Cluster cluster)
    {
        while (true)
        {
            try { await cluster.LeaderAsync(); break; }
            catch (NoLeaderException) { _log.LogWarning("no leader"); }
        }
    }

    public async Task SaveAllAsync(IEnumerable<Order> orders)
    {
        foreach (var o in orders) { try { await _repo.SaveAsync(o); return; } catch (Exception e) { _log.LogWarning(e, "skip"); } }
        for (var i = 0; i < 3; i++) { try { return; } catch (Exception) { throw; } }
    }

    public int Count(SqlCommand cmd)
    {
        cmd.CommandTimeout = 0;
        return (int)cmd.ExecuteScalar();
    }
}
'''


def test_polly_v7_policies():
    s = scan(CLIENT)
    t = only(retries(s), target="Transient")
    assert (t.library, t.attempts, t.backoff, t.line, t.scope) == ("polly", 5, "exponential", 7, "PaymentClient")
    q = only(retries(s), target="Quick")
    assert (q.attempts, q.backoff) == (4, "none")
    f = only(retries(s), target="Forever")
    assert (f.attempts, f.backoff) == (INFINITE, "none")
    st = only(retries(s), target="Steady")
    assert (st.attempts, st.backoff) == (3, "fixed")


def test_polly_v8_retry_strategy_options():
    r = only(retries(scan(CLIENT)), scope="PaymentClient.ChargeAsync", library="polly")
    assert (r.attempts, r.backoff, r.jitter) == (6, "exponential", True)


def test_hand_written_loops():
    s = scan(CLIENT)
    loop = only(retries(s), scope="PaymentClient.ChargeAsync", library="loop")
    assert (loop.attempts, loop.backoff, loop.method, loop.idempotency_key) == (3, "exponential", "POST", True)
    spin = only(retries(s), scope="PaymentClient.WaitForLeaderAsync")
    assert (spin.attempts, spin.backoff) == (INFINITE, "none")
    assert [r for r in retries(s) if r.scope == "PaymentClient.SaveAllAsync"] == []


def test_timeouts():
    s = scan(CLIENT)
    assert only(timeouts(s), target="Timeout", line=14).seconds == 30.0
    assert only(timeouts(s), target="Timeout", line=18).seconds == INFINITE
    assert only(timeouts(s), target="CancellationTokenSource").seconds == 5.0
    assert only(timeouts(s), target="CancelAfter").seconds == 2.5
    assert only(timeouts(s), target="AddTimeout").seconds == 10.0
    cmd = only(timeouts(s), target="CommandTimeout")
    assert (cmd.library, cmd.seconds, cmd.scope) == ("ado.net", INFINITE, "PaymentClient.Count")


def test_comments_and_strings_do_not_fire():
    s = scan('''namespace Shop.Tests;
// Policy.Handle<Exception>().RetryForeverAsync(); client.Timeout = Timeout.InfiniteTimeSpan;
public class RetryTests
{
    private const string Doc = "Policy.Handle<Exception>().RetryAsync(3); cmd.CommandTimeout = 0";
    /// <summary>WaitAndRetryAsync(5, _ => TimeSpan.Zero)</summary>
    [Fact]
    public void Retries_with_timeout_of_zero() => Assert.Equal("new CancellationTokenSource(0)", Doc);
}
''')
    assert s.constructs == []
