"""Anti-pattern decisions (issue 13, round 6) on real git diffs of realistic code, real tree-sitter parses.

Each rule is tested both ways: the shape a reviewer would want flagged still is, and the shape that
drew false alarms on the corpus's dev commits (a forwarded optional timeout, an old nesting edited, a
fail-over loop, one loop reported twice, a timeout moved off an existing call) no longer is.
"""

from __future__ import annotations

from tests.test_retry_timeout import kinds, one, run

# -- timeout.unbounded: an option declared or forwarded with none is not a wait set to forever -----------

CORE_PRE = '''"""A small HTTP client."""
import socket
import urllib2


class Request(object):
    def __init__(self, url=None, method=None, headers=None, auth=None):
        self.url = url
        self.method = method
        self.headers = headers or {}
        self.auth = auth

    def send(self):
        return urllib2.urlopen(self.url)


def request(method, url, **kwargs):
    r = Request(method=method, url=url, headers=kwargs.pop("headers", {}),
                auth=kwargs.pop("auth", None))
    return r.send()


def get(url, headers=None, auth=None):
    return request("GET", url, headers=headers, auth=auth)
'''


def test_timeout_option_forwarded_as_none_is_not_unbounded(tmp_path):
    post = CORE_PRE.replace(
        "auth=kwargs.pop(\"auth\", None))", "auth=kwargs.pop(\"auth\", None),\n                timeout=kwargs.pop(\"timeout\", None))"
    ).replace("def __init__(self, url=None, method=None, headers=None, auth=None):",
              "def __init__(self, url=None, method=None, headers=None, auth=None, timeout=None):").replace(
        "        self.auth = auth\n", "        self.auth = auth\n        socket.setdefaulttimeout(timeout)\n").replace(
        "def get(url, headers=None, auth=None):\n    return request(\"GET\", url, headers=headers, auth=auth)",
        "def get(url, headers=None, auth=None, timeout=None):\n"
        "    return request(\"GET\", url, headers=headers, auth=auth, timeout=timeout)")
    ex = run(tmp_path, {"client/core.py": CORE_PRE}, {"client/core.py": post})
    assert "timeout.added" in kinds(ex)  # the new option is a timeout change
    # None passed to the code's own Request: what it means is Request's choice; before the option
    # existed the request had no timeout either
    assert "timeout.unbounded" not in kinds(ex)


def test_timeout_none_given_to_a_known_client_is_unbounded(tmp_path):
    pre = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=10).json()\n"
    post = pre + "\n\ndef export(url, rows):\n    return requests.post(url, json=rows, timeout=None)\n"
    ex = run(tmp_path, {"svc/export.py": pre}, {"svc/export.py": post})
    assert one(ex, "timeout.unbounded")["line"] == 9


SESSION_PRE = '''class Session(object):
    SESSION_VARIABLES = {
        # logical: (config file key, environment variable, default)
        "profile": (None, "APP_PROFILE", None),
        "region": ("region", "APP_REGION", None),
    }

    def get_variable(self, name):
        return self.SESSION_VARIABLES[name][2]
'''


def test_config_key_declared_without_default_is_not_unbounded(tmp_path):
    post = SESSION_PRE.replace(
        '        "region": ("region", "APP_REGION", None),\n',
        '        "region": ("region", "APP_REGION", None),\n'
        '        # seconds before a call to the metadata service gives up\n'
        '        "metadata_service_timeout": ("metadata_service_timeout", None, None),\n')
    ex = run(tmp_path, {"app/session.py": SESSION_PRE}, {"app/session.py": post})
    assert "timeout.added" in kinds(ex)
    assert "timeout.unbounded" not in kinds(ex)


def test_socket_timeout_cleared_is_still_unbounded(tmp_path):
    pre = ('import socket\n\n\ndef connect(host, port, timeout):\n'
           '    sock = socket.create_connection((host, port), timeout)\n    return sock\n')
    post = pre.replace("    return sock\n", "    sock.settimeout(None)\n    return sock\n")
    ex = run(tmp_path, {"db/conn.py": pre}, {"db/conn.py": post})
    assert one(ex, "timeout.unbounded")["line"] == 6


