"""CPU time of ``mergeguard score`` on hostile files nested deep without brackets, at growing depth.

tree-sitter finds a node's parent by descending from the root, so a climb from a node costs its depth,
and the scanners climb from (nearly) every node: a file one expression deep costs depth² and more. The
shapes below need no brackets (so ``mergeguard.nesting.MAX_NESTING`` does not see them): a chain of
``and``/``&&`` over a call on every line, a ``+`` chain of strings, a ternary (or ``if``-``else``
expression) ladder, a method chain ``b.m0().m1()...`` and an ``else if`` ladder, in each language with
a grammar. Each file is added by a one-file diff scored with ``mergeguard score --diff FILE --format
json`` in a child process (``--via commit``: a commit of a temporary git repository scored with
``--commit``); the child's user+system CPU seconds are read from ``os.wait4``. A child still running
after ``--timeout`` CPU-bound seconds of wall time is killed and shown as ``>T``.

Prints one row per language and shape, one cell per asked size (links of the chain, one or two tree
levels each): the tree's depth (computed here, independently), the number of copies, the CPU seconds,
and ``D`` where the file was refused as nested too deep (``nesting.MAX_TREE_DEPTH``: its syntax is
unavailable and a warning says why), ``u`` where its syntax was unavailable for another reason, ``E``
where a detector failed.

    python benchmarks/hostile_depth.py                                   # all languages, shapes, sizes
    python benchmarks/hostile_depth.py --langs python java --shapes and_calls --sizes 500 1000 2000 4000
    python benchmarks/hostile_depth.py --copies 40 --sizes 200        # 40 chains of 200 in one file
    python benchmarks/hostile_depth.py --fill 19000 --sizes 290 580 1000   # as many as fit in 19,000 lines

``--copies K`` puts K functions of the same shape in one file, ``--fill LINES`` as many as fit in
LINES lines: the worst case under a cap is a file of many expressions each just under it. Run it
with another checkout's interpreter (``/path/to/venv/bin/python benchmarks/hostile_depth.py``) for
that revision's figures: each child runs in a temporary directory, so it imports the interpreter's
installed mergeguard, never the working directory's. Figures vary with the machine's load; read them as orders of
magnitude, and compare rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXT = {"python": "py", "javascript": "js", "typescript": "ts", "tsx": "tsx", "go": "go", "java": "java",
       "kotlin": "kt", "csharp": "cs", "rust": "rs", "ruby": "rb"}
SHAPES = ("and_calls", "plus", "ternary", "method_chain", "else_if")


def _python(shape: str, n: int, k: int) -> str | None:
    if shape == "and_calls":
        expr = "\n".join(f"        {'and ' if i else ''}check({i})" for i in range(n))
    elif shape == "plus":
        expr = "\n".join(f"        {'+ ' if i else ''}\"part{i}\"" for i in range(n))
    elif shape == "ternary":
        expr = "\n".join(f"        v{i} if c{i} else" for i in range(n)) + "\n        None"
    elif shape == "method_chain":
        expr = "        b\n" + "\n".join(f"        .m{i}()" for i in range(n))
    else:
        return None  # ``elif`` clauses are siblings in Python's grammar: no depth to gain
    return f"def gate{k}(b, check):\n    return (\n{expr}\n    )\n"


def _ruby(shape: str, n: int, k: int) -> str:
    if shape == "and_calls":
        body = " &&\n  ".join(f"check({i})" for i in range(n))
    elif shape == "plus":
        body = " +\n  ".join(f"'p{i}'" for i in range(n))
    elif shape == "ternary":
        body = "\n  ".join(f"c{i} ? v{i} :" for i in range(n)) + "\n  nil"
    elif shape == "method_chain":
        body = "b" + "".join(f"\n  .m{i}" for i in range(n))
    else:
        body = "if x == 0\n    call(0)\n" + "".join(f"  elsif x == {i}\n    call({i})\n" for i in range(1, n)) + "  end"
    return f"def gate{k}(b, x)\n  {body}\nend\n"


def _c_like(lang: str, shape: str, n: int, k: int) -> str | None:
    """JavaScript, TypeScript, TSX, Java, C#, Go, Kotlin, Rust: one function returning the expression."""
    if shape == "ternary" and lang in ("go", "rust"):
        return None  # no conditional expression
    bare = lang in ("go", "rust")  # conditions without parentheses
    if shape == "else_if":
        cond = "x == {i}" if bare else "(x == {i})"
        body = "\n".join(f"  {'} else ' if i else ''}if {cond.format(i=i)} {{\n    call({i});" for i in range(n)) + "\n  }"
    else:
        if shape == "and_calls":
            items = [f"check({i})" for i in range(n)]
            op = "&&"
        elif shape == "plus":
            items, op = [f'"part{i}"' for i in range(n)], "+"
        elif shape == "method_chain":
            items, op = ["b"] + [f"m{i}()" for i in range(n)], "."
        elif lang == "kotlin":  # ternary: Kotlin's if-else expression
            items, op = [f"if (c{i}) v{i} else" for i in range(n)] + ["null"], ""
        else:
            items, op = [f"c{i} ? v{i} :" for i in range(n)] + ["null"], ""
        if op == ".":  # a leading dot continues a line everywhere but in Go, which wants it trailing
            expr = (".\n    ".join(items) if lang == "go" else "\n    .".join(items))
        elif op:  # operators trail the line (Go and Kotlin end a statement at a line break otherwise)
            expr = f" {op}\n    ".join(items)
        else:
            expr = "\n    ".join(items)
        body = f"  return {expr};"
        if lang == "rust":
            body = f"  {expr}"
    if lang in ("javascript", "typescript", "tsx"):
        return f"export function gate{k}(b, check, x) {{\n{body}\n}}\n"
    if lang == "java":
        return f"class G{k} {{\n  Object gate(Object b, int x) {{\n{body}\n  }}\n}}\n"
    if lang == "csharp":
        return f"class G{k} {{\n  object Gate(object b, int x) {{\n{body}\n  }}\n}}\n"
    if lang == "go":
        return f"func gate{k}(b T, x int) bool {{\n{body.replace(';', '')}\n}}\n"
    if lang == "kotlin":
        return f"fun gate{k}(b: Any, x: Int): Any {{\n{body.replace(';', '')}\n}}\n"
    return f"fn gate{k}(b: T, x: i32) -> bool {{\n{body}\n}}\n"  # rust


