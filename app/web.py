"""The Flask app: HTTP wiring only (verify, route, persist, answer); the work happens in app/jobs.py.

``POST /webhook`` answers in milliseconds: it verifies the signature, lets app/events.py turn the
delivery into jobs, stores delivery and jobs in one transaction and returns 202. GitHub gives up on
a delivery after 10 seconds, and scoring takes longer than that, so nothing slow happens here.

Answers: 202 queued (or installation recorded), 200 duplicate delivery or ping, 204 not an event we
act on, 400 malformed, 401 bad signature (nothing stored), 413 body over the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from .affinity import Affinity, live_workers
from .events import Context, PayloadError, Router, installation_id, repo_name, router as default_router
from .jobs import Handler, Queue, WorkerPool
from .metrics import Metrics
from .settings import Settings
from .store import Store

log = logging.getLogger("mergeguard.app.web")
EXTENSION = "mergeguard"


@dataclass
class Runtime:
    """What one server process holds: settings, database, queue, job threads, metrics."""

    settings: Settings
    store: Store
    queue: Queue
    pool: WorkerPool
    metrics: Metrics
    router: Router
    workers_started: bool = False
    _stopped: bool = False

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the job threads gracefully (idempotent); called from gunicorn's ``worker_exit``."""
        if self._stopped:
            return True
        self._stopped = True
        done = self.pool.stop(timeout)  # also releases what the handlers hold (scoring processes)
        self.store.dispose()
        return done


