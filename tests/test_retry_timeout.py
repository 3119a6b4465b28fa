"""The retry/timeout detector on real git diffs of realistic Python and Go code (real tree-sitter parses)."""

from __future__ import annotations

import pytest

from mergeguard.change import Limits
from mergeguard.features import Context, retry_timeout
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_range
from tests.gitrepo import commit, git, init_repo


def run(tmp_path, before: dict, after: dict):
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"README.md": "svc\n", **before}, "base", when=1_700_000_000)
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, after, "change", when=1_700_000_100)
    change = change_from_range(GitRepo(str(repo)), "main", "feature", Limits())
    return retry_timeout.extract(change, Context())


def kinds(ex):
    return sorted(f.kind for f in ex.findings)


def one(ex, kind):
    hits = [f for f in ex.findings if f.kind == kind]
    assert len(hits) == 1, f"expected one {kind}, got {ex.findings}"
    return hits[0].to_json()


# -- Python ------------------------------------------------------------------------------------------

PAY_PRE = '''"""Payments client.

Retries with tenacity; every call has a timeout.
"""
import requests
from tenacity import retry, stop_after_attempt, wait_exponential

API = "https://pay.example.com"


class PaymentsClient:
    def __init__(self, token):
        self.token = token

    @retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=0.5, max=8))
    def charge(self, order):
        return requests.post(f"{API}/charges", json=order, timeout=5,
                             headers={"Idempotency-Key": order["id"]})

    def status(self, charge_id):
        return requests.get(f"{API}/charges/{charge_id}", timeout=5).json()
'''


def test_python_retry_and_timeout_changed_with_values(tmp_path):
    post = PAY_PRE.replace("stop_after_attempt(3)", "stop_after_attempt(6)").replace(
        'json=order, timeout=5', 'json=order, timeout=60')
    ex = run(tmp_path, {"pay/client.py": PAY_PRE}, {"pay/client.py": post})
    r = one(ex, "retry.changed")
    assert r["line"] == 15 and r["scope"] == "PaymentsClient.charge" and "attempts 3 → 6" in r["message"]
    t = one(ex, "timeout.changed")
    assert t["line"] == 17 and "timeout 5 (5s) → 60 (60s) (12x)" in t["message"]
    inc = one(ex, "timeout.increased")
    assert "(12x)" in inc["message"] and inc["severity"] == "warning"
    assert ex.signals["retry"]["changed"] is True and ex.signals["timeout"]["changed"] is True
    assert ex.signals["timeout"]["modified"][0]["before"] == {"seconds": 5.0, "value": "5"}
    assert ex.features["retry_changed"] == 1 and ex.features["timeout_changed"] == 1
    assert ex.features["max_timeout_ratio"] == 12
    # the untouched status() call keeps its timeout: nothing about it
    assert all(f.line != 21 for f in ex.findings)


def test_python_small_increase_is_changed_not_increased(tmp_path):
    post = PAY_PRE.replace('json=order, timeout=5', 'json=order, timeout=10')
    ex = run(tmp_path, {"pay/client.py": PAY_PRE}, {"pay/client.py": post})
    assert kinds(ex) == ["timeout.changed"]
    assert "(2x)" in ex.findings[0].message


def test_python_removal_points_at_pre_image_line(tmp_path):
    post = PAY_PRE.replace(
        "    @retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=0.5, max=8))\n", "")
    ex = run(tmp_path, {"pay/client.py": PAY_PRE}, {"pay/client.py": post})
    r = one(ex, "retry.removed")
    assert r["line"] == 15 and "tenacity retry" in r["message"] and "3 attempts" in r["message"]
    assert ex.signals["retry"]["removed"][0]["attempts"] == 3
    assert ex.features["retry_removed"] == 1


