"""Does the per-tree type index (``syntax.nodes_of_types`` on a whole tree) give exactly what one
query of the asked types gives (``syntax._queried_nodes_of_types``), for every request the scanners
make on real code? (issue 16: faster, not an output changed)

For each mirror given it takes up to ``--per-repo`` files at ``HEAD`` with a grammar (as
``scopes_identical.py`` does), parses each image as it is and cut off in the middle of a line (a
parse with ERROR nodes), and runs what batch scoring runs on an image: the scope list and the
retry/timeout scan (the language's scanner and the settings scan). Every ``nodes_of_types`` call on
a root is answered by the index and checked against a fresh query of its types alone (same nodes,
same order); the scan's result is also compared with a scan whose every request is the fresh query.
It prints the counts per language and every difference, and exits 1 when there is one.

Usage: python benchmarks/nodes_identical.py --per-repo 100 /work/.mirror/psf+requests/repo ...
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any

from scopes_identical import images  # same directory

from mergeguard.features import retry_timeout, syntax


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-repo", type=int, default=100)
    ap.add_argument("repos", nargs="+")
    args = ap.parse_args()
    indexed = syntax.nodes_of_types
    requests: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    differing = 0
    where = ""

    def checked(node: Any, language: str, types: tuple[str, ...]) -> list[Any]:
        nonlocal differing
        got = indexed(node, language, types)
        if node.parent is None:
            want = syntax._queried_nodes_of_types(node, language, types)
            requests[language] += 1
            if got != want:
                differing += 1
                print(f"{where} {types}: {len(want)} queried, {len(got)} indexed")
        return got

    def scan(src: syntax.Source, lookup) -> Any:
        syntax.nodes_of_types = lookup
        try:
            return retry_timeout._scan_image(retry_timeout.scanner(src.language), src)
        finally:
            syntax.nodes_of_types = indexed

    for repo in args.repos:
        for path, lang, text in images(repo, args.per_repo):
            cut = text[: text.rfind(b"\n", 0, len(text) // 2) + 1 + 3]
            for variant, data in (("whole", text), ("cut", cut)):
                tree = syntax.parse(data, lang)
                if tree is None:
                    continue
                where = f"{repo} {path} ({variant})"
                decoded = data.decode("utf-8", "replace")
                src = syntax.Source(path, "post", lang, decoded, tree)
                syntax.nodes_of_types = checked
                try:
                    syntax.scopes_of(tree.root_node, lang)
                finally:
                    syntax.nodes_of_types = indexed
                with_index = scan(src, checked)
                reference = scan(syntax.Source(path, "post", lang, decoded, syntax.parse(data, lang)),
                                 syntax._queried_nodes_of_types)
                if with_index != reference:
                    differing += 1
                    print(f"{where}: the scan differs")
                counts[lang] += 1
    for lang in sorted(counts):
        print(f"{lang}: {counts[lang]} images, {requests[lang]} requests")
    print(f"all: {sum(counts.values())} images ({sum(requests.values())} requests) compared, {differing} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
