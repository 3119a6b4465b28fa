"""Retries built by recursion with a delay, in Python, Go, Java and Kotlin (issue 13; JavaScript's are
in ``test_resilience_js_round5.py``). Real git histories in temp dirs and real tree-sitter parses of
realistic client code: a retry added, its delay changed, its attempts changed and removed are each
reported at the self-call (``retry.removed`` at the nearest new line); a recursion with no wait is
``retry.without_backoff`` and one with no counter and no stop ``retry.without_limit``, each only when the
change makes it so; a tree walk, pagination, recursion on success and a reconnect callback that only
logs are no retry."""

from __future__ import annotations

import pytest

from mergeguard.features import syntax
from mergeguard.features.resilience import INFINITE, recursion
from tests.resilience_samples import JAVA_FEED_CONNECTION, JAVA_FEED_CONNECTION_HEAD, KOTLIN_FEED_OPEN_RETRY
from tests.retry_changes import file_findings

#: per language: (path, image without the retry, image with it, the self-call's text, the delay edit,
#: the attempts edit, the message the attempts edit says or None, an edit that takes the wait out, an
#: edit that takes the counter and every stop out)
CASES = {
    "python": ("svc/feed/client.py", '''"""Partner feed client."""

import time

import requests


def fetch_feed(session, url):
    return session.get(url, timeout=10).json()
''', '''"""Partner feed client."""

import time

import requests


def fetch_feed(session, url, retries=3):
    try:
        return session.get(url, timeout=10).json()
    except requests.ConnectionError:
        if retries <= 1:
            raise
        time.sleep(0.5)
        return fetch_feed(session, url, retries - 1)
''', "return fetch_feed(session, url, retries - 1)", ("time.sleep(0.5)", "time.sleep(2.0)"),
        ("retries=3", "retries=5"), "3 → 5", ("        time.sleep(0.5)\n", ""),
        [("def fetch_feed(session, url, retries=3):", "def fetch_feed(session, url):"),
         ("        if retries <= 1:\n            raise\n", ""),
         ("fetch_feed(session, url, retries - 1)", "fetch_feed(session, url)")]),
    "go": ("internal/feed/client.go", '''package feed

import (
\t"context"
\t"net/http"
\t"time"
)

type Client struct {
\thttp *http.Client
}

func (c *Client) Fetch(ctx context.Context, url string) (*http.Response, error) {
\treturn c.http.Get(url)
}
''', '''package feed

import (
\t"context"
\t"net/http"
\t"time"
)

type Client struct {
\thttp *http.Client
}

func (c *Client) Fetch(ctx context.Context, url string, attempt int) (*http.Response, error) {
\tresp, err := c.http.Get(url)
\tif err != nil {
\t\tif attempt >= 3 {
\t\t\treturn nil, err
\t\t}
\t\ttime.Sleep(500 * time.Millisecond)
\t\treturn c.Fetch(ctx, url, attempt+1)
\t}
\treturn resp, nil
}
''', "return c.Fetch(ctx, url, attempt+1)", ("500 * time.Millisecond", "2 * time.Second"),
        ("attempt >= 3", "attempt >= 5"), None, ("\t\ttime.Sleep(500 * time.Millisecond)\n", ""),
        [("url string, attempt int)", "url string)"), ("\t\tif attempt >= 3 {\n\t\t\treturn nil, err\n\t\t}\n", ""),
         ("c.Fetch(ctx, url, attempt+1)", "c.Fetch(ctx, url)")]),
    "java": ("src/main/java/com/acme/feed/FeedConnection.java", JAVA_FEED_CONNECTION, JAVA_FEED_CONNECTION_HEAD + '''    public Session open(int attempt) throws IOException, InterruptedException {
        try {
            return client.connect();
        } catch (IOException e) {
            if (attempt >= 3) {
                throw e;
            }
            Thread.sleep(500L);
            return open(attempt + 1);
        }
    }
}
''', "return open(attempt + 1);", ("Thread.sleep(500L)", "Thread.sleep(2_000L)"), ("attempt >= 3", "attempt >= 5"),
        None, ("            Thread.sleep(500L);\n", ""),
        [("open(int attempt)", "open()"), ("            if (attempt >= 3) {\n                throw e;\n            }\n", ""),
         ("open(attempt + 1)", "open()")]),
    "kotlin": ("src/main/kotlin/com/acme/feed/FeedConnection.kt", '''package com.acme.feed

import java.io.IOException
import kotlinx.coroutines.delay

class FeedConnection(private val client: FeedClient) {
    suspend fun connect(): Session = client.connect()
}
''', '''package com.acme.feed

import java.io.IOException
import kotlinx.coroutines.delay

class FeedConnection(private val client: FeedClient) {
    suspend fun connect(retries: Int = 3): Session =
        try {
            client.connect()
        } catch (e: IOException) {
            if (retries <= 1) throw e
            delay(500L)
            connect(retries - 1)
        }
}
''', "connect(retries - 1)", ("delay(500L)", "delay(2_000L)"), ("retries: Int = 3", "retries: Int = 5"), "3 → 5",
        ("            delay(500L)\n", ""),
        [("connect(retries: Int = 3)", "connect()"), ("            if (retries <= 1) throw e\n", ""),
         ("connect(retries - 1)", "connect()")]),
}
LANGS = list(CASES)


