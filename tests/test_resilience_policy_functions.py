"""Go, Java and Kotlin shapes met on real commits (issue 13, dev part of the corpus): a retry or timeout
policy that lives in the body of a function named for it, a read loop that is not a retry, names
that look like timeouts but are not, and changed lines whose retry/timeout names did not change.
Real parses, real git diffs."""

from __future__ import annotations

from mergeguard.features import syntax
from mergeguard.features.resilience import go, policy_functions, settings
from tests.retry_changes import findings, kinds





def policies(text: str, language: str):
    tree = syntax.parse(text, language)
    assert tree is not None, f"no {language} grammar installed"
    return policy_functions.scan(syntax.Source("f", "post", language, text, tree))


# -- which errors are retried: the body of a function named for the decision -------------------------

GO_SHOULD_RETRY = """package redis

import (
	"io"
	"strings"
)

func shouldRetry(err error, retryTimeout bool) bool {
	switch err {
	case io.EOF:
		return true
	case nil:
		return false
	}
	if v, ok := err.(timeoutError); ok {
		return retryTimeout && v.Timeout()
	}
	s := err.Error()
	if strings.HasPrefix(s, "LOADING ") {
		return true
	}
	return false
}
"""


def test_go_a_new_retried_error_in_should_retry_is_a_retry_change(tmp_path):
    after = GO_SHOULD_RETRY.replace('''	if strings.HasPrefix(s, "LOADING ") {''', '''	if strings.HasPrefix(s, "READONLY ") {
		return true
	}
	if strings.HasPrefix(s, "LOADING ") {''')
    found = findings(tmp_path, {"error.go": GO_SHOULD_RETRY}, {"error.go": after})
    changed = [f for f in found if f.kind == "retry.changed"]
    assert changed and "shouldRetry" in changed[0].message
    assert "timeout.changed" not in kinds(found)


def test_go_renaming_and_commenting_a_retry_policy_changes_nothing(tmp_path):
    # the variable renamed, a comment added, the parentheses and the helper's name changed: same decisions
    after = (GO_SHOULD_RETRY.replace("s := err.Error()", "msg := err.Error() // the server's reply")
             .replace('strings.HasPrefix(s, "LOADING ")', '(strings.HasPrefix(msg, "LOADING "))')
             .replace("v, ok := err.(timeoutError)", "te, ok := err.(timeoutError)")
             .replace("v.Timeout()", "te.Timeout()"))
    found = findings(tmp_path, {"error.go": GO_SHOULD_RETRY}, {"error.go": after})
    assert not kinds(found) & {"retry.changed", "retry.added", "retry.removed"}


def test_go_backoff_computation_changed_is_a_retry_change(tmp_path):
    before = """package retryablehttp

import "time"

func LinearBackoff(min, max time.Duration, attemptNum int) time.Duration {
	if max <= min {
		return min
	}
	return min + time.Duration(attemptNum)*(max-min)/10
}
"""
    after = before.replace("		return min\n", "		return min * time.Duration(attemptNum+1)\n")
    found = findings(tmp_path, {"client.go": before}, {"client.go": after})
    assert "retry.changed" in kinds(found)


def test_policy_function_names():
    for name in ("shouldRetry", "isRetryableError", "DefaultRetryPolicy", "ExponentialBackOff.NextBackOff",
                 "retryRequest", "canRetry", "LinearJitterBackoff", "resetConnectBackoff"):
        assert policy_functions.classify(name) == "retry", name
    for name in ("decodeTimeout", "parseTimeout", "encodeDeadline"):
        assert policy_functions.classify(name) == "timeout", name
    # hooks, messages, error classifiers and plain accessors of a timeout decide nothing
    for name in ("onRetry", "logRetry", "RetryError.Error", "isTimeout", "timeoutError", "getSocketTimeout",
                 "setConnectTimeout", "retrieveTimeouts", "handleRetryEvent", "newRetryMetrics", "retryCount"):
        assert policy_functions.classify(name) is None, name


