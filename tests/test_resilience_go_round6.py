"""Go shapes of issue 13's sixth round (precision that generalises), on real parses and real git
diffs: what fires near a retry or a timeout without changing the decision (a keepalive period, a cache
entry's expiry, ...). Each negative beside the positive it must not lose."""

from __future__ import annotations

from mergeguard.features import syntax
from mergeguard.features.resilience import go
from tests.retry_changes import file_findings as findings
from tests.retry_changes import kinds


def scan(text: str):
    tree = syntax.parse(text, "go")
    assert tree is not None, "no go grammar installed"
    return go.scan(syntax.Source("f.go", "post", "go", text, tree))


# -- a keepalive period is not a timeout --------------------------------------------------------------

DIALER = '''package pool

import (
	"net"
	"time"
)

func newDialer(opt *Options) *net.Dialer {
	return &net.Dialer{
		Timeout: opt.DialTimeout,
	}
}
'''


def test_go_a_tcp_keepalive_period_added_to_a_dialer_is_no_timeout(tmp_path):
    after = DIALER.replace("		Timeout: opt.DialTimeout,\n", "		Timeout:   opt.DialTimeout,\n"
                                                           "		KeepAlive: 5 * time.Minute,\n")
    assert not findings(tmp_path, "options.go", DIALER, after)


def test_go_a_keepalive_ping_timeout_stays_a_timeout(tmp_path):
    after = DIALER.replace("		Timeout: opt.DialTimeout,\n", "		Timeout: opt.DialTimeout,\n"
                                                           "		KeepAliveTimeout: 20 * time.Second,\n")
    assert "timeout.added" in kinds(findings(tmp_path, "options.go", DIALER, after))


def test_go_a_minimum_ping_interval_constant_is_no_timeout_but_a_dial_timeout_constant_is(tmp_path):
    before = '''package internal

import "time"

var (
	// KeepaliveMinPingTime is the minimum ping interval; tests override it.
	KeepaliveMinPingTime = 10 * time.Second
)
'''
    assert not findings(tmp_path / "a", "internal/internal.go", "package internal\n", before)
    dial = before.replace("KeepaliveMinPingTime = 10", "DefaultDialTimeout = 10")
    assert "timeout.added" in kinds(findings(tmp_path / "b", "internal/internal.go", "package internal\n", dial))


def test_go_a_keepalive_field_of_an_options_struct_is_no_setting_but_a_timeout_field_is():
    s = scan('''package redis

import "time"

type Options struct {
	KeepAlive    time.Duration
	ReadTimeout  time.Duration
}
''')
    assert [(c.kind, c.target) for c in s.constructs] == [("timeout", "ReadTimeout")]


# -- a timer that expires a cache entry is no timeout -------------------------------------------------

CACHE = '''package cache

import (
	"sync"
	"time"
)

type entry struct {
	item    interface{}
	timer   *time.Timer
	deleted bool
}

type TimeoutCache struct {
	mu      sync.Mutex
	timeout time.Duration
	cache   map[string]*entry
}

func (c *TimeoutCache) Add(key string, item interface{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &entry{item: item}
	c.cache[key] = e
}
'''


def test_go_a_timer_that_deletes_a_cache_entry_is_an_expiry_not_a_timeout(tmp_path):
    after = CACHE.replace("	c.cache[key] = e\n", '''	c.cache[key] = e
	e.timer = time.AfterFunc(c.timeout, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if e.deleted {
			return
		}
		delete(c.cache, key)
	})
''')
    assert not findings(tmp_path, "internal/cache/cache.go", CACHE, after)


def test_go_a_timer_that_fails_a_pending_call_stays_a_timeout(tmp_path):
    after = CACHE.replace("	c.cache[key] = e\n", '''	c.cache[key] = e
	e.timer = time.AfterFunc(c.timeout, func() {
		c.fail(key, errTimeout)
	})
''')
    assert "timeout.added" in kinds(findings(tmp_path, "internal/cache/cache.go", CACHE, after))


