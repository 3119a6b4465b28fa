"""CPU time and peak memory of `mergeguard score` on hostile input shapes, over a doubling series.

A pull request's author chooses every byte of its diff, so no input shape may make the cost grow
faster than the input. For each shape this builds a temporary git repository (a base commit and a
change commit built by the shape's generator at size n), scores the change through the real entry
point (`mergeguard score --commit HEAD`, in a child process; `--diff` with `--via diff`), and prints
the child's CPU seconds (user + system, from ``wait4``) and peak RSS for each size. The ``ratio``
column is the growth of the CPU time *above the empty-change baseline* per doubling: near 2 is linear,
near 4 quadratic.

    python benchmarks/hostile_cost.py                       # every shape, default sizes
    python benchmarks/hostile_cost.py --shapes java.moves_on codeowners.rules --steps 4
    python benchmarks/hostile_cost.py --list

The figures in the README ("Bad input") were measured with this script.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

Files = dict[str, str]


@dataclass(frozen=True)
class Shape:
    """A hostile input: base files, the change's files at size n, and the first size of the series."""

    name: str
    start: int
    change: Callable[[int], Files]
    base: Callable[[int], Files] = field(default=lambda n: {})
    history: Callable[[int], list[Files]] = field(default=lambda n: [])
    args: tuple[str, ...] = ()


# ------------------------------------------------------------------------- per-language snippets

#: language -> (extension, file header, file footer, short function, retry-like loop, a sleep call line)
LANGS: dict[str, tuple[str, str, str, str, str, str]] = {
    "python": (".py", "import time\n\n", "",
               "def f{i}():\n    return {i}\n",
               "def r{i}():\n    while True:\n        try:\n            return call()\n"
               "        except Exception:\n            time.sleep(1)\n",
               "    time.sleep({i})\n"),
    "javascript": (".js", "", "",
                   "function f{i}() { return {i}; }\n",
                   "async function r{i}() { while (true) { try { return await call(); } catch (e) "
                   "{ await new Promise(r => setTimeout(r, 1000)); } } }\n",
                   "  setTimeout(g, {i});\n"),
    "typescript": (".ts", "", "",
                   "function f{i}(): number { return {i}; }\n",
                   "async function r{i}(): Promise<unknown> { while (true) { try { return await call(); } "
                   "catch (e) { await new Promise(r => setTimeout(r, 1000)); } } }\n",
                   "  setTimeout(g, {i});\n"),
    "tsx": (".tsx", "", "",
            "function f{i}(): number { return {i}; }\n",
            "async function r{i}(): Promise<unknown> { while (true) { try { return await call(); } "
            "catch (e) { await new Promise(r => setTimeout(r, 1000)); } } }\n",
            "  setTimeout(g, {i});\n"),
    "go": (".go", "package p\n\nimport \"time\"\n\n", "",
           "func f{i}() int { return {i} }\n",
           "func r{i}() error {\n\tfor {\n\t\tif err := call(); err == nil {\n\t\t\treturn nil\n\t\t}\n"
           "\t\ttime.Sleep(time.Second)\n\t}\n}\n",
           "\ttime.Sleep({i})\n"),
    "java": (".java", "class A {\n", "}\n",
             "  int f{i}() { return {i}; }\n",
             "  Object r{i}() throws Exception { while (true) { try { return call(); } catch (Exception e) "
             "{ if (!more{i}()) throw e; Thread.sleep(1000); } } }\n  boolean more{i}() { return it.hasNext(); }\n",
             "    Thread.sleep({i});\n"),
    "kotlin": (".kt", "", "",
               "fun f{i}(): Int { return {i} }\n",
               "fun r{i}(): Any { while (true) { try { return call() } catch (e: Exception) "
               "{ if (!more{i}()) throw e; Thread.sleep(1000) } } }\nfun more{i}(): Boolean { return it.hasNext() }\n",
               "    Thread.sleep({i})\n"),
    "csharp": (".cs", "class A {\n", "}\n",
               "  int F{i}() { return {i}; }\n",
               "  object R{i}() { while (true) { try { return Call(); } catch (Exception e) "
               "{ Thread.Sleep(1000); } } }\n",
               "    Thread.Sleep({i});\n"),
    "ruby": (".rb", "", "",
             "def f{i}\n  {i}\nend\n",
             "def r{i}\n  begin\n    call\n  rescue StandardError\n    sleep 1\n    retry\n  end\nend\n",
             "  sleep {i}\n"),
    "rust": (".rs", "use std::time::Duration;\n\n", "",
             "fn f{i}() -> i32 { {i} }\n",
             "fn r{i}() { loop { match call() { Ok(_) => return, "
             "Err(_) => std::thread::sleep(Duration::from_secs(1)), } } }\n",
             "    std::thread::sleep(Duration::from_millis({i}));\n"),
}