NEW_PY = '''import time
import random
import requests
import httpx
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry
import backoff
from tenacity import retry, stop_after_attempt, wait_fixed

HTTP_CONFIG = {"timeout": None, "pool": 10}


def make_session():
    s = requests.Session()
    s.mount("https://", HTTPAdapter(max_retries=Retry(total=5, backoff_factor=0.3,
                                                      allowed_methods=["GET", "POST"])))
    return s


@backoff.on_exception(backoff.expo, requests.RequestException)
def fetch_rates():
    return requests.get("https://rates.example.com/latest", timeout=3).json()


def push_event(event):
    for attempt in range(5):
        try:
            return requests.post("https://events.example.com", json=event, timeout=2)
        except requests.ConnectionError:
            continue


@retry(stop=stop_after_attempt(4), wait=wait_fixed(1))
def sync_all():
    return fetch_rates()


def download(url):
    delay = 0.5
    while True:
        try:
            return requests.get(url)
        except requests.RequestException:
            time.sleep(delay + random.random())
            delay *= 2


def profile(uid):
    return httpx.get(f"https://users.example.com/{uid}")
'''


def test_python_new_file_antipatterns(tmp_path):
    ex = run(tmp_path, {}, {"svc/io.py": NEW_PY})
    k = kinds(ex)
    # backoff.on_exception without max_tries/max_time never stops; the while-True loop neither
    lim = [f for f in ex.findings if f.kind == "retry.without_limit"]
    assert {f.scope for f in lim} == {"fetch_rates", "download"}
    nb = one(ex, "retry.without_backoff")
    assert nb["scope"] == "push_event" and "5 attempts" in nb["message"]
    # Retry allowing POST and the push_event loop both retry a POST without an idempotency key
    ni = [f for f in ex.findings if f.kind == "retry.non_idempotent"]
    assert {f.line for f in ni} == {15, 26}
    nested = one(ex, "retry.nested")
    assert nested["scope"] == "sync_all" and "fetch_rates" in nested["message"]
    # a config table the change declares with "timeout": None declares the option, like a new
    # TIMEOUT = None setting: what the code did before the option existed (no anti-pattern)
    assert "timeout.unbounded" not in k
    assert any(f.kind == "timeout.added" and f.line == 10 for f in ex.findings)
    miss = one(ex, "timeout.missing")
    assert miss["line"] == 42 and "requests.get" in miss["message"]  # httpx (5 s default) does not fire
    assert k.count("retry.added") == 5
    dl = next(c for c in ex.signals["retry"]["added"] if c["scope"] == "download")
    assert dl["backoff"] == "exponential" and dl["attempts"] == "unlimited"
    assert ex.features["timeout_missing_calls"] == 1


def test_python_good_code_has_no_antipatterns(tmp_path):
    good = '''import requests
import backoff
from tenacity import retry, stop_after_attempt, wait_random_exponential


@retry(stop=stop_after_attempt(5), wait=wait_random_exponential(max=30))
def fetch(url):
    return requests.get(url, timeout=(3.05, 27))


@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=4)
def create(order):
    return requests.post("https://api.example.com/orders", json=order, timeout=10,
                         headers={"Idempotency-Key": order["key"]})
'''
    ex = run(tmp_path, {}, {"svc/good.py": good})
    assert kinds(ex) == ["retry.added", "retry.added", "timeout.added", "timeout.added"]
    t = [f for f in ex.findings if f.kind == "timeout.added"]
    assert any("27s" in f.message for f in t)


def test_words_in_comments_strings_docstrings_and_test_names_do_not_fire(tmp_path):
    pre = "def handler(event):\n    return event\n"
    post = '''def handler(event):
    """Retry with backoff; timeout=None would hang (see tenacity @retry docs)."""
    # for _ in range(3): try: requests.get(url) except: continue  -- no timeout here
    note = "requests.get(url) without timeout; @retry(stop=stop_never)"
    return event, note


def test_retry_on_timeout_is_handled():
    assert handler("retry") == ("retry", handler("x")[1])
'''
    ex = run(tmp_path, {"svc/h.py": pre}, {"svc/h.py": post})
    assert ex.findings == []
    assert ex.features["retry_added"] == 0 and ex.features["timeout_added"] == 0
    assert ex.signals["retry"]["changed"] is False and ex.signals["timeout"]["changed"] is False