def test_go_a_timer_that_reaps_a_pending_request_handler_stays_a_timeout(tmp_path):
    before = """package memberlist

import (
	"sync"
	"time"
)

type ackHandler struct {
	handler func()
	timer   *time.Timer
}

type Memberlist struct {
	ackLock     sync.Mutex
	ackHandlers map[uint32]*ackHandler
}

func (m *Memberlist) setAckHandler(seqNo uint32, handler func(), timeout time.Duration) {
	ah := &ackHandler{handler: handler}
	m.ackLock.Lock()
	m.ackHandlers[seqNo] = ah
	m.ackLock.Unlock()
}
"""
    after = before.replace("	m.ackLock.Unlock()\n}\n", """	m.ackLock.Unlock()

	ah.timer = time.AfterFunc(timeout, func() {
		m.ackLock.Lock()
		delete(m.ackHandlers, seqNo)
		m.ackLock.Unlock()
	})
}
""")
    assert after != before
    assert "timeout.added" in kinds(findings(tmp_path, "memberlist.go", before, after))


# -- a deadline the caller hands in is applied where it is called ------------------------------------

PUBLISH = '''package etcdserver

import (
	"context"
	"time"
)

func (s *EtcdServer) Start() {
	go s.publish(s.Cfg.ReqTimeout())
}

func (s *EtcdServer) publish(timeout time.Duration) {
	for {
		ctx, cancel := context.WithTimeout(s.ctx, timeout)
		err := s.request(ctx, "publish")
		cancel()
		if err == nil {
			return
		}
		time.Sleep(time.Second)
	}
}
'''


def test_go_a_new_copy_of_a_function_that_applies_its_timeout_parameter_is_plumbing(tmp_path):
    after = PUBLISH.replace("go s.publish(", "go s.publishV3(") + '''
func (s *EtcdServer) publishV3(timeout time.Duration) {
	for {
		ctx, cancel := context.WithTimeout(s.ctx, timeout)
		err := s.raftRequest(ctx, "publish")
		cancel()
		if err == nil {
			return
		}
		time.Sleep(time.Second)
	}
}
'''
    found = findings(tmp_path, "etcdserver/server.go", PUBLISH, after)
    assert not [f for f in found if f.kind.startswith("timeout.")]
    assert "retry.added" in kinds(found)  # the new loop is still a retry loop of its own


def test_go_a_new_function_that_applies_a_configured_timeout_is_a_timeout_added(tmp_path):
    after = PUBLISH + '''
func (s *EtcdServer) sync() {
	ctx, cancel := context.WithTimeout(s.ctx, s.Cfg.ReqTimeout())
	defer cancel()
	_ = s.request(ctx, "sync")
}
'''
    assert "timeout.added" in kinds(findings(tmp_path, "etcdserver/server.go", PUBLISH, after))



# -- loops that visit items, and one immediate re-try -------------------------------------------------

SCHEMA = '''package mcp

import "reflect"

func properties(structType reflect.Type, opts Options) (map[string]*Schema, error) {
	props := map[string]*Schema{}
	return props, nil
}
'''


def test_go_a_loop_over_a_structs_fields_that_skips_failures_is_no_retry(tmp_path):
    after = SCHEMA.replace("	return props, nil\n", '''	for i := 0; i < structType.NumField(); i++ {
		field := structType.Field(i)
		schema, err := forType(field.Type, opts)
		if err != nil {
			if opts.IgnoreInvalidTypes {
				continue
			}
			return nil, err
		}
		props[field.Name] = schema
	}
	return props, nil
''')
    assert not findings(tmp_path, "mcp/schema.go", SCHEMA, after)


def test_go_a_counted_loop_that_retries_a_call_is_still_a_retry_without_backoff(tmp_path):
    after = SCHEMA.replace("	return props, nil\n", '''	var err error
	for i := 0; i < opts.MaxAttempts; i++ {
		if err = opts.client.Ping(); err == nil {
			break
		}
	}
	return props, err
''')
    assert {"retry.added", "retry.without_backoff"} <= kinds(findings(tmp_path, "mcp/schema.go", SCHEMA, after))


NEGOTIATE = '''package client

import (
	"context"
	"errors"
)

func (c *Client) initialize(ctx context.Context) (*Result, error) {
	return c.send(ctx, c.version)
}
'''


