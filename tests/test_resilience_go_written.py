"""Go shapes of issue 13 found by writing idiomatic retry and timeout changes (net/http, context, flag,
loggers) rather than by reading corpus commits: each positive beside a negative of the same shape.
Real git histories and real tree-sitter parses."""

from __future__ import annotations

from tests.retry_changes import file_findings as findings
from tests.retry_changes import findings as all_findings
from tests.retry_changes import kinds

# -- a log line in a retry loop reports, it decides nothing -----------------------------------------------

SEND = '''package client

import (
	"log"
	"time"
)

func (c *Client) sendWithRetry(req *Request) error {
	for attempt := 0; attempt < 3; attempt++ {
		if err := c.send(req); err != nil {
			log.Printf("send failed: %v", err)
			time.Sleep(time.Second)
			continue
		}
		return nil
	}
	return errFailed
}
'''


def test_go_an_attempt_number_added_to_a_log_line_is_no_retry_change(tmp_path):
    for i, told in enumerate(('log.Printf("send failed (attempt %d, will retry): %v", attempt+1, err)',
                              'c.logger.Warnf("send failed on attempt %d of %d", attempt+1, 3)',
                              'c.log.Warn("send failed", zap.Int("attempt", attempt+1), zap.Error(err))')):
        after = SEND.replace('log.Printf("send failed: %v", err)', told)
        assert kinds(findings(tmp_path / str(i), "client.go", SEND, after)) == set(), told


def test_go_the_same_computation_deciding_the_wait_is_a_retry_change(tmp_path):
    after = SEND.replace("time.Sleep(time.Second)", "time.Sleep(time.Duration(attempt+1) * time.Second)")
    assert "retry.changed" in kinds(findings(tmp_path, "client.go", SEND, after))


# -- http.TimeoutHandler: the duration is its second argument -----------------------------------------------

ROUTES = '''package app

import (
	"net/http"
	"time"
)

func (a *App) routes() http.Handler {
	return http.TimeoutHandler(a.mux, 30*time.Second, "request timed out")
}
'''


def test_go_a_timeout_handler_given_another_duration_is_a_timeout_change(tmp_path):
    after = ROUTES.replace("30*time.Second", "60*time.Second")
    assert "timeout.changed" in kinds(findings(tmp_path, "routes.go", ROUTES, after))


def test_go_a_timeout_handler_given_another_message_is_no_change(tmp_path):
    after = ROUTES.replace('"request timed out"', '"the request took too long"')
    assert kinds(findings(tmp_path, "routes.go", ROUTES, after)) == set()


# -- command-line flags: a retry or timeout setting with its default ----------------------------------------

FLAGS = '''package main

import (
	"flag"
	"time"
)

var (
	listen      = flag.String("listen", ":8080", "address to listen on")
	readTimeout = flag.Duration("read-timeout", 5*time.Second, "maximum duration for reading a request")
	pollEvery   = flag.Duration("poll-interval", 10*time.Second, "how often to refresh the routes")
)

func register(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.Addr, "addr", ":8080", "listen address")
}
'''


def test_go_a_timeout_flag_given_another_default_is_a_timeout_change(tmp_path):
    after = FLAGS.replace("5*time.Second", "15*time.Second")
    assert "timeout.changed" in kinds(findings(tmp_path, "main.go", FLAGS, after))


def test_go_a_timeout_or_retry_flag_added_to_a_flag_set_is_a_setting_added(tmp_path):
    after = FLAGS.replace('''	fs.StringVar(&c.Addr, "addr", ":8080", "listen address")
''', '''	fs.StringVar(&c.Addr, "addr", ":8080", "listen address")
	fs.DurationVar(&c.Drain, "shutdown-timeout", 30*time.Second, "how long to wait for connections to drain")
''')
    found = findings(tmp_path / "1", "main.go", FLAGS, after)
    assert {f.category for f in found} == {"timeout"}
    after = FLAGS.replace('''	fs.StringVar(&c.Addr, "addr", ":8080", "listen address")
''', '''	fs.StringVar(&c.Addr, "addr", ":8080", "listen address")
	fs.IntVarP(&c.Tries, "max-retries", "r", 3, "attempts after the first")
''')
    assert {f.category for f in findings(tmp_path / "2", "main.go", FLAGS, after)} == {"retry"}


