"""Round 4 of issue 13 (Go, Java, Kotlin, C#): rules that decide by what a change does to the retry or
timeout decision, not by the text of a construct changing. Retyping, a change to the retried operation,
a validation helper, a state accessor or taking an address decides nothing; a changed bound, error or
delay still does. Realistic service/client code written for these tests; real parses, real git diffs."""

from __future__ import annotations

from mergeguard.features import syntax
from mergeguard.features.resilience import policy_functions
from tests.retry_changes import findings, kinds

RETRY = {"retry.changed", "retry.added", "retry.removed"}
TIMEOUT = {"timeout.changed", "timeout.added", "timeout.removed"}


def policies(text: str, language: str):
    tree = syntax.parse(text, language)
    assert tree is not None, f"no {language} grammar installed"
    return policy_functions.scan(syntax.Source("f", "post", language, text, tree))


# -- typing is no decision ----------------------------------------------------------------------------

JAVA_HANDLER = """package com.acme.client;

public class UploadRetryHandler {
    private final int maxRetries = 3;

    public boolean retryRequest(IOException exception, int executionCount) {
        if (executionCount > maxRetries) {
            return false;
        }
        Set<Class<? extends IOException>> fatal = new HashSet<>(Arrays.asList(UnknownHostException.class));
        for (Class<? extends IOException> c : fatal) {
            if (c.isInstance(exception)) {
                return false;
            }
        }
        return !(exception instanceof SSLException);
    }
}
"""


def test_java_retyping_a_retry_decision_is_no_retry_change(tmp_path):
    # generics, final and an annotation added: the same bound, the same errors, the same answer
    after = (JAVA_HANDLER
             .replace("Set<Class<? extends IOException>> fatal = new HashSet<>(",
                      "@SuppressWarnings(\"unchecked\") final Collection<Class<? extends Exception>> fatal = "
                      "new LinkedHashSet<Class<? extends Exception>>(")
             .replace("for (Class<? extends IOException> c : fatal)", "for (final Class<?> c : fatal)")
             .replace("public boolean retryRequest(IOException exception, int executionCount)",
                      "public boolean retryRequest(final IOException exception, final int executionCount)"))
    path = "src/main/java/com/acme/client/UploadRetryHandler.java"
    found = findings(tmp_path, {path: JAVA_HANDLER}, {path: after})
    assert not kinds(found) & RETRY


def test_java_a_new_non_retried_error_is_still_a_retry_change(tmp_path):
    after = JAVA_HANDLER.replace("return !(exception instanceof SSLException);",
                                 "return !(exception instanceof SSLException || exception instanceof ConnectException);")
    path = "src/main/java/com/acme/client/UploadRetryHandler.java"
    found = findings(tmp_path, {path: JAVA_HANDLER}, {path: after})
    assert "retry.changed" in kinds(found)


def test_the_type_a_catch_or_an_is_tests_stays_a_decision():
    java = """class Policy {
    boolean shouldRetry(Exception e) {
        try { throw e; } catch (SocketTimeoutException | ConnectException x) { return true; } catch (Exception x) { return false; }
    }
}
"""
    kotlin = """class Policy {
    fun shouldRetry(e: Throwable): Boolean = when (e) {
        is SocketTimeoutException -> true
        else -> false
    }
}
"""
    (j,) = policies(java, "java")
    (k,) = policies(kotlin, "kotlin")
    assert j.value != policies(java.replace("ConnectException", "UnknownHostException"), "java")[0].value
    assert k.value != policies(kotlin.replace("SocketTimeoutException", "ConnectException"), "kotlin")[0].value


# -- the retried operation is not the retry -------------------------------------------------------------

KOTLIN_WRAPPER = """package com.acme.billing

class InvoiceClient(private val http: HttpClient) {
    suspend fun fetchWithRetry(id: String): Invoice {
        var attempt = 0
        while (true) {
            try {
                return http.get("/invoices/$id").body()
            } catch (e: IOException) {
                if (++attempt >= 3) throw e
                delay(200L * attempt)
            }
        }
    }
}
"""