# -- retry.without_limit / retry.without_backoff: one finding per loop -----------------------------------

RECV_PRE = '''import socket


def read_frame(sock):
    return sock.recv(4096)
'''


def test_unbounded_loop_without_delay_is_one_finding(tmp_path):
    post = '''import socket


def read_frame(sock):
    while True:
        try:
            return sock.recv(4096)
        except socket.timeout:
            continue
'''
    ex = run(tmp_path, {"net/frames.py": RECV_PRE}, {"net/frames.py": post})
    lim = one(ex, "retry.without_limit")
    assert lim["line"] == 5 and "no delay" in lim["message"]
    assert "retry.without_backoff" not in kinds(ex)


def test_bounded_loop_without_delay_is_without_backoff(tmp_path):
    post = '''import socket


def read_frame(sock):
    for attempt in range(3):
        try:
            return sock.recv(4096)
        except socket.timeout:
            continue
    raise TimeoutError("no frame")
'''
    ex = run(tmp_path, {"net/frames.py": RECV_PRE}, {"net/frames.py": post})
    assert one(ex, "retry.without_backoff")["line"] == 5
    assert "retry.without_limit" not in kinds(ex)


# -- retry.nested: introduced by the change, and only over a retry that waits ---------------------------

RATES_PRE = '''import requests
from tenacity import retry, stop_after_attempt, wait_exponential, wait_fixed


@retry(stop=stop_after_attempt(5), wait=wait_exponential(multiplier=0.5, max=10))
def fetch_rates(base):
    return requests.get(f"https://rates.example.com/{base}", timeout=5).json()


@retry(stop=stop_after_attempt(3), wait=wait_fixed(2))
def refresh(bases):
    return {b: fetch_rates(b) for b in bases}


def convert(amount, rate):
    return amount * rate
'''


def test_nested_retry_edited_but_not_introduced_is_not_flagged(tmp_path):
    post = RATES_PRE.replace("stop_after_attempt(3), wait=wait_fixed(2)", "stop_after_attempt(4), wait=wait_fixed(2)")
    ex = run(tmp_path, {"fx/rates.py": RATES_PRE}, {"fx/rates.py": post})
    assert "retry.changed" in kinds(ex)
    # refresh already called the retrying fetch_rates before the change: the nesting is not new
    assert "retry.nested" not in kinds(ex)


def test_nested_retry_introduced_is_flagged(tmp_path):
    pre = RATES_PRE.replace("    return {b: fetch_rates(b) for b in bases}\n", "    return {b: 1.0 for b in bases}\n")
    ex = run(tmp_path, {"fx/rates.py": pre}, {"fx/rates.py": RATES_PRE})
    nested = one(ex, "retry.nested")
    assert nested["scope"] == "refresh" and "fetch_rates" in nested["message"]


CLUSTER_PRE = '''package cluster

import (
	"errors"
	"math/rand"
)

// randomNode returns a client for the first node that answers a ping.
func (c *Cluster) randomNode() (*Node, error) {
	for i := 0; i < 10; i++ {
		n := c.nodes[rand.Intn(len(c.nodes))]
		if err := n.Ping(); err == nil {
			return n, nil
		}
	}
	return nil, errors.New("no live node")
}

func (c *Cluster) Process(cmd *Cmd) error {
	node, err := c.nodeFor(cmd.Key)
	if err != nil {
		return err
	}
	return node.Process(cmd)
}
'''