def test_a_getter_a_delegate_and_an_interface_method_are_not_policies():
    java = """class RetryPolicy {
    private int maxRetries;
    public int getMaxRetries() { return maxRetries; }
    public RetryPolicy retryOn(Class<? extends Throwable> failure) { return retryOn(Arrays.asList(failure)); }
    public boolean canRetry(int attempts) { return attempts < maxRetries; }
}
interface Handler { boolean retryRequest(IOException e, int count); }
"""
    assert [c.target for c in policies(java, "java")] == ["RetryPolicy.canRetry/1"]


def test_java_a_new_overload_that_delegates_is_no_retry_change(tmp_path):
    before = """package x;

public class RetryPolicy {
    public RetryPolicy retryOn(List<Class<? extends Throwable>> failures) {
        for (Class<? extends Throwable> f : failures) {
            if (f == null) {
                throw new IllegalArgumentException("null failure");
            }
        }
        this.failures = failures;
        return this;
    }
}
"""
    after = before.replace("""    public RetryPolicy retryOn(List""", """    public RetryPolicy retryOn(Class<? extends Throwable> failure) {
        return retryOn(Arrays.asList(failure));
    }

    public RetryPolicy retryOn(List""")
    found = findings(tmp_path, {"src/main/java/x/RetryPolicy.java": before},
                     {"src/main/java/x/RetryPolicy.java": after})
    assert not kinds(found) & {"retry.changed", "retry.added", "retry.removed"}


def test_java_retry_handler_decision_changed(tmp_path):
    before = """package x;

public class DefaultRetryHandler {
    public boolean retryRequest(IOException exception, int executionCount) {
        if (executionCount > 3) {
            return false;
        }
        if (exception instanceof UnknownHostException) {
            return false;
        }
        return true;
    }
}
"""
    after = before.replace("""        return true;""", """        if (exception instanceof SSLException) {
            return false;
        }
        return true;""")
    found = findings(tmp_path, {"src/main/java/x/DefaultRetryHandler.java": before},
                     {"src/main/java/x/DefaultRetryHandler.java": after})
    assert "retry.changed" in kinds(found)


def test_kotlin_policy_moved_to_another_file_is_no_change(tmp_path):
    policy = """package okhttp3

internal fun shouldRetry(e: IOException, attempt: Int): Boolean {
    if (e is ProtocolException) return false
    return attempt < 3
}
"""
    found = findings(tmp_path, {"okhttp/src/main/kotlin/okhttp3/A.kt": policy, "okhttp/src/main/kotlin/okhttp3/B.kt": "package okhttp3\n"},
                     {"okhttp/src/main/kotlin/okhttp3/A.kt": "package okhttp3\n",
                      "okhttp/src/main/kotlin/okhttp3/B.kt": policy})
    assert not kinds(found) & {"retry.changed", "retry.added", "retry.removed"}


def test_go_timeout_header_parsing_is_a_timeout_change(tmp_path):
    before = """package transport

import (
	"strconv"
	"time"
)

func decodeTimeout(s string) (time.Duration, error) {
	size := len(s)
	if size < 2 {
		return 0, errBadTimeout
	}
	t, err := strconv.ParseInt(s[:size-1], 10, 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(t) * time.Second, nil
}
"""
    after = before.replace("	if size < 2 {", "	if size < 2 || size > 9 {")
    found = findings(tmp_path, {"transport.go": before}, {"transport.go": after})
    assert "timeout.changed" in kinds(found)


def test_a_retry_loop_calling_should_retry_is_not_nested(tmp_path):
    before = GO_SHOULD_RETRY
    after = GO_SHOULD_RETRY + """
func (c *Client) process(cmd Cmder) error {
	var err error
	for attempt := 0; attempt <= c.maxRetries; attempt++ {
		if attempt > 0 {
			time.Sleep(c.backoff(attempt))
		}
		err = c.do(cmd)
		if err == nil || !shouldRetry(err, true) {
			return err
		}
	}
	return err
}
"""
    found = findings(tmp_path, {"error.go": before}, {"error.go": after})
    assert "retry.added" in kinds(found)
    assert "retry.nested" not in kinds(found)