def _line(image: str, text: str) -> int:
    return next(i for i, line in enumerate(image.splitlines(), 1) if text in line)


def _last_line(image: str, text: str) -> int:
    return max(i for i, line in enumerate(image.splitlines(), 1) if text in line)


def _edit(image: str, edits) -> str:
    for old, new in edits:
        assert old in image, old
        image = image.replace(old, new)
    return image


def _scan(path: str, image: str):
    lang = syntax.language_of(path)
    return recursion.scan(syntax.Source(path, "post", lang, image, syntax.parse(image, lang)))


def _of(found, kind: str):
    """The findings of ``kind`` about the recursion (a parameter named ``retries`` with a default is a
    retry setting of its own, reported as one by the settings scan, in Python and Kotlin)."""
    return [f for f in found if f.kind == kind and "recursion" in f.message]


@pytest.mark.parametrize("lang", LANGS)
def test_a_recursion_retry_is_read_with_its_attempts_and_wait(lang):
    path, _, image, call, *_ = CASES[lang]
    [c] = _scan(path, image)
    assert (c.kind, c.library, c.line, c.target) == ("retry", "recursion", _line(image, call), call.split("(")[0].split()[-1].split(".")[-1])
    assert c.backoff == "fixed" and c.attempts != INFINITE
    if lang in ("python", "kotlin"):  # the default of the counter it decrements
        assert c.attempts == 3


@pytest.mark.parametrize("lang", LANGS)
def test_a_recursion_retry_added_is_a_retry_added_at_the_self_call(tmp_path, lang):
    path, before, after, call, *_ = CASES[lang]
    found = file_findings(tmp_path, path, before, after)
    [added] = _of(found, "retry.added")
    assert added.line == _line(after, call) and "recursion" in added.message, found
    assert not _of(found, "retry.without_backoff") and not _of(found, "retry.without_limit"), found


@pytest.mark.parametrize("lang", LANGS)
def test_a_recursion_retry_given_another_delay_is_a_retry_change(tmp_path, lang):
    path, _, image, call, delay, *_ = CASES[lang]
    found = file_findings(tmp_path, path, image, _edit(image, [delay]))
    [changed] = _of(found, "retry.changed")
    assert changed.line == _line(image, call), found


@pytest.mark.parametrize("lang", LANGS)
def test_a_recursion_retry_given_other_attempts_is_a_retry_change(tmp_path, lang):
    path, _, image, call, _, attempts, says, *_ = CASES[lang]
    found = file_findings(tmp_path, path, image, _edit(image, [attempts]))
    [changed] = _of(found, "retry.changed")
    assert changed.line == _line(image, call), found
    if says:
        assert says in changed.message


