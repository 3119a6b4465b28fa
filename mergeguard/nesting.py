"""How deep a text's brackets nest, in C-level work: what :func:`mergeguard.features.syntax.parse` checks
before it hands text to tree-sitter, whose queries cost nodes x depth."""

from __future__ import annotations

import numpy as np

#: text whose brackets nest deeper than this is not parsed (its syntax is unavailable, as for a file
#: over MAX_BYTES). tree-sitter's queries take time in the number of nodes times their depth: one
#: 250 kB line of ``f(f(f(...)))`` 50,000 deep took 208 s of CPU, 200 kB of such lines 1,000 deep 8 s.
#: Real code nests a few dozen brackets deep; a pull request's author chooses its files' text.
MAX_NESTING = 500
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"()[]{}")
_STEPS = bytes.maketrans(b"([{)]}", b"\x01\x01\x01\xff\xff\xff")  # as signed bytes: +1 opens, -1 closes


def nested_deeper_than(data: bytes, limit: int = MAX_NESTING) -> bool:
    """Whether ``data``'s brackets nest more than ``limit`` deep (string and comment contents count too).

    Files with no more brackets than ``limit`` are answered by ``bytes.count``; the rest by a running
    depth over the brackets alone, never below 0, so stray closers do not hide what follows them. That
    clamped depth is the plain running sum minus its lowest point so far (at most 0), which NumPy gives
    in C: a Python-level loop per bracket cost as much as a tenth of the parse it guards.
    """
    if data.count(b"(") + data.count(b"[") + data.count(b"{") <= limit:
        return False
    steps = np.frombuffer(data.translate(_STEPS, _NOT_BRACKETS), dtype=np.int8)
    total = np.cumsum(steps, dtype=np.int64)
    floor = np.minimum.accumulate(np.minimum(total, 0))
    return bool(np.any(total - floor > limit))
