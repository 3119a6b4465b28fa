"""Stopping a server process the tests started, the way a deploy does, and reading what it logged."""

from __future__ import annotations

import os
import signal
import subprocess
from typing import IO


def stop_gracefully(proc: subprocess.Popen, grace: float, *, group: bool = False) -> int:
    """SIGTERM, then wait up to ``grace`` seconds for the exit status; SIGKILL (the whole process group
    when the server was started in a session of its own) and -9 if it did not stop.

    ``grace`` only guards against a hang: it is not a claim about how fast the machine is.
    """
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except ProcessLookupError:
            pass
        proc.wait()
        return -9


def stop_and_read_log(proc: subprocess.Popen, log: IO[str], grace: float = 40.0) -> tuple[int, str]:
    """Stop ``proc`` (see :func:`stop_gracefully`), then read and close the log it wrote to."""
    try:
        code = stop_gracefully(proc, grace)
    finally:
        log.seek(0)
        output = log.read()
        log.close()
    return code, output
