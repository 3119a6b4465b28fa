"""Go shapes of issue 13's fifth round, on real parses and real git diffs: deadlines set on
connections, run-time timeouts of the standard library's clients, functions that compute a timeout,
loops whose header retries while the call fails, and timers that give up. Each with what must not
fire beside it."""

from __future__ import annotations

from mergeguard.features import syntax
from mergeguard.features.resilience import INFINITE, go
from tests.retry_changes import file_findings as findings
from tests.retry_changes import kinds


def scan(text: str):
    tree = syntax.parse(text, "go")
    assert tree is not None, "no go grammar installed"
    return go.scan(syntax.Source("f.go", "post", "go", text, tree))


# -- deadlines set on a connection -------------------------------------------------------------------

CONN = '''package pool

import (
	"bufio"
	"net"
	"time"
)

type Conn struct {
	netConn      net.Conn
	rd           *bufio.Reader
	readTimeout  time.Duration
	writeTimeout time.Duration
}

func (cn *Conn) ReadReply() (string, error) {
	return cn.rd.ReadString('\\n')
}

func (cn *Conn) WriteCmd(b []byte) error {
	_, err := cn.netConn.Write(b)
	return err
}
'''


def test_go_a_read_deadline_set_on_a_connection_is_a_timeout_added(tmp_path):
    after = CONN.replace('''func (cn *Conn) ReadReply() (string, error) {
''', '''func (cn *Conn) ReadReply() (string, error) {
	if err := cn.netConn.SetReadDeadline(time.Now().Add(cn.readTimeout)); err != nil {
		return "", err
	}
''')
    found = findings(tmp_path, "pool/conn.go", CONN, after)
    added = [f for f in found if f.kind == "timeout.added"]
    assert len(added) == 1 and "SetReadDeadline" in added[0].message and added[0].line == 17


def test_go_a_project_setter_of_a_timeout_is_a_timeout_and_its_fixed_value_is_read():
    s = scan('''package redis

import "time"

func (c *Client) Wait(numSlaves int, timeout time.Duration) *IntCmd {
	cmd := NewIntCmd("wait", numSlaves, int(timeout/time.Millisecond))
	cmd.setReadTimeout(timeout)
	c.conn.SetWriteDeadline(time.Now().Add(3 * time.Second))
	return cmd
}
''')
    got = {c.target: c for c in s.constructs if c.kind == "timeout"}
    assert set(got) == {"setReadTimeout", "SetWriteDeadline"}
    assert got["setReadTimeout"].seconds is None and got["setReadTimeout"].value == "timeout"
    assert got["SetWriteDeadline"].seconds == 3.0


def test_go_clearing_a_deadline_or_inlining_the_local_it_came_from_is_no_timeout_change(tmp_path):
    # conn.SetDeadline(time.Time{}) lifts a deadline before a health check: it bounds no wait
    check = CONN.replace('''func (cn *Conn) WriteCmd(b []byte) error {
''', '''func (cn *Conn) Healthy() bool {
	_ = cn.netConn.SetDeadline(time.Time{})
	return cn.rd.Buffered() == 0
}

func (cn *Conn) WriteCmd(b []byte) error {
''')
    assert not kinds(findings(tmp_path / "a", "pool/conn.go", CONN, check)) & {"timeout.added", "timeout.changed"}
    before = CONN.replace('''func (cn *Conn) WriteCmd(b []byte) error {
''', '''func (cn *Conn) WriteCmd(b []byte) error {
	tm := cn.deadline(cn.writeTimeout)
	_ = cn.netConn.SetWriteDeadline(tm)
''')
    after = CONN.replace('''func (cn *Conn) WriteCmd(b []byte) error {
''', '''func (cn *Conn) WriteCmd(b []byte) error {
	if err := cn.netConn.SetWriteDeadline(cn.deadline(cn.writeTimeout)); err != nil {
		return err
	}
''')
    assert not {f.kind for f in findings(tmp_path / "b", "pool/conn.go", before, after)
                if f.kind.startswith("timeout")}
    # the deadline now computed from something else is a change
    other = before.replace("cn.deadline(cn.writeTimeout)", "cn.deadline(cn.readTimeout)")
    assert "timeout.changed" in kinds(findings(tmp_path / "c", "pool/conn.go", before, other))