# -- a read loop that stops at the end of its input is not a retry -----------------------------------

def test_go_read_loop_breaking_on_eof_is_not_a_retry():
    text = """package redis

func parse(rd *Reader) ([]string, error) {
	args := make([]string, 0)
	for {
		line, err := rd.ReadLine('\\n')
		if err != nil {
			if err == io.EOF {
				break
			}
			return nil, err
		}
		args = append(args, string(line))
	}
	return args, nil
}
"""
    tree = syntax.parse(text, "go")
    scan = go.scan(syntax.Source("f.go", "post", "go", text, tree))
    assert not [c for c in scan.constructs if c.library == "loop"]
    retrying = text.replace("			if err == io.EOF {\n				break\n			}\n			return nil, err",
                            "			time.Sleep(time.Second)\n			continue")
    tree = syntax.parse(retrying, "go")
    scan = go.scan(syntax.Source("f.go", "post", "go", retrying, tree))
    assert [c for c in scan.constructs if c.library == "loop"]


# -- names and lines that look like timeouts ---------------------------------------------------------

def test_http_status_constants_are_not_timeouts():
    for name in ("HTTP_CLIENT_TIMEOUT", "HTTP_GATEWAY_TIMEOUT", "SC_REQUEST_TIMEOUT", "SC_GATEWAY_TIMEOUT",
                 "GATEWAY_TIMEOUT"):
        assert settings.classify(name) is None, name
    for name in ("HTTP_TIMEOUT", "DEFAULT_CLIENT_TIMEOUT", "requestTimeout", "REQUEST_TIMEOUT_MS"):
        assert settings.classify(name) == "timeout", name


def test_java_timeout_in_a_log_message_is_no_timeout_change(tmp_path):
    before = """package x;

class Factory {
    Socket connect(int connectTimeout, InetSocketAddress remoteAddress) throws IOException {
        Socket sock = new Socket();
        sock.connect(remoteAddress, connectTimeout);
        return sock;
    }
}
"""
    after = before.replace("""        sock.connect(""", """        if (log.isDebugEnabled()) {
            log.debug("Connecting socket to " + remoteAddress + " with timeout " + connectTimeout);
        }
        sock.connect(""")
    found = findings(tmp_path, {"src/main/java/x/Factory.java": before}, {"src/main/java/x/Factory.java": after})
    assert "timeout.changed" not in kinds(found)
    # the same name compared in a decision still counts
    decided = before.replace("""        sock.connect(""", """        if (connectTimeout < 0) {
            throw new IllegalArgumentException("negative");
        }
        sock.connect(""")
    found = findings(tmp_path / "2", {"src/main/java/x/Factory.java": before},
                     {"src/main/java/x/Factory.java": decided})
    assert "timeout.changed" in kinds(found)


def test_go_line_gaining_a_retry_condition_is_a_retry_change_not_a_timeout(tmp_path):
    before = """package redis

func (c *Ring) process(ctx context.Context, cmd Cmder) error {
	var lastErr error
	for attempt := 0; attempt <= c.opt.MaxRetries; attempt++ {
		lastErr = c.do(ctx, cmd)
		if lastErr == nil || !shouldRetry(lastErr, cmd.readTimeout() == nil) {
			return lastErr
		}
	}
	return lastErr
}
"""
    after = before.replace("cmd.readTimeout() == nil) {", "cmd.readTimeout() == nil) || cmd.NoRetry() {")
    found = findings(tmp_path, {"ring.go": before}, {"ring.go": after})
    assert "retry.changed" in kinds(found)
    assert not kinds(found) & {"timeout.changed", "timeout.added", "timeout.removed"}