def test_untouched_old_antipatterns_do_not_fire(tmp_path):
    old = '''import requests


def legacy(url):
    while True:
        try:
            return requests.get(url)
        except Exception:
            pass


def other():
    return 1
'''
    ex = run(tmp_path, {"svc/old.py": old}, {"svc/old.py": old.replace("return 1", "return 2")})
    assert ex.findings == []
    assert ex.features["files_with_resilience_code"] == 1


def test_item_loop_that_skips_errors_is_not_a_retry(tmp_path):
    post = '''import logging


def import_rows(rows, db):
    for row in rows:
        try:
            db.insert(row)
        except ValueError:
            logging.warning("bad row %s", row)
            continue
'''
    ex = run(tmp_path, {}, {"etl/rows.py": post})
    assert ex.findings == []


def test_python_timeouts_sources(tmp_path):
    post = '''import asyncio
import socket
import aiohttp
import redis
import psycopg2
from urllib.request import urlopen

READ_TIMEOUT = 2 * 60


async def ping(session):
    async with session.get("http://x", timeout=aiohttp.ClientTimeout(total=READ_TIMEOUT)) as r:
        return await asyncio.wait_for(r.text(), 10)


def connect():
    sock = socket.create_connection(("db", 5432))
    sock.settimeout(None)
    cache = redis.Redis(host="cache", socket_timeout=0.25)
    conn = psycopg2.connect(dsn="x", connect_timeout=5)
    page = urlopen("http://example.com")
    return sock, cache, conn, page
'''
    ex = run(tmp_path, {}, {"svc/conn.py": post})
    added = {(a["target"], a["seconds"]) for a in ex.signals["timeout"]["added"]}
    assert ("session.get:timeout", 120.0) in added
    assert ("asyncio.wait_for", 10.0) in added
    assert ("settimeout", "unbounded") in added
    assert ("redis.Redis:socket_timeout", 0.25) in added
    assert ("psycopg2.connect:connect_timeout", 5.0) in added
    assert {f.line for f in ex.findings if f.kind == "timeout.missing"} == {17, 21}
    assert one(ex, "timeout.unbounded")["line"] == 18


def test_timeout_removed_and_unbounded_change(tmp_path):
    pre = "import requests\n\n\ndef get(u):\n    return requests.get(u, timeout=5)\n\n\ndef put(u):\n    return requests.put(u, timeout=5)\n"
    post = "import requests\n\n\ndef get(u):\n    return requests.get(u)\n\n\ndef put(u):\n    return requests.put(u, timeout=None)\n"
    ex = run(tmp_path, {"c.py": pre}, {"c.py": post})
    rem = one(ex, "timeout.removed")
    assert rem["line"] == 5 and "5s" in rem["message"]
    ch = one(ex, "timeout.changed")
    assert "timeout 5 (5s) → None (no timeout)" in ch["message"]
    assert one(ex, "timeout.unbounded")["line"] == 9
    # the call was there before, with a timeout: its removal is reported once, as timeout.removed,
    # not again as a new call missing one
    assert "timeout.missing" not in kinds(ex)


def test_existing_backoff_kept_does_not_fire_without_backoff(tmp_path):
    pre = '''import requests
from tenacity import retry, stop_after_attempt


@retry(stop=stop_after_attempt(3))
def get(u):
    return requests.get(u, timeout=5)
'''
    post = pre.replace("stop_after_attempt(3)", "stop_after_attempt(4)")
    ex = run(tmp_path, {"c.py": pre}, {"c.py": post})
    assert kinds(ex) == ["retry.changed"]  # no backoff before either: not introduced by this change


# -- Go ----------------------------------------------------------------------------------------------

GO_PRE = '''package billing

import (
	"context"
	"net/http"
	"time"
)

const callTimeout = 5 * time.Second

type Client struct {
	hc *http.Client
}

func New() *Client {
	return &Client{hc: &http.Client{Timeout: 10 * time.Second}}
}

// Charge retries a charge; the word retry here must not count.
func (c *Client) Charge(ctx context.Context, req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	var resp *http.Response
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		resp, err = c.hc.Do(req.WithContext(ctx))
		if err == nil {
			return resp, nil
		}
		time.Sleep(time.Duration(1<<attempt) * 100 * time.Millisecond)
	}
	return nil, err
}
'''