# -- http.Client literals given a run-time timeout ----------------------------------------------------

VERSION = '''package cluster

import (
	"io"
	"net/http"
)

func getVersion(rt http.RoundTripper, url string) ([]byte, error) {
	cc := &http.Client{
		Transport: rt,
	}
	resp, err := cc.Get(url + "/version")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
'''


def test_go_a_run_time_timeout_given_to_an_http_client_literal_is_a_timeout_added(tmp_path):
    after = VERSION.replace("rt http.RoundTripper, url string", "rt http.RoundTripper, url string, timeout time.Duration") \
        .replace('''		Transport: rt,
''', '''		Transport: rt,
		Timeout:   timeout,
''')
    found = findings(tmp_path, "cluster/version.go", VERSION, after)
    assert [f.line for f in found if f.kind == "timeout.added"] == [11]


def test_go_an_options_literal_handing_a_timeout_on_is_no_timeout_added(tmp_path):
    before = '''package redis

func newConnPool(opt *Options) *pool.ConnPool {
	return pool.NewConnPool(&pool.Options{
		PoolSize: opt.PoolSize,
	})
}
'''
    after = before.replace('''		PoolSize: opt.PoolSize,
''', '''		PoolSize:    opt.PoolSize,
		PoolTimeout: opt.PoolTimeout,
''')
    assert not {f.kind for f in findings(tmp_path, "options.go", before, after) if f.kind.startswith("timeout")}


# -- functions that compute a timeout --------------------------------------------------------------

SUSPICION = '''package memberlist

import (
	"math"
	"time"
)

// suspicionTimeout computes how long a suspected node has to refute before it is declared dead.
func suspicionTimeout(suspicionMult, n int, interval time.Duration) time.Duration {
	nodeScale := math.Ceil(math.Log10(float64(n + 1)))
	timeout := time.Duration(suspicionMult) * time.Duration(nodeScale) * interval
	return timeout
}

func (c *Config) probeTimeout() time.Duration {
	return c.ProbeTimeout
}

func (s *suspicion) elapsedSinceDeadline() time.Duration {
	return time.Since(s.start) - s.timeout
}
'''


def test_go_a_new_formula_in_a_function_that_computes_a_timeout_is_a_timeout_change(tmp_path):
    after = SUSPICION.replace('''	nodeScale := math.Ceil(math.Log10(float64(n + 1)))
	timeout := time.Duration(suspicionMult) * time.Duration(nodeScale) * interval
''', '''	nodeScale := math.Max(1.0, math.Log10(math.Max(1.0, float64(n))))
	timeout := time.Duration(suspicionMult) * time.Duration(nodeScale*1000) * interval / 1000
''')
    found = findings(tmp_path, "util.go", SUSPICION, after)
    changed = [f for f in found if f.kind == "timeout.changed"]
    assert len(changed) == 1 and "suspicionTimeout" in changed[0].message


def test_go_a_timeout_getter_a_measurement_or_a_reworded_comment_is_no_timeout_function(tmp_path):
    targets = {c.target for c in scan(SUSPICION).constructs}
    assert "suspicionTimeout" in targets
    assert not any("probeTimeout" in t or "elapsedSinceDeadline" in t for t in targets)
    after = SUSPICION.replace("// suspicionTimeout computes how long", "// suspicionTimeout says how long") \
        .replace("	return timeout\n", "	// scaled by the cluster size\n	return timeout\n")
    assert not findings(tmp_path, "util.go", SUSPICION, after)


# -- loops whose header retries while the call fails -----------------------------------------------

