"""Go families of issue 13's stop 18, read from round 9's fresh dev commits: how a hand-written retry
loop paces its passes and what bounds it (a cap on the delay, the attempt number the delay is computed
from, the attempts that remain). Real git histories and real tree-sitter parses; each positive beside a
negative of the same shape that must stay quiet."""

from __future__ import annotations

from tests.retry_changes import file_findings as findings
from tests.retry_changes import kinds

# -- the wait between passes, computed in the loop ----------------------------------------------------

DO = '''package retry

import "time"

type Config struct {
	attempts  uint
	delay     time.Duration
	maxDelay  time.Duration
	retryIf   func(error) bool
	delayType func(n uint, config *Config) time.Duration
}

func Do(retryableFunc func() error, config *Config) error {
	var n uint
	var errs []error
	for n < config.attempts {
		err := retryableFunc()
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		if !config.retryIf(err) {
			break
		}
		if n == config.attempts-1 {
			break
		}
		delayTime := config.delayType(n, config)
		time.Sleep(delayTime)
		n++
	}
	return joinErrors(errs)
}
'''


def test_go_a_cap_on_the_delay_a_retry_loop_computes_is_a_retry_change(tmp_path):
    after = DO.replace('''		time.Sleep(delayTime)
''', '''		if config.maxDelay > 0 && delayTime > config.maxDelay {
			delayTime = config.maxDelay
		}
		time.Sleep(delayTime)
''')
    assert "retry.changed" in kinds(findings(tmp_path, "retry.go", DO, after))


def test_go_the_attempt_number_stepped_before_the_wait_is_a_retry_change(tmp_path):
    """``n++`` moved above the wait: the delay function now sees 1, 2, 3 where it saw 0, 1, 2."""
    after = DO.replace('''		delayTime := config.delayType(n, config)
		time.Sleep(delayTime)
		n++
''', '''		n++
		delayTime := config.delayType(n, config)
		time.Sleep(delayTime)
''')
    assert "retry.changed" in kinds(findings(tmp_path, "retry.go", DO, after))


def test_go_the_delay_local_renamed_or_a_log_line_added_is_no_retry_change(tmp_path):
    after = DO.replace("delayTime", "wait").replace('''		time.Sleep(wait)
''', '''		log.Printf("retrying in %s after %v", wait, err)
		time.Sleep(wait)
''')
    assert not findings(tmp_path, "retry.go", DO, after)


def test_go_a_change_to_what_the_loop_does_with_its_error_is_no_pacing_change(tmp_path):
    """The error is read by no wait: collecting it otherwise changes neither the waits nor the exits."""
    after = DO.replace("		errs = append(errs, err)\n", "		errs = append(errs, wrapped(err, n))\n")
    assert not findings(tmp_path, "retry.go", DO, after)


# -- the attempts that remain bound the loop -----------------------------------------------------------

CLIENT = '''package retryablehttp

import (
	"net/http"
	"time"
)

type Client struct {
	HTTPClient *http.Client
	RetryMax   int
	Backoff    func(attempt int) time.Duration
}

func (c *Client) Do(req *http.Request) (*http.Response, error) {
	for i := 0; ; i++ {
		resp, err := c.HTTPClient.Do(req)
		if err == nil && resp.StatusCode < 500 {
			return resp, nil
		}
		remain := c.RetryMax - i
		if remain == 0 {
			break
		}
		time.Sleep(c.Backoff(i))
	}
	return nil, errGiveUp
}
'''


def test_go_a_changed_check_of_the_attempts_that_remain_is_a_retry_change(tmp_path):
    """``remain == 0`` -> ``remain <= 0``: a negative RetryMax no longer retries forever."""
    after = CLIENT.replace("if remain == 0 {", "if remain <= 0 {")
    assert "retry.changed" in kinds(findings(tmp_path, "client.go", CLIENT, after))