def test_go_a_poll_interval_flag_or_a_help_text_changed_is_no_change(tmp_path):
    after = FLAGS.replace("10*time.Second", "30*time.Second").replace(
        "maximum duration for reading a request", "how long a request's body may take to arrive")
    assert kinds(findings(tmp_path, "main.go", FLAGS, after)) == set()


# -- a setting parsed into a local first, to check the error ------------------------------------------------

ENV = '''package config

import (
	"os"
	"time"
)

func fromEnv(c *Config) error {
	c.Addr = os.Getenv("APP_ADDR")
	return nil
}
'''


def test_go_a_timeout_parsed_from_the_environment_through_a_local_is_a_setting_added(tmp_path):
    after = ENV.replace('''	return nil
}''', '''	if v := os.Getenv("APP_DIAL_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return err
		}
		c.DialTimeout = d
	}
	return nil
}''')
    assert "timeout.added" in kinds(findings(tmp_path, "env.go", ENV, after))


def test_go_a_non_timeout_value_parsed_through_a_local_is_no_setting(tmp_path):
    after = ENV.replace('''	return nil
}''', '''	if v := os.Getenv("APP_MAX_BODY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		c.MaxBody = n
	}
	return nil
}''')
    assert kinds(findings(tmp_path, "env.go", ENV, after)) == set()


# -- the caller's context given to a call that had none, or had a fresh one ----------------------------------

GET = '''package client

import (
	"context"
	"database/sql"
	"net/http"
)

func (c *Client) get(url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return c.hc.Do(req)
}

func (s *Store) count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(context.Background(), "SELECT count(*) FROM items").Scan(&n)
	return n, err
}
'''


def test_go_a_request_given_the_callers_context_is_a_timeout_change(tmp_path):
    after = GET.replace("get(url string)", "get(ctx context.Context, url string)").replace(
        "http.NewRequest(http.MethodGet", "http.NewRequestWithContext(ctx, http.MethodGet")
    assert "timeout.added" in kinds(findings(tmp_path / "1", "client.go", GET, after))
    after = GET.replace("QueryRowContext(context.Background(),", "QueryRowContext(ctx,")
    assert "timeout.added" in kinds(findings(tmp_path / "2", "client.go", GET, after))


def test_go_the_callers_context_taken_away_is_a_timeout_removed(tmp_path):
    before = GET.replace("QueryRowContext(context.Background(),", "QueryRowContext(ctx,")
    assert "timeout.removed" in kinds(findings(tmp_path, "client.go", before, GET))


def test_go_new_code_passing_its_context_on_or_to_a_logger_is_no_timeout_change(tmp_path):
    after = GET + '''
func (s *Store) names(ctx context.Context) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, "SELECT name FROM items")
}
'''
    assert kinds(findings(tmp_path / "1", "client.go", GET, after)) == set()
    before = GET.replace("QueryRowContext(context.Background(),", "QueryRowContext(ctx,")
    after = before.replace("	var n int\n", "	var n int\n	s.log.InfoContext(ctx, \"counting items\")\n"
                           "	ctx, span := s.tracer.Start(ctx, \"count\")\n	defer span.End()\n"
                           "	ctx = metadata.NewOutgoingContext(ctx, s.md)\n	ctx = peer.NewContext(ctx, s.peer)\n")
    assert kinds(findings(tmp_path / "2", "client.go", before, after)) == set()


# -- a backoff type's method that works out the wait ---------------------------------------------------------

BACKOFF = '''package backoff

import "time"

type Backoff struct {
	base, max time.Duration
}

func (b *Backoff) Max() time.Duration {
	return b.max
}

func (b *Backoff) next(attempt int) time.Duration {
	d := b.base << uint(attempt)
	if d > b.max {
		d = b.max
	}
	return d
}
'''


def test_go_a_jitter_added_to_a_backoff_types_method_is_a_retry_change(tmp_path):
    after = BACKOFF.replace("	return d\n}", "	return d/2 + time.Duration(rand.Int63n(int64(d/2)+1))\n}")
    assert "retry.changed" in kinds(findings(tmp_path, "backoff.go", BACKOFF, after))