def test_kotlin_changing_the_operation_inside_a_with_retry_function_is_no_retry_change(tmp_path):
    after = KOTLIN_WRAPPER.replace('''                return http.get("/invoices/$id").body()''', '''                val response = http.get("/v2/invoices/$id") { header("Accept", "application/json") }
                if (response.status.value == 404) return Invoice.missing(id)
                return response.body()''')
    path = "src/main/kotlin/com/acme/billing/InvoiceClient.kt"
    found = findings(tmp_path, {path: KOTLIN_WRAPPER}, {path: after})
    assert not kinds(found) & RETRY


def test_kotlin_changing_the_bound_inside_a_with_retry_function_is_a_retry_change(tmp_path):
    after = KOTLIN_WRAPPER.replace("if (++attempt >= 3) throw e", "if (++attempt >= 5) throw e")
    path = "src/main/kotlin/com/acme/billing/InvoiceClient.kt"
    found = findings(tmp_path, {path: KOTLIN_WRAPPER}, {path: after})
    assert "retry.changed" in kinds(found)


def test_wrappers_validators_and_withers_by_name():
    for name in ("doWithRetry", "executeWithRetries", "callWithBackoff", "runWithTimeout", "isValidRetryPolicy",
                 "validateRetryConfig", "verifyTimeoutSettings"):
        assert policy_functions.classify(name) is None, name
    # a wither sets a retry setting; a decision keeps its name
    for name in ("withRetryOnConnectionFailure", "withRetry", "shouldRetry", "retryRequest"):
        assert policy_functions.classify(name) == "retry", name


# -- a question about an execution's state reports a decision, it does not make one ----------------------

def test_a_state_accessor_is_not_a_policy_but_a_decision_with_no_arguments_is():
    java = """class ExecutionImpl {
    private int attempts;
    private int maxAttempts;
    public boolean isRetry() { return attempts > 1; }
    public boolean hasRetried() { return attempts > 1; }
    public boolean canRetry() { return attempts < maxAttempts; }
    public boolean isRetryable() { return status >= 500 && status != 501; }
    public boolean isRetryFor(Throwable t) { return t instanceof IOException; }
}
"""
    names = sorted(c.target for c in policies(java, "java"))
    assert names == ["ExecutionImpl.canRetry/0", "ExecutionImpl.isRetryFor/1", "ExecutionImpl.isRetryable/0"]
    go = """package retry

func (e *Execution) IsRetry() bool { return e.attempts > 1 }

func (e *Error) IsRetryable() bool { return e.Code >= 500 }
"""
    assert [c.target for c in policies(go, "go")] == ["Error.IsRetryable"]


# -- Go: building an options struct by address is handing values on ------------------------------------

GO_CACHE = """package cache

import "time"

type expiringCache struct {
	timeout time.Duration
	items   map[string]*entry
}

func newExpiringCache(ttl time.Duration) *expiringCache {
	return &expiringCache{items: make(map[string]*entry)}
}
"""


def test_go_a_field_set_in_an_addressed_struct_literal_is_no_timeout_logic(tmp_path):
    after = GO_CACHE.replace("return &expiringCache{items: make(map[string]*entry)}",
                             "return &expiringCache{\n\t\ttimeout: ttl,\n\t\titems:   make(map[string]*entry),\n\t}")
    found = findings(tmp_path, {"cache.go": GO_CACHE}, {"cache.go": after})
    assert not kinds(found) & TIMEOUT


def test_go_a_changed_comparison_with_a_timeout_is_still_timeout_logic(tmp_path):
    before = """package client

import "time"

func (c *Client) effectiveTimeout(d time.Duration) time.Duration {
	return d
}

func (c *Client) dial(d time.Duration) error {
	if c.opt.DialTimeout > 0 && d > c.opt.DialTimeout {
		d = c.opt.DialTimeout
	}
	return c.connect(d)
}
"""
    after = before.replace("if c.opt.DialTimeout > 0 && d > c.opt.DialTimeout {", "if d > c.opt.DialTimeout {")
    found = findings(tmp_path, {"client.go": before}, {"client.go": after})
    assert kinds(found) & TIMEOUT


