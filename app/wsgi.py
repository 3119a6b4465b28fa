"""Serving the App with gunicorn: ``mergeguard serve`` (programmatic) or ``gunicorn mergeguard.app.wsgi:app``.

Why one worker process by default: the webhook handler only verifies, stores and answers, so a
handful of gthread threads take any realistic delivery rate; the slow part, scoring, runs on the job
threads of each process and is CPU-bound, so more processes only help with more CPUs. More workers
are safe -- every job is claimed with an atomic conditional UPDATE and a lease, so processes never
run the same job twice at once -- they are just not needed. The app is never preloaded: the job
threads start in each worker after the fork (threads do not survive ``fork()``), and gunicorn's
``worker_exit`` hook stops them gracefully so a running job finishes (or, past the graceful timeout,
keeps its lease and is taken over after it expires).
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
from typing import Any

from .settings import Settings

#: loopback: the App belongs behind a reverse proxy that terminates TLS and exposes only /webhook
DEFAULT_BIND = "127.0.0.1:8000"
WORKER_CLASS = "mergeguard.app.worker.BufferingThreadWorker"


def default_bind() -> str:
    """``$PORT`` on all interfaces (Heroku, Cloud Run, Render route to it from outside the
    container), else ``127.0.0.1:8000``: without a platform's convention nothing but the local
    reverse proxy needs to reach the server, and /healthz and /metrics should stay internal."""
    port = (os.environ.get("PORT") or "").strip()
    return f"0.0.0.0:{port}" if port.isdigit() else DEFAULT_BIND


def gunicorn_options(*, bind: str, workers: int = 1, threads: int = 8, timeout: int = 60,
                     graceful_timeout: int = 30, log_level: str = "info") -> dict[str, Any]:
    """gunicorn settings: gthread workers that read each request in full before a thread takes it
    (app/worker.py: slow clients never hold a thread); ``timeout`` bounds a stuck request, not a
    job (jobs run off-request)."""
    return {
        "bind": [bind],
        "workers": workers,
        "worker_class": WORKER_CLASS,
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": graceful_timeout,
        "keepalive": 5,
        "preload_app": False,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": log_level,
        "proc_name": "mergeguard",
        "worker_exit": _worker_exit,
        # gunicorn >= 25 opens an admin socket at one fixed per-user path: two servers on a host
        # would fight over it, and nothing here needs it (skipped on versions without the setting)
        "control_socket_disable": True,
    }


def _worker_exit(server: Any, worker: Any) -> None:
    """gunicorn hook, in the worker process as it exits: stop the job threads gracefully."""
    from .web import EXTENSION

    app = getattr(worker, "wsgi", None)
    rt = getattr(app, "extensions", {}).get(EXTENSION) if app is not None else None
    if rt is not None:
        budget = max(1.0, float(server.cfg.graceful_timeout) - 2.0)
        stopped = rt.stop(timeout=budget)
        server.log.info("mergeguard: job threads %s", "stopped" if stopped else "still busy; leases will expire")


def serve(settings: Settings, options: dict[str, Any], *, read_seconds: float | None = None) -> int:
    """Run gunicorn in the foreground until SIGTERM/SIGINT; returns its exit status.

    ``read_seconds``: how long a client has to send a whole request (default
    :data:`mergeguard.app.worker.READ_SECONDS`). The workers fork from this process, so they
    inherit the limits set here.
    """
    from gunicorn.app.base import BaseApplication

    from . import worker

    worker.MAX_BODY_BYTES = settings.max_body_bytes
    worker.MAX_BUFFERED_TOTAL = 4 * settings.max_body_bytes + worker.MAX_HEAD_BYTES
    if read_seconds is not None:
        worker.READ_SECONDS = read_seconds

    class MergeguardServer(BaseApplication):
        def __init__(self) -> None:
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            from .web import create_app

            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
            return settle_heap(create_app(settings))

    MergeguardServer().run()  # exits the process via SystemExit on shutdown
    return 0


def _module_app():
    """The app for ``gunicorn mergeguard.app.wsgi:app`` (settings from the environment)."""
    from .web import create_app, runtime

    application = settle_heap(create_app())
    atexit.register(runtime(application).stop)
    return application


def settle_heap(application: Any) -> Any:
    """Move everything alive after start-up out of the garbage collector's sight (``gc.freeze``).

    A worker holds about 145,000 long-lived objects after start-up (modules, SQLAlchemy metadata,
    PyGithub classes, numpy), and every full collection walks all of them while holding the GIL:
    75-90 ms, every 5-7 s at 200 deliveries/s -- the largest stalls of webhook acknowledgements
    (p99 52-81 ms with them, 6-25 ms without, ``benchmarks/webhook_ack.py``). Frozen, they are never
    walked again; objects made later are collected as before.
    """
    gc.collect()
    gc.freeze()
    return application


def __getattr__(name: str) -> Any:
    # built lazily so that importing this module (e.g. for serve()) does not read the environment
    if name == "app":
        value = _module_app()
        globals()["app"] = value
        return value
    raise AttributeError(name)