FOREVER = '''package retry

import "time"

func DoForever(op func() error, config *Config) error {
	var n uint
	for err := op(); err != nil; err = op() {
		n++
		config.onRetry(n, err)
		<-time.After(config.delay)
	}
	return nil
}
'''


def test_go_a_loop_whose_header_calls_again_while_it_fails_is_a_retry():
    (loop,) = [c for c in scan(FOREVER).constructs if c.kind == "retry"]
    assert loop.library == "loop" and loop.attempts == INFINITE and loop.backoff == "fixed" and loop.line == 7
    bounded = scan(FOREVER.replace("err != nil; err = op()", "err != nil && n < 5; err = op()"))
    assert [c.attempts for c in bounded.constructs if c.kind == "retry"] == [5.0]


def test_go_the_wait_of_a_header_retry_loop_made_cancellable_is_a_retry_change(tmp_path):
    after = FOREVER.replace('''		<-time.After(config.delay)
''', '''		select {
		case <-time.After(config.delay):
		case <-config.context.Done():
			return nil
		}
''')
    found = findings(tmp_path, "retry.go", FOREVER, after)
    assert [f.kind for f in found if f.kind.startswith("retry")] == ["retry.changed"]


def test_go_a_read_loop_whose_header_goes_on_while_reads_succeed_is_no_retry():
    s = scan('''package proto

func drain(r Reader, buf []byte) int {
	total := 0
	for n, err := r.Read(buf); err == nil; n, err = r.Read(buf) {
		total += n
	}
	return total
}
''')
    assert not [c for c in s.constructs if c.kind == "retry"]


# -- timers that give up ---------------------------------------------------------------------------

def test_go_a_timer_that_expires_a_wait_is_a_timeout_and_a_flush_timer_is_not():
    s = scan('''package memberlist

import "time"

func (m *Memberlist) setAckHandler(seqNo uint32, handler func(), timeout time.Duration) {
	ah := &ackHandler{handler: handler}
	m.ackHandlers[seqNo] = ah
	ah.timer = time.AfterFunc(timeout, func() {
		m.reap(seqNo)
	})
}

func (b *batcher) start() {
	b.timer = time.AfterFunc(b.flushInterval, b.flush)
}
''')
    got = [c for c in s.constructs if c.kind == "timeout"]
    assert [(c.library, c.line, c.value) for c in got] == [("time.AfterFunc", 8, "timeout")]


# -- entry points that only delegate ---------------------------------------------------------------

RETRY = '''package backoff

import "time"

type Operation func() error

// Retry runs o until it succeeds or b says stop.
func Retry(o Operation, b BackOff) error {
	b.Reset()
	for {
		err := o()
		if err == nil {
			return nil
		}
		next := b.NextBackOff()
		if next == Stop {
			return err
		}
		time.Sleep(next)
	}
}
'''


def test_go_a_new_retry_entry_point_that_only_hands_its_parameters_on_is_no_retry_change(tmp_path):
    after = RETRY + '''
// RetryCtx is Retry under a context.
func RetryCtx(ctx context.Context, o Operation, b BackOff) error {
	return Retry(o, WithContext(b, ctx))
}

// RetryOnce is Retry with no notification.
func RetryOnce(o Operation, b BackOff) error {
	return retryNotify(o, b, nil)
}
'''
    assert not [f for f in findings(tmp_path / "a", "retry.go", RETRY, after) if f.kind.startswith("retry")]
    # a default handed on is a decision: a new entry point that retries three times is a retry added
    with_default = RETRY + '''
// RetryThree is Retry with at most three attempts.
func RetryThree(o Operation) error {
	return Retry(o, WithMaxRetries(NewExponentialBackOff(), 3))
}
'''
    added = [f for f in findings(tmp_path / "b", "retry.go", RETRY, with_default) if f.kind == "retry.added"]
    assert [f.line for f in added] == [24]


# -- values the code picks for a retry or a wait ---------------------------------------------------

