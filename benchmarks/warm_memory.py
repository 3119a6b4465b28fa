"""Memory of a warm history index and disk of a mirror, as a function of history size.

For each repository given (real mirrors) and for generated histories of controlled size (``--generate
COMMITSxFILES``, built with ``git fast-import``: each commit changes 1-4 of FILES files, 5 authors),
prints commits, files, the index's memory as tracemalloc counts it after a full replay, the
estimate the App's budget uses (``HistoryIndex.approx_bytes``) and its error, and the repository's
disk size (``git count-objects``: packed plus loose). The capacity of one worker follows: budget
divided by memory per index of the organisation's typical size.

Usage: python benchmarks/warm_memory.py /work/.mirror/*/repo --generate 1000x100 --generate 10000x1000
"""

from __future__ import annotations

import argparse
import random
import subprocess
import tempfile
import tracemalloc
from pathlib import Path

from mergeguard.git import GitRepo
from mergeguard.sources import history_at


def disk_bytes(path: str) -> int:
    out = subprocess.run(["git", "-C", path, "count-objects", "-v"], capture_output=True, text=True, check=True).stdout
    kib = {k: int(v) for k, v in (line.split(": ") for line in out.splitlines()) if k in ("size", "size-pack")}
    return (kib.get("size", 0) + kib.get("size-pack", 0)) * 1024


def generate(path: Path, commits: int, files: int, seed: int = 7) -> str:
    """A bare repository with ``commits`` commits over ``files`` Python files, through fast-import."""
    rnd = random.Random(seed)
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    lines: list[str] = []
    contents = [1] * files
    for i in range(commits):
        author = f"dev{rnd.randrange(5)} <dev{rnd.randrange(5)}@example.com> {1_500_000_000 + i * 3600} +0000"
        msg = f"change {i}{' fix bug' if rnd.random() < 0.2 else ''}"
        lines += ["commit refs/heads/main", f"author {author}", f"committer {author}", f"data {len(msg)}", msg]
        for f in rnd.sample(range(files), k=min(files, rnd.randint(1, 4))) if i else range(files):
            contents[f] += rnd.randint(1, 5)
            body = "".join(f"x{j} = {j}\n" for j in range(contents[f]))
            lines += [f"M 100644 inline pkg/m{f}.py", f"data {len(body.encode())}", body]
        lines.append("")
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input="\n".join(lines) + "\n", text=True,
                   check=True)
    subprocess.run(["git", "-C", str(path), "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
    subprocess.run(["git", "-C", str(path), "gc", "-q"], check=True)
    return str(path)


def measure(path: str, label: str) -> None:
    repo = GitRepo(path)
    tracemalloc.start()
    index = history_at(repo, "HEAD")
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    est = index.approx_bytes()
    print(f"| {label} | {index.commits:,} | {len(index.id_paths):,} | {traced / 2**20:.2f} | {est / 2**20:.2f} | "
          f"{(est - traced) / traced:+.0%} | {disk_bytes(path) / 2**20:.1f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repos", nargs="*")
    ap.add_argument("--generate", action="append", default=[], metavar="COMMITSxFILES")
    args = ap.parse_args()
    print("| history | commits | paths seen | index MiB (traced) | estimate MiB | estimate error | mirror MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path in args.repos:
        measure(path, Path(path).resolve().parent.name if Path(path).name == "repo" else Path(path).name)
    tmp = Path(tempfile.mkdtemp(prefix="mg-warm-"))
    for spec in args.generate:
        commits, files = (int(x) for x in spec.lower().split("x"))
        measure(generate(tmp / f"gen-{spec}.git", commits, files), f"generated {commits:,} x {files:,} files")


if __name__ == "__main__":
    main()