def test_go_timeout_read_through_an_options_struct_is_no_change(tmp_path):
    before = """package pool

func NewConnPool(poolSize int, idleTimeout, idleCheckFrequency time.Duration) *ConnPool {
	p := &ConnPool{}
	if idleTimeout > 0 && idleCheckFrequency > 0 {
		go p.reaper(idleCheckFrequency)
	}
	return p
}
"""
    after = """package pool

func NewConnPool(opt *Options) *ConnPool {
	p := &ConnPool{}
	if opt.IdleTimeout > 0 && opt.IdleCheckFrequency > 0 {
		go p.reaper(opt.IdleCheckFrequency)
	}
	return p
}
"""
    found = findings(tmp_path, {"internal/pool/pool.go": before}, {"internal/pool/pool.go": after})
    assert not kinds(found) & {"timeout.changed", "timeout.added", "timeout.removed"}
    # the bound itself changing still counts
    changed = before.replace("if idleTimeout > 0 &&", "if idleTimeout >= time.Second &&")
    found = findings(tmp_path / "2", {"internal/pool/pool.go": before}, {"internal/pool/pool.go": changed})
    assert "timeout.changed" in kinds(found)


def test_go_timeout_read_through_one_more_qualifier_is_no_change(tmp_path):
    # ``opt`` is on both sides of the change, so it is no name that only one side has: the qualifier
    # itself is what is left out
    before = """package pool

func (p *ConnPool) reapStaleConn(opt *Options) *Conn {
	p.size = opt.PoolSize
	cn := p.idleConns[0]
	if !cn.IsStale(p.idleTimeout) {
		return nil
	}
	return cn
}
"""
    after = before.replace("	p.size = opt.PoolSize\n", "	p.size = opt.PoolSize + 1\n").replace(
        "cn.IsStale(p.idleTimeout)", "cn.IsStale(p.opt.IdleTimeout)")
    found = findings(tmp_path, {"internal/pool/pool.go": before}, {"internal/pool/pool.go": after})
    assert not kinds(found) & {"timeout.changed", "timeout.added", "timeout.removed"}
    changed = before.replace("cn.IsStale(p.idleTimeout)", "cn.IsStale(p.idleTimeout * 2)")
    found = findings(tmp_path / "2", {"internal/pool/pool.go": before}, {"internal/pool/pool.go": changed})
    assert "timeout.changed" in kinds(found)


# -- Go loops: a background redial is not a nested retry; a labelled break is a limit -----------------

def test_go_calling_a_function_that_retries_in_a_goroutine_is_not_nested(tmp_path):
    before = """package redis

func (c *ClusterClient) lazyReloadState() {
	go func() {
		for {
			state, err := c.reloadState()
			if err != nil {
				time.Sleep(time.Millisecond)
				continue
			}
			c.state = state
			break
		}
	}()
}
"""
    after = before + """
func (c *ClusterClient) process(cmd Cmder) error {
	var err error
	for attempt := 0; attempt <= c.opt.MaxRedirects; attempt++ {
		if attempt > 0 {
			time.Sleep(c.retryBackoff(attempt))
		}
		err = c.node().Process(cmd)
		if err == nil {
			return nil
		}
		c.lazyReloadState()
	}
	return err
}
"""
    found = findings(tmp_path, {"cluster.go": before}, {"cluster.go": after})
    assert "retry.added" in kinds(found)
    assert "retry.nested" not in kinds(found)
    # the same loop run in the caller's goroutine does multiply the attempts
    inline = after.replace("	go func() {\n", "	func() {\n")
    found = findings(tmp_path / "2", {"cluster.go": before.replace("	go func() {\n", "	func() {\n")},
                     {"cluster.go": inline})
    assert "retry.nested" in kinds(found)


def test_go_a_labelled_break_under_a_count_is_a_limit():
    text = """package retry

func Do(f func() error, attemptsForError map[error]int) error {
	n := 0
loop:
	for {
		err := f()
		if err == nil {
			return nil
		}
		for e, attempts := range attemptsForError {
			if errors.Is(err, e) {
				attempts--
				if attempts <= 0 {
					break loop
				}
			}
		}
		n++
		time.Sleep(time.Second)
	}
	return nil
}
"""
    tree = syntax.parse(text, "go")
    loops = [c for c in go.scan(syntax.Source("retry.go", "post", "go", text, tree)).constructs
             if c.library == "loop"]
    assert len(loops) == 1 and loops[0].attempts != float("inf")
    unbounded = text.replace("					break loop\n", "					continue\n")
    tree = syntax.parse(unbounded, "go")
    loops = [c for c in go.scan(syntax.Source("retry.go", "post", "go", unbounded, tree)).constructs
             if c.library == "loop"]
    assert len(loops) == 1 and loops[0].attempts == float("inf")