RECONNECT = '''package grpc

import "time"

func (ac *addrConn) resetTransport() {
	retries := 0
	for {
		backoffFor := ac.dopts.bs.Backoff(retries)
		if err := ac.tryAllAddrs(backoffFor); err != nil {
			retries++
			ac.wait(backoffFor)
			continue
		}
		ac.ready()
		return
	}
}
'''


def test_go_resetting_a_backoff_once_connected_is_a_retry_change(tmp_path):
    after = RECONNECT.replace('''		ac.ready()
''', '''		retries = 0
		ac.ready()
''')
    found = findings(tmp_path, "clientconn.go", RECONNECT, after)
    assert [(f.kind, f.line) for f in found if f.kind.startswith("retry")] == [("retry.changed", 14)]


def test_go_a_value_handed_on_or_a_moved_reset_is_no_retry_logic(tmp_path):
    # a retry-named local given a value read from elsewhere decides nothing on that line
    handed = RECONNECT.replace("		ac.ready()\n", "		retries = ac.dopts.startIdx\n		ac.ready()\n")
    assert not [f for f in findings(tmp_path / "a", "clientconn.go", RECONNECT, handed) if f.kind.startswith("retry")]
    # the same reset moved a few lines within the function is no change
    before = RECONNECT.replace("		ac.ready()\n", "		ac.ready()\n		retries = 0\n")
    after = RECONNECT.replace("		ac.ready()\n", "		retries = 0\n		ac.ready()\n")
    assert not [f for f in findings(tmp_path / "b", "clientconn.go", before, after) if f.kind.startswith("retry")]


# -- a check deleted from a timeout function -------------------------------------------------------

DECODE = '''package transport

import (
	"fmt"
	"strconv"
	"time"
)

func decodeTimeout(s string) (time.Duration, error) {
	t, err := strconv.ParseUint(s[:len(s)-1], 10, 64)
	if err != nil {
		return 0, err
	}
	if t == 0 {
		return 0, fmt.Errorf("transport: timeout must be positive: %q", s)
	}
	return time.Duration(t) * time.Second, nil
}
'''


def test_go_a_check_only_deleted_from_a_timeout_function_is_a_timeout_change(tmp_path):
    after = DECODE.replace('''	if t == 0 {
		return 0, fmt.Errorf("transport: timeout must be positive: %q", s)
	}
''', "")
    found = findings(tmp_path, "transport/http_util.go", DECODE, after)
    assert [(f.kind, f.line) for f in found] == [("timeout.changed", 9)]
    # a comment deleted from it is none
    commented = DECODE.replace("	if t == 0 {\n", "	// zero is refused\n	if t == 0 {\n")
    assert not findings(tmp_path / "b", "transport/http_util.go", commented, DECODE)


def test_go_a_timeout_getter_that_converts_units_is_no_timeout_function_but_a_new_unit_in_a_formula_is():
    getter = '''package rpcpb

import "time"

func (m *Member) ElectionTimeout() time.Duration {
	return time.Duration(m.Etcd.ElectionTimeoutMs) * time.Millisecond
}
'''
    assert not scan(getter).constructs
    formula = '''package etcdserver

import "time"

func (c *ServerConfig) peerDialTimeout() time.Duration {
	return time.Second + time.Duration(c.ElectionTicks)*time.Duration(c.TickMs)*time.Millisecond/5
}
'''
    (before,) = scan(formula).constructs
    (after,) = scan(formula.replace("*time.Millisecond/5", "*time.Microsecond/5")).constructs
    assert before.target == after.target == "peerDialTimeout" and before.value != after.value


# -- timers in a select ----------------------------------------------------------------------------

WAIT = '''package client

import "time"

func (c *Client) waitReady(done chan struct{}) error {
	<-done
	return nil
}
'''
TIMER = WAIT.replace('''	<-done
	return nil
''', '''	timer := time.NewTimer(c.readyTimeout)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-timer.C:
		return ErrTimeout
	}
''')


def test_go_a_timer_whose_case_gives_up_is_a_timeout_added(tmp_path):
    found = findings(tmp_path, "client.go", WAIT, TIMER)
    assert [(f.kind, f.line) for f in found] == [("timeout.added", 6)]


