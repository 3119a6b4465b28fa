"""Issue 13's failure modes, per language, where the audit (docs/retry_timeout.md, "Tests per failure
mode") found a language without a test of its own: real git histories in temp dirs, real tree-sitter
parses, realistic code (client defaults, retry loops, pollers) in Python, Go, JavaScript/TypeScript,
Java and Kotlin. Each mode has positives and negatives:

- (c) a hand-written retry (recursion with a delay, a reconnect loop) added is seen;

- (b) a timeout constant given another number is a timeout change that says both values and the
  ratio; the same number written otherwise (``5000`` -> ``5_000``) is none;
- (e) a poll, heartbeat or scheduling interval is no timeout, whatever its value becomes;
- (f) an anti-pattern fires only when the change introduces it, at the construct's line, and an
  edit elsewhere in a file that already holds one fires nothing;
- (g) something removed is annotated at the nearest line of the new file, with a message that
  starts with "removed" and names the old line;
- (h) ``score --diff`` without ``--repo`` in a work tree that holds the change reads the post-image,
  and where no image can be had the retry/timeout signals are null with a warning.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gitrepo import commit, git, init_repo
from tests.resilience_samples import JAVA_FEED_CONNECTION, JAVA_FEED_CONNECTION_HEAD, KOTLIN_FEED_OPEN_RETRY
from tests.test_retry_timeout import run


def _run_edit(tmp_path: Path, path: str, image: str, edit: tuple[str, str]):
    """The findings of the change that makes ``edit`` (old, new) to ``image``; the edit must change the
    image, so that a sample drifting from its edit fails instead of comparing the image with itself."""
    after = image.replace(*edit)
    assert after != image
    return run(tmp_path, {path: image}, {path: after})


# -- (b) a timeout constant given another number ------------------------------------------------------

#: (language, path, image with the constant, the constant's line, the new number, the same number re-written)
TIMEOUT_CONSTANTS = [
    pytest.param("svc/payments/client.py", '''"""Payments API client."""

import requests

API = "https://pay.example.com"
CHARGE_TIMEOUT = 5


def charge(order):
    return requests.post(API + "/charges", json=order, timeout=CHARGE_TIMEOUT)
''', 6, ("CHARGE_TIMEOUT = 5", "CHARGE_TIMEOUT = 30"), ("CHARGE_TIMEOUT = 5", "CHARGE_TIMEOUT = 5.0"),
        id="python"),
    pytest.param("internal/payments/client.go", '''package payments

import (
\t"net/http"
\t"time"
)

const requestTimeout = 5 * time.Second

func NewClient() *http.Client {
\treturn &http.Client{Timeout: requestTimeout}
}
''', 8, ("requestTimeout = 5 * time.Second", "requestTimeout = 30 * time.Second"),
        ("requestTimeout = 5 * time.Second", "requestTimeout = 5000 * time.Millisecond"), id="go"),
    pytest.param("src/payments/client.ts", '''import axios from 'axios';

const REQUEST_TIMEOUT_MS = 5000;

export const client = axios.create({
  baseURL: 'https://pay.example.com',
  timeout: REQUEST_TIMEOUT_MS,
});
''', 3, ("REQUEST_TIMEOUT_MS = 5000;", "REQUEST_TIMEOUT_MS = 30000;"),
        ("REQUEST_TIMEOUT_MS = 5000;", "REQUEST_TIMEOUT_MS = 5_000;"), id="typescript"),
    pytest.param("src/main/java/com/acme/pay/PaymentsClient.java", '''package com.acme.pay;

import java.net.http.HttpClient;
import java.time.Duration;

public final class PaymentsClient {
    private static final long CONNECT_TIMEOUT_MS = 5000;

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MS))
            .build();
}
''', 7, ("CONNECT_TIMEOUT_MS = 5000;", "CONNECT_TIMEOUT_MS = 30000;"),
        ("CONNECT_TIMEOUT_MS = 5000;", "CONNECT_TIMEOUT_MS = 5_000;"), id="java"),
    pytest.param("src/main/kotlin/com/acme/pay/PaymentsClient.kt", '''package com.acme.pay

import java.util.concurrent.TimeUnit
import okhttp3.OkHttpClient

private const val READ_TIMEOUT_MS = 5000L

class PaymentsClient {
    private val http = OkHttpClient.Builder()
        .readTimeout(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .build()
}
''', 6, ("READ_TIMEOUT_MS = 5000L", "READ_TIMEOUT_MS = 30000L"), ("READ_TIMEOUT_MS = 5000L", "READ_TIMEOUT_MS = 5_000L"),
        id="kotlin"),
]


@pytest.mark.parametrize(("path", "image", "line", "change", "rewrite"), TIMEOUT_CONSTANTS)
def test_a_timeout_constant_given_another_number_is_a_timeout_change_with_both_values(tmp_path, path, image, line,
                                                                                      change, rewrite):
    ex = run(tmp_path, {path: image}, {path: image.replace(*change)})
    changed = [f for f in ex.findings if f.kind == "timeout.changed"]
    assert len(changed) == 1, ex.findings
    assert changed[0].line == line and "(6x)" in changed[0].message, changed[0]
    assert "(5s)" in changed[0].message and "(30s)" in changed[0].message
    assert not [f for f in ex.findings if f.kind.startswith("retry.")]


@pytest.mark.parametrize(("path", "image", "line", "change", "rewrite"), TIMEOUT_CONSTANTS)
def test_a_timeout_constant_written_otherwise_with_the_same_value_is_no_change(tmp_path, path, image, line, change,
                                                                             rewrite):
    ex = _run_edit(tmp_path, path, image, rewrite)
    assert not [f for f in ex.findings if f.kind.startswith(("timeout.", "retry."))], ex.findings


# -- (c) hand-written retry shapes a language had no test of --------------------------------------------

#: (path, image without the retry, image with it, line of the retry: a loop's header, a recursion's
#: self-call, as JavaScript places it)
RETRY_SHAPES = [
    pytest.param("svc/feed.py", '''"""Fetches the partner feed."""

import requests


def fetch_feed(session, url):
    return session.get(url, timeout=10).json()
''', '''"""Fetches the partner feed."""

import time

import requests


def fetch_feed(session, url, attempt=0):
    try:
        return session.get(url, timeout=10).json()
    except requests.ConnectionError:
        if attempt >= 4:
            raise
        time.sleep(2 ** attempt)
        return fetch_feed(session, url, attempt + 1)
''', 15, id="python-recursion-with-delay"),
    pytest.param("src/main/java/com/acme/feed/FeedConnection.java", JAVA_FEED_CONNECTION,
                 JAVA_FEED_CONNECTION_HEAD + '''    public Session open() throws IOException, InterruptedException {
        long backoffMillis = 500;
        while (true) {
            try {
                return client.connect();
            } catch (IOException e) {
                Thread.sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 30_000);
            }
        }
    }
}
''', 14, id="java-reconnect-loop"),
    pytest.param("src/main/kotlin/com/acme/feed/FeedConnection.kt", '''package com.acme.feed

import java.io.IOException

class FeedConnection(private val client: FeedClient) {
    suspend fun open(): Session = client.connect()
}
''', '''package com.acme.feed

import java.io.IOException
import kotlinx.coroutines.delay

''' + KOTLIN_FEED_OPEN_RETRY, 13, id="kotlin-recursion-with-delay"),
]


@pytest.mark.parametrize(("path", "before", "after", "line"), RETRY_SHAPES)
def test_a_hand_written_retry_added_is_seen_as_a_retry_change(tmp_path, path, before, after, line):
    ex = run(tmp_path, {path: before}, {path: after})
    assert {"retry.added", "retry.changed"} & {f.kind for f in ex.findings}, ex.findings
    assert not [f for f in ex.findings if f.kind == "retry.without_backoff"]  # each waits between attempts


@pytest.mark.parametrize(("path", "before", "after", "line"), RETRY_SHAPES)
def test_a_hand_written_retry_added_is_a_retry_added_at_its_construct(tmp_path, path, before, after, line):
    ex = run(tmp_path, {path: before}, {path: after})
    added = [f for f in ex.findings if f.kind == "retry.added"]
    assert added and abs(added[0].line - line) <= 1, ex.findings


# -- (e) a poll, heartbeat or scheduling interval is no timeout ------------------------------------------

#: (path, image, the interval given another value)
INTERVALS = [
    pytest.param("worker/jobs.py", '''"""Waits for a batch job to finish."""

import time

POLL_INTERVAL = 2.0


def wait_for(job):
    while not job.refresh().done:
        time.sleep(POLL_INTERVAL)
    return job.result
''', ("POLL_INTERVAL = 2.0", "POLL_INTERVAL = 10.0"), id="python"),
    pytest.param("internal/health/ping.go", '''package health

import (
\t"context"
\t"time"
)

const pingInterval = 15 * time.Second

func Run(ctx context.Context, ping func(context.Context) error) {
\tticker := time.NewTicker(pingInterval)
\tdefer ticker.Stop()
\tfor {
\t\tselect {
\t\tcase <-ctx.Done():
\t\t\treturn
\t\tcase <-ticker.C:
\t\t\t_ = ping(ctx)
\t\t}
\t}
}
''', ("pingInterval = 15 * time.Second", "pingInterval = 60 * time.Second"), id="go"),
    pytest.param("src/heartbeat.ts", '''export class Heartbeat {
  private readonly heartbeatIntervalMs = 30000;
  private handle?: ReturnType<typeof setInterval>;

  start(send: () => void): void {
    this.handle = setInterval(send, this.heartbeatIntervalMs);
  }

  stop(): void {
    clearInterval(this.handle);
  }
}
''', ("heartbeatIntervalMs = 30000", "heartbeatIntervalMs = 10000"), id="typescript"),
    pytest.param("src/main/java/com/acme/jobs/StatusPoller.java", '''package com.acme.jobs;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

public final class StatusPoller {
    private static final long POLL_INTERVAL_SECONDS = 30;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    public void start(Runnable refresh) {
        scheduler.scheduleAtFixedRate(refresh, 0, POLL_INTERVAL_SECONDS, TimeUnit.SECONDS);
    }
}
''', ("POLL_INTERVAL_SECONDS = 30;", "POLL_INTERVAL_SECONDS = 5;"), id="java"),
    pytest.param("src/main/kotlin/com/acme/jobs/StatusPoller.kt", '''package com.acme.jobs

import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlin.coroutines.coroutineContext

private const val POLL_INTERVAL_MS = 2_000L

suspend fun waitUntilDone(job: Job): Result {
    while (coroutineContext.isActive && !job.refresh().done) {
        delay(POLL_INTERVAL_MS)
    }
    return job.result
}
''', ("POLL_INTERVAL_MS = 2_000L", "POLL_INTERVAL_MS = 10_000L"), id="kotlin"),
]


@pytest.mark.parametrize(("path", "image", "change"), INTERVALS)
def test_a_poll_or_heartbeat_interval_given_another_value_is_no_timeout_change(tmp_path, path, image, change):
    ex = run(tmp_path, {path: image}, {path: image.replace(*change)})
    assert not [f for f in ex.findings if f.kind.startswith("timeout.")], ex.findings


# -- (f) an anti-pattern only where the change introduces it, at the construct's line ---------------------

#: (path, image with a bounded retry loop that waits, the wait taken out, the loop's header line, an
#: edit elsewhere in the same file)
LOOPS = [
    pytest.param("svc/sync.py", '''"""Pushes local changes to the server."""

import time

import requests


def push(session, url, payload):
    for attempt in range(5):
        try:
            return session.post(url, json=payload, timeout=10)
        except requests.ConnectionError:
            time.sleep(2 ** attempt)
    raise RuntimeError("server unreachable")


def status(session, url):
    return session.get(url + "/status", timeout=10).json()
''', ("            time.sleep(2 ** attempt)\n", "            continue\n"), 9,
        ('url + "/status"', 'url + "/health"'), id="python"),
    pytest.param("internal/sync/push.go", '''package sync

import (
\t"errors"
\t"log"
\t"net/http"
\t"time"
)

func Push(c *http.Client, req *http.Request) (*http.Response, error) {
\tvar lastErr error
\tfor attempt := 0; attempt < 5; attempt++ {
\t\tresp, err := c.Do(req)
\t\tif err == nil {
\t\t\treturn resp, nil
\t\t}
\t\tlastErr = err
\t\ttime.Sleep(time.Duration(1<<attempt) * 100 * time.Millisecond)
\t}
\treturn nil, errors.Join(errors.New("server unreachable"), lastErr)
}

func Status(c *http.Client, url string) (*http.Response, error) {
\treturn c.Get(url + "/status")
}
''', ("\t\ttime.Sleep(time.Duration(1<<attempt) * 100 * time.Millisecond)\n",
        "\t\tlog.Printf(\"push failed, trying again: %v\", err)\n"), 12,
        ('url + "/status"', 'url + "/health"'), id="go"),
    pytest.param("src/sync.js", ''''use strict';

const { setTimeout: sleep } = require('timers/promises');

async function push(client, payload) {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await client.post('/sync', payload);
    } catch (err) {
      await sleep(100 * 2 ** attempt);
    }
  }
  throw new Error('server unreachable');
}

async function status(client) {
  return client.get('/status');
}

module.exports = { push, status };
''', ("      await sleep(100 * 2 ** attempt);\n", "      console.warn('push failed, trying again', err);\n"), 6,
        ("client.get('/status')", "client.get('/health')"), id="javascript"),
    pytest.param("src/main/java/com/acme/sync/Pusher.java", '''package com.acme.sync;

import java.io.IOException;

public final class Pusher {
    private final SyncClient client;

    public Pusher(SyncClient client) {
        this.client = client;
    }

    public Response push(Payload payload) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return client.post("/sync", payload);
            } catch (IOException e) {
                last = e;
                Thread.sleep(100L << attempt);
            }
        }
        throw last;
    }

    public Response status() throws IOException {
        return client.get("/status");
    }
}
''', ("                Thread.sleep(100L << attempt);\n", "                LOG.warn(\"push failed, trying again\", e);\n"), 14, ('client.get("/status")', 'client.get("/health")'),
        id="java"),
    pytest.param("src/main/kotlin/com/acme/sync/Pusher.kt", '''package com.acme.sync

import java.io.IOException
import kotlinx.coroutines.delay

class Pusher(private val client: SyncClient) {
    suspend fun push(payload: Payload): Response {
        var last: IOException? = null
        repeat(5) { attempt ->
            try {
                return client.post("/sync", payload)
            } catch (e: IOException) {
                last = e
                delay(100L shl attempt)
            }
        }
        throw last ?: IOException("server unreachable")
    }

    fun status(): Response = client.get("/status")
}
''', ("                delay(100L shl attempt)\n", "                println(\"push failed, trying again: $e\")\n"), 9, ('client.get("/status")', 'client.get("/health")'),
        id="kotlin"),
]


@pytest.mark.parametrize(("path", "image", "unwait", "line", "elsewhere"), LOOPS)
def test_a_retry_loop_whose_wait_is_taken_out_is_without_backoff_at_its_header(tmp_path, path, image, unwait, line,
                                                                              elsewhere):
    ex = _run_edit(tmp_path, path, image, unwait)
    flagged = [f for f in ex.findings if f.kind == "retry.without_backoff"]
    assert [f.line for f in flagged] == [line], ex.findings


@pytest.mark.parametrize(("path", "image", "unwait", "line", "elsewhere"), LOOPS)
def test_an_edit_elsewhere_in_a_file_with_a_loop_without_backoff_fires_nothing(tmp_path, path, image, unwait, line,
                                                                              elsewhere):
    """The loop was already without a wait before the change: old code the change did not touch."""
    ex = _run_edit(tmp_path, path, image.replace(*unwait), elsewhere)
    assert not [f for f in ex.findings if f.kind.startswith(("retry.", "timeout."))], ex.findings


#: the loops whose wait can be deleted alone (Python's ``except`` clause cannot be left empty)
DELETABLE = [p for p in LOOPS if p.id != "python"]


@pytest.mark.parametrize(("path", "image", "unwait", "line", "elsewhere"), DELETABLE)
def test_a_wait_only_deleted_from_a_retry_loop_is_a_retry_change_but_no_anti_pattern(tmp_path, path, image, unwait,
                                                                                    line, elsewhere):
    """With no line of the loop added or modified there is no line to put an anti-pattern on (rule (f));
    the change is still seen."""
    ex = run(tmp_path, {path: image}, {path: image.replace(unwait[0], "")})
    assert "retry.changed" in [f.kind for f in ex.findings], ex.findings
    assert not [f for f in ex.findings if f.kind == "retry.without_backoff"]


@pytest.mark.parametrize(("path", "image", "unwait", "line", "elsewhere"), DELETABLE)
def test_a_wait_only_deleted_from_a_retry_loop_is_reported_at_the_loop_as_its_backoff_gone(tmp_path, path, image,
                                                                                        unwait, line, elsewhere):
    """JavaScript counted only added lines as touching a loop, so a deleted wait was reported by the
    changed-logic rule at the deleted line ('1 changed line uses attempt'); it now declares
    ``lines_removed_count`` as Go does (Java and Kotlin pair the loop by its removed lines already)."""
    ex = run(tmp_path, {path: image}, {path: image.replace(unwait[0], "")})
    changed = [f for f in ex.findings if f.kind == "retry.changed"]
    assert [f.line for f in changed] == [line] and "backoff exponential → none" in changed[0].message, ex.findings


# -- (g) a removal is annotated at the nearest line of the new file and says so ---------------------------

@pytest.mark.parametrize(("path", "image", "line", "change", "rewrite"), TIMEOUT_CONSTANTS)
def test_a_removed_timeout_is_annotated_on_the_new_side_and_says_removed(tmp_path, path, image, line, change,
                                                                         rewrite):
    """The timeout's use and its constant both go (the client falls back to its library's default):
    one ``timeout.removed`` at a line the new file has, its message naming the old line."""
    lines = image.splitlines(keepends=True)
    uses = [i for i, text in enumerate(lines) if i != line - 1 and change[0].split(" =")[0].split()[-1] in text]
    assert uses, "the constant is used"
    after = "".join(text for i, text in enumerate(lines) if i != line - 1 and i not in uses)
    ex = run(tmp_path, {path: image}, {path: after})
    removed = [f for f in ex.findings if f.kind == "timeout.removed"]
    assert removed, ex.findings
    for f in removed:
        assert 1 <= f.line <= len(after.splitlines()), f
        assert f.message.startswith("removed "), f
        named = re.search(rf"at line (\d+) of the old {re.escape(path)}", f.message)
        assert named and min(line, *uses) - 1 <= int(named.group(1)) <= max(line, *uses) + 1, f


def test_python_a_request_timeout_constant_of_seconds_is_a_timeout_setting(tmp_path):
    """``REQUEST_TIMEOUT`` is also the HTTP status name (408), left out by name; holding 5 it is a wait
    (the audit found it read as the status whatever its value)."""
    path = "svc/payments/client.py"
    image = TIMEOUT_CONSTANTS[0].values[1].replace("CHARGE_TIMEOUT", "REQUEST_TIMEOUT")
    ex = run(tmp_path, {path: image}, {path: image.replace("REQUEST_TIMEOUT = 5", "REQUEST_TIMEOUT = 30")})
    assert [(f.kind, f.line) for f in ex.findings if f.kind.startswith("timeout.")][:1] == [("timeout.changed", 6)]


@pytest.mark.parametrize(("path", "table"), [
    ("svc/http/status.py", "class Status:\n    OK = 200\n    REQUEST_TIMEOUT = 408\n    GATEWAY_TIMEOUT = 504\n"),
    ("src/main/java/com/acme/http/Status.java",
     "package com.acme.http;\n\npublic final class Status {\n    public static final int OK = 200;\n"
     "    public static final int REQUEST_TIMEOUT = 408;\n    public static final int GATEWAY_TIMEOUT = 504;\n}\n"),
], ids=["python", "java"])
def test_http_status_constants_named_for_a_timeout_are_no_timeout(tmp_path, path, table):
    ex = run(tmp_path, {}, {path: table})
    assert not [f for f in ex.findings if f.kind.startswith("timeout.")], ex.findings


# -- (h) ``score --diff`` reads the post-image, or says it could not -------------------------------------

def _score_diff(diff_path: Path, cwd: Path) -> dict:
    p = subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", "--diff", str(diff_path), "--format", "json"],
                       capture_output=True, cwd=cwd, timeout=600)  # a hang guard, not a speed limit
    assert p.returncode in (0, 1), p.stderr.decode()
    return json.loads(p.stdout)


@pytest.fixture
def work_tree_change(tmp_path, request):
    """A work tree at the base with the timeout constant's new value written (not committed), and its diff."""
    path, image, line, change, _ = request.param
    repo = init_repo(tmp_path / "repo")
    commit(repo, {path: image, "README.md": "svc\n"}, "base", when=1_700_000_000)
    (repo / path).write_text(image.replace(*change))
    diff = tmp_path / "change.diff"
    diff.write_text(git(repo, "diff"))
    return repo, diff, path, line


@pytest.mark.parametrize("work_tree_change", [pytest.param(p.values, id=p.id) for p in TIMEOUT_CONSTANTS], indirect=True)
def test_score_diff_without_repo_reads_the_post_image_from_the_work_tree(work_tree_change):
    repo, diff, path, line = work_tree_change
    a = _score_diff(diff, cwd=repo)
    assert a["signals"]["timeout"]["changed"] is True
    assert [(f["path"], f["line"]) for f in a["findings"] if f["kind"] == "timeout.changed"] == [(path, line)]


@pytest.mark.parametrize("work_tree_change", [pytest.param(p.values, id=p.id) for p in TIMEOUT_CONSTANTS], indirect=True)
def test_score_diff_where_no_image_can_be_had_is_null_with_a_warning(work_tree_change, tmp_path):
    _, diff, path, _ = work_tree_change
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    a = _score_diff(diff, cwd=elsewhere)
    assert a["signals"]["timeout"]["changed"] is None and a["signals"]["retry"]["changed"] is None
    assert any("retry/timeout" in w and path in w for w in a["warnings"])