def test_a_timeout_name_that_replaces_another_on_a_short_line_is_a_change(tmp_path):
    before = """package timer

func arm(t *Timer) {
	if t.Stop() {
		drain(t)
	}
}
"""
    after = """package timer

func arm(t *Timer) {
	if stopNewTimeouts {
		drain(t)
	}
}
"""
    found = findings(tmp_path, {"timer.go": before}, {"timer.go": after})
    assert "timeout.changed" in kinds(found)


# -- a hand-written retry loop: what decides whether it goes round again ------------------------------

GO_LOOP = """package backoff

func RetryNotify(operation Operation, b BackOff, notify Notify) error {
	var err error
	var next time.Duration
	b.Reset()
	for {
		if err = operation(); err == nil {
			return nil
		}
		if next = b.NextBackOff(); next == Stop {
			return err
		}
		if notify != nil {
			notify(err, next)
		}
		time.Sleep(next)
	}
}
"""


def test_go_a_loop_that_now_stops_on_a_permanent_error_is_a_retry_change(tmp_path):
    after = GO_LOOP.replace("""		if next = b.NextBackOff()""", """		if permanent, ok := err.(*PermanentError); ok {
			return permanent.Err
		}
		if next = b.NextBackOff()""")
    found = findings(tmp_path, {"retry.go": GO_LOOP}, {"retry.go": after})
    assert any(f.kind == "retry.changed" and "loop decides" in f.message for f in found)


def test_go_a_wait_that_cancellation_ends_is_a_retry_change(tmp_path):
    after = GO_LOOP.replace("		time.Sleep(next)\n", """		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(next):
		}
""")
    found = findings(tmp_path, {"retry.go": GO_LOOP}, {"retry.go": after})
    assert "retry.changed" in kinds(found)


def test_go_logging_and_choosing_the_error_to_return_change_no_retry(tmp_path):
    after = (GO_LOOP.replace("		time.Sleep(next)\n", """		log.Printf("retrying in %s after %v", next, err)
		time.Sleep(next)
""").replace("""			return err
		}
		if notify""", """			if lastErrorOnly {
				return err
			}
			return errorLog
		}
		if notify"""))
    found = findings(tmp_path, {"retry.go": GO_LOOP}, {"retry.go": after})
    assert not kinds(found) & {"retry.changed", "retry.added", "retry.removed"}


def test_java_a_loop_that_now_gives_up_on_an_exception_is_a_retry_change(tmp_path):
    before = """package x;

class Sender {
    Response send(Request request) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < maxAttempts; attempt++) {
            try {
                return transport.execute(request);
            } catch (IOException ex) {
                if (LOG.isDebugEnabled()) {
                    LOG.debug("attempt " + attempt + " failed");
                }
                Thread.sleep(backoffMillis);
            }
        }
        throw new IOException("gave up");
    }
}
"""
    after = before.replace("""                if (LOG.isDebugEnabled()) {""", """                if (ex instanceof SSLException) {
                    throw ex;
                }
                if (LOG.isDebugEnabled()) {""")
    found = findings(tmp_path, {"src/main/java/x/Sender.java": before}, {"src/main/java/x/Sender.java": after})
    assert "retry.changed" in kinds(found)
    quieter = before.replace("""                if (LOG.isDebugEnabled()) {
                    LOG.debug("attempt " + attempt + " failed");
                }
""", """                LOG.warn("attempt {} failed", attempt, ex);
""")
    found = findings(tmp_path / "2", {"src/main/java/x/Sender.java": before}, {"src/main/java/x/Sender.java": quieter})
    assert not kinds(found) & {"retry.changed", "retry.added", "retry.removed"}