def test_go_a_timer_that_only_paces_a_loop_or_replaces_time_after_is_no_timeout_change(tmp_path):
    poll = '''package client

import "time"

func (c *Client) poll(done chan struct{}) {
	t := time.NewTimer(c.period)
	for {
		select {
		case <-done:
			return
		case <-t.C:
			c.refresh()
			t.Reset(c.period)
		}
	}
}
'''
    assert not [c for c in scan(poll).constructs if c.kind == "timeout"]
    after = TIMER.replace('''	timer := time.NewTimer(c.readyTimeout)
	defer timer.Stop()
''', "").replace("<-timer.C", "<-time.After(c.readyTimeout)")
    assert not findings(tmp_path, "client.go", TIMER, after)


# -- fields of a retry or backoff policy -----------------------------------------------------------

SYNC = '''package client

import (
	"time"

	"github.com/cenkalti/backoff/v4"
)

func (c *Client) Sync() error {
	b := backoff.NewExponentialBackOff()
	b.MaxElapsedTime = 2 * time.Minute
	return backoff.Retry(c.push, b)
}

func (c *Client) reconnectPolicy() *backoff.ExponentialBackOff {
	return &backoff.ExponentialBackOff{
		InitialInterval: 500 * time.Millisecond,
		Multiplier:      1.5,
		MaxInterval:     time.Minute,
		Clock:           backoff.SystemClock,
	}
}
'''


def test_go_a_field_of_a_backoff_policy_set_or_written_in_its_literal_is_a_retry_setting(tmp_path):
    longer = SYNC.replace("2 * time.Minute", "10 * time.Minute")
    found = findings(tmp_path / "a", "client.go", SYNC, longer)
    assert [(f.kind, f.line) for f in found] == [("retry.changed", 11)]
    steeper = SYNC.replace("1.5,", "2,")
    found = findings(tmp_path / "b", "client.go", SYNC, steeper)
    # the field at its line (and the policy function around it, whose code changed)
    assert ("retry.changed", 18) in [(f.kind, f.line) for f in found] and kinds(found) == {"retry.changed"}


def test_go_fields_of_a_retryable_error_or_a_retrying_client_are_no_policy_settings():
    s = scan('''package client

import "github.com/hashicorp/go-retryablehttp"

func wrap(err error) error {
	return &RetryableError{Err: err, Op: "push"}
}

func newClient(logger Logger) *retryablehttp.Client {
	c := &retryablehttp.Client{Logger: logger}
	c.HTTPClient = cleanhttp.DefaultPooledClient()
	return c
}
''')
    assert not [c for c in s.constructs if c.library == "setting"]


# -- options of a retry call -----------------------------------------------------------------------

PUSH = '''package client

import (
	"time"

	"github.com/avast/retry-go/v4"
)

func (c *Client) Push(ctx context.Context, ev Event) error {
	return retry.Do(
		func() error { return c.send(ctx, ev) },
		retry.Attempts(5),
		retry.Delay(200*time.Millisecond),
		retry.Context(ctx),
	)
}
'''


def test_go_another_delay_given_to_a_retry_call_is_a_retry_change(tmp_path):
    after = PUSH.replace("200*time.Millisecond", "2*time.Second")
    found = findings(tmp_path / "a", "client.go", PUSH, after)
    assert [(f.kind, f.line) for f in found] == [("retry.changed", 10)] and "options" in found[0].message
    relaid = PUSH.replace("retry.Delay(200*time.Millisecond)", "retry.Delay(200 * time.Millisecond)")
    assert not findings(tmp_path / "b", "client.go", PUSH, relaid)
    # what each attempt does is the operation, not the policy
    other_op = PUSH.replace("c.send(ctx, ev)", "c.sendBatch(ctx, []Event{ev})")
    assert not findings(tmp_path / "c", "client.go", PUSH, other_op)