def test_go_one_immediate_renegotiation_is_a_retry_but_no_retry_without_backoff(tmp_path):
    after = NEGOTIATE.replace("	return c.send(ctx, c.version)\n", '''	for range 2 {
		res, err := c.send(ctx, c.version)
		if err == nil {
			return res, nil
		}
		var unsupported *UnsupportedVersionError
		if errors.As(err, &unsupported) && unsupported.Supported != "" {
			c.version = unsupported.Supported
			continue
		}
		return nil, err
	}
	return nil, errors.New("version negotiation failed")
''')
    found = kinds(findings(tmp_path, "client/client.go", NEGOTIATE, after))
    assert "retry.added" in found and "retry.without_backoff" not in found
    three = after.replace("for range 2 {", "for range 3 {")
    assert "retry.without_backoff" in kinds(findings(tmp_path / "b", "client/client.go", NEGOTIATE, three))


def test_go_a_loop_bounded_by_a_file_constant_counts_that_many_attempts():
    s = scan('''package cmd

import "time"

const (
	maxStaleRetries = 3
	retryWaitSeconds = 2
)

func (c *Cmd) connect() error {
	var err error
	for i := 0; i < maxStaleRetries; i++ {
		if err = c.dial(); err == nil {
			return nil
		}
		time.Sleep(retryWaitSeconds * time.Second)
	}
	return err
}
''')
    loops = [c for c in s.constructs if c.library == "loop"]
    assert [(c.attempts, c.backoff) for c in loops] == [(3.0, "fixed")]


# -- a retry that picks a live node is not nested in the picking --------------------------------------

CLUSTER = '''package redis

import (
	"math/rand"
	"time"
)

func (c *ClusterClient) randomClient() (*Client, error) {
	var err error
	for i := 0; i < 10; i++ {
		n := rand.Intn(len(c.addrs))
		client := c.getClient(c.addrs[n])
		if err = client.Ping(); err == nil {
			return client, nil
		}
	}
	return nil, err
}

func (c *ClusterClient) Process(cmd Cmder) error {
	client, err := c.randomClient()
	if err != nil {
		return err
	}
	return client.Process(cmd)
}
'''


def test_go_a_retry_that_calls_a_failover_picker_is_not_nested(tmp_path):
    after = CLUSTER.replace('''	client, err := c.randomClient()
	if err != nil {
		return err
	}
	return client.Process(cmd)
''', '''	var err error
	for attempt := 0; attempt <= c.opt.MaxRedirects; attempt++ {
		client, e := c.randomClient()
		if e != nil {
			return e
		}
		if err = client.Process(cmd); err == nil {
			return nil
		}
		time.Sleep(c.opt.RetryBackoff)
	}
	return err
''')
    found = kinds(findings(tmp_path, "cluster.go", CLUSTER, after))
    assert "retry.added" in found and "retry.nested" not in found


def test_go_a_retry_that_calls_a_function_that_waits_and_retries_is_nested(tmp_path):
    before = CLUSTER.replace('''		if err = client.Ping(); err == nil {
			return client, nil
		}
''', '''		if err = client.Ping(); err == nil {
			return client, nil
		}
		time.Sleep(100 * time.Millisecond)
''')
    after = before.replace('''	client, err := c.randomClient()
	if err != nil {
		return err
	}
	return client.Process(cmd)
''', '''	var err error
	for attempt := 0; attempt <= c.opt.MaxRedirects; attempt++ {
		client, e := c.randomClient()
		if e != nil {
			return e
		}
		if err = client.Process(cmd); err == nil {
			return nil
		}
		time.Sleep(c.opt.RetryBackoff)
	}
	return err
''')
    assert "retry.nested" in kinds(findings(tmp_path, "cluster.go", before, after))


# -- test tooling that ships in a package -------------------------------------------------------------

HELPERS = '''package gin

import (
	"net/http"
	"testing"
)

func waitForServer(t *testing.T, url string) {
	resp, err := http.Get(url)
	if err == nil {
		resp.Body.Close()
	}
}
'''

POLL = HELPERS.replace('''	resp, err := http.Get(url)
	if err == nil {
		resp.Body.Close()
	}
''', '''	client := &http.Client{Timeout: 100 * time.Millisecond}
	for i := 0; i < 50; i++ {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("server did not start")
''').replace('"testing"', '"testing"\n	"time"')


def test_go_a_test_helper_file_that_waits_for_a_server_is_test_tooling(tmp_path):
    assert go.test_tooling("test_helpers.go") and go.test_tooling("internal/testutil.go")
    assert go.test_tooling("client/mock_transport.go") and not go.test_tooling("client/transport.go")
    assert not findings(tmp_path, "test_helpers.go", HELPERS, POLL)