def runtime(app: Flask | None = None) -> Runtime:
    return (app or current_app).extensions[EXTENSION]


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256`` is ``sha256=`` + HMAC-SHA256(secret, raw body) in hex; compared in constant time.

    Compared as bytes: ``hmac.compare_digest`` refuses ``str`` holding non-ASCII characters with a
    TypeError, and a header is whatever the sender wrote (werkzeug hands it over as latin-1 text).
    """
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest().encode("ascii")
    given = header[len("sha256="):].strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected, given)


def create_app(settings: Settings | None = None, *, handlers: Mapping[str, Handler] | None = None,
               start_workers: bool = True, router: Router | None = None) -> Flask:
    """The App. ``settings`` default to the environment; ``handlers`` to app/handlers.py's.

    The job threads start here, i.e. in each gunicorn worker after the fork (``mergeguard serve``
    never preloads the app): threads do not survive ``fork()``.
    """
    settings = settings or Settings.from_env()
    store = Store(settings.database_url)
    metrics = Metrics(store)
    if handlers is None:
        from .handlers import default_handlers

        handlers = default_handlers(settings, store, metrics)
    queue = Queue(store, lease_seconds=settings.lease_seconds, retry_base_seconds=settings.retry_base_seconds,
                  affinity=Affinity(ttl_seconds=settings.worker_ttl_seconds,
                                    wait_seconds=settings.affinity_wait_seconds))
    metrics.watch_workers(lambda: live_workers(store, settings.worker_ttl_seconds))
    pool = WorkerPool(queue, handlers, threads=settings.job_threads,
                      on_finished=lambda job, outcome, secs: metrics.job_finished(job.kind, outcome, secs))
    rt = Runtime(settings=settings, store=store, queue=queue, pool=pool, metrics=metrics,
                 router=router or default_router)

    app = Flask("mergeguard.app")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions[EXTENSION] = rt
    app.add_url_rule("/webhook", "webhook", webhook, methods=["POST"])
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    if start_workers:
        pool.start()
        rt.workers_started = True
    return app


def _answer(status: int, **body: Any) -> Response:
    if status == 204:
        return Response(status=204)
    resp = jsonify(body)
    resp.status_code = status
    return resp


def _too_large(_exc: Exception) -> Response:
    return _answer(413, error=f"payload larger than {runtime().settings.max_body_bytes} bytes")


def read_body(limit: int) -> bytes:
    """The request body, at most ``limit`` bytes; RequestEntityTooLarge past it, sized or not.

    A sized body past the limit is refused before a byte is read. An unsized one (chunked transfer
    encoding) is read from the server's de-chunked stream up to one byte past the limit: werkzeug's
    own wrapper would stop at the limit and hand back the first ``limit`` bytes as if that were the
    body (which then fails its signature: a 401 for what is a 413).
    """
    if request.content_length is not None:
        if request.content_length > limit:
            raise RequestEntityTooLarge()
        return request.get_data(cache=False)
    if "wsgi.input_terminated" not in request.environ:
        return b""  # the server cannot say where an unsized body ends: nothing is safe to read
    stream = request.environ["wsgi.input"]
    body = bytearray()
    while chunk := stream.read(min(1 << 16, limit + 1 - len(body))):
        body += chunk
        if len(body) > limit:
            raise RequestEntityTooLarge()
    return bytes(body)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(body: bytes) -> Any:
    """The body as JSON; ValueError for anything a client could send that is not plain JSON.

    Nesting deep enough to exhaust the parser's recursion, ``NaN``/``Infinity``, integers of more
    digits than Python converts (4,300), and bytes that are not UTF-8 all end as ValueError (400).
    """
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None


_EVENT = re.compile(r"[a-z_]{1,64}")
_DELIVERY = re.compile(r"[\x21-\x7e]{1,64}")  # GitHub's are UUIDs


def webhook() -> Response:
    rt = runtime()
    try:
        body = read_body(rt.settings.max_body_bytes)
    except RequestEntityTooLarge as exc:
        return _too_large(exc)
    if not verify_signature(rt.settings.webhook_secret, body, request.headers.get("X-Hub-Signature-256")):
        log.warning("webhook: bad or missing signature from %s", request.remote_addr)
        return _answer(401, error="bad or missing X-Hub-Signature-256")
    event = request.headers.get("X-GitHub-Event", "").strip()
    delivery = request.headers.get("X-GitHub-Delivery", "").strip()
    if not event or not delivery:
        return _answer(400, error="missing X-GitHub-Event or X-GitHub-Delivery header")
    if not _DELIVERY.fullmatch(delivery):
        return _answer(400, error="X-GitHub-Delivery is not 1 to 64 printable ASCII characters")
    if not _EVENT.fullmatch(event):
        return _answer(400, error="X-GitHub-Event is not an event name")
    try:
        payload = parse_json(body)
    except ValueError as exc:
        return _answer(400, error=f"body is not JSON: {str(exc)[:200]}")
    if not isinstance(payload, dict):
        return _answer(400, error="body is not a JSON object")
    if event == "ping":
        zen = payload.get("zen")
        return _answer(200, pong=True, zen=zen[:200] if isinstance(zen, str) else None)
    action = payload.get("action") if isinstance(payload.get("action"), str) else None
    if action is not None and not _EVENT.fullmatch(action):
        action = None  # recorded with the delivery: GitHub's actions are short snake_case names
    try:
        routed = rt.router.dispatch(event, payload, Context(app_id=rt.settings.app_id))
    except PayloadError as exc:
        return _answer(400, error=str(exc)[:500])
    outcome = "ignored" if routed.ignored else ("queued" if routed.jobs else "recorded")
    inst = installation_id(payload)
    job_ids = rt.store.record_delivery(delivery, event, action, repo_name(payload), inst, routed.jobs,
                                       outcome=outcome, max_attempts=rt.settings.max_attempts,
                                       installation_change=routed.installation)
    if routed.ignored:
        return _answer(204)
    if job_ids is None:
        return _answer(200, duplicate=True, delivery=delivery)
    if job_ids:
        rt.pool.notify()
    return _answer(202, delivery=delivery, jobs=job_ids, outcome=outcome)


def healthz() -> Response:
    rt = runtime()
    problems: dict[str, str] = {}
    try:
        rt.store.ping()
        database = "ok"
    except Exception as exc:  # noqa: BLE001 -- any failure means unhealthy, with the reason
        database = f"unreachable: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        problems["database"] = database
    threads = rt.pool.alive()
    if not rt.workers_started:
        problems["workers"] = "job threads not started"
    elif rt.pool.stopping:
        problems["workers"] = "shutting down"
    elif not threads or not all(threads.values()):
        problems["workers"] = "dead: " + ", ".join(n for n, ok in threads.items() if not ok)
    resp = jsonify(status="ok" if not problems else "unhealthy", database=database, workers=threads,
                   problems=problems, threads=threading.active_count())
    resp.status_code = 200 if not problems else 503
    return resp


def metrics_view() -> Response:
    data, content_type = runtime().metrics.render()
    return Response(data, status=200, content_type=content_type)