def test_go_a_check_of_the_bytes_that_remain_in_a_read_loop_is_no_retry(tmp_path):
    """A loop that reads until nothing remains, no wait and no retried error: no retry before or after."""
    before = '''package wire

import "io"

func readAll(r io.Reader, buf []byte) (int, error) {
	read := 0
	for {
		n, err := r.Read(buf[read:])
		read += n
		if err != nil {
			return read, err
		}
		remaining := len(buf) - read
		if remaining == 0 {
			break
		}
	}
	return read, nil
}
'''
    after = before.replace("if remaining == 0 {", "if remaining <= 0 {")
    assert not findings(tmp_path, "wire.go", before, after)


# -- a timeout moved to another file of its package, away from its constant ---------------------------

HTTP_GO = '''package etcdhttp

import (
	"context"
	"net/http"
	"time"
)

const (
	defaultServerTimeout = 500 * time.Millisecond
	defaultWatchTimeout  = 5 * time.Minute
)

func serveKeys(w http.ResponseWriter, r *http.Request, s Server) {
	ctx, cancel := context.WithTimeout(context.Background(), defaultServerTimeout)
	defer cancel()
	s.Do(ctx, r)
}

func serveMachines(w http.ResponseWriter, r *http.Request, s Server) {
	w.Write(s.Machines())
}
'''

CLIENT_GO = '''package etcdhttp

import (
	"context"
	"net/http"
)

func serveKeys(w http.ResponseWriter, r *http.Request, s Server) {
	ctx, cancel := context.WithTimeout(context.Background(), defaultServerTimeout)
	defer cancel()
	s.Do(ctx, r)
}
'''


def _split(timeout_name: str) -> dict[str, str]:
    """http.go split: ``serveKeys`` goes to client.go, the constants stay behind."""
    http_after = HTTP_GO.replace('''func serveKeys(w http.ResponseWriter, r *http.Request, s Server) {
	ctx, cancel := context.WithTimeout(context.Background(), defaultServerTimeout)
	defer cancel()
	s.Do(ctx, r)
}

''', "")
    return {"etcdhttp/http.go": http_after,
            "etcdhttp/client.go": CLIENT_GO.replace("defaultServerTimeout)", f"{timeout_name})")}


def test_go_a_timeout_moved_to_another_file_away_from_its_constant_is_no_change(tmp_path):
    from tests.retry_changes import findings as change_findings
    assert not change_findings(tmp_path, {"etcdhttp/http.go": HTTP_GO}, _split("defaultServerTimeout"))


def test_go_a_timeout_moved_to_another_file_with_another_constant_is_a_change(tmp_path):
    from tests.retry_changes import findings as change_findings
    found = change_findings(tmp_path, {"etcdhttp/http.go": HTTP_GO}, _split("defaultWatchTimeout"))
    assert {"timeout.added", "timeout.removed"} <= kinds(found)


# -- a wait on an injected clock or timer is a wait ----------------------------------------------------

TIMED = '''package retry

import (
	"context"
	"time"
)

type Config struct {
	attempts uint
	context  context.Context
	timer    interface{ After(time.Duration) <-chan time.Time }
}

func Do(op func() error, config *Config) error {
	var n uint
	for n < config.attempts {
		err := op()
		if err == nil {
			return nil
		}
		select {
		case <-time.After(delay(config, n, err)):
		case <-config.context.Done():
			return config.context.Err()
		}
		n++
	}
	return errGiveUp
}
'''


def test_go_a_retry_loop_waiting_on_an_injected_timer_instead_of_time_after_is_no_change(tmp_path):
    after = TIMED.replace("case <-time.After(delay(config, n, err)):", "case <-config.timer.After(delay(config, n, err)):")
    assert not findings(tmp_path, "retry.go", TIMED, after)


DISCOVERY = '''package discovery

import "time"

type discovery struct {
	clock interface{ Sleep(time.Duration) }
}

func (d *discovery) register() error {
	return d.put()
}
'''


