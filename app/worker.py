"""A gthread worker that reads each request in full before a thread takes it.

gunicorn's gthread worker hands a connection to one of its ``--threads`` as soon as the first bytes
arrive; the thread then reads headers and body with blocking reads and no deadline. Eight
connections that send their headers and then a byte of body now and then (or nothing) hold all
eight threads, and every signed delivery behind them waits past GitHub's 10 s (issue 11, item 5).

Here the worker's own event loop, which already watches every idle connection, also reads the
request: non-blocking, into a per-connection buffer, until the request is complete (headers, then
``Content-Length`` bytes of body, or a chunked body's last chunk). Only a complete request goes to a
thread, with its bytes handed to gunicorn's parser, so a thread never waits for a client. A request
not complete within :data:`READ_SECONDS` (from the connection's accept, or from the first byte of
a kept-alive connection's next request) is answered ``408`` and closed. Buffers are
bounded: per connection by the body limit plus the header limit (beyond it the request goes to a
thread at once, where the app refuses it with 413 without reading more), and in total by
:data:`MAX_BUFFERED_TOTAL` (beyond it a connection is answered ``503`` and closed).

TLS connections and HTTP/2 prior knowledge are left to gunicorn's own path (``mergeguard serve``
uses neither: TLS ends at the reverse proxy).
"""

from __future__ import annotations

import re
import selectors
import time
from functools import partial
from typing import Any

from gunicorn.http import get_parser
from gunicorn.workers.gthread import ThreadWorker

#: seconds a client has, from its request's first byte, to send the whole request (headers and body)
READ_SECONDS = 10.0
#: the App's webhook body limit (GitHub's own cap); a longer body is not buffered past it
MAX_BODY_BYTES = 25 * 1024 * 1024
#: request line and headers: gunicorn refuses more (4094-byte line, 100 fields of 8190 bytes)
MAX_HEAD_BYTES = 1024 * 1024
#: bytes buffered over all connections of one worker
MAX_BUFFERED_TOTAL = 4 * MAX_BODY_BYTES + MAX_HEAD_BYTES
_RECV = 256 * 1024

_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n"
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


class RequestFrame:
    """Where one request in a growing buffer ends, found incrementally.

    It runs on the worker's event loop at every read, so each call only looks at what is new: the
    header search is bounded by the header limit, and a chunked body is walked chunk by chunk from
    where the last call stopped. "Complete" is also said of a request that is malformed or over a
    limit: gunicorn's parser and the app then answer it (400, 413) from what is there, without
    waiting for more, and without a thread ever waiting on the client.
    """

    def __init__(self, max_body: int = MAX_BODY_BYTES) -> None:
        self.max_body = max_body
        self.head_end: int | None = None
        self.length: int | None = None
        self.chunked = False
        self.pos = 0
        self.malformed = False

    def complete(self, buf: bytes | bytearray) -> bool:
        if self.head_end is None and not self._head(buf):
            return len(buf) > MAX_HEAD_BYTES
        assert self.head_end is not None
        if self.malformed:
            return True
        body = len(buf) - self.head_end
        if not self.chunked:
            return self.length is None or self.length > self.max_body or body >= self.length
        if body > self.max_body:
            return True
        while True:  # the chunks: SIZE[;ext] CRLF data CRLF ... 0 CRLF [trailers] CRLF
            eol = buf.find(b"\r\n", self.pos, self.pos + 4096)
            if eol < 0:
                return len(buf) - self.pos >= 4096  # a chunk-size line is short: malformed
            size = bytes(buf[self.pos:eol]).split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size):
                return True
            if int(size, 16) == 0:
                return buf.find(b"\r\n\r\n", eol, eol + MAX_HEAD_BYTES) >= 0
            following = eol + 2 + int(size, 16) + 2
            if following > len(buf):
                return False
            self.pos = following

    def _head(self, buf: bytes | bytearray) -> bool:
        end = buf.find(b"\r\n\r\n", 0, MAX_HEAD_BYTES + 4)
        if end < 0:
            return False
        self.head_end = self.pos = end + 4
        lengths: list[bytes] = []
        for line in bytes(buf[:end]).split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"transfer-encoding":
                self.chunked = self.chunked or b"chunked" in value.lower()
            elif name == b"content-length":
                lengths.append(value.strip())
        if lengths and not self.chunked:
            if len(set(lengths)) > 1 or not lengths[0].isdigit():
                self.malformed = True
            else:
                self.length = int(lengths[0])
        return True