def test_go_the_same_wait_in_package_code_is_a_retry_and_a_timeout(tmp_path):
    found = kinds(findings(tmp_path, "health.go", HELPERS, POLL))
    assert {"retry.added", "timeout.added"} <= found


# -- a read loop that stops at the end of its input ---------------------------------------------------

READ = '''package tools

import (
	"bufio"
	"io"
	"os"
	"strings"
)

func readLines(file *os.File, end int) (string, error) {
	return "", nil
}
'''


def test_go_a_read_loop_that_reads_on_after_a_full_buffer_and_stops_at_eof_is_no_retry(tmp_path):
    after = READ.replace('''	return "", nil
''', '''	reader := bufio.NewReader(file)
	var b strings.Builder
	for lineNo := 1; ; {
		line, err := reader.ReadSlice('\\n')
		b.Write(line)
		if err != nil {
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				break
			}
			return "", err
		}
		if end > 0 && lineNo >= end {
			break
		}
		lineNo++
	}
	return b.String(), nil
''')
    assert not findings(tmp_path, "agent/tools/file.go", READ, after)


def test_go_a_loop_that_redials_on_eof_and_waits_stays_a_retry(tmp_path):
    after = READ.replace('''	return "", nil
''', '''	for {
		line, err := readLine(file)
		if err == nil {
			return line, nil
		}
		if err == io.EOF {
			file, err = reopen(file.Name())
			if err != nil {
				return "", err
			}
		}
		time.Sleep(time.Second)
	}
''').replace('"strings"', '"strings"\\n	"time"')
    assert "retry.added" in kinds(findings(tmp_path, "agent/tools/file.go", READ, after))


def test_go_a_retry_without_wait_that_gives_up_on_eof_stays_a_retry(tmp_path):
    after = READ.replace('''	return "", nil
''', '''	for attempt := 0; attempt < 3; attempt++ {
		line, err := readLine(file)
		if err == nil {
			return line, nil
		}
		if err == io.EOF {
			return "", err
		}
	}
	return "", nil
''')
    assert {"retry.added", "retry.without_backoff"} <= kinds(findings(tmp_path, "agent/tools/file.go", READ, after))


def test_go_a_retry_on_the_next_node_after_a_connection_error_or_eof_is_no_read_loop():
    s = scan('''package redis

import (
	"io"
	"net"
)

func (c *ClusterClient) process(cmd Cmder) {
	client := c.masterClient(cmd)
	for attempt := 0; attempt <= c.opt.MaxRedirects; attempt++ {
		client.Process(cmd)
		err := cmd.Err()
		if err == nil {
			return
		}
		if _, ok := err.(*net.OpError); ok || err == io.EOF {
			client = c.randomClient()
			if client == nil {
				return
			}
			continue
		}
		return
	}
}
''')
    assert [c.library for c in s.constructs if c.kind == "retry"] == ["loop"]


# -- a stream loop that learns a new event type -------------------------------------------------------

STREAM = '''package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"
)

func (c *Client) subscribe(ctx context.Context, r io.Reader, events chan<- any) {
	scr := bufio.NewReader(r)
	for {
		line, err := scr.ReadBytes('\\n')
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			select {
			case <-time.After(2 * time.Second):
			case <-ctx.Done():
				return
			}
			continue
		}
		if len(line) == 0 {
			continue
		}
		var p Payload
		if err := json.Unmarshal(line, &p); err != nil {
			continue
		}
		switch p.Type {
		case PayloadTypeLSPEvent:
			if !send(ctx, events, p) {
				return
			}
		default:
			continue
		}
	}
}
'''


def test_go_a_stream_loop_that_learns_a_new_event_type_changes_no_retry(tmp_path):
    after = STREAM.replace('''		default:
			continue''', '''		case PayloadTypeUpdateAvailable:
			if !send(ctx, events, p) {
				return
			}
		default:
			continue''')
    assert not findings(tmp_path, "internal/client/proto.go", STREAM, after)


def test_go_a_stream_loop_that_now_gives_up_on_a_permanent_error_is_a_retry_change(tmp_path):
    after = STREAM.replace('''			if ctx.Err() != nil {
				return
			}''', '''			if ctx.Err() != nil || errors.Is(err, ErrPermanent) {
				return
			}''')
    assert "retry.changed" in kinds(findings(tmp_path, "internal/client/proto.go", STREAM, after))
