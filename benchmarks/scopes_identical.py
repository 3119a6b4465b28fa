"""Does the query-built scope list (``syntax.scopes_of``) equal the Python walk's (``syntax._walk_scopes``)
on real code? (issue 16: the scope walk was the largest single cost of batch scoring)

For each mirror given it lists the files at ``HEAD`` whose language has a grammar, takes up to
``--per-repo`` of them (spread evenly over the sorted list), reads them with one ``git cat-file
--batch`` and compares the two lists in full (kind, name, qualname, lines, order) on each image as it
is and on the image cut off in the middle of a line (a parse with ERROR nodes, as in a half-written
file). It prints the counts per language and every difference, and exits 1 when there is one.

Usage: python benchmarks/scopes_identical.py --per-repo 400 /work/.mirror/golang+go/repo ...
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter

from mergeguard.features import syntax


def images(repo: str, per_repo: int) -> list[tuple[str, str, bytes]]:
    """(path, language, text) of up to ``per_repo`` files with a grammar at ``HEAD``."""
    listed = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "-z", "HEAD"], capture_output=True,
                            check=True).stdout.split(b"\0")
    files = []
    for entry in listed:
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        kind, sha = meta.split()[1:3]
        lang = syntax.language_of(path.decode("utf-8", "replace"))
        if kind == b"blob" and lang is not None:
            files.append((path.decode("utf-8", "replace"), lang, sha.decode()))
    step = max(1, len(files) // per_repo)
    chosen = files[::step][:per_repo]
    proc = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], input="".join(f"{s}\n" for _, _, s in chosen).encode(),
                          capture_output=True, check=True).stdout
    out, pos = [], 0
    for path, lang, _ in chosen:
        header_end = proc.index(b"\n", pos)
        header = proc[pos:header_end].split()
        if header[-1] == b"missing":
            pos = header_end + 1
            continue
        size = int(header[2])
        text = proc[header_end + 1:header_end + 1 + size]
        pos = header_end + 1 + size + 1
        if len(text) <= syntax.MAX_BYTES:
            out.append((path, lang, text))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-repo", type=int, default=400)
    ap.add_argument("repos", nargs="+")
    args = ap.parse_args()
    counts: Counter[str] = Counter()
    scopes: Counter[str] = Counter()
    differing = 0
    for repo in args.repos:
        for path, lang, text in images(repo, args.per_repo):
            cut = text[: text.rfind(b"\n", 0, len(text) // 2) + 1 + 3]  # mid-file, three bytes into a line
            for variant, data in (("whole", text), ("cut", cut)):
                tree = syntax.parse(data, lang)
                if tree is None:
                    continue
                walked = list(syntax._walk_scopes(tree.root_node, lang, ()))
                queried = syntax.scopes_of(tree.root_node, lang)
                counts[lang] += 1
                scopes[lang] += len(walked)
                if walked != queried:
                    differing += 1
                    first = next((i for i, (a, b) in enumerate(zip(walked, queried, strict=False)) if a != b),
                                 min(len(walked), len(queried)))
                    print(f"{repo} {path} ({variant}): {len(walked)} walked, {len(queried)} queried; first "
                          f"difference at {first}: {walked[first:first + 1]} != {queried[first:first + 1]}")
    for lang in sorted(counts):
        print(f"{lang}: {counts[lang]} images, {scopes[lang]} scopes")
    print(f"all: {sum(counts.values())} images ({sum(scopes.values())} scopes) compared, {differing} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