def test_go_a_backoff_types_getter_or_renamed_locals_are_no_retry_change(tmp_path):
    after = BACKOFF.replace("return b.max\n", "return b.max // the cap\n").replace("d := ", "wait := ").replace(
        "if d > b.max {\n\t\td = b.max", "if wait > b.max {\n\t\twait = b.max").replace("return d\n", "return wait\n")
    assert kinds(findings(tmp_path / "1", "backoff.go", BACKOFF, after)) == set()
    poller = BACKOFF.replace("Backoff", "Poller")
    after = poller.replace("	return d\n}", "	return d/2 + time.Duration(rand.Int63n(int64(d/2)+1))\n}")
    assert kinds(findings(tmp_path / "2", "poller.go", poller, after)) == set()


# -- a select that gives up after a configured time ----------------------------------------------------------

AWAIT = '''package client

import (
	"errors"
	"time"
)

func (c *Client) await(ch <-chan *Reply) (*Reply, error) {
	return <-ch, nil
}
'''


def test_go_a_select_that_now_gives_up_after_a_configured_time_is_a_timeout_added(tmp_path):
    after = AWAIT.replace("	return <-ch, nil\n", '''	select {
	case r := <-ch:
		return r, nil
	case <-time.After(c.replyTimeout):
		return nil, errors.New("no reply")
	}
''')
    assert "timeout.added" in kinds(findings(tmp_path, "await.go", AWAIT, after))


def test_go_a_new_function_selecting_on_its_callers_timeout_is_plumbing(tmp_path):
    after = AWAIT + '''
func awaitFor(ch <-chan *Reply, timeout time.Duration) (*Reply, error) {
	select {
	case r := <-ch:
		return r, nil
	case <-time.After(timeout):
		return nil, errors.New("no reply")
	}
}
'''
    assert kinds(findings(tmp_path, "await.go", AWAIT, after)) == set()



def test_go_a_context_carrying_a_value_moved_to_another_file_is_no_timeout_change(tmp_path):
    """peer.NewContext(ctx, p) is no context-taking twin of a ``peer.New``: moved from the transport to the
    server, beside other changed lines that call a ``New...``, it stays no timeout change."""
    transport = """package transport

import (
	"context"

	"google.golang.org/grpc/peer"
)

func (t *serverTransport) handle(ctx context.Context, s *Stream) {
	ctx = peer.NewContext(ctx, t.peer)
	s.ctx = ctx
}
"""
    server = """package grpc

import (
	"context"
)

func (s *Server) serveStream(ctx context.Context, st *Stream) {
	st.reader = NewReader(st)
	s.dispatch(st)
}
"""
    before = {"internal/transport/handler.go": transport, "server.go": server}
    after = {"internal/transport/handler.go": transport.replace("	ctx = peer.NewContext(ctx, t.peer)\n",
                                                                "	s.buf = NewRecvBuffer()\n"),
             "server.go": server.replace("	st.reader = NewReader(st)\n", "	st.ctx = peer.NewContext(ctx, st.peer)\n")}
    assert all_findings(tmp_path, before, after) == []


# -- a literal wait given a name -------------------------------------------------------------------------------

OPEN = '''package client

import (
	"net"
	"time"
)

func (c *Client) open() (net.Conn, error) {
	return net.DialTimeout("tcp", c.addr, 5*time.Second)
}
'''


def test_go_a_literal_timeout_moved_into_a_constant_of_the_same_length_is_no_change(tmp_path):
    after = OPEN.replace("func (c *Client) open()", "const dialTimeout = 5 * time.Second\n\nfunc (c *Client) open()").replace(
        "5*time.Second)", "dialTimeout)")
    assert kinds(findings(tmp_path, "open.go", OPEN, after)) == set()


