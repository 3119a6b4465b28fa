"""Check that an output can be written *before* the work that produces it.

``score --output``, ``mine --out``, ``train --out``, ``evaluate --output`` and ``serve``'s data
directory used to be found unwritable only when the result was ready (after minutes of mining or
training) and then ended in a traceback. These checks run first and fail with one line, exit 2.
They probe by doing: an existing file is opened for appending (nothing is changed), a new one is
created and removed again, a directory gets a throw-away file -- permissions alone say nothing
when running as root, on a read-only mount, or under ``/proc``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import MergeguardError


class OutputError(MergeguardError):
    """An output path cannot be written (exit 2, one line)."""


def writable_file(path: str | os.PathLike[str], option: str) -> Path:
    """``path`` can be written as a file; OutputError naming ``option`` otherwise."""
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"{option} {p}: is a directory")
    parent = p.parent if str(p.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{option} {p}: {parent} is not a directory")
    if not parent.is_dir():
        raise OutputError(f"{option} {p}: directory {parent} does not exist")
    existed = p.exists()
    try:
        with open(p, "ab"):
            pass
    except OSError as exc:
        raise OutputError(f"{option} {p}: cannot write ({exc.strerror or exc})") from None
    if not existed:
        try:
            p.unlink()
        except OSError:
            pass
    return p


def writable_dir(path: str | os.PathLike[str], option: str) -> Path:
    """``path`` is (or can be created as) a directory files can be written to; OutputError otherwise.

    Creates nothing that is not there: a missing directory is judged by its nearest existing
    ancestor, which must be a directory that takes a file.
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise OutputError(f"{option} {p}: exists and is not a directory")
    probe = p
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"{option} {p}: {probe} is not a directory")
    try:
        fd, name = tempfile.mkstemp(dir=probe, prefix=".mergeguard-probe-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise OutputError(f"{option} {p}: cannot write in {probe} ({exc.strerror or exc})") from None
    return p