def test_go_a_new_retry_loop_sleeping_on_an_injected_clock_waits_between_attempts(tmp_path):
    after = DISCOVERY.replace("	return d.put()\n", '''	for i := 0; i < nRetries; i++ {
		err := d.put()
		if err == nil {
			return nil
		}
		d.clock.Sleep(retryTimeInSecond)
	}
	return errRegister
''')
    found = kinds(findings(tmp_path, "discovery.go", DISCOVERY, after))
    assert "retry.added" in found and "retry.without_backoff" not in found


def test_go_a_new_retry_loop_that_only_reads_an_injected_clock_does_not_wait(tmp_path):
    after = DISCOVERY.replace("	return d.put()\n", '''	for i := 0; i < nRetries; i++ {
		err := d.put()
		if err == nil {
			return nil
		}
		d.lastAttempt = d.clock.Now()
	}
	return errRegister
''').replace("Sleep(time.Duration)", "Now() time.Time")
    found = kinds(findings(tmp_path, "discovery.go", DISCOVERY, after))
    assert "retry.added" in found and "retry.without_backoff" in found


# -- a stoppable timer as the wait between attempts ----------------------------------------------------

TIMER_LOOP = '''package retryablehttp

import (
	"net/http"
	"time"
)

type Client struct {
	HTTPClient  *http.Client
	RetryMax    int
	Backoff     func(attempt int, resp *http.Response) time.Duration
	CheckRetry  func(resp *http.Response, err error) (bool, error)
	Postprocess func(req *http.Request) error
}

func (c *Client) Do(req *http.Request) (*http.Response, error) {
	var resp *http.Response
	var doErr, checkErr error
	var shouldRetry bool
	for i := 0; ; i++ {
		resp, doErr = c.HTTPClient.Do(req)
		shouldRetry, checkErr = c.CheckRetry(resp, doErr)
		err := doErr
		if err != nil {
			logger.Printf("request failed: %v", err)
		}
		if !shouldRetry {
			break
		}
		if i >= c.RetryMax {
			break
		}
		wait := c.Backoff(i, resp)
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
	}
	if doErr == nil && checkErr == nil && !shouldRetry {
		return resp, nil
	}
	return nil, giveUp(doErr, checkErr)
}
'''


def test_go_a_new_way_out_of_a_retry_loop_that_waits_on_a_stoppable_timer_is_a_retry_change(tmp_path):
    """The loop waits with ``time.NewTimer`` and ``case <-timer.C:``: an error from a new hook now ends
    the retrying."""
    after = TIMER_LOOP.replace('''		case <-timer.C:
		}
''', '''		case <-timer.C:
		}
		if err := c.Postprocess(req); err != nil {
			checkErr = err
			break
		}
''')
    assert "retry.changed" in kinds(findings(tmp_path, "client.go", TIMER_LOOP, after))


def test_go_a_timer_whose_case_gives_up_is_no_wait_between_attempts(tmp_path):
    """``case <-timer.C: return errTimeout``: the timer bounds a wait for a reply, it paces no retry; a
    new reply kind handled in that loop changes no retry."""
    before = '''package pipe

import "time"

func (p *pipe) await(id int, d time.Duration) (reply, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case r := <-p.replies:
			if r.id == id {
				return r, nil
			}
		case err := <-p.errs:
			if err != nil {
				return reply{}, err
			}
		case <-timer.C:
			return reply{}, errTimeout
		}
	}
}
'''
    after = before.replace('''			if r.id == id {
				return r, nil
			}
''', '''			if r.id == id {
				return r, nil
			}
			if r.kind == kindPush {
				p.pushes <- r
			}
''')
    assert not {k for k in kinds(findings(tmp_path, "pipe.go", before, after)) if k.startswith("retry")}


def test_go_a_count_stepped_on_the_way_out_of_a_retry_loop_paces_nothing(tmp_path):
    """``case <-ctx.Done(): n++; return ...``: the attempt number the delay reads is stepped only where the
    loop leaves; no wait is computed from it (what is returned may change, the retry does not)."""
    after = TIMED.replace('''		case <-config.context.Done():
			return config.context.Err()''', '''		case <-config.context.Done():
			n++
			return wrapAttempts(config.context.Err(), n)''')
    assert not findings(tmp_path, "retry.go", TIMED, after)