def test_go_a_new_hook_on_a_retry_call_is_no_retry_change(tmp_path):
    after = PUSH.replace('''		retry.Context(ctx),
''', '''		retry.Context(ctx),
		retry.OnRetry(func(n uint, err error) {
			c.log.Printf("push attempt %d: %v", n, err)
		}),
''')
    assert not findings(tmp_path, "client.go", PUSH, after)


def test_go_a_comment_dropped_from_an_options_literal_is_no_change_to_its_values(tmp_path):
    before = '''package transport

import (
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

func dialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithKeepaliveParams(keepalive.ClientParameters{
			// sane defaults, not configurable yet
			Time:    5 * time.Minute,
			Timeout: 20 * time.Second,
		}),
	}
}
'''
    after = before.replace("			// sane defaults, not configurable yet\n", "")
    assert not findings(tmp_path / "a", "transport.go", before, after)
    shorter = before.replace("Timeout: 20 * time.Second", "Timeout: 10 * time.Second")
    assert "timeout.changed" in kinds(findings(tmp_path / "b", "transport.go", before, shorter))


# -- a select outside a loop that bounds the wait for a result ---------------------------------------

CLOSE = '''package mcp

import (
	"syscall"
	"time"
)

func (s *pipeRWC) Close() error {
	resChan := make(chan error, 1)
	go func() {
		resChan <- s.cmd.Wait()
	}()
	select {
	case err := <-resChan:
		return err
	case <-time.After(5 * time.Second):
	}
	return s.cmd.Process.Signal(syscall.SIGKILL)
}
'''


def test_go_an_empty_time_after_case_beside_a_result_outside_a_loop_is_a_timeout():
    (t,) = [c for c in scan(CLOSE).constructs if c.kind == "timeout"]
    assert (t.library, t.line, t.seconds) == ("time.After", 16, 5.0)


def test_go_an_empty_time_after_case_beside_a_stop_signal_is_a_sleep_not_a_timeout():
    sleep = '''package client

import (
	"context"
	"time"
)

func (c *Client) start(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.closing:
		return ErrClosed
	case <-time.After(c.startDelay):
	}
	return c.connect(ctx)
}
'''
    assert not [c for c in scan(sleep).constructs if c.kind == "timeout"]


# -- a forever loop that waits to try again ---------------------------------------------------------

LISTEN = '''package transport

import (
	"context"
	"errors"
	"time"
)

const retryInterval = time.Second

func (c *StreamableHTTP) listenForever(ctx context.Context) {
	for {
		err := c.createGETConnectionToServer(ctx)
		if errors.Is(err, ErrGetMethodNotAllowed) {
			return
		}
		if err != nil {
			c.logger.Errorf("failed to listen to server: %v", err)
		}
		select {
		case <-time.After(retryInterval):
		case <-ctx.Done():
			return
		}
	}
}
'''


def test_go_a_listener_that_waits_a_retry_interval_between_passes_is_a_retry_and_stopping_on_an_error_changes_it(
        tmp_path):
    (loop,) = [c for c in scan(LISTEN).constructs if c.kind == "retry" and c.library == "loop"]
    assert loop.line == 12 and loop.backoff == "fixed"
    after = LISTEN.replace('''		if err != nil {
''', '''		if errors.Is(err, ErrSessionTerminated) {
			return
		}
		if err != nil {
''')
    found = findings(tmp_path, "transport/streamable_http.go", LISTEN, after)
    assert [(f.kind, f.line) for f in found] == [("retry.changed", 12)]


def test_go_a_refresh_loop_that_waits_its_period_is_no_retry():
    refresh = LISTEN.replace("retryInterval", "refreshPeriod").replace("createGETConnectionToServer", "refreshTools")
    assert not [c for c in scan(refresh).constructs if c.kind == "retry"]


PING = '''package imagegen

import (
	"context"
	"errors"
	"time"
)

func (s *Server) waitReady(ctx context.Context) error {
	timeout := time.After(2 * time.Minute)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout:
			return errors.New("timed out waiting for the server to start")
		case <-tick.C:
			if s.Ping(ctx) == nil {
				return nil
			}
		}
	}
}
'''


