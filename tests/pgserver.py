"""A real PostgreSQL server for the tests, started in a temp dir (Debian's ``postgresql`` package or
any ``initdb``/``pg_ctl`` on PATH), listening on a Unix socket only, stopped at the end.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user (which the
package creates) or ``nobody``, through ``runuser``. Every test gets a database of its own.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def binaries() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, or None."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):  # Debian's layout
        return Path(candidate).parent
    return None


def _as(user: str | None, argv: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *argv] if user else argv


@contextmanager
def server(base: Path) -> Iterator[str]:
    """Run a server with its data under ``base``; yields the libpq socket directory."""
    bindir = binaries()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL (initdb, pg_ctl) is not installed")
    user = None
    if os.geteuid() == 0:
        user = next((u for u in ("postgres", "nobody") if _user_exists(u)), None)
    base.mkdir(parents=True, exist_ok=True)
    data, sock = base / "data", base / "sock"
    sock.mkdir(exist_ok=True)
    if user:
        entry = pwd.getpwnam(user)
        for p in (base, sock):
            os.chown(p, entry.pw_uid, entry.pw_gid)
        os.chmod(base, 0o755)
    init = subprocess.run(_as(user, [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "mergeguard",
                                     "--no-sync", "-E", "UTF8"]), capture_output=True, cwd=base)
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed: {init.stderr.decode()[-1500:]}")
    options = f"-k {sock} -c listen_addresses='' -c fsync=off -c max_connections=60"
    log = base / "server.log"
    proc = subprocess.run(_as(user, [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w",
                                     "-t", "60", "start"]), capture_output=True, cwd=base)
    if proc.returncode != 0:
        raise RuntimeError(f"PostgreSQL did not start: {proc.stderr.decode()[-500:]} {log.read_text()[-1500:] if log.exists() else ''}")
    try:
        yield str(sock)
    finally:
        subprocess.run(_as(user, [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True, cwd=base)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def url(sock: str, database: str = "postgres") -> str:
    return f"postgresql+psycopg://mergeguard@/{database}?host={sock}"


@contextmanager
def database(sock: str) -> Iterator[str]:
    """A fresh database on the server; dropped afterwards (open connections are ended first)."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(host=sock, user="mergeguard", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url(sock, name)
    finally:
        with psycopg.connect(host=sock, user="mergeguard", dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