# -- a number written through a numeric conversion is the number --------------------------------------

PROCESS = '''package redis

import "sync/atomic"

func (c *baseClient) _process(cmd Cmder, attempt int) (bool, error) {
	retryTimeout := uint32(1)
	err := c.withConn(func(cn *Conn) error {
		if err := cn.readReply(cmd); err != nil {
			if cmd.readTimeout() == nil {
				atomic.StoreUint32(&retryTimeout, 1)
			} else {
				atomic.StoreUint32(&retryTimeout, 0)
			}
			return err
		}
		return nil
	})
	if err == nil {
		return false, nil
	}
	retry := shouldRetry(err, atomic.LoadUint32(&retryTimeout) == 1)
	return retry, err
}
'''


def test_go_a_retry_flag_written_through_a_conversion_that_flips_is_a_retry_change(tmp_path):
    """``retryTimeout := uint32(1)`` -> ``uint32(0)``: timeouts are no longer retried by default."""
    after = PROCESS.replace("retryTimeout := uint32(1)", "retryTimeout := uint32(0)")
    assert "retry.changed" in kinds(findings(tmp_path, "redis.go", PROCESS, after))


def test_go_a_default_attempts_variable_written_through_a_conversion_is_a_retry_setting(tmp_path):
    before = '''package retry

import "time"

var (
	DefaultAttempts = uint(10)
	DefaultDelay    = 100 * time.Millisecond
)
'''
    after = before.replace("uint(10)", "uint(5)")
    assert "retry.changed" in kinds(findings(tmp_path, "retry.go", before, after))


def test_go_a_conversion_of_another_count_or_of_a_run_time_value_is_no_retry_setting(tmp_path):
    """A buffer size written through a conversion is no retry; a retry count converted from the
    caller's value is handed on, not decided."""
    before = '''package pool

func newPool(opt *Options) *Pool {
	bufSize := uint32(4096)
	maxRetries := uint(opt.MaxRetries)
	return &Pool{buf: make([]byte, bufSize), retries: maxRetries}
}
'''
    after = before.replace("uint32(4096)", "uint32(8192)").replace("uint(opt.MaxRetries)", "uint(opt.Retries)")
    assert not findings(tmp_path, "pool.go", before, after)


# -- a project's dialer renamed, and a shim forwarding its caller's timeout ------------------------------

NET = '''package memberlist

import "time"

func (m *Memberlist) sendUserMsg(addr string, buf []byte) error {
	conn, err := m.transport.DialTimeout(addr, m.config.TCPTimeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	return writeAll(conn, buf)
}

func (m *Memberlist) sendPingAndWaitForAck(addr string, p ping, deadline time.Time) (bool, error) {
	conn, err := m.transport.DialTimeout(addr, deadline.Sub(time.Now()))
	if err != nil {
		return false, nil
	}
	defer conn.Close()
	return m.pingOver(conn, p)
}
'''

NET_RENAMED = NET.replace("addr string", "a Address").replace("DialTimeout(addr,", "DialAddressTimeout(a,")


def test_go_a_dialer_method_renamed_with_the_same_timeouts_is_no_change(tmp_path):
    assert not findings(tmp_path, "net.go", NET, NET_RENAMED)


def test_go_a_renamed_dialer_method_given_another_timeout_is_a_timeout_change(tmp_path):
    after = NET_RENAMED.replace("DialAddressTimeout(a, m.config.TCPTimeout)", "DialAddressTimeout(a, 10*time.Second)")
    assert "timeout.changed" in kinds(findings(tmp_path, "net.go", NET_RENAMED, after))