def test_retry_over_a_failover_loop_is_not_nested(tmp_path):
    before = "\tnode, err := c.nodeFor(cmd.Key)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn node.Process(cmd)\n"
    after = ("\tnode, err := c.nodeFor(cmd.Key)\n\tif err != nil {\n\t\treturn err\n\t}\n"
             "\tfor attempt := 0; attempt <= c.maxRedirects; attempt++ {\n"
             "\t\terr = node.Process(cmd)\n"
             "\t\tif err == nil || !isNetworkError(err) {\n\t\t\treturn err\n\t\t}\n"
             "\t\tif node, err = c.randomNode(); err != nil {\n\t\t\treturn err\n\t\t}\n"
             "\t}\n\treturn err\n")
    assert before in CLUSTER_PRE
    ex = run(tmp_path, {"cluster/cluster.go": CLUSTER_PRE}, {"cluster/cluster.go": CLUSTER_PRE.replace(before, after)})
    assert "retry.added" in kinds(ex)
    # randomNode tries other nodes at once, it does not stack waits: fail-over, not a nested retry
    assert "retry.nested" not in kinds(ex)


def test_retry_over_a_backoff_retry_is_nested(tmp_path):
    pre = CLUSTER_PRE.replace("\t\tif err := n.Ping(); err == nil {\n\t\t\treturn n, nil\n\t\t}\n",
                              "\t\tif err := n.Ping(); err == nil {\n\t\t\treturn n, nil\n\t\t}\n"
                              "\t\ttime.Sleep(time.Duration(1<<i) * 50 * time.Millisecond)\n").replace(
        '\t"math/rand"\n', '\t"math/rand"\n\t"time"\n')
    before = "\tnode, err := c.nodeFor(cmd.Key)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn node.Process(cmd)\n"
    after = ("\tnode, err := c.nodeFor(cmd.Key)\n\tif err != nil {\n\t\treturn err\n\t}\n"
             "\tfor attempt := 0; attempt <= c.maxRedirects; attempt++ {\n"
             "\t\terr = node.Process(cmd)\n"
             "\t\tif err == nil || !isNetworkError(err) {\n\t\t\treturn err\n\t\t}\n"
             "\t\tif node, err = c.randomNode(); err != nil {\n\t\t\treturn err\n\t\t}\n"
             "\t}\n\treturn err\n")
    ex = run(tmp_path, {"cluster/cluster.go": pre}, {"cluster/cluster.go": pre.replace(before, after)})
    nested = one(ex, "retry.nested")
    assert nested["scope"].endswith("Process") and "randomNode" in nested["message"]


# -- location: a loop the change turned into a retry is decided where the old exit stood ----------------

WATCH_PRE = '''package watch

import "context"

type watcher struct {
	ctx    context.Context
	stopc  chan struct{}
	remote Remote
}

// openStream opens a watch stream, reconnecting until the connection gives up.
func (w *watcher) openStream() (s Stream, err error) {
	for {
		if s, err = w.remote.Watch(w.ctx); s != nil {
			break
		} else if isHaltErr(w.ctx, err) {
			return nil, err
		}
		if nerr := w.remote.ReconnectWait(w.ctx); nerr != nil {
			return nil, nerr
		}
	}
	return s, nil
}
'''

WATCH_POST = '''package watch

import "context"

type watcher struct {
	ctx    context.Context
	stopc  chan struct{}
	remote Remote
}

// openStream opens a watch stream, reconnecting until it is stopped.
func (w *watcher) openStream() (s Stream, err error) {
	for {
		select {
		case <-w.stopc:
			if err == nil {
				err = context.Canceled
			}
			return nil, err
		default:
		}
		if s, err = w.remote.Watch(w.ctx); s != nil && err == nil {
			break
		} else if isHaltErr(w.ctx, err) {
			return nil, err
		}
		err = w.remote.ReconnectWait(w.ctx)
	}
	return s, nil
}
'''


def test_existing_loop_made_unbounded_is_flagged_where_the_exit_was(tmp_path):
    ex = run(tmp_path, {"watch/watch.go": WATCH_PRE}, {"watch/watch.go": WATCH_POST})
    lim = one(ex, "retry.without_limit")
    # the loop header (line 13) was there before; the failed reconnect no longer returns (line 27)
    assert lim["line"] == 27


