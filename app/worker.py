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


def complete(buf: bytes | bytearray, max_body: int = MAX_BODY_BYTES) -> bool:
    """Whether ``buf`` holds a whole request, or as much of one as is worth holding.

    True also when the request is malformed or over a limit: gunicorn's parser and the app then
    answer it (400, 413) from what is there, without waiting for more.
    """
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return len(buf) > MAX_HEAD_BYTES
    body = len(buf) - end - 4
    lengths: list[bytes] = []
    chunked = False
    for line in bytes(buf[:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding":
            chunked = chunked or b"chunked" in value.lower()
        elif name == b"content-length":
            lengths.append(value.strip())
    if chunked:
        return body > max_body or bytes(buf).endswith(b"0\r\n\r\n")
    if not lengths:
        return True
    try:
        length = int(lengths[0])
    except ValueError:
        return True
    return length > max_body or body >= length or len(set(lengths)) > 1


def wants_continue(buf: bytes | bytearray) -> bool:
    end = buf.find(b"\r\n\r\n")
    return end >= 0 and b"\r\nexpect: 100-continue" in bytes(buf[:end]).lower()


class BufferingThreadWorker(ThreadWorker):
    """gthread, except that requests are read by the event loop and only complete ones reach a thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._buffering: dict[Any, tuple[bytearray, float]] = {}
        self._buffered_total = 0

    def _bypass(self, conn: Any) -> bool:
        from gunicorn.http2 import negotiation  # noqa: PLC0415 - gunicorn >= 24 only

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
        self._buffering[conn] = (buf, time.monotonic() + READ_SECONDS)
        self._buffered_total += len(buf)
        if buf and complete(buf):
            self._dispatch(conn)
            return
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn: Any, _sock: Any) -> None:
        buf, deadline = self._buffering[conn]
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
        had_head = buf.find(b"\r\n\r\n") >= 0
        buf += data
        self._buffered_total += len(data)
        self._buffering[conn] = (buf, deadline)
        if complete(buf):
            self.poller.unregister(conn.sock)
            self._dispatch(conn)
        elif not had_head and wants_continue(buf):
            try:
                conn.sock.send(_CONTINUE)
            except OSError:
                self.poller.unregister(conn.sock)
                self._drop(conn, registered=False)

    def _dispatch(self, conn: Any) -> None:
        buf, _ = self._buffering.pop(conn)
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
        buf, _ = self._buffering.pop(conn, (bytearray(), 0.0))
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
        for conn in [c for c, (buf, deadline) in self._buffering.items() if deadline <= now]:
            buf, _ = self._buffering[conn]
            self._drop(conn, _TIMEOUT if buf else None)