# -- Go loops: only a loop that waits after a failure, or stops on success, retries --------------------

GO_GOSSIP = """package gossip

import (
	"log"
	"net"
	"time"
)

type Node struct {
	conn     *net.UDPConn
	stop     chan struct{}
	interval time.Duration
	logger   *log.Logger
}

func (n *Node) serve() {
	buf := make([]byte, 65536)
	n.handle(buf)
}
"""


def test_go_a_new_udp_read_loop_is_no_retry(tmp_path):
    after = GO_GOSSIP.replace("""	buf := make([]byte, 65536)
	n.handle(buf)""", """	buf := make([]byte, 65536)
	for {
		size, addr, err := n.conn.ReadFrom(buf)
		if err != nil {
			n.logger.Printf("[ERR] gossip: read failed: %v", err)
			continue
		}
		n.handle(buf[:size], addr)
	}""")
    found = findings(tmp_path, {"gossip.go": GO_GOSSIP}, {"gossip.go": after})
    assert not kinds(found) & (RETRY | {"retry.without_backoff", "retry.without_limit"})


def test_go_a_new_redial_loop_that_stops_on_success_is_a_retry(tmp_path):
    after = GO_GOSSIP.replace("""	buf := make([]byte, 65536)
	n.handle(buf)""", """	for {
		conn, err := net.ListenUDP("udp", n.addr)
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		n.conn = conn
		return
	}""")
    found = findings(tmp_path, {"gossip.go": GO_GOSSIP}, {"gossip.go": after})
    assert "retry.added" in kinds(found) and "retry.without_limit" in kinds(found)


def test_go_a_periodic_check_loop_is_no_retry_and_a_ticker_for_time_after_changes_nothing(tmp_path):
    periodic = GO_GOSSIP.replace("""	buf := make([]byte, 65536)
	n.handle(buf)""", """	for {
		select {
		case <-n.stop:
			return
		case <-time.After(n.interval):
		}
		if err := n.checkPeers(); err != nil {
			n.logger.Printf("[WARN] gossip: peer check failed: %v", err)
		}
	}""")
    found = findings(tmp_path, {"gossip.go": GO_GOSSIP}, {"gossip.go": periodic})
    assert not kinds(found) & (RETRY | {"retry.without_limit"})
    ticker = periodic.replace("""	for {
		select {""", """	t := time.NewTicker(n.interval)
	defer t.Stop()
	for {
		select {""").replace("case <-time.After(n.interval):", "case <-t.C:")
    found = findings(tmp_path / "2", {"gossip.go": periodic}, {"gossip.go": ticker})
    assert not kinds(found) & RETRY


def test_go_a_forever_reconnect_loop_that_waits_after_a_failure_is_a_retry(tmp_path):
    after = GO_GOSSIP.replace("""	buf := make([]byte, 65536)
	n.handle(buf)""", """	for {
		if err := n.runSession(); err != nil {
			n.logger.Printf("[WARN] gossip: session ended: %v", err)
			time.Sleep(5 * time.Second)
		}
	}""")
    found = findings(tmp_path, {"gossip.go": GO_GOSSIP}, {"gossip.go": after})
    assert "retry.added" in kinds(found) and "retry.without_limit" in kinds(found)


# -- Go: what a log line or a help text says is no change -----------------------------------------------

GO_PROBE = """package gossip

import (
	"net"
	"time"
)

func (n *Node) probe(addr string, timeout time.Duration) error {
	ack := make(chan struct{}, 1)
	go n.ping(addr, ack)
	select {
	case <-ack:
		return nil
	case <-time.After(timeout):
	}
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		n.logger.Printf("[ERR] fallback ping failed: %s", err)
		return err
	}
	return conn.Close()
}
"""