def test_new_loop_is_flagged_at_its_header(tmp_path):
    pre = WATCH_PRE.replace(WATCH_PRE[WATCH_PRE.index("\tfor {"):WATCH_PRE.index("\treturn s, nil")],
                            "\ts, err = w.remote.Watch(w.ctx)\n")
    ex = run(tmp_path, {"watch/watch.go": pre}, {"watch/watch.go": WATCH_POST})
    assert one(ex, "retry.without_limit")["line"] == 13


# -- timeout.missing: a call that hands its caller's options on is not missing a timeout ----------------

def test_request_passing_options_on_is_not_missing_a_timeout(tmp_path):
    pre = '"""Thin API wrapper."""\nimport requests\n\nAPI = "https://api.example.com"\n'
    post = pre + '''

def get_user(uid, **kwargs):
    return requests.get(f"{API}/users/{uid}", **kwargs).json()


def get_team(tid):
    return requests.get(f"{API}/teams/{tid}").json()
'''
    ex = run(tmp_path, {"api/users.py": pre}, {"api/users.py": post})
    # get_user passes its caller's options (a timeout among them, or not) on; get_team sets none
    assert one(ex, "timeout.missing")["line"] == 12


def test_fetch_with_the_callers_init_is_not_missing_a_timeout(tmp_path):
    pre = 'const API = "https://api.example.com";\n\nexport function base() {\n  return API;\n}\n'
    post = pre + '''
export async function getUser(id, init) {
  const res = await fetch(`${API}/users/${id}`, init);
  return res.json();
}

export async function saveUser(user, options) {
  return fetch(`${API}/users/${user.id}`, { ...options, method: "PUT", body: JSON.stringify(user) });
}

export async function getTeam(id) {
  const res = await fetch(`${API}/teams/${id}`);
  return res.json();
}
'''
    ex = run(tmp_path, {"src/api.js": pre}, {"src/api.js": post})
    # getUser and saveUser hand their caller's init on; getTeam sets no signal and no timeout
    assert one(ex, "timeout.missing")["line"] == 17


def test_a_queue_named_requests_is_not_an_http_call(tmp_path):
    pre = '"""Worker that pulls jobs."""\nimport asyncio\n'
    post = pre + '''

async def pump(requests: asyncio.Queue, results: asyncio.Queue, handle):
    while True:
        job = await requests.get()
        await results.put(handle(job))
'''
    ex = run(tmp_path, {"svc/pump.py": pre}, {"svc/pump.py": post})
    assert "timeout.missing" not in kinds(ex)
    with_import = run(tmp_path / "b", {"svc/pump.py": pre}, {"svc/pump.py": post.replace(
        "import asyncio\n", "import asyncio\nimport requests\n").replace(
        "        await results.put(handle(job))\n",
        "        await results.put(handle(job))\n\n\ndef fetch(url):\n    return requests.get(url).json()\n")})
    assert "timeout.missing" in kinds(with_import)


GO_STREAM_PRE = '''package transport

import (
	"context"
	"net/http"
)

type SSE struct {
	baseURL string
}
'''


def test_go_client_for_context_bound_requests_is_not_missing_a_timeout(tmp_path):
    post = GO_STREAM_PRE.replace("type SSE struct {\n\tbaseURL string\n}\n", """type SSE struct {
	baseURL    string
	httpClient *http.Client
}

func NewSSE(baseURL string) *SSE {
	return &SSE{baseURL: baseURL, httpClient: &http.Client{}}
}

func (c *SSE) Start(ctx context.Context) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	return c.httpClient.Do(req)
}
""")
    ex = run(tmp_path, {"transport/sse.go": GO_STREAM_PRE}, {"transport/sse.go": post})
    # every request carries its caller's context: a stream's client must not have a Timeout
    assert "timeout.missing" not in kinds(ex)
    plain = post.replace("http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL, nil)",
                         "http.NewRequest(http.MethodGet, c.baseURL, nil)")
    ex2 = run(tmp_path / "b", {"transport/sse.go": GO_STREAM_PRE}, {"transport/sse.go": plain})
    assert one(ex2, "timeout.missing")["line"] == 14