def test_go_a_literal_timeout_moved_into_a_constant_of_another_length_is_a_change(tmp_path):
    after = OPEN.replace("func (c *Client) open()", "const dialTimeout = 10 * time.Second\n\nfunc (c *Client) open()").replace(
        "5*time.Second)", "dialTimeout)")
    assert "timeout.changed" in kinds(findings(tmp_path / "1", "open.go", OPEN, after))
    after = OPEN + '''
const probeTimeout = 5 * time.Second

func (c *Client) probe() (net.Conn, error) {
	return net.DialTimeout("tcp", c.probeAddr, probeTimeout)
}
'''
    assert "timeout.added" in kinds(findings(tmp_path / "2", "open.go", OPEN, after))


# -- a config read key by key -----------------------------------------------------------------------------------

DIRECTIVES = '''package proxy

import "strconv"

func (h *Handler) UnmarshalConfig(d *Dispenser) error {
	for d.NextBlock(0) {
		switch d.Val() {
		case "max_conns":
			n, err := strconv.Atoi(d.Arg())
			if err != nil {
				return d.Errf("bad max_conns: %v", err)
			}
			h.MaxConns = n
		case "dial_timeout":
			dur, err := ParseDuration(d.Arg())
			if err != nil {
				return d.Errf("bad dial_timeout: %v", err)
			}
			h.DialTimeout = Duration(dur)
		case "error_code":
			if d.Arg() == "RequestTimeout" {
				h.Code = 408
			}
		}
	}
	return nil
}
'''


def test_go_a_timeout_key_of_a_config_added_or_parsed_otherwise_is_a_timeout_change(tmp_path):
    before = DIRECTIVES.replace('''		case "dial_timeout":
			dur, err := ParseDuration(d.Arg())
			if err != nil {
				return d.Errf("bad dial_timeout: %v", err)
			}
			h.DialTimeout = Duration(dur)
''', "")
    assert "timeout.added" in kinds(findings(tmp_path / "1", "config.go", before, DIRECTIVES))
    after = DIRECTIVES.replace("h.DialTimeout = Duration(dur)", "h.DialTimeout = Duration(dur * time.Millisecond)")
    assert "timeout.changed" in kinds(findings(tmp_path / "2", "config.go", DIRECTIVES, after))


def test_go_a_config_keys_message_or_another_key_changed_is_no_timeout_change(tmp_path):
    after = DIRECTIVES.replace("bad dial_timeout: %v", "dial_timeout: not a duration: %v").replace("= 408", "= 504")
    assert kinds(findings(tmp_path, "config.go", DIRECTIVES, after)) == set()


def test_go_a_new_loop_pacing_its_work_with_time_after_is_no_timeout(tmp_path):
    """The time.After of a loop that does its work on each tick and goes round (a push/pull every
    interval, scaled per pass) gives up on nothing: no timeout, though its interval is a local."""
    after = AWAIT + '''
func (m *Member) trigger(stop <-chan struct{}) {
	for {
		tick := scale(m.interval, m.count())
		select {
		case <-time.After(tick):
			m.pushPull()
		case <-stop:
			return
		}
	}
}
'''
    assert kinds(findings(tmp_path, "await.go", AWAIT, after)) == set()


# -- what a variable was made as is looked up once per function, not once per field set on it ------------

MANY_FIELDS = "package svc\n\nimport \"net/http\"\n\nfunc f(d time.Duration) {\n" + "".join(
    f"\tc{i} := &http.Client{{}}\n\tc{i}.Timeout = d\n" for i in range(300)) + "}\n"


def test_go_timeout_fields_are_found_with_one_search_of_their_function(tmp_path, monkeypatch):
    """A hostile function of n ``x.Timeout = d`` lines cost n searches of its whole text (2,000 lines:
    25 s); counted, not timed."""
    import re

    from mergeguard.features import syntax
    from mergeguard.features.resilience import go

    searched: list[str] = []
    walked: list[str] = []

    class Counting:
        def __init__(self, pattern: re.Pattern[str]) -> None:
            self.inner, self.pattern = pattern, pattern.pattern

        def finditer(self, text: str):
            searched.append(self.pattern)
            return self.inner.finditer(text)

    real_walk = syntax.walk

    def counting_walk(node):
        if node.type == "function_declaration":
            walked.append(node.type)
        return real_walk(node)

    monkeypatch.setattr(go, "_NET_MADE", Counting(go._NET_MADE))
    monkeypatch.setattr(go, "_POLICY_MADE", Counting(go._POLICY_MADE))
    monkeypatch.setattr(go.syntax, "walk", counting_walk)
    after = MANY_FIELDS.replace("\tc7.Timeout = d\n", "\tc7.Timeout = 2 * d\n")
    found = findings(tmp_path, "svc/f.go", MANY_FIELDS, after)
    assert kinds(found) == {"timeout.changed"}
    assert len(searched) <= 4  # each pattern once per image of the function (before and after)
    assert len(walked) < 20