#: the line that opens and closes a function holding many calls, per language
_BODY = {
    "python": ("def many():\n", ""), "javascript": ("function many() {\n", "}\n"),
    "typescript": ("function many(): void {\n", "}\n"), "tsx": ("function many(): void {\n", "}\n"),
    "go": ("func many() {\n", "}\n"), "java": ("  void many() throws Exception {\n", "  }\n"),
    "kotlin": ("fun many() {\n", "}\n"), "csharp": ("  void Many() {\n", "  }\n"),
    "ruby": ("def many\n", "end\n"), "rust": ("fn many() {\n", "}\n"),
}


def _fill(template: str, i: int) -> str:
    return template.replace("{i}", str(i))


def _file(lang: str, body: str) -> str:
    _, head, foot, *_ = LANGS[lang]
    return head + body + foot


def _name(lang: str, stem: str = "a") -> str:
    return "src/" + stem + LANGS[lang][0]


def _language_shapes(lang: str) -> list[Shape]:
    ext, _, _, func, retry, sleep = LANGS[lang]
    opening, closing = _BODY[lang]
    path = _name(lang)
    return [
        Shape(f"{lang}.functions", 4000, lambda n: {path: _file(lang, "".join(_fill(func, i) for i in range(n)))}),
        Shape(f"{lang}.retry_loops", 1000, lambda n: {path: _file(lang, "".join(_fill(retry, i) for i in range(n)))}),
        Shape(f"{lang}.sleep_calls", 5000, lambda n: {
            path: _file(lang, opening + "".join(_fill(sleep, i) for i in range(n)) + closing)}),
        # one line of n/10 calls, near the 1 MB parse limit at the top size
        Shape(f"{lang}.long_line", 62_500, lambda n: {
            path: _file(lang, opening + _long_line(lang, n) + closing)}),
        # n retry loops, each moved into a function of another name: no construct keeps its key, so
        # each is paired by the nearest line of the same kind
        Shape(f"{lang}.retry_loops_renamed", 500,
              lambda n: {path: _file(lang, "".join(_fill(retry, i).replace("r" + str(i), "s" + str(i), 1)
                                                   .replace("R" + str(i), "S" + str(i), 1) for i in range(n)))},
              base=lambda n: {path: _file(lang, "".join(_fill(retry, i) for i in range(n)))}),
        # n retry loops kept and n more added to the same file (each new one asks whether it repeats
        # a policy the file already had)
        Shape(f"{lang}.retry_loops_added", 500,
              lambda n: {path: _file(lang, "".join(_fill(retry, i) for i in range(2 * n)))},
              base=lambda n: {path: _file(lang, "".join(_fill(retry, i) for i in range(n)))}),
        # every line of a file modified: n functions before, each changed
        Shape(f"{lang}.every_line_modified", 4000,
              lambda n: {path: _file(lang, "".join(_fill(func, i + 1) for i in range(n)))},
              base=lambda n: {path: _file(lang, "".join(_fill(func, i) for i in range(n)))}),
    ]