def test_java_a_loop_that_asks_a_retry_handler_has_no_known_backoff(tmp_path):
    before = """package x;

class Director {
    void connect(Route route, Context context) throws IOException {
        managedConn.open(route, context);
    }
}
"""
    asks = """package x;

class Director {
    void connect(Route route, Context context) throws IOException {
        int connectCount = 0;
        for (;;) {
            connectCount++;
            try {
                managedConn.open(route, context);
                break;
            } catch (IOException ex) {
                if (!retryHandler.retryRequest(ex, connectCount, context)) {
                    throw ex;
                }
            }
        }
    }
}
"""
    found = findings(tmp_path, {"src/main/java/x/Director.java": before}, {"src/main/java/x/Director.java": asks})
    assert "retry.added" in kinds(found)
    assert "retry.without_backoff" not in kinds(found)
    # deciding by itself, with no wait, it does retry immediately
    own = asks.replace("!retryHandler.retryRequest(ex, connectCount, context)", "connectCount >= 3")
    found = findings(tmp_path / "2", {"src/main/java/x/Director.java": before}, {"src/main/java/x/Director.java": own})
    assert "retry.without_backoff" in kinds(found)


def test_go_trying_a_random_node_each_pass_is_no_retry_without_backoff(tmp_path):
    before = """package redis

func (c *ClusterClient) randomClient() (*Client, error) {
	return c.getClient(c.addrs[0]), nil
}
"""
    after = """package redis

func (c *ClusterClient) randomClient() (client *Client, err error) {
	for i := 0; i < 10; i++ {
		n := rand.Intn(len(c.addrs))
		client = c.getClient(c.addrs[n])
		err = client.Ping().Err()
		if err == nil {
			return client, nil
		}
	}
	return nil, err
}
"""
    found = findings(tmp_path, {"cluster.go": before}, {"cluster.go": after})
    assert "retry.added" in kinds(found)
    assert "retry.without_backoff" not in kinds(found)
    same = after.replace("		n := rand.Intn(len(c.addrs))\n		client = c.getClient(c.addrs[n])\n",
                         "		client = c.getClient(c.addr)\n")
    found = findings(tmp_path / "2", {"cluster.go": before}, {"cluster.go": same})
    assert "retry.without_backoff" in kinds(found)


def test_kotlin_a_new_timeout_option_defaulting_to_a_named_constant_is_a_timeout_change(tmp_path):
    before = """package okhttp3

class Builder {
  internal var pingInterval = 0

  fun pingInterval(interval: Long): Builder = apply { pingInterval = interval.toInt() }
}
"""
    after = before.replace("""  internal var pingInterval = 0
""", """  internal var pingInterval = 0
  internal var webSocketCloseTimeout = RealWebSocket.CANCEL_AFTER_CLOSE_MILLIS.toInt()
""")
    found = findings(tmp_path, {"okhttp/src/main/kotlin/okhttp3/Builder.kt": before},
                     {"okhttp/src/main/kotlin/okhttp3/Builder.kt": after})
    assert "timeout.added" in kinds(found)
    # a value computed at run time is still no setting
    computed = before.replace("""  internal var pingInterval = 0
""", """  internal var pingInterval = 0
  internal var webSocketCloseTimeout = defaults.closeTimeout()
""")
    found = findings(tmp_path / "2", {"okhttp/src/main/kotlin/okhttp3/Builder.kt": before},
                     {"okhttp/src/main/kotlin/okhttp3/Builder.kt": computed})
    assert "timeout.added" not in kinds(found)


def test_java_zero_millis_written_as_a_timeout_constant_is_the_same_wait(tmp_path):
    before = """package x;

final class ManagedConnection extends BHttpConnection {
    @Override
    public void passivate() {
        super.setSocketTimeoutMillis(0);
    }
}
"""
    after = before.replace("super.setSocketTimeoutMillis(0);", "super.setSocketTimeout(Timeout.ZERO_MILLISECONDS);")
    found = findings(tmp_path, {"src/main/java/x/ManagedConnection.java": before},
                     {"src/main/java/x/ManagedConnection.java": after})
    assert not kinds(found) & {"timeout.changed", "timeout.added", "timeout.removed"}
    bounded = before.replace("super.setSocketTimeoutMillis(0);", "super.setSocketTimeout(Timeout.ofSeconds(5));")
    found = findings(tmp_path / "2", {"src/main/java/x/ManagedConnection.java": before},
                     {"src/main/java/x/ManagedConnection.java": bounded})
    assert kinds(found) & {"timeout.changed", "timeout.added", "timeout.removed"}