def test_go_a_name_is_made_as_the_first_thing_assigned_to_it(tmp_path):
    """The index answers what the search for one name answered: its first binding, wherever names
    sit next to each other (``a.b := ...`` binds ``b``; a later ``b = other()`` does not count)."""
    from mergeguard.features import syntax
    from mergeguard.features.resilience import go

    text = ("package p\n\nfunc f() {\n\tvar tr http.Transport\n\tb := backoff.NewExponentialBackOff()\n"
            "\tb = retry.Other()\n\tcl := &http.Client{}\n\tx.tr2 = new(http.Server)\n}\n")
    src = syntax.Source("p.go", "post", "go", text, syntax.parse(text, "go"))
    fn = next(n for n in syntax.walk(src.root) if n.type == "function_declaration")
    assert go._made_as(src, fn, go._NET_MADE) == {"tr": "http.Transport", "cl": "http.Client", "tr2": "http.Server"}
    assert go._retry_object(src, fn, "b") == "backoff.NewExponentialBackOff"
    assert go._retry_object(src, fn, "cl") is None

# -- a retry loop extracted whole into a helper that takes the operation: the helper only delegates --------

INLINE_LOOP = '''package client

import (
	"context"
	"time"
)

func (c *Client) Send(ctx context.Context, m *Message) error {
	var err error
	for attempt := 0; attempt < c.maxRetries; attempt++ {
		if err = c.conn.Write(ctx, m); err == nil {
			return nil
		}
		if !isTemporary(err) {
			return err
		}
		time.Sleep(c.backoff << attempt)
	}
	return err
}
'''

EXTRACTED_LOOP = '''package client

import (
	"context"
	"time"
)

func (c *Client) Send(ctx context.Context, m *Message) error {
	return c.withRetries(func() error { return c.conn.Write(ctx, m) })
}

func (c *Client) withRetries(op func() error) error {
	var err error
	for attempt := 0; attempt < c.maxRetries; attempt++ {
		if err = op(); err == nil {
			return nil
		}
		if !isTemporary(err) {
			return err
		}
		time.Sleep(c.backoff << attempt)
	}
	return err
}
'''


def test_go_a_retry_loop_extracted_into_a_helper_unchanged_is_no_retry_change(tmp_path):
    assert kinds(findings(tmp_path / "out", "client.go", INLINE_LOOP, EXTRACTED_LOOP)) == set()
    assert kinds(findings(tmp_path / "in", "client.go", EXTRACTED_LOOP, INLINE_LOOP)) == set()


def test_go_a_retry_loop_extracted_with_another_wait_is_a_retry_change(tmp_path):
    after = EXTRACTED_LOOP.replace("time.Sleep(c.backoff << attempt)", "time.Sleep(c.backoff)")
    assert "retry.changed" in kinds(findings(tmp_path, "client.go", INLINE_LOOP, after))


# -- a literal given a name, or a name replaced by its literal: the same wait --------------------------------

RECONNECT = '''package watch

import "time"

func (w *Watcher) reconnect() {
	for {
		if err := w.connect(); err == nil {
			return
		}
		time.Sleep(2 * time.Second)
	}
}
'''

RECONNECT_NAMED = '''package watch

import "time"

// reconnectDelay is the pause between two attempts to reach the server.
const reconnectDelay = 2 * time.Second

func (w *Watcher) reconnect() {
	for {
		if err := w.connect(); err == nil {
			return
		}
		time.Sleep(reconnectDelay)
	}
}
'''