def _long_line(lang: str, n: int) -> str:
    call = {"python": "time.sleep(1); ", "ruby": "sleep 1; ", "go": "time.Sleep(1); ",
            "rust": "std::thread::sleep(d); ", "java": "Thread.sleep(1); ", "csharp": "Thread.Sleep(1); ",
            "kotlin": "Thread.sleep(1); "}.get(lang, "setTimeout(g, 1); ")
    indent = "    " if lang == "python" else "  "
    return indent + call * (n // 10) + "\n"


# ------------------------------------------------------------------------- language-independent shapes

def _many_files(n: int, lines: int = 3) -> Files:
    return {f"d{i % 50}/f{i}.txt": "".join(f"line {j}\n" for j in range(lines)) for i in range(n)}


#: a gate that finds every change high, so the code owners of every touched path are looked up
_HIGH = "thresholds: {medium: 0.0001, high: 0.0002, critical: 0.9999}\n"


def _codeowners(rules: int) -> str:
    """A catch-all first, then one owned folder a rule (a monorepo's shape): a path in none of the
    folders is compared with every rule, last to first, before the catch-all owns it."""
    return "* @org/all\n" + "".join(f"/team{i}/ @org/team{i}\n" for i in range(rules))


GENERIC: list[Shape] = [
    Shape("text.long_line", 125_000, lambda n: {"notes.txt": "x" * n + "\n"}),
    Shape("text.unicode_line", 62_500, lambda n: {"notes.md": "é漢😀" * (n // 3) + "\n"}),
    Shape("text.many_hunks", 2500,
          lambda n: {"big.txt": "".join(f"changed {i}\n" if i % 2 == 0 else f"same {i}\n" for i in range(2 * n))},
          base=lambda n: {"big.txt": "".join(f"line {i}\n" if i % 2 == 0 else f"same {i}\n" for i in range(2 * n))}),
    Shape("files.many_tiny", 500, _many_files),
    Shape("files.renames", 500, lambda n: {f"new/f{i}.txt": f"content of file {i}\n" * 5 for i in range(n)},
          base=lambda n: {f"old/f{i}.txt": f"content of file {i}\n" * 5 for i in range(n)}),
    # history: 20 commits each touching the same n files, then a change touching all of them (partners, coupling)
    Shape("history.cochanged_files", 250, lambda n: {f"m/f{i}.py": f"x = {i}\nz = 0\n" for i in range(n)},
          history=lambda n: [{f"m/f{i}.py": f"x = {i}\ny = {k}\n" for i in range(n)} for k in range(20)]),
    # CODEOWNERS: n rules x n touched files
    Shape("codeowners.rules_x_files", 500,
          lambda n: {f"other{i % 97}/sub/f{i}.txt": "x\n" for i in range(n)},
          base=lambda n: {".github/CODEOWNERS": _codeowners(n), ".github/mergeguard.yml": _HIGH}),
    # one function waiting 2n times with the same timeout, n of the waits deleted
    Shape("python.timeouts_removed", 500,
          lambda n: {"svc/w.py": "import asyncio\n\n\nasync def f():\n"
                     + "".join(f"    await asyncio.wait_for(g{i}(), timeout=5)\n" for i in range(n))},
          base=lambda n: {"svc/w.py": "import asyncio\n\n\nasync def f():\n"
                          + "".join(f"    await asyncio.wait_for(g{i}(), timeout=5)\n" for i in range(2 * n))}),
    # n timeout settings, each renamed with the same value
    Shape("python.settings_renamed", 1000,
          lambda n: {"svc/s.py": "".join(f"CONNECT_TIMEOUT_{i} = {i}\n" for i in range(n))},
          base=lambda n: {"svc/s.py": "".join(f"TIMEOUT_{i} = {i}\n" for i in range(n))}),
    # n lines of retry wrappers nested 150 deep, and one syntax error: each wrapper asked whether it
    # sits in a part the parser could not read climbed its parents one by one (depth x depth each)
    Shape("python.nested_wrappers_broken", 100,
          lambda n: {"svc/w.py": "".join(f"x{i} = " + "call_with_retry(" * 150 + "1" + ")" * 150 + "\n"
                                         for i in range(n)) + "def broken(:\n    pass\n"}),
    # one Go function setting a timeout field on n objects from one local: each assignment searched
    # the whole function's text for what its object, and the local, were made as (n x n)
    Shape("go.timeout_fields", 1000,
          lambda n: {"svc/f.go": "package svc\n\nfunc f() {\n" + "".join(f"\tc{i}.ReadTimeout = d\n" for i in range(n))
                     + "}\n"}),
    Shape("description.long", 125_000, lambda n: {"a.py": "x = 1\n"}, args=("--description", "{desc}")),
]


def shapes() -> list[Shape]:
    out = [s for lang in LANGS for s in _language_shapes(lang)]
    return out + GENERIC


# ------------------------------------------------------------------------- running

def _git(repo: str, *args: str) -> None:
    subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True)


def _write(repo: str, files: Files) -> None:
    for rel, text in files.items():
        p = os.path.join(repo, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as fh:
            fh.write(text)


def _commit(repo: str, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q",
         "--allow-empty", "-m", message)


def build(shape: Shape, n: int, where: str) -> str:
    """A repository whose HEAD is the shape's change at size n."""
    repo = os.path.join(where, "repo")
    os.makedirs(repo)
    _git(repo, "init", "-q")
    _write(repo, shape.base(n))
    _commit(repo, "base")
    for i, files in enumerate(shape.history(n)):
        _write(repo, files)
        _commit(repo, f"history {i}")
    change = shape.change(n)
    if shape.name == "files.renames":
        for rel in shape.base(n):
            os.remove(os.path.join(repo, rel))
    _write(repo, change)
    _commit(repo, "change")
    return repo


def _run(python: str, shape: Shape, n: int, via: str, timeout: float) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        repo = build(shape, n, tmp) if n else build(Shape("empty", 0, lambda _: {}), 0, tmp)
        args = [a.replace("{desc}", os.path.join(tmp, "desc.md")) for a in shape.args]
        if "--description" in shape.args:
            with open(os.path.join(tmp, "desc.md"), "w", encoding="utf-8") as fh:
                fh.write(("rollout " * (n // 8)) + "\n")
        out = os.path.join(tmp, "out.json")
        if via == "diff":
            diff = os.path.join(tmp, "change.diff")
            with open(diff, "wb") as fh:
                subprocess.run(["git", "-C", repo, "diff", "HEAD~1", "HEAD"], check=True, stdout=fh)
            what = ["--diff", diff, "--base", "HEAD~1"]
        elif via == "head":  # a pull request's review, as the App and the Action score it
            what = ["--base", "HEAD~1", "--head", "HEAD"]
        else:
            what = ["--commit", "HEAD"]
        cmd = [python, "-c", "import sys; from mergeguard.cli import main; sys.exit(main())", "score",
               "--repo", repo, *what, "--format", "json", "--output", out, *args]
        def cpu_limit() -> None:  # the bound is CPU time, so a busy machine does not cut a run short
            resource.setrlimit(resource.RLIMIT_CPU, (int(timeout), int(timeout) + 1))

        pid = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=cpu_limit).pid
        timer = threading.Timer(20 * timeout, lambda: os.kill(pid, signal.SIGKILL))  # a hang, not a slow run
        timer.start()
        try:
            _, status, usage = os.wait4(pid, 0)
        finally:
            timer.cancel()
        return usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shapes", nargs="*", help="shape names or their first part (java; default: all); NAME=N starts NAME at n=N")
    ap.add_argument("--steps", type=int, default=4, help="sizes in the doubling series (default 4)")
    ap.add_argument("--via", choices=("commit", "diff", "head"), default="commit",
                    help="score --commit HEAD (default), --diff of it, or --base HEAD~1 --head HEAD (the App's review)")
    ap.add_argument("--python", default=sys.executable, help="the interpreter whose mergeguard is measured")
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="CPU seconds a run may take before it is stopped (exit -24 in the table)")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    starts = {p.split("=")[0]: int(p.split("=")[1]) for p in args.shapes or () if "=" in p}
    prefixes = [p.split("=")[0] for p in args.shapes or ()]
    chosen = [replace(s, start=starts.get(s.name, s.start)) for s in shapes()
              if not prefixes or any(s.name == p or s.name.startswith(p + ".") for p in prefixes)]
    if args.list:
        print("\n".join(f"{s.name} (from n={s.start})" for s in chosen))
        return 0
    base_cpu, base_mb, _ = _run(args.python, Shape("empty", 0, lambda _: {}), 0, args.via, args.timeout)
    print(f"baseline (empty change): {base_cpu:.2f} s CPU, {base_mb} MB", flush=True)
    print(f"{'shape':32} {'n':>9} {'cpu s':>8} {'peak MB':>8} {'ratio':>6} exit", flush=True)
    for shape in chosen:
        prev = None
        for step in range(args.steps):
            n = shape.start << step
            try:
                cpu, mb, code = _run(args.python, shape, n, args.via, args.timeout)
            except subprocess.CalledProcessError as exc:  # building the repository failed: say so, go on
                print(f"{shape.name:32} {n:9d} not built: {exc}", flush=True)
                break
            above = max(cpu - base_cpu, 0.01)
            ratio = f"{above / prev:6.2f}" if prev else "     -"
            print(f"{shape.name:32} {n:9d} {cpu:8.2f} {mb:8d} {ratio} {code}", flush=True)
            prev = above
            if code < 0:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