def test_go_timeout_and_retry_changed(tmp_path):
    post = GO_PRE.replace("const callTimeout = 5 * time.Second", "const callTimeout = 30 * time.Second").replace(
        "attempt < 3", "attempt < 5").replace("// Charge retries", "// Charge now retries")
    ex = run(tmp_path, {"billing/client.go": GO_PRE}, {"billing/client.go": post})
    t = one(ex, "timeout.changed")
    # reported once, at the constant the change edited, not again at its untouched use on line 21
    assert t["line"] == 9 and "callTimeout 5 * time.Second (5s) → 30 * time.Second (30s) (6x)" in t["message"]
    inc = one(ex, "timeout.increased")
    assert inc["line"] == 9 and "(6x)" in inc["message"]
    r = one(ex, "retry.changed")
    assert r["line"] == 25 and "attempts 3 → 5" in r["message"]


def test_go_new_service_antipatterns(tmp_path):
    post = '''package notify

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/avast/retry-go"
	"github.com/cenkalti/backoff/v4"
)

func Send(ctx context.Context, body []byte) error {
	for {
		req, _ := http.NewRequest("POST", "https://hooks.example.com", bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
		return nil
	}
}

func Poll(ctx context.Context) error {
	client := &http.Client{Timeout: 0}
	return retry.Do(func() error {
		_, err := client.Get("https://status.example.com")
		return err
	}, retry.Attempts(0))
}

func Sync(ctx context.Context) error {
	return backoff.Retry(func() error { return Poll(ctx) }, backoff.NewExponentialBackOff())
}

func Wait(ctx context.Context, ch chan int) int {
	ctx2, cancel := context.WithTimeout(ctx, time.Duration(250)*time.Millisecond)
	defer cancel()
	select {
	case v := <-ch:
		return v
	case <-time.After(2 * time.Minute):
		return 0
	case <-ctx2.Done():
		return -1
	}
}
'''
    ex = run(tmp_path, {}, {"notify/send.go": post})
    send = [f for f in ex.findings if f.scope == "Send"]
    assert {f.kind for f in send} >= {"retry.added", "retry.without_limit", "retry.non_idempotent", "timeout.missing"}
    # one finding for the loop that never gives up and goes round at once: the worse one, saying both
    assert "retry.without_backoff" not in {f.kind for f in send}
    assert "with no delay" in next(f.message for f in send if f.kind == "retry.without_limit")
    poll = [f.kind for f in ex.findings if f.scope == "Poll"]
    assert "timeout.unbounded" in poll and "retry.without_limit" in poll
    nested = one(ex, "retry.nested")
    assert nested["scope"] == "Sync" and "Poll" in nested["message"]
    added = {(a["target"], a["seconds"]) for a in ex.signals["timeout"]["added"]}
    assert ("context.WithTimeout", 0.25) in added and ("select", 120.0) in added


def test_go_good_code_and_item_loops(tmp_path):
    post = '''package store

import (
	"context"
	"net"
	"net/http"
	"time"
)

var srv = &http.Server{ReadTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second}

func Dial() (net.Conn, error) {
	d := net.Dialer{Timeout: 3 * time.Second}
	return d.Dial("tcp", "db:5432")
}

// compare-and-swap loop: goes round on a lost race, not on a failed call
func Acquire(p *pool) (*conn, error) {
	for {
		c := p.head.Load()
		if c == nil {
			return nil, errClosed
		}
		if !p.head.CompareAndSwap(c, c.next) {
			continue
		}
		return c, nil
	}
}

func SaveAll(ctx context.Context, items []string) error {
	for _, it := range items {
		if err := save(ctx, it); err != nil {
			continue
		}
	}
	return nil
}
'''
    ex = run(tmp_path, {}, {"store/store.go": post})
    assert kinds(ex) == ["timeout.added"] * 3
    assert all(f.kind == "timeout.added" for f in ex.findings)


