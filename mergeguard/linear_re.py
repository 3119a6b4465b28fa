"""Regular expressions written in configuration, run in linear time.

A ``rollout_note.pattern`` comes from the base branch's config (whoever can push there) and is
matched against a pull request's description (whoever opens one). With a backtracking engine
(``re``) a pattern such as ``(a+)+$`` takes exponential time in the length of the text, on a job
thread, for every score. RE2 (the ``google-re2`` bindings) guarantees time linear in the text and
bounded memory, at the price of refusing backreferences and lookaround: such a pattern is a
configuration error at ``config check`` time, with its location, never a slow gate.
"""

from __future__ import annotations

import functools
from typing import Any

import re2

#: RE2's memory budget per compiled pattern (its default): a pattern over it does not compile.
MAX_MEM = 8 << 20


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is reported by us, not logged to stderr by RE2
    options.max_mem = MAX_MEM
    return options


@functools.lru_cache(maxsize=256)
def compile_multiline(pattern: str) -> Any:
    """``pattern`` compiled with ``^``/``$`` at line boundaries; raises :class:`ValueError` if RE2 refuses it."""
    try:
        return re2.compile("(?m)" + pattern, _options())
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise ValueError(str(detail)) from None


def error(pattern: str) -> str | None:
    """Why RE2 cannot run ``pattern`` (one line for ``config check``), or None."""
    try:
        compile_multiline(pattern)
    except ValueError as exc:
        return (f"not a regular expression RE2 can run ({exc}); patterns run in linear time, "
                "so backreferences and lookaround are not supported")
    return None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` occurs in ``text`` (multi-line); a pattern RE2 refuses never matches."""
    try:
        compiled = compile_multiline(pattern)
    except ValueError:
        return False
    # lone surrogates (valid in a JSON string, not in UTF-8) would stop the encoding RE2 needs
    return compiled.search(text.encode("utf-8", "replace").decode("utf-8")) is not None
