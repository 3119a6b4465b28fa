"""How deep code nests, in work linear in its size: what :func:`mergeguard.features.syntax.parse` checks,
its brackets before it hands text to tree-sitter (whose queries cost nodes x depth), and the tree's depth
after (tree-sitter finds a node's parent by descending from the root, so climbs cost depth x depth)."""

from __future__ import annotations

from typing import Any

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


#: a parsed tree deeper than this is not analysed (its syntax is unavailable, as for brackets nested past
#: MAX_NESTING). Depth without brackets: ``a and b and ...``, ``"a" + "b" + ...``, ``x ? y : z ? ...``,
#: ``b.m0().m1()...``, ``else if`` ladders. tree-sitter finds ``Node.parent`` by descending from the
#: root, so every climb from a node costs its depth x depth, and the scanners climb from nearly every
#: node: one 3,000-line ``and`` chain over calls took 255 s, and recursive helpers raised RecursionError
#: past about 900 levels. The deepest of 10,402 real files (the HEAD of 30 repositories, every language
#: with a grammar) was 451 levels, a generated ``.pb.go`` string concatenation (paths named as generated
#: are never parsed); the deepest of the others 143 (a build script), then 101.
MAX_TREE_DEPTH = 600


def tree_deeper_than(root: Any, limit: int = MAX_TREE_DEPTH) -> bool:
    """Whether a node under tree-sitter node ``root`` lies more than ``limit`` levels below it.

    Linear at worst, and in practice a few hundred node visits per file: a TreeCursor keeps its path
    (``goto_parent`` is O(1), where ``Node.parent`` descends from the root again), and a subtree of k
    nodes is at most k - 1 deep (tree-sitter keeps ``descendant_count``, itself included, in O(1)), so
    the walk enters only the subtrees with more nodes than the levels left: in real code the few large
    classes and functions, in a hostile chain the chain itself down to ``limit`` + 1.
    """
    if limit < 0:
        return True  # a node is 0 levels below itself
    cursor = root.walk()
    depth = 0
    while True:
        if depth + cursor.node.descendant_count - 1 > limit:  # it may reach past the limit: enter it
            if depth == limit:
                return True  # and it has a child, one level too deep
            cursor.goto_first_child()
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return False
            depth -= 1