def source(lang: str, shape: str, n: int, copies: int = 1) -> str | None:
    """A file of ``copies`` functions, each holding one ``shape`` expression ``n`` lines (links) deep;
    None where the language has no such shape."""
    parts = []
    for k in range(copies):
        if lang == "python":
            part = _python(shape, n, k)
        elif lang == "ruby":
            part = _ruby(shape, n, k)
        else:
            part = _c_like(lang, shape, n, k)
        if part is None:
            return None
        parts.append(part)
    head = "package g\n\n" if lang == "go" else ""
    return head + "\n".join(parts)


def tree_depth(text: str, lang: str) -> int | None:
    """The tree's depth, computed independently of mergeguard's check (a plain walk of every node)."""
    from mergeguard.features import syntax

    lang_obj = syntax.grammar(lang)
    if lang_obj is None:
        return None
    import tree_sitter

    tree = tree_sitter.Parser(lang_obj).parse(text.encode())
    best, stack = 0, [(tree.root_node, 0)]
    while stack:
        node, d = stack.pop()
        best = max(best, d)
        stack.extend((c, d + 1) for c in node.children)
    return best


def _diff(path: str, text: str) -> str:
    lines = text.splitlines()
    return (f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
            f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines))


def score_cpu(text: str, lang: str, timeout: float, via: str) -> tuple[float, bool, str]:
    """(CPU seconds of one ``mergeguard score`` child, finished in time, syntax signal or error)."""
    with tempfile.TemporaryDirectory() as tmp:
        name = f"deep.{EXT[lang]}"
        if via == "diff":
            diff = Path(tmp, "c.diff")
            diff.write_text(_diff(name, text))
            args = ["score", "--diff", str(diff), "--format", "json"]
        else:
            repo = Path(tmp, "r")
            env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
                   "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}
            subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
            Path(repo, "README.md").write_text("x\n")
            subprocess.run(["git", "-C", str(repo), "add", "."], check=True, env=env)
            subprocess.run(["git", "-C", str(repo), "commit", "-qm", "base"], check=True, env=env)
            Path(repo, name).write_text(text)
            subprocess.run(["git", "-C", str(repo), "add", "."], check=True, env=env)
            subprocess.run(["git", "-C", str(repo), "commit", "-qm", "deep"], check=True, env=env)
            args = ["score", "--repo", str(repo), "--commit", "HEAD", "--format", "json"]
        out = Path(tmp, "out.json")
        with open(out, "wb") as sink:
            proc = subprocess.Popen([sys.executable, "-c", "import sys; from mergeguard.cli import main; "
                                     "sys.exit(main(sys.argv[1:]))", *args],
                                    stdout=sink, stderr=subprocess.DEVNULL, start_new_session=True,
                                    cwd=tmp)  # not a checkout's: ``-c`` puts the working directory on sys.path
            deadline = time.monotonic() + timeout
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    os.killpg(proc.pid, signal.SIGKILL)
                    pid, status, usage = os.wait4(proc.pid, 0)
                    return usage.ru_utime + usage.ru_stime, False, ""
                time.sleep(0.05)
        cpu = usage.ru_utime + usage.ru_stime
        try:
            doc, _ = json.JSONDecoder().raw_decode(out.read_text())
            st = doc["signals"]["syntax"]
            warnings = doc.get("warnings", [])
            if any("nests too deep" in w for w in warnings):
                note = "D"  # refused by the depth caps (MAX_TREE_DEPTH, or MAX_NESTING's brackets)
            elif st["unavailable"]:
                note = "u"  # unavailable for another reason (say, past --max-file-lines' 20,000 lines)
            else:
                note = "E" if any("failed" in w for w in warnings) else ""
        except (ValueError, KeyError, IndexError):
            note = f"exit {os.waitstatus_to_exitcode(status)}"
        return cpu, True, note


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--langs", nargs="*", default=list(EXT))
    ap.add_argument("--shapes", nargs="*", default=list(SHAPES))
    ap.add_argument("--sizes", nargs="*", type=int, default=[250, 500, 1000, 2000, 4000])
    ap.add_argument("--copies", type=int, default=1, help="functions of the same shape in one file")
    ap.add_argument("--fill", type=int, default=0, metavar="LINES",
                    help="as many copies as fit in LINES lines (keep it under --max-file-lines' 20,000)")
    ap.add_argument("--timeout", type=float, default=120.0, help="wall seconds before a run is killed")
    ap.add_argument("--via", choices=("diff", "commit"), default="diff")
    a = ap.parse_args(argv)
    try:
        from mergeguard.features import syntax

        limit = getattr(syntax, "MAX_TREE_DEPTH", None)
    except ImportError:
        limit = None
    print(f"# mergeguard score --{a.via}; cell = d<tree depth>[x<copies>]:<CPU seconds>; D = refused as too deep "
          f"(a warning says so); u = syntax unavailable otherwise; E = a detector failed; tree depth cap={limit}")
    print("language  shape         " + "".join(f"{n:>20}" for n in a.sizes))
    for lang in a.langs:
        for shape in a.shapes:
            cells = []
            for n in a.sizes:
                one = source(lang, shape, n)
                if one is None:
                    break
                copies = max(1, a.fill // len(one.splitlines())) if a.fill else a.copies
                text = source(lang, shape, n, copies)
                assert text is not None
                depth = tree_depth(text, lang)
                cpu, done, note = score_cpu(text, lang, a.timeout, a.via)
                shown = f"{cpu:.2f}" if done else f">{cpu:.0f}"
                cells.append(f"d{depth}{f'x{copies}' if copies > 1 else ''}:{shown}{note}")
            if cells:
                print(f"{lang:<9} {shape:<13} " + "".join(f"{c:>20}" for c in cells), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