def test_go_a_shim_forwarding_its_callers_dial_timeout_is_plumbing(tmp_path):
    before = '''package memberlist

import (
	"net"
	"time"
)

type shimNodeAwareTransport struct {
	Transport
}
'''
    after = before + '''
func (t *shimNodeAwareTransport) DialAddressTimeout(addr Address, timeout time.Duration) (net.Conn, error) {
	return t.DialTimeout(addr.Addr, timeout)
}
'''
    assert not findings(tmp_path, "transport.go", before, after)
    fixed = before + '''
func (t *shimNodeAwareTransport) DialAddress(addr Address) (net.Conn, error) {
	return t.DialTimeout(addr.Addr, 10*time.Second)
}
'''
    assert "timeout.added" in kinds(findings(tmp_path / "fixed", "transport.go", before, fixed))


# -- a loop whose header calls again while the call fails ----------------------------------------------

FOREVER = '''package retry

func Do(op func() error, attempts uint) error {
	var err error
	for n := uint(0); n < attempts; n++ {
		if err = op(); err == nil {
			return nil
		}
	}
	return err
}
'''


def test_go_a_header_loop_calling_again_until_success_with_no_body_retries_forever(tmp_path):
    """``for err := op(); err != nil; err = op() {}``: attempts 0 now means try until it succeeds, at once."""
    after = FOREVER.replace('''	var err error
''', '''	if attempts == 0 {
		for err := op(); err != nil; err = op() {
		}
		return nil
	}
	var err error
''')
    assert "retry.without_limit" in kinds(findings(tmp_path, "retry.go", FOREVER, after))


def test_go_a_header_loop_reading_while_reads_succeed_is_no_retry(tmp_path):
    """``for line, err := r.ReadString('\\n'); err == nil; line, err = r.ReadString('\\n') {}``: reads until
    the first error; nothing is tried again."""
    before = '''package conf

import "bufio"

func load(r *bufio.Reader, c *Config) error {
	return nil
}
'''
    after = before.replace("	return nil\n", '''	var line string
	var err error
	for line, err = r.ReadString('\\n'); err == nil; line, err = r.ReadString('\\n') {
		c.add(line)
	}
	return nil
''')
    assert not findings(tmp_path, "conf.go", before, after)


# -- a ticker's period derived from a timeout is no timeout ---------------------------------------------

STREAM = '''package rafthttp

import "time"

const ConnReadTimeout = 5 * time.Second

func (cw *streamWriter) run() {
	tickc := time.Tick(heartbeatInterval)
	for {
		select {
		case <-tickc:
			cw.heartbeat()
		case <-cw.stopc:
			return
		}
	}
}
'''


def test_go_a_heartbeat_ticker_derived_from_a_read_timeout_is_no_timeout_change(tmp_path):
    after = STREAM.replace("time.Tick(heartbeatInterval)", "time.Tick(ConnReadTimeout / 3)")
    assert not findings(tmp_path, "stream.go", STREAM, after)


def test_go_a_deadline_derived_from_a_read_timeout_stays_a_timeout_change(tmp_path):
    after = STREAM.replace('''	tickc := time.Tick(heartbeatInterval)
''', '''	tickc := time.Tick(heartbeatInterval)
	deadline := time.Now().Add(ConnReadTimeout / 3)
	if time.Now().After(deadline) {
		return
	}
''')
    assert {k for k in kinds(findings(tmp_path, "stream.go", STREAM, after)) if k.startswith("timeout")}


def test_go_a_retry_ticker_period_computed_anew_stays_a_retry_change(tmp_path):
    """``time.NewTicker(retryInterval * 2)``: the ticker paces the retries, its period is the retry delay."""
    before = '''package watch

import "time"

func (w *watcher) resubscribe() {
	ticker := time.NewTicker(retryInterval)
	defer ticker.Stop()
	for range ticker.C {
		if w.subscribe() == nil {
			return
		}
	}
}
'''
    after = before.replace("time.NewTicker(retryInterval)", "time.NewTicker(retryInterval * 2)")
    assert "retry.changed" in kinds(findings(tmp_path, "watch.go", before, after))