def test_go_a_retry_delay_given_a_name_is_no_retry_change(tmp_path):
    assert kinds(findings(tmp_path / "named", "watch.go", RECONNECT, RECONNECT_NAMED)) == set()
    assert kinds(findings(tmp_path / "inlined", "watch.go", RECONNECT_NAMED, RECONNECT)) == set()


def test_go_a_retry_delay_given_a_name_and_another_value_is_a_retry_change(tmp_path):
    after = RECONNECT_NAMED.replace("const reconnectDelay = 2 * time.Second", "const reconnectDelay = 5 * time.Second")
    assert "retry" in {f.category for f in findings(tmp_path, "watch.go", RECONNECT, after)}


DIAL_NAMED = '''package client

import (
	"net"
	"time"
)

const dialTimeout = 5 * time.Second

func connect(addr string) (net.Conn, error) {
	return net.DialTimeout("tcp", addr, dialTimeout)
}
'''


def test_go_a_timeout_constant_inlined_is_no_timeout_change(tmp_path):
    inlined = DIAL_NAMED.replace("const dialTimeout = 5 * time.Second\n\n", "").replace(
        "addr, dialTimeout)", "addr, 5*time.Second)")
    assert kinds(findings(tmp_path / "same", "client.go", DIAL_NAMED, inlined)) == set()
    other = inlined.replace("5*time.Second", "10*time.Second")
    assert "timeout" in {f.category for f in findings(tmp_path / "other", "client.go", DIAL_NAMED, other)}


# -- the same retry loop spelled otherwise: its error renamed, its counter ranged over ----------------------

def test_go_a_retry_loop_whose_error_is_renamed_is_the_same_retry(tmp_path):
    renamed = INLINE_LOOP.replace("var err error", "var lastErr error").replace(
        "if err = c.conn.Write(ctx, m); err == nil", "if lastErr = c.conn.Write(ctx, m); lastErr == nil").replace(
        "isTemporary(err)", "isTemporary(lastErr)").replace("return err\n\t\t}", "return lastErr\n\t\t}").replace(
        "\treturn err\n}", "\treturn lastErr\n}")
    assert "lastErr == nil" in renamed and "err ==" not in renamed.replace("lastErr", "")
    assert kinds(findings(tmp_path / "same", "client.go", INLINE_LOOP, renamed)) == set()
    plain = INLINE_LOOP.split("func (c *Client) Send")[0] + (
        "func (c *Client) Send(ctx context.Context, m *Message) error {\n\treturn c.conn.Write(ctx, m)\n}\n")
    assert "retry.added" in kinds(findings(tmp_path / "added", "client.go", plain, renamed))


def test_go_a_counted_retry_loop_respelled_as_range_over_its_count_is_the_same_retry(tmp_path):
    ranged = INLINE_LOOP.replace("for attempt := 0; attempt < c.maxRetries; attempt++ {",
                                 "for attempt := range c.maxRetries {")
    assert kinds(findings(tmp_path / "same", "client.go", INLINE_LOOP, ranged)) == set()
    from_one = INLINE_LOOP.replace("for attempt := 0; attempt < c.maxRetries; attempt++ {",
                                   "for attempt := 1; attempt < c.maxRetries; attempt++ {")
    assert "retry" in {f.category for f in findings(tmp_path / "one", "client.go", ranged, from_one)}


def test_go_ranging_over_a_retry_count_field_is_a_loop_and_over_a_collection_is_not(tmp_path):
    plain = INLINE_LOOP.split("func (c *Client) Send")[0] + (
        "func (c *Client) Send(ctx context.Context, m *Message) error {\n\treturn c.conn.Write(ctx, m)\n}\n")
    ranged = INLINE_LOOP.replace("for attempt := 0; attempt < c.maxRetries; attempt++ {",
                                 "for attempt := range c.maxRetries {")
    assert "retry.added" in kinds(findings(tmp_path / "count", "client.go", plain, ranged))
    over_peers = ranged.replace("for attempt := range c.maxRetries {", "for attempt := range c.peers {")
    assert "retry.added" not in kinds(findings(tmp_path / "peers", "client.go", plain, over_peers))


# -- a timer made before the loop and re-armed in it is the wait between attempts ---------------------------

RESOLVE_PLAIN = '''package resolver

import "time"

func (r *Resolver) refresh() {
	_ = r.resolve()
}
'''

