"""Names a change renames consistently: the old name gone from the file, the new one new to it.

A rename decides nothing: ``retries: 2`` becoming ``limit: 2`` with every ``retry.retries`` read as
``retry.limit`` (an option renamed), ``val retryAttempts`` becoming ``val connectAttempts`` at its
declaration and at every use, a ``HeartbeatTimeout`` field renamed with its default kept. Read as text,
such a change removes a retry or timeout setting, or changes a line where a retry- or timeout-named
name decides something, in whichever language; what makes it a rename is the same everywhere:

- a removed line and an added line of one hunk read the same once the old name is written as the new
  one (the same words, numbers and operators in the same order, only names swapped);
- the old name appears nowhere in the file after the change, the new one nowhere before it (every use
  moved with it: not a swap to *another* name both images have, such as ``connectTimeout`` ->
  ``responseTimeout``, which applies another timeout);
- the swap is seen on at least two line pairs (a binding and a use of it), so that a key written once,
  read by code the change does not show (an options object handed to a library), is not taken for one;
- and when both names are retry- or timeout-named and say different things, the change renames the
  binding itself (``val retryAttempts =`` -> ``val connectAttempts =``, ``HeartbeatTimeout int`` ->
  ``HeartbeatInterval int``): a use switched from one existing setting to another is no rename.

Pure functions over the change's hunks and images; time linear in the changed lines (lines are paired
only within groups of the same shape).
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Callable, Iterable

_TOKEN = re.compile(r"[A-Za-z_$][\w$]*|\d[\w.]*|[^\s\w]")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")
#: words before a binding's name (declarations, modifiers, a receiver): what the line binds follows them
_BINDING = re.compile(r"^\s*(?:(?:val|var|let|const|def|func|fun|function|private|public|protected|static|final|"
                      r"readonly|internal|override|lateinit|open|async|export)\s+)*(?:(?:this|self|that)\s*\.\s*)?"
                      r"(?P<name>[A-Za-z_$][\w$]*)\s*(?::=|=(?!=)|:|\(|\s+[\*\[\]\w.]+\s*(?:`|$|//|,|=))")
#: a line pair is compared only when both lines are this short: a rename touches names, not paragraphs
MAX_LINE = 400
#: witnesses needed for a swap: a binding and one use
MIN_WITNESSES = 2


def _shape(tokens: list[str]) -> tuple[str, ...]:
    return tuple("\0" if _NAME.fullmatch(t) else t for t in tokens)


def _bound(line: str) -> str | None:
    m = _BINDING.match(line)
    return m.group("name") if m else None


def swaps(removed: Iterable[str], added: Iterable[str]) -> list[tuple[str, str, bool]]:
    """Name swaps between removed and added lines of one hunk that read the same but for names:
    (old, new, whether the old name is what the removed line binds). Lines are paired in order within
    groups of the same shape (names blanked), so a hunk costs one pass over its lines."""
    groups: dict[tuple[str, ...], deque[tuple[list[str], str]]] = {}
    for text in removed:
        if len(text) <= MAX_LINE:
            toks = _TOKEN.findall(text)
            groups.setdefault(_shape(toks), deque()).append((toks, text))
    out: list[tuple[str, str, bool]] = []
    for text in added:
        if len(text) > MAX_LINE:
            continue
        toks = _TOKEN.findall(text)
        waiting = groups.get(_shape(toks))
        if not waiting:
            continue
        old_toks, old_text = waiting.popleft()
        pairs = {(a, b) for a, b in zip(old_toks, toks, strict=True) if a != b}
        bound = _bound(old_text)
        out.extend((a, b, a == bound and _bound(text) == b) for a, b in pairs)
    return out


def consistent(files: Iterable[tuple[list[tuple[list[str], list[str]]], str, str]],
               same_thing: Callable[[str, str], bool]) -> dict[str, str]:
    """The renames of a change, old name -> new name, from each touched file's hunks (removed and
    added line texts of each hunk) and its text before and after. ``same_thing(old, new)`` says whether
    two names mean the same setting (then a binding need not be seen renamed)."""
    witnessed: dict[tuple[str, str], int] = {}
    binding: set[tuple[str, str]] = set()
    gone: dict[str, bool] = {}
    new: dict[str, bool] = {}
    for hunks, pre, post in files:
        olds: set[str] = set()
        news: set[str] = set()
        for removed, added in hunks:
            for a, b, binds in swaps(removed, added):
                if not (_NAME.fullmatch(a) and _NAME.fullmatch(b)):
                    continue
                olds.add(a)
                news.add(b)
                witnessed[(a, b)] = witnessed.get((a, b), 0) + 1
                if binds:
                    binding.add((a, b))
        if olds:  # each image's names read once: a linear pass, however many names were swapped
            after, before = set(_NAME.findall(post)), set(_NAME.findall(pre))
            for a in olds:
                gone[a] = gone.get(a, True) and a not in after
            for b in news:
                new[b] = new.get(b, True) and b not in before
    return {a: b for (a, b), n in witnessed.items()
            if n >= MIN_WITNESSES and gone.get(a) and new.get(b) and ((a, b) in binding or same_thing(a, b))}


def apply(text: str, renames: dict[str, str]) -> str:
    """``text`` with every renamed name written as its new one, and with the name's other spellings
    (:func:`spellings`: a struct tag, a flag, an environment variable, a config key written for it)
    renamed the same way."""
    if not renames:
        return text
    text = _NAME.sub(lambda m: renames.get(m.group(0), m.group(0)), text)
    pattern, spelled = _spelled(tuple(sorted(renames.items())))
    return pattern.sub(lambda m: spelled[m.group(0)], text) if spelled else text


_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def spellings(name: str) -> list[str]:
    """The ways a config key, a flag, a struct tag or an environment variable spells a name of two
    words or more (``HeartbeatTimeout``: ``heartbeat_timeout``, ``HEARTBEAT_TIMEOUT``,
    ``heartbeat-timeout``); none for a name of one word, which :func:`apply` renames as a name."""
    ws = [w.lower() for w in _WORD.findall(name)]
    if len(ws) < 2:
        return []
    return ["_".join(ws), "_".join(ws).upper(), "-".join(ws)]


@functools.lru_cache(maxsize=64)  # one compiled pattern per change's renames
def _spelled(renames: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """A pattern of every spelling of an old name (not inside a longer word: ``ETCD_HEARTBEAT_TIMEOUT``
    holds one, ``HEARTBEAT_TIMEOUTS`` none) and what each becomes: the new name spelled the same way.
    A rename whose names spell alike in some style (``RetryMax`` -> ``Retry_max``) has none."""
    spelled: dict[str, str] = {}
    for old, new in renames:
        for a, b in zip(spellings(old), spellings(new), strict=False):
            if a != b:
                spelled.setdefault(a, b)
    if not spelled:
        return re.compile(r"(?!)"), {}
    alternatives = "|".join(re.escape(a) for a in sorted(spelled, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])"), spelled
