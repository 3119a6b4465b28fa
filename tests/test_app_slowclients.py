"""Slow clients against a real ``mergeguard serve`` on 127.0.0.1 (issue 11, item 5).

With gunicorn's plain gthread worker, a connection that sent its headers holds one of the ``--threads``
(default 8) while the thread waits, without a deadline, for the body. Sixteen such connections held
every thread, and a signed delivery waited past GitHub's 10 s. Here they are opened (and a few that
never finish their headers), and signed deliveries must still be answered 202 while every slow one is
still held open -- an order of events, not a wall-clock bound, so a slow machine cannot fail it: with
the old worker a delivery got a thread only once the read timeout had cut the slow ones off -- and the
slow ones are answered 408 and closed after the read timeout.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import uuid

from mergeguard.app.worker import RequestFrame, complete

from .npm_fixtures import webhook_examples
from .serverproc import stop_and_read_log
from .test_app_serve import free_port, http, serve_env, wait_until
from .test_app_web import delivery_headers


def _slow(port: int, head_only: bool, stop: threading.Event, answers: list[bytes], events: list[str]) -> None:
    """Send a webhook's headers (or half of them), then one byte every 0.5 s until stopped or cut off;
    note "cut" in ``events`` when the server first answers."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            head = (b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"X-GitHub-Event: push\r\nContent-Length: 100000\r\n")
            s.sendall(head[:40] if head_only else head + b"\r\n{\"a\":")
            s.settimeout(0.5)
            got = b""
            while not stop.is_set():
                try:
                    s.sendall(b"X" if head_only else b" ")
                except OSError:
                    break
                try:
                    chunk = s.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                if not got:
                    events.append("cut")
                got += chunk
            answers.append(got)
    except OSError as exc:
        answers.append(repr(exc).encode())


def test_slow_clients_hold_no_thread_and_signed_deliveries_are_answered(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "mergeguard.cli", "serve", "--bind", f"127.0.0.1:{port}",
                             "--read-timeout", "20", "--graceful-timeout", "5"],
                            env=serve_env(tmp_path), stdout=log, stderr=subprocess.STDOUT)
    stop = threading.Event()
    answers: list[bytes] = []
    events: list[str] = []  # "cut" (a slow one was answered) and "answered" (a delivery was), in order
    slow = []
    try:
        def healthy():
            try:
                return http("GET", base + "/healthz")[0] == 200
            except OSError:
                return None
        wait_until(healthy, 60, "the server to answer")
        for i in range(20):  # 16 slow bodies and 4 slow header sections against 8 threads
            t = threading.Thread(target=_slow, args=(port, i >= 16, stop, answers, events), daemon=True)
            t.start()
            slow.append(t)
        time.sleep(1.0)  # every slow connection is in, and sending
        payload = webhook_examples("installation", "created")[0]
        for _ in range(3):
            body = json.dumps(payload).encode()
            status, answer = http("POST", base + "/webhook", body, delivery_headers("installation", body,
                                                                                  delivery=str(uuid.uuid4())))
            events.append("answered")
            assert status == 202, answer
            time.sleep(1.0)
        # every delivery was answered while all twenty slow connections were still held, none cut off yet
        assert events[:3] == ["answered"] * 3, events
        for t in slow:
            t.join(timeout=60)
        assert len(answers) == 20
        # the slow ones were cut off at the read timeout: 408 where a request had begun, then closed
        assert sum(a.startswith(b"HTTP/1.1 408") for a in answers) == 20, answers
    finally:
        stop.set()
        _, output = stop_and_read_log(proc, log)
    assert "Traceback" not in output, output


def test_a_whole_request_is_recognised_before_a_thread_takes_it():
    head = b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
    assert not complete(b"POST /webhook HTTP/1.1\r\nHost: x\r\n")
    assert not complete(head + b"abc") and complete(head + b"abcde")
    assert complete(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    chunked = b"POST /webhook HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert not complete(chunked + b"5\r\nabcde\r\n") and complete(chunked + b"5\r\nabcde\r\n0\r\n\r\n")
    assert complete(chunked + b"5\r\nabcde\r\n0\r\nX-Trailer: 1\r\n\r\n")
    assert not complete(chunked + b"5\r\nabcde\r\n0\r\nX-Trailer: 1\r\n")
    # a chunk whose data looks like the end is not the end (a thread would then wait for the rest)
    assert not complete(chunked + b"9\r\n\r\n0\r\n\r\nab\r\n")
    assert complete(chunked + b"9\r\n\r\n0\r\n\r\nab\r\n0\r\n\r\n")
    assert complete(chunked + b"zz\r\n")  # malformed: gunicorn answers 400 at once
    frame, data = RequestFrame(), bytearray(chunked)  # fed a byte at a time, as a slow client sends it
    stream = b"".join(b"1\r\n%c\r\n" % c for c in b"hello") + b"0\r\n\r\n"
    answers = []
    for byte in stream:
        data.append(byte)
        answers.append(frame.complete(data))
    assert answers == [False] * (len(stream) - 1) + [True]
    # over a limit, or malformed: handed on at once, for gunicorn or the app to refuse
    assert complete(b"POST / HTTP/1.1\r\nContent-Length: 30000000\r\n\r\n", max_body=25 * 1024 * 1024)
    assert complete(b"POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n")
    assert complete(b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")
    assert complete(b"X" * (1024 * 1024 + 1))