RESOLVE_TIMER = '''package resolver

import "time"

func (r *Resolver) refresh() {
	t := time.NewTimer(r.retryDelay)
	defer t.Stop()
	for {
		if err := r.resolve(); err != nil {
			t.Reset(r.retryDelay)
			<-t.C
			continue
		}
		return
	}
}
'''


def test_go_a_retry_loop_waiting_on_a_re_armed_timer_has_a_backoff(tmp_path):
    def no_delay(found) -> bool:  # without_backoff, alone or told with without_limit in one finding
        return "retry.without_backoff" in kinds(found) or any("no delay" in f.message for f in found)

    found = findings(tmp_path / "timer", "resolver.go", RESOLVE_PLAIN, RESOLVE_TIMER)
    assert "retry.added" in kinds(found) and not no_delay(found)
    no_wait = RESOLVE_TIMER.replace("\t\t\tt.Reset(r.retryDelay)\n\t\t\t<-t.C\n", "")
    assert no_delay(findings(tmp_path / "none", "resolver.go", RESOLVE_PLAIN, no_wait))


# -- a gRPC service config in a Go string: the client's retry policy and per-call timeout as data -----------

SERVICE_CONFIG = '''package inventory

import "google.golang.org/grpc"

const serviceConfig = `{
  "methodConfig": [{
    "name": [{"service": "inventory.v1.Stock"}],
    "timeout": "2s",
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.2s",
      "maxBackoff": "2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
}`

func Dial(target string) (*grpc.ClientConn, error) {
	return grpc.NewClient(target, grpc.WithDefaultServiceConfig(serviceConfig))
}
'''


def test_go_a_service_config_retry_policy_changed_is_a_retry_change(tmp_path):
    for i, (old, new) in enumerate((('"maxAttempts": 4', '"maxAttempts": 5'),
                                    ('["UNAVAILABLE"]', '["UNAVAILABLE", "RESOURCE_EXHAUSTED"]'),
                                    ('"initialBackoff": "0.2s"', '"initialBackoff": "1s"'))):
        found = findings(tmp_path / str(i), "stock.go", SERVICE_CONFIG, SERVICE_CONFIG.replace(old, new))
        assert {f.category for f in found} == {"retry"}, new


def test_go_a_service_config_timeout_changed_is_a_timeout_change(tmp_path):
    found = findings(tmp_path, "stock.go", SERVICE_CONFIG, SERVICE_CONFIG.replace('"timeout": "2s"', '"timeout": "5s"'))
    assert {f.category for f in found} == {"timeout"}


def test_go_a_service_config_rewritten_with_the_same_values_is_no_change(tmp_path):
    """Keys reordered, re-indented and spelled with another case (grpc-go matches them so): the same policy."""
    same = SERVICE_CONFIG.replace('''      "maxAttempts": 4,
      "initialBackoff": "0.2s",''', '''      "InitialBackoff": "0.2s",
        "MaxAttempts": 4,''').replace('''    "name": [{"service": "inventory.v1.Stock"}],''', '''    "name": [{"service": "inventory.v1.Stock", "method": ""}],''')
    assert kinds(findings(tmp_path / "same", "stock.go", SERVICE_CONFIG, same)) == set()
    not_json = SERVICE_CONFIG.replace('"methodConfig": [{', '"methodConfig": [{,')
    assert "retry.changed" not in kinds(findings(tmp_path / "broken", "stock.go", not_json,
                                                 not_json.replace('"maxAttempts": 4', '"maxAttempts": 5')))


# -- a blocking call given its bound as a plain argument -----------------------------------------------------

LOOKUP = '''package users

import (
	"time"

	"github.com/nats-io/nats.go"
)

func lookup(nc *nats.Conn, id string) ([]byte, error) {
	msg, err := nc.Request("users.lookup", []byte(id), 2*time.Second)
	if err != nil {
		return nil, err
	}
	return msg.Data, nil
}
'''