def test_java_socket_timeout_zero_on_any_connection_is_no_timeout():
    from mergeguard.features.resilience import java
    text = """class Pool {
    void lease(ManagedConnection conn, Endpoint endpoint) {
        conn.setSocketTimeoutMillis(0);
        endpoint.setSocketTimeout(5000);
    }
}
"""
    tree = syntax.parse(text, "java")
    found = [c for c in java.scan(syntax.Source("P.java", "post", "java", text, tree)).constructs
             if c.kind == "timeout" and c.library != "setting"]
    by_line = {c.line: c.seconds for c in found}
    assert by_line[3] == float("inf") and by_line[4] == 5.0


def test_csharp_should_retry_body_change_and_rename():
    before = """namespace Shop.Http;

public class TransientPolicy
{
    public bool ShouldRetry(HttpResponseMessage response, int attempt)
    {
        if (attempt >= 3) return false;
        return response.StatusCode == HttpStatusCode.ServiceUnavailable;
    }
}
"""
    renamed = before.replace("response", "reply")
    more = before.replace("return response.StatusCode == HttpStatusCode.ServiceUnavailable;",
                          "return response.StatusCode == HttpStatusCode.ServiceUnavailable\n"
                          "            || (int)response.StatusCode == 429;")
    values = [[c.value for c in policies(t, "csharp")] for t in (before, renamed, more)]
    assert len(values[0]) == 1 and values[0] == values[1] and values[0] != values[2]


def test_go_a_new_context_deadline_from_a_configured_value_is_a_timeout_change(tmp_path):
    before = """package pool

func (p *ConnPool) dialInBackground() {
	cn, err := p.cfg.Dialer(context.Background())
	p.queue <- result{cn, err}
}
"""
    after = before.replace("""	cn, err := p.cfg.Dialer(context.Background())""", """	dialCtx, cancel := context.WithTimeout(context.Background(), p.cfg.DialTimeout)
	defer cancel()
	cn, err := p.cfg.Dialer(dialCtx)""")
    found = findings(tmp_path, {"internal/pool/pool.go": before}, {"internal/pool/pool.go": after})
    assert "timeout.added" in kinds(found)
    # handing the same deadline on under another name is no change
    renamed = after.replace("p.cfg.DialTimeout", "p.opt.DialTimeout")
    found = findings(tmp_path / "2", {"internal/pool/pool.go": after}, {"internal/pool/pool.go": renamed})
    assert not kinds(found) & {"timeout.changed", "timeout.added", "timeout.removed"}


def test_kotlin_a_with_timeout_block_on_a_configured_value_removed_is_a_timeout_change(tmp_path):
    before = """package io.ktor.client.engine.cio

internal class Endpoint(private val config: CIOEngineConfig) {
    private suspend fun receive(input: ByteReadChannel): Frame {
        return withTimeout(config.endpoint.socketTimeout) {
            input.readFrame()
        }
    }
}
"""
    after = before.replace("""        return withTimeout(config.endpoint.socketTimeout) {
            input.readFrame()
        }""", """        lastActivity = now()
        return input.readFrame()""")
    path = "ktor-client/ktor-client-cio/common/src/io/ktor/client/engine/cio/Endpoint.kt"
    found = findings(tmp_path, {path: before}, {path: after})
    assert "timeout.removed" in kinds(found)
    renamed = before.replace("config.endpoint.socketTimeout", "endpointConfig.socketTimeout")
    found = findings(tmp_path / "2", {path: before}, {path: renamed})
    assert not kinds(found) & {"timeout.changed", "timeout.added", "timeout.removed"}