@pytest.mark.parametrize("lang", LANGS)
def test_a_recursion_retry_removed_is_reported_at_the_nearest_new_line(tmp_path, lang):
    path, before, after, *_ = CASES[lang]
    found = file_findings(tmp_path, path, after, before)
    [removed] = _of(found, "retry.removed")
    assert removed.message.startswith("removed recursion retry") and 1 <= removed.line <= len(before.splitlines())
    assert f"line {_line(after, CASES[lang][3])} of the old" in removed.message


@pytest.mark.parametrize("lang", LANGS)
def test_a_recursion_with_no_wait_is_without_backoff_at_the_self_call(tmp_path, lang):
    path, before, after, call, *rest = CASES[lang]
    no_wait = _edit(after, [rest[3]])
    found = file_findings(tmp_path, path, before, no_wait)
    [anti] = _of(found, "retry.without_backoff")
    assert anti.line == _line(no_wait, call), found
    # an edit elsewhere in a file that already retries at once fires nothing
    comment = "#" if lang == "python" else "//"
    again = file_findings(tmp_path / "again", path, no_wait, f"{comment} Feed client.\n" + no_wait)
    assert not _of(again, "retry.without_backoff"), again


@pytest.mark.parametrize("lang", LANGS)
def test_a_recursion_with_no_counter_and_no_stop_never_gives_up(tmp_path, lang):
    path, before, after, call, *rest = CASES[lang]
    forever = _edit(after, rest[4])
    [c] = _scan(path, forever)
    assert c.attempts == INFINITE
    found = file_findings(tmp_path, path, before, forever)
    [anti] = _of(found, "retry.without_limit")
    assert anti.line == _last_line(forever, rest[4][2][1]) == c.line, found
    assert not _of(found, "retry.without_backoff")  # it waits: only the limit is missing
    # the same recursion kept, a comment added elsewhere: nothing is introduced
    comment = "#" if lang == "python" else "//"
    kept = file_findings(tmp_path / "kept", path, forever, f"{comment} Feed connection.\n" + forever)
    assert not _of(kept, "retry.without_limit"), kept


# -- what is no retry: recursion that is not on a failure path, or tries another input ---------------