def test_go_timeout_removed(tmp_path):
    post = GO_PRE.replace("&http.Client{Timeout: 10 * time.Second}", "&http.Client{}")
    ex = run(tmp_path, {"billing/client.go": GO_PRE}, {"billing/client.go": post})
    rem = one(ex, "timeout.removed")
    assert rem["line"] == 16 and "10s" in rem["message"]
    # the same client was built before, with a timeout: one finding (the removal), not a second one
    # calling it a new call without a timeout
    assert "timeout.missing" not in kinds(ex)


# -- degrading ---------------------------------------------------------------------------------------

def test_unknown_language_and_docs_give_missing_features(tmp_path):
    ex = run(tmp_path, {"lib/x.pl": "sub f { 1 }\n"},
             {"lib/x.pl": "sub f { retry(timeout => 0) }\n", "docs/retry.md": "Use timeout=None never.\n"})
    assert ex.findings == []
    assert all(v is None for v in ex.features.values())
    assert set(ex.features) == set(retry_timeout.FEATURES)


def test_syntax_error_file_degrades_without_crash(tmp_path):
    broken = "import requests\n\ndef f(:\n    return requests.get(url, timeout=None\n"
    good = "import requests\n\n\ndef g(u):\n    return requests.get(u, timeout=3)\n"
    ex = run(tmp_path, {}, {"svc/broken.py": broken, "svc/good.py": good})
    assert ex.signals["syntax"]["errors"] >= 1
    assert ex.features["timeout_added"] is not None and ex.features["timeout_added"] >= 1
    assert one(ex, "timeout.added")["path"] == "svc/good.py" or any(
        f.path == "svc/good.py" for f in ex.findings)


@pytest.mark.parametrize("lang_file", ["svc/a.py", "svc/a.go"])
def test_deleted_file_reports_removals(tmp_path, lang_file):
    text = PAY_PRE if lang_file.endswith(".py") else GO_PRE
    ex = run(tmp_path, {lang_file: text}, {lang_file: None})
    assert ex.features["retry_removed"] == 1
    assert ex.features["timeout_removed"] >= 1
    assert not any(f.kind.endswith(".added") for f in ex.findings)


def test_go_library_retries_values(tmp_path):
    pre = """package sync

import (
	"github.com/avast/retry-go"
	"github.com/hashicorp/go-retryablehttp"
)

func Pull(fetch func() error) error {
	return retry.Do(fetch, retry.Attempts(3), retry.DelayType(retry.FixedDelay))
}

func Client() *retryablehttp.Client {
	c := retryablehttp.NewClient()
	c.RetryMax = 2
	return c
}
"""
    post = pre.replace("retry.Attempts(3), retry.DelayType(retry.FixedDelay)", "retry.Attempts(8)").replace(
        "c.RetryMax = 2", "c.RetryMax = 10")
    ex = run(tmp_path, {"sync/pull.go": pre}, {"sync/pull.go": post})
    msgs = sorted(f.message for f in ex.findings if f.kind == "retry.changed")
    assert any("attempts 3 → 8" in m and "backoff fixed → exponential" in m for m in msgs)
    assert any("attempts 3 → 11" in m for m in msgs)
    assert not any(f.kind.startswith("retry.without") for f in ex.findings)


def test_python_tenacity_retrying_object_and_retrying_package(tmp_path):
    post = """import requests
from retrying import retry
from tenacity import Retrying, stop_after_attempt, wait_exponential


@retry(stop_max_attempt_number=4, wait_exponential_multiplier=200)
def ping(url):
    return requests.head(url, timeout=1)


def sync(url):
    for attempt in Retrying(stop=stop_after_attempt(3), wait=wait_exponential()):
        with attempt:
            requests.patch(url, json={"ok": True}, timeout=4)
"""
    ex = run(tmp_path, {}, {"svc/sync.py": post})
    libs = {(a["library"], a["attempts"], a["backoff"]) for a in ex.signals["retry"]["added"]}
    assert libs == {("retrying", 4.0, "exponential"), ("tenacity", 3.0, "exponential")}
    ni = one(ex, "retry.non_idempotent")
    assert ni["scope"] == "sync" and "PATCH" in ni["message"]