def test_go_a_time_after_channel_kept_in_a_variable_and_given_up_on_is_a_timeout(tmp_path):
    (t,) = [c for c in scan(PING).constructs if c.kind == "timeout"]
    assert (t.library, t.line, t.seconds) == ("time.After", 10, 120.0)
    after = PING.replace("time.After(2 * time.Minute)", "time.After(envconfig.LoadTimeout())")
    found = findings(tmp_path, "x/imagegen/server.go", PING, after)
    assert [(f.kind, f.line) for f in found] == [("timeout.changed", 10)]


def test_go_a_time_after_channel_that_only_paces_is_no_timeout():
    paced = PING.replace('''			return errors.New("timed out waiting for the server to start")
''', '''			s.log.Printf("still waiting")
''')
    assert not [c for c in scan(paced).constructs if c.kind == "timeout"]


# -- settings read from configuration --------------------------------------------------------------

PARSE = '''package redis

import (
	"net/url"
	"strconv"
)

func setupConnParams(u *url.URL, o *Options) (*Options, error) {
	q := queryOptions{q: u.Query()}
	o.DB = q.int("db")
	o.Username = q.string("username")
	return o, q.err
}
'''


def test_go_a_timeout_or_retry_setting_read_from_configuration_by_its_key_is_a_setting_added(tmp_path):
    after = PARSE.replace('''	o.Username = q.string("username")
''', '''	o.Username = q.string("username")
	o.MaxRetries = q.int("max_retries")
	o.DialTimeout = q.duration("dial_timeout")
''')
    found = findings(tmp_path, "options.go", PARSE, after)
    assert sorted((f.kind, f.line) for f in found) == [("retry.added", 12), ("timeout.added", 13)]


def test_go_a_timeout_handed_from_one_options_struct_to_another_is_no_parsed_setting():
    s = scan(PARSE.replace('''	o.Username = q.string("username")
''', '''	o.Username = q.string("username")
	o.DialTimeout = base.DialTimeout
	o.ReadTimeout = base.readTimeout()
''').replace("func setupConnParams(u *url.URL, o *Options)", "func setupConnParams(u *url.URL, o, base *Options)"))
    assert not [c for c in s.constructs if c.library == "setting"]


# -- loops that serve until stopped ------------------------------------------------------------------

SERVE = '''package grpc

import (
	"net"
	"time"
)

func (s *Server) Serve(lis net.Listener) error {
	var tempDelay time.Duration
	for {
		rawConn, err := lis.Accept()
		if err != nil {
			if ne, ok := err.(interface{ Temporary() bool }); ok && ne.Temporary() {
				if tempDelay == 0 {
					tempDelay = 5 * time.Millisecond
				} else {
					tempDelay *= 2
				}
				time.Sleep(tempDelay)
				continue
			}
			return err
		}
		tempDelay = 0
		go s.handleRawConn(rawConn)
	}
}
'''


def test_go_a_loop_that_serves_until_a_permanent_error_or_close_never_gives_up_on_nothing():
    (loop,) = [c for c in scan(SERVE).constructs if c.kind == "retry" and c.library == "loop"]
    assert loop.attempts is None and loop.backoff == "exponential"
    # without the exit it retries forever
    forever = SERVE.replace("			return err\n", '			s.log.Printf("accept: %v", err)\n')
    (loop,) = [c for c in scan(forever).constructs if c.kind == "retry" and c.library == "loop"]
    assert loop.attempts == INFINITE


def test_go_a_loop_that_retries_one_call_until_it_succeeds_or_is_stopped_still_never_gives_up():
    publish = '''package etcdserver

import "context"

func (s *EtcdServer) publish(ctx context.Context) {
	for {
		_, err := s.raftRequest(ctx, s.attributesRequest())
		if err == nil {
			return
		}
		select {
		case <-s.stopping:
			return
		default:
		}
	}
}
'''
    (loop,) = [c for c in scan(publish).constructs if c.kind == "retry" and c.library == "loop"]
    assert loop.attempts == INFINITE