NEGATIVES = {
    "python": ("svc/tree.py", '''"""Walks, pages and syncs."""

import logging
import time

log = logging.getLogger(__name__)


def walk(node, depth=0):
    for child in node.children:
        walk(child, depth + 1)


def list_all(client, cursor=None):
    page = client.list(cursor=cursor)
    if page.next_cursor:
        return page.items + list_all(client, page.next_cursor)
    return page.items


def sync(client, since, rounds=3):
    resp = client.changes(since)
    if resp.ok and rounds > 0:
        time.sleep(1.0)
        return sync(client, since, rounds - 1)
    return resp


def load(path):
    try:
        return open(path).read()
    except FileNotFoundError:
        return load(path.parent / "default.cfg")


def on_disconnect(client, exc):
    log.warning("connection lost: %s", exc)
'''),
    "go": ("internal/tree/walk.go", '''package tree

import (
\t"context"
\t"log"
\t"time"
)

func walk(n *Node, depth int) {
\tfor _, c := range n.Children {
\t\twalk(c, depth+1)
\t}
}

func (c *Client) listAll(ctx context.Context, token string) ([]Item, error) {
\tpage, err := c.list(ctx, token)
\tif err != nil {
\t\treturn nil, err
\t}
\tif page.Next != "" {
\t\trest, err := c.listAll(ctx, page.Next)
\t\treturn append(page.Items, rest...), err
\t}
\treturn page.Items, nil
}

func (c *Client) sync(ctx context.Context, since string, rounds int) error {
\tresp, err := c.changes(ctx, since)
\tif err == nil && rounds > 0 {
\t\ttime.Sleep(time.Second)
\t\treturn c.sync(ctx, resp.Since, rounds-1)
\t}
\treturn err
}

func onDisconnect(err error) {
\tif err != nil {
\t\tlog.Printf("connection lost: %v", err)
\t}
}
'''),
    "java": ("src/main/java/com/acme/tree/Walker.java", '''package com.acme.tree;

import java.util.List;

public final class Walker {
    void walk(Node node, int depth) {
        for (Node child : node.children()) {
            walk(child, depth + 1);
        }
    }

    List<Item> listAll(String cursor) {
        Page page = client.list(cursor);
        if (page.nextCursor() != null) {
            page.items().addAll(listAll(page.nextCursor()));
        }
        return page.items();
    }

    Response sync(String since, int rounds) throws InterruptedException {
        Response resp = client.changes(since);
        if (resp.isSuccessful() && rounds > 0) {
            Thread.sleep(1000);
            return sync(since, rounds - 1);
        }
        return resp;
    }

    Config load(Path path) {
        try {
            return Config.read(path);
        } catch (NoSuchFileException e) {
            return load(path.getParent().resolve("default.cfg"));
        }
    }

    void onDisconnect(Throwable cause) {
        log.warn("connection lost", cause);
    }
}
'''),
    "kotlin": ("src/main/kotlin/com/acme/tree/Walker.kt", '''package com.acme.tree

import kotlinx.coroutines.delay

class Walker(private val client: Client) {
    fun walk(node: Node, depth: Int = 0) {
        node.children.forEach { walk(it, depth + 1) }
        for (child in node.children) walk(child, depth + 1)
    }

    suspend fun listAll(cursor: String? = null): List<Item> {
        val page = client.list(cursor)
        return if (page.nextCursor != null) page.items + listAll(page.nextCursor) else page.items
    }

    suspend fun sync(since: String, rounds: Int = 3): Response {
        val resp = client.changes(since)
        if (resp.isSuccessful && rounds > 0) {
            delay(1000)
            return sync(since, rounds - 1)
        }
        return resp
    }

    fun load(path: Path): Config = try {
        Config.read(path)
    } catch (e: NoSuchFileException) {
        load(path.parent.resolve("default.cfg"))
    }

    fun onDisconnect(cause: Throwable) {
        log.warn("connection lost", cause)
    }
}
'''),
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_tree_walk_pagination_recursion_on_success_or_a_logging_callback_is_no_retry(tmp_path, lang):
    path, image = NEGATIVES[lang]
    assert _scan(path, image) == []
    header = "#" if lang == "python" else "//"
    found = file_findings(tmp_path, path, f"{header} v1\n", image)
    assert not [f for f in found if f.kind.startswith("retry.") and "recursion" in f.message], found


def test_a_kotlin_function_named_for_a_modifier_that_calls_itself_is_read_through_the_grammar_gap():
    """tree-sitter-kotlin reads ``open(attempt + 1)`` as an ERROR (``open`` is a modifier): still the call."""
    [c] = _scan("src/main/kotlin/Feed.kt", KOTLIN_FEED_OPEN_RETRY)
    assert (c.line, c.target, c.backoff) == (8, "open", "exponential") and c.attempts is None


# -- the shapes met in unlabelled client code (MCP python-sdk's SSE reconnection, requests wrappers) -----

SHAPES = '''import time

import anyio


class Stream:
    async def reconnect(self, ctx, last_event_id, attempt=0):
        if attempt >= MAX_RECONNECTION_ATTEMPTS:
            return
        await anyio.sleep(self.retry_interval)
        try:
            async with ctx.client.sse(self.url) as source:
                await self.consume(source)
        except Exception:
            await self.reconnect(ctx, last_event_id, attempt + 1)

    def request(self, method, url, *args, retries=3, **kwargs):
        try:
            return self.session.request(method, url, *args, **kwargs)
        except ConnectionError:
            if not retries:
                raise
            return self.request(method, url, *args, retries=retries - 1, **kwargs)

    def poll(self, url, deadline):
        if time.monotonic() > deadline:
            raise TimeoutError(url)
        try:
            return self.session.get(url)
        except OSError:
            time.sleep(1.0)
            return self.poll(url, deadline)
'''


def test_python_recursion_shapes_of_client_code():
    found = {c.target: c for c in _scan("svc/stream.py", SHAPES)}
    # the wait before the attempt, at the top of the function, is its backoff
    assert (found["reconnect"].backoff, found["reconnect"].attempts) == ("fixed", None)
    # *args/**kwargs handed on as they came are its own inputs; it retries at once
    assert (found["request"].backoff, found["request"].attempts) == ("none", 3)
    # a deadline checked before the attempt is a stop: bounded, not "never gives up"
    assert found["poll"].attempts is None and found["poll"].backoff == "fixed"


GO_SELECT = '''package watch

import (
\t"context"
\t"time"
)

func (w *Watcher) Watch(ctx context.Context, key string) error {
\tif err := w.client.Watch(ctx, key); err != nil {
\t\tselect {
\t\tcase <-ctx.Done():
\t\t\treturn ctx.Err()
\t\tcase <-time.After(time.Second):
\t\t}
\t\treturn w.Watch(ctx, key)
\t}
\treturn nil
}
'''


def test_go_a_watch_that_waits_on_a_timer_or_its_context_and_calls_itself_again():
    [c] = _scan("internal/watch/watch.go", GO_SELECT)
    assert (c.target, c.backoff, c.line) == ("Watch", "fixed", 15)
    assert c.attempts is None  # the context's end gives up: bounded, by the caller


POOL = '''class ConnectionPool:
    def urlopen(self, method, url, body=None, retries=3):
        try:
            conn = self._get_conn()
            response = conn.request(method, url, body)
        except (HTTPException, SocketError):
            conn = None  # broken: dropped, replaced by the next _get_conn()
        finally:
            self._put_conn(conn)
        if not conn:
            return self.urlopen(method, url, body, retries - 1)
        return response

    def first(self, node, seen=None):
        if not seen:
            return self.first(node, seen)
        return node
'''


def test_a_result_the_except_clears_is_a_failed_result_check(tmp_path):
    """urllib3's connection pool (2011): the retry moved out of the ``except`` behind ``if not conn``,
    which the ``except`` set to None, is the same retry, not one removed; a ``not`` of a name no
    ``except`` clears (``if not seen``) is no failure."""
    [c] = _scan("urllib3/connectionpool.py", POOL)
    assert (c.target, c.attempts, c.backoff) == ("urlopen", 3, "none")
    inside = POOL.replace('''            conn = None  # broken: dropped, replaced by the next _get_conn()
        finally:
            self._put_conn(conn)
        if not conn:
            return self.urlopen(method, url, body, retries - 1)''', '''            self._put_conn(None)
            return self.urlopen(method, url, body, retries - 1)
        finally:
            self._put_conn(conn)''')
    assert [c.target for c in _scan("urllib3/connectionpool.py", inside)] == ["urlopen"]
    assert not _of(file_findings(tmp_path, "urllib3/connectionpool.py", inside, POOL), "retry.removed")


def test_a_result_cleared_through_a_helper_is_the_same_failed_result_check(tmp_path):
    """urllib3 (2015): ``conn = None`` replaced by ``conn = self._cleanup_conn(conn)`` (which returns
    None) leaves the retry behind ``if not conn`` as it was: no retry removed, no retry change."""
    helper = POOL.replace("conn = None  # broken: dropped, replaced by the next _get_conn()",
                          "conn = self._cleanup_conn(conn)")
    assert [c.target for c in _scan("urllib3/connectionpool.py", helper)] == ["urlopen"]
    found = file_findings(tmp_path, "urllib3/connectionpool.py", POOL, helper)
    assert not [f for f in found if f.kind.startswith("retry.")], found