def test_go_logging_why_a_wait_or_a_dial_ended_is_no_timeout_change(tmp_path):
    after = (GO_PROBE
             .replace("	case <-time.After(timeout):\n", "	case <-time.After(timeout):\n"
                      "		n.logger.Printf(\"[DEBUG] ping %s: no ack (timeout reached)\", addr)\n")
             .replace("""		n.logger.Printf("[ERR] fallback ping failed: %s", err)""", """		var why string
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			why = "timeout: "
		}
		n.logger.Printf("[ERR] fallback ping failed: %s%s", why, err)"""))
    found = findings(tmp_path, {"probe.go": GO_PROBE}, {"probe.go": after})
    assert not kinds(found) & TIMEOUT


def test_go_giving_up_when_the_wait_ends_is_still_a_timeout(tmp_path):
    after = GO_PROBE.replace("	case <-time.After(timeout):\n", "	case <-time.After(timeout):\n"
                             "		return errProbeTimeout\n")
    found = findings(tmp_path, {"probe.go": GO_PROBE}, {"probe.go": after})
    assert kinds(found) & TIMEOUT


GO_FLAGS = """package main

import "time"

var dialTimeout time.Duration

func init() {
	rootCmd.Flags().DurationVar(&dialTimeout, "dial-timeout", 5*time.Second, "dial timeout for client connections")
}
"""


def test_go_rewording_a_flag_help_text_is_no_change_but_its_default_is(tmp_path):
    reworded = GO_FLAGS.replace("dial timeout for client connections", "how long a client waits to connect (default 5s)")
    found = findings(tmp_path, {"cmd/flags.go": GO_FLAGS}, {"cmd/flags.go": reworded})
    assert not kinds(found) & TIMEOUT
    longer = GO_FLAGS.replace("5*time.Second", "30*time.Second")
    found = findings(tmp_path / "2", {"cmd/flags.go": GO_FLAGS}, {"cmd/flags.go": longer})
    assert kinds(found) & TIMEOUT


# -- Go: a retry or timeout field of an options struct is a setting callers can set -------------------

GO_OPTIONS = """package cache

import "time"

// Options configure a Client.
type Options struct {
	Addr     string
	PoolSize int
}

type conn struct {
	addr string
}
"""


def test_go_a_new_timeout_or_retry_field_of_an_options_struct_is_a_setting(tmp_path):
    after = GO_OPTIONS.replace("""	PoolSize int
}""", """	PoolSize int

	// DialTimeout bounds how long a new connection may take.
	DialTimeout time.Duration
	// MaxRetries is how often a failed command is retried.
	MaxRetries int
}""")
    found = findings(tmp_path, {"options.go": GO_OPTIONS}, {"options.go": after})
    assert {"timeout.added", "retry.added"} <= kinds(found)


def test_go_a_timeout_field_of_internal_state_or_a_moved_option_field_is_no_setting(tmp_path):
    state = GO_OPTIONS.replace("""	addr string
}""", """	addr        string
	readTimeout time.Duration
}""")
    found = findings(tmp_path, {"options.go": GO_OPTIONS}, {"options.go": state})
    assert not kinds(found) & TIMEOUT
    with_field = GO_OPTIONS.replace("	PoolSize int\n", "	PoolSize int\n	DialTimeout time.Duration\n")
    moved = (GO_OPTIONS.replace("// Options configure a Client.\ntype Options struct", "// ClientOptions configure a Client.\n"
                                "type ClientOptions struct")
             .replace("	Addr     string\n", "	DialTimeout time.Duration\n	Addr     string\n"))
    found = findings(tmp_path / "2", {"options.go": with_field}, {"options.go": moved})
    assert not kinds(found) & TIMEOUT


def test_retransmitting_gossip_is_no_retry_name():
    assert policy_functions.classify("retransmitLimit") is None
    assert policy_functions.classify("maxretries") == "retry"
    assert policy_functions.classify("doretry") == "retry"


# -- Java/Kotlin: a timeout setter given a configured value applies a timeout ------------------------------