def complete(buf: bytes | bytearray, max_body: int = MAX_BODY_BYTES) -> bool:
    """Whether ``buf`` holds a whole request (or one to answer at once); see :class:`RequestFrame`."""
    return RequestFrame(max_body).complete(buf)


def wants_continue(buf: bytes | bytearray) -> bool:
    end = buf.find(b"\r\n\r\n", 0, MAX_HEAD_BYTES + 4)
    return end >= 0 and b"\r\nexpect: 100-continue" in bytes(buf[:end]).lower()


class BufferingThreadWorker(ThreadWorker):
    """gthread, except that requests are read by the event loop and only complete ones reach a thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._buffering: dict[Any, tuple[bytearray, float, RequestFrame]] = {}
        self._buffered_total = 0

    def _bypass(self, conn: Any) -> bool:
        from gunicorn.http2 import negotiation

        return bool(self.cfg.is_ssl or negotiation.prior_knowledge_allowed(self.cfg, conn.client))

    def enqueue_req(self, conn: Any) -> None:
        """Every way into the thread pool passes here (new, kept-alive, deferred, pipelined)."""
        if getattr(conn, "mg_ready", False):
            conn.mg_ready = False
            super().enqueue_req(conn)
            return
        try:
            bypass = self._bypass(conn)
        except Exception:  # noqa: BLE001 - an older gunicorn without HTTP/2: nothing to bypass for
            bypass = bool(self.cfg.is_ssl)
        if bypass:
            super().enqueue_req(conn)
            return
        buf = bytearray()
        if conn.parser is not None:  # bytes of a pipelined request already read after the last one
            buf += conn.parser.unreader.buf.getvalue()
            conn.parser.unreader.buf.seek(0)
            conn.parser.unreader.buf.truncate()
        conn.sock.setblocking(False)
        frame = RequestFrame(MAX_BODY_BYTES)
        self._buffering[conn] = (buf, time.monotonic() + READ_SECONDS, frame)
        self._buffered_total += len(buf)
        if buf and frame.complete(buf):
            self._dispatch(conn)
            return
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn: Any, _sock: Any) -> None:
        buf, _deadline, frame = self._buffering[conn]
        try:
            data = conn.sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn)
            return
        if not data:  # the client went away before finishing its request
            self._drop(conn)
            return
        if self._buffered_total + len(data) > MAX_BUFFERED_TOTAL:
            self._drop(conn, _BUSY)
            return
        had_head = buf.find(b"\r\n\r\n", 0, MAX_HEAD_BYTES + 4) >= 0
        buf += data
        self._buffered_total += len(data)
        if frame.complete(buf):
            self.poller.unregister(conn.sock)
            self._dispatch(conn)
        elif not had_head and wants_continue(buf):
            try:
                conn.sock.send(_CONTINUE)
            except OSError:
                self.poller.unregister(conn.sock)
                self._drop(conn, registered=False)

    def _dispatch(self, conn: Any) -> None:
        buf, _, _ = self._buffering.pop(conn)
        self._buffered_total -= len(buf)
        conn.sock.setblocking(True)
        if conn.parser is None:
            conn.parser = get_parser(self.cfg, conn.sock, conn.client)
            conn.initialized = True
        conn.parser.unreader.unread(bytes(buf))
        conn.data_ready = True
        conn.mg_ready = True
        self.enqueue_req(conn)

    def _drop(self, conn: Any, answer: bytes | None = None, *, registered: bool = True) -> None:
        buf = self._buffering.pop(conn, (bytearray(), 0.0, None))[0]
        self._buffered_total -= len(buf)
        if registered:
            try:
                self.poller.unregister(conn.sock)
            except (KeyError, ValueError, OSError):
                pass
        if answer:
            try:
                conn.sock.send(answer)
            except OSError:
                pass
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        """gthread's own pending connections, then requests not complete by their deadline (408)."""
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c, (_, deadline, _) in self._buffering.items() if deadline <= now]:
            self._drop(conn, _TIMEOUT if self._buffering[conn][0] else None)