# -- positional struct literals ----------------------------------------------------------------------

DEFAULTS = '''package memberlist

import (
	"os"
	"time"
)

type Config struct {
	Name          string
	TCPTimeout    time.Duration
	IndirectChecks int
	ProbeInterval time.Duration
}

func DefaultConfig() *Config {
	hostname, _ := os.Hostname()
	return &Config{
		hostname,
		10 * time.Second, // Timeout after 10 seconds
		3,
		1 * time.Second,
	}
}
'''


def test_go_writing_the_keys_of_a_positional_literal_out_is_no_timeout_change(tmp_path):
    keyed = DEFAULTS.replace('''		hostname,
		10 * time.Second, // Timeout after 10 seconds
		3,
		1 * time.Second,
''', '''		Name:           hostname,
		TCPTimeout:     10 * time.Second, // Timeout after 10 seconds
		IndirectChecks: 3,
		ProbeInterval:  1 * time.Second,
''')
    assert not findings(tmp_path / "a", "memberlist.go", DEFAULTS, keyed)
    # the value itself changed while the keys were written out is a change
    raised = keyed.replace("TCPTimeout:     10 * time.Second", "TCPTimeout:     30 * time.Second")
    found = findings(tmp_path / "b", "memberlist.go", DEFAULTS, raised)
    assert [(f.kind, f.line) for f in found if f.kind.startswith("timeout")] == [("timeout.changed", 19)]


def test_go_a_resolver_loop_stopped_only_through_its_context_never_gives_up_on_nothing():
    watcher = '''package dns

import "time"

func (d *dnsResolver) watcher() {
	backoffIndex := 1
	for {
		state, err := d.lookup()
		if err != nil {
			d.cc.ReportError(err)
		} else {
			err = d.cc.UpdateState(*state)
		}
		var timer *time.Timer
		if err == nil {
			backoffIndex = 1
			timer = time.NewTimer(minResolutionRate)
			select {
			case <-d.ctx.Done():
				timer.Stop()
				return
			case <-d.rn:
			}
		} else {
			timer = time.NewTimer(d.backoff(backoffIndex))
			backoffIndex++
		}
		select {
		case <-d.ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}
'''
    loops = [c for c in scan(watcher).constructs if c.kind == "retry" and c.library == "loop"]
    assert loops and all(c.attempts is None for c in loops)


# -- error classifiers -----------------------------------------------------------------------------

HALT = '''package clientv3

import (
	"context"
	"strings"
)

// isHaltErr returns true if the given error and context indicate no forward
// progress can be made, even after reconnecting.
func isHaltErr(ctx context.Context, err error) bool {
	if ctx != nil && ctx.Err() != nil {
		return true
	}
	if err == nil {
		return false
	}
	return strings.HasPrefix(err.Error(), "etcdserver: ")
}

func isFatalConfig(cfg *Config) bool {
	return cfg.Endpoints == nil
}
'''


def test_go_an_error_classifier_that_decides_whether_to_stop_retrying_is_a_retry_policy(tmp_path):
    targets = [c.target for c in scan(HALT).constructs if c.kind == "retry"]
    assert targets == ["isHaltErr"]
    after = HALT.replace('''	return strings.HasPrefix(err.Error(), "etcdserver: ")''', '''	if err == ErrStopped || err == ErrNoLeader {
		return false
	}
	return strings.HasPrefix(err.Error(), "etcdserver: ")''')
    found = findings(tmp_path / "a", "clientv3/client.go", HALT, after)
    assert [(f.kind, f.line) for f in found] == [("retry.changed", 10)]
    reworded = HALT.replace("no forward\n// progress can be made", "nothing more\n// can be done")
    assert not findings(tmp_path / "b", "clientv3/client.go", HALT, reworded)