JAVA_CONN = """package com.acme.payments;

import java.net.Socket;

public class GatewayConnection {
    private final GatewayConfig config;
    private Socket socket;

    public GatewayConnection(GatewayConfig config) {
        this.config = config;
    }

    public void open() throws IOException {
        socket = new Socket();
        socket.connect(config.address());
        socket.setSoTimeout(config.getReadTimeoutMillis());
    }

    public void upgrade() throws IOException {
        socket = tls.wrap(socket);
    }
}
"""
JAVA_PATH = "src/main/java/com/acme/payments/GatewayConnection.java"


def test_java_a_configured_timeout_setter_that_goes_or_comes_is_a_timeout_change(tmp_path):
    gone = JAVA_CONN.replace("        socket.setSoTimeout(config.getReadTimeoutMillis());\n", "")
    found = findings(tmp_path, {JAVA_PATH: JAVA_CONN}, {JAVA_PATH: gone})
    assert "timeout.removed" in kinds(found)
    also = JAVA_CONN.replace("        socket = tls.wrap(socket);\n", "        socket = tls.wrap(socket);\n"
                             "        socket.setSoTimeout(config.getReadTimeoutMillis());\n")
    found = findings(tmp_path / "2", {JAVA_PATH: JAVA_CONN}, {JAVA_PATH: also})
    assert "timeout.added" in kinds(found)


def test_java_a_configured_timeout_setter_moved_or_in_a_new_wrapper_class_is_no_change(tmp_path):
    moved = (JAVA_CONN.replace("        socket.setSoTimeout(config.getReadTimeoutMillis());\n", "")
             .replace("        socket = tls.wrap(socket);\n", "        socket = tls.wrap(socket);\n"
                      "        socket.setSoTimeout(config.getReadTimeoutMillis());\n")
             .replace("    public void open() throws IOException {\n", "    public void open() throws IOException {\n"
                      "        upgrade();\n"))
    # the same setter, the same value, now in the method the connection goes through: moved
    found = findings(tmp_path, {JAVA_PATH: JAVA_CONN}, {JAVA_PATH: moved})
    assert not kinds(found) & {"timeout.added", "timeout.removed"}
    wrapper = """package com.acme.payments;

final class TracingSession implements Session {
    private final Session inner;

    TracingSession(Session inner) {
        this.inner = inner;
    }

    @Override
    public void setSocketTimeout(Timeout timeout) {
        inner.setSocketTimeout(timeout);
    }
}
"""
    found = findings(tmp_path / "2", {JAVA_PATH: JAVA_CONN},
                     {JAVA_PATH: JAVA_CONN, "src/main/java/com/acme/payments/TracingSession.java": wrapper})
    assert not kinds(found) & TIMEOUT


def test_java_httpcore5_timeout_values_are_read():
    from mergeguard.features.resilience import java
    text = """class C {
    void f(IOSession s, RequestConfig.Builder b) {
        s.setSocketTimeout(Timeout.ZERO_MILLISECONDS);
        b.setConnectTimeout(Timeout.ofSeconds(5));
        b.setResponseTimeout(Timeout.of(250, TimeUnit.MILLISECONDS));
        b.setConnectionRequestTimeout(config.requestTimeout());
    }
}
"""
    scan = java.scan(syntax.Source("C.java", "post", "java", text, syntax.parse(text, "java")))
    got = {c.target: (c.seconds, c.value) for c in scan.constructs if c.kind == "timeout"}
    assert got["setSocketTimeout"][0] == float("inf")
    assert got["setConnectTimeout"][0] == 5.0
    assert got["setResponseTimeout"][0] == 0.25
    assert got["setConnectionRequestTimeout"] == (None, "config.requestTimeout()")


KOTLIN_CLIENT = """package com.acme.search

class SearchClient(private val settings: SearchSettings) {
    private val http = OkHttpClient.Builder()
        .connectTimeout(settings.connectTimeout)
        .build()
}
"""


def test_kotlin_a_configured_read_timeout_added_to_a_client_builder_is_a_timeout_change(tmp_path):
    after = KOTLIN_CLIENT.replace("        .connectTimeout(settings.connectTimeout)\n",
                                  "        .connectTimeout(settings.connectTimeout)\n        .readTimeout(settings.readTimeout)\n")
    path = "src/main/kotlin/com/acme/search/SearchClient.kt"
    found = findings(tmp_path, {path: KOTLIN_CLIENT}, {path: after})
    assert "timeout.added" in kinds(found)