def test_go_a_positional_duration_of_a_request_is_its_timeout(tmp_path):
    found = findings(tmp_path / "value", "users.go", LOOKUP, LOOKUP.replace("2*time.Second", "500*time.Millisecond"))
    assert "timeout.changed" in kinds(found)
    stop = LOOKUP.replace('msg, err := nc.Request("users.lookup", []byte(id), 2*time.Second)',
                          'if !s.conns.WaitTimeout(10 * time.Second) {\n\t\treturn nil, errSlow\n\t}\n'
                          '\tmsg, err := nc.Request("users.lookup", []byte(id), 2*time.Second)')
    assert "timeout.added" in kinds(findings(tmp_path / "added", "users.go", LOOKUP, stop))


def test_go_a_positional_duration_of_a_cache_ticker_or_lease_is_no_timeout(tmp_path):
    for i, (old, new) in enumerate((("c.Set(id, msg, 5*time.Minute)", "c.Set(id, msg, time.Minute)"),
                                    ("t.Reset(30 * time.Second)", "t.Reset(10 * time.Second)"),
                                    ("l.Obtain(ctx, id, 10*time.Second)", "l.Obtain(ctx, id, 30*time.Second)"),
                                    ("nc.Request(subj, data, 2*time.Second, 3*time.Second)",
                                     "nc.Request(subj, data, 2*time.Second, 4*time.Second)"))):
        before = LOOKUP.replace("\treturn msg.Data, nil", f"\t{old}\n\treturn msg.Data, nil")
        after = LOOKUP.replace("\treturn msg.Data, nil", f"\t{new}\n\treturn msg.Data, nil")
        assert "timeout" not in {f.category for f in findings(tmp_path / str(i), "users.go", before, after)}, new


# -- the attempt number sent along in a header or gRPC metadata is bookkeeping ------------------------------

ROUND_TRIP = '''package transport

import (
	"net/http"
	"strconv"
	"time"
)

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var resp *http.Response
	var err error
	for attempt := 0; attempt <= t.max; attempt++ {
		resp, err = t.next.RoundTrip(req)
		if err == nil && resp.StatusCode < 500 {
			return resp, nil
		}
		time.Sleep(t.wait(attempt))
	}
	return resp, err
}
'''


def test_go_the_attempt_sent_in_a_header_or_metadata_is_no_retry_change(tmp_path):
    for i, sent in enumerate(('req.Header.Set("X-Attempt", strconv.Itoa(attempt+1))',
                              'ctx = metadata.AppendToOutgoingContext(ctx, "attempt", strconv.Itoa(attempt))')):
        after = ROUND_TRIP.replace("\t\tresp, err = t.next.RoundTrip(req)", f"\t\t{sent}\n\t\tresp, err = t.next.RoundTrip(req)")
        assert kinds(findings(tmp_path / str(i), "transport.go", ROUND_TRIP, after)) == set(), sent
    decides = ROUND_TRIP.replace("\t\tresp, err = t.next.RoundTrip(req)",
                                 "\t\tif attempt > 0 && req.Body != nil {\n\t\t\tbreak\n\t\t}\n"
                                 "\t\tresp, err = t.next.RoundTrip(req)")
    assert "retry" in {f.category for f in findings(tmp_path / "decides", "transport.go", ROUND_TRIP, decides)}


def test_go_layout_only_pairs_respelled_headers_and_reads_a_long_hostile_line_once():
    """The hook on real hunk lines: a counted header and its ranged twin are layout, another bound is not;
    a 100,000-blank header that never closes is read in one pass (the lazy bound it replaced
    backtracked over the blanks: 82 s of CPU for 5,000 of them)."""
    from mergeguard.features.resilience import go

    class Hunk:
        def __init__(self, removed, added):
            self.removed, self.added = removed, added

    same = Hunk([(10, "\tfor attempt := 0; attempt < c.maxRetries; attempt++ {")],
                [(10, "\tfor attempt := range c.maxRetries {")])
    other = Hunk([(20, "\tfor i := 0; i < n; i++ {")], [(21, "\tfor i := range m {")])
    junk = "for i := 0; i < " + " " * 100_000 + "x"
    hostile = Hunk([(30, junk)], [(31, "for i := range " + " " * 100_000 + "x")])
    assert go.layout_only([same, other, hostile]) == ({10}, {10})