def test_go_a_loop_that_switches_on_err_and_returns_on_nil_is_a_retry(tmp_path):
    after = GO_GOSSIP.replace("""	buf := make([]byte, 65536)
	n.handle(buf)""", """	for {
		select {
		case <-n.stop:
			return
		default:
		}
		switch err := n.announce(); err {
		case nil:
			return
		case errShuttingDown:
			return
		default:
			n.logger.Printf("[WARN] gossip: announce failed: %v", err)
			time.Sleep(time.Second)
		}
	}""")
    found = findings(tmp_path, {"gossip.go": GO_GOSSIP}, {"gossip.go": after})
    assert "retry.added" in kinds(found) and "retry.without_limit" in kinds(found)
    assert "retry.without_backoff" not in kinds(found)


def test_go_a_switch_on_err_that_only_logs_in_a_serving_loop_is_no_retry(tmp_path):
    after = GO_GOSSIP.replace("""	buf := make([]byte, 65536)
	n.handle(buf)""", """	buf := make([]byte, 65536)
	for {
		size, err := n.conn.Read(buf)
		switch err {
		case nil:
			n.handle(buf[:size])
		default:
			n.logger.Printf("[ERR] gossip: read: %v", err)
		}
	}""")
    found = findings(tmp_path, {"gossip.go": GO_GOSSIP}, {"gossip.go": after})
    assert not kinds(found) & (RETRY | {"retry.without_limit", "retry.without_backoff"})


def test_go_a_retry_loop_that_waits_through_a_helper_has_a_backoff_of_unknown_shape(tmp_path):
    after = GO_GOSSIP.replace("""	buf := make([]byte, 65536)
	n.handle(buf)""", """	for attempt := 0; attempt < 5; attempt++ {
		if err := n.announce(); err == nil {
			return
		}
		n.reconnectWait(attempt)
	}""")
    found = findings(tmp_path, {"gossip.go": GO_GOSSIP}, {"gossip.go": after})
    assert "retry.added" in kinds(found) and "retry.without_backoff" not in kinds(found)
    # a WaitGroup's Wait is no wait between attempts
    spin = after.replace("n.reconnectWait(attempt)", "n.pending.Wait()")
    found = findings(tmp_path / "2", {"gossip.go": GO_GOSSIP}, {"gossip.go": spin})
    assert "retry.without_backoff" in kinds(found)


def test_go_waiting_for_a_leader_is_no_delay_between_attempts(tmp_path):
    after = GO_GOSSIP.replace("""	buf := make([]byte, 65536)
	n.handle(buf)""", """	for attempt := 0; attempt < 5; attempt++ {
		if err := n.waitLeader(); err != nil {
			return
		}
		if err := n.announce(); err == nil {
			return
		}
	}""")
    found = findings(tmp_path, {"gossip.go": GO_GOSSIP}, {"gossip.go": after})
    assert "retry.without_backoff" in kinds(found)


GO_CMD = """package command

import "context"

func getCommand(c *cli.Context, ki client.KeysAPI, key string) error {
	resp, err := ki.Get(context.TODO(), key, nil)
	if err != nil {
		return err
	}
	printResponse(resp)
	return nil
}
"""


def test_go_a_context_from_the_projects_own_deadline_helper_is_a_timeout(tmp_path):
    after = GO_CMD.replace("""	resp, err := ki.Get(context.TODO(), key, nil)""", """	ctx, cancel := contextWithTotalTimeout(c)
	resp, err := ki.Get(ctx, key, nil)
	cancel()""")
    found = findings(tmp_path, {"command/get.go": GO_CMD}, {"command/get.go": after})
    assert "timeout.added" in kinds(found)
    # a helper that only reads a timeout hands back no cancel function: not a deadline applied here
    reads = GO_CMD.replace("""	resp, err := ki.Get(context.TODO(), key, nil)""", """	d := getTimeout(c)
	resp, err := ki.GetWithin(context.TODO(), key, d)""")
    found = findings(tmp_path / "2", {"command/get.go": GO_CMD}, {"command/get.go": reads})
    assert "timeout.added" not in kinds(found)


GO_PEER = """package peer

import (
	"net/http"
	"time"
)

func newPeerClient(cfg Config) *http.Client {
	tr := &http.Transport{
		MaxIdleConnsPerHost: 16,
	}
	tr.TLSClientConfig = cfg.TLS
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}
"""


def test_go_a_timeout_field_set_on_a_transport_is_a_timeout(tmp_path):
    after = GO_PEER.replace("	tr.TLSClientConfig = cfg.TLS\n",
                            "	tr.TLSClientConfig = cfg.TLS\n	tr.ResponseHeaderTimeout = defaultTick * heartbeatTicks\n")
    found = findings(tmp_path, {"peer/client.go": GO_PEER}, {"peer/client.go": after})
    assert "timeout.added" in kinds(found)
    # the same field of a struct of the project's own is its business (an options copy, say)
    own = after.replace("tr := &http.Transport{", "tr := &peerOptions{")
    found = findings(tmp_path / "2", {"peer/client.go": GO_PEER.replace("tr := &http.Transport{", "tr := &peerOptions{")},
                     {"peer/client.go": own})
    assert "timeout.added" not in kinds(found)


def test_go_a_timeout_field_set_on_a_transport_made_with_new_is_a_timeout(tmp_path):
    before = GO_PEER.replace("""	tr := &http.Transport{
		MaxIdleConnsPerHost: 16,
	}""", "	tr := new(http.Transport)")
    after = before.replace("	tr.TLSClientConfig = cfg.TLS\n", "	tr.TLSClientConfig = cfg.TLS\n	tr.ResponseHeaderTimeout = 0\n")
    found = findings(tmp_path, {"peer/client.go": before}, {"peer/client.go": after})
    assert "timeout.added" in kinds(found) and "timeout.unbounded" in kinds(found)


GO_FALLBACK = """package gossip

import "time"

func (m *Memberlist) fallbackPing(addr string, deadline time.Time) error {
	conn, err := m.transport.DialTimeout(addr, m.config.TCPTimeout)
	if err != nil {
		return err
	}
	return conn.Close()
}
"""


def test_go_a_dial_timeout_computed_from_something_else_is_a_timeout_change(tmp_path):
    after = GO_FALLBACK.replace("m.transport.DialTimeout(addr, m.config.TCPTimeout)",
                                "m.transport.DialTimeout(addr, deadline.Sub(time.Now()))")
    found = findings(tmp_path, {"net.go": GO_FALLBACK}, {"net.go": after})
    assert "timeout.changed" in kinds(found)
    # the same setting read through another object is the same wait
    moved = GO_FALLBACK.replace("m.transport.DialTimeout(addr, m.config.TCPTimeout)",
                                "m.transport.DialTimeout(addr, m.opts.TCPTimeout)")
    found = findings(tmp_path / "2", {"net.go": GO_FALLBACK}, {"net.go": moved})
    assert not kinds(found) & TIMEOUT


def test_go_a_reconnect_and_read_again_loop_is_a_retry_without_backoff(tmp_path):
    # labelling rules: a loop that reconnects after a failed read and reads again, with no delay, is
    # a retry with no delay; this one also never gives up, and is reported once, as the worse
    # (retry.without_limit), with the missing delay in its message
    after = GO_GOSSIP.replace("""	buf := make([]byte, 65536)
	n.handle(buf)""", """	buf := make([]byte, 65536)
	for {
		size, err := n.conn.Read(buf)
		if err != nil {
			n.conn, _ = net.DialUDP("udp", nil, n.peer)
			continue
		}
		n.handle(buf[:size])
	}""")
    found = findings(tmp_path, {"gossip.go": GO_GOSSIP}, {"gossip.go": after})
    assert {"retry.added", "retry.without_limit"} <= kinds(found)
    assert "retry.without_backoff" not in kinds(found)
