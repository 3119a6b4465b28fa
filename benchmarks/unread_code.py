"""How often honest commits meet the rules that keep a pull request from hiding its code from the scorer.

Two rules came from a probe of what a pull request controls in its own repository (README, Security):
a file is skipped as generated only by the base's name and mark, never by a mark or a new name the
change gives it; and code mergeguard did not read in full (past the diff caps, on lines git does not
split, in UTF-16 or UTF-32, behind a submodule or a symlink) raises the gate's level to at least high. Both must leave
honest changes alone. This script counts, over the retry/timeout corpus's ``dev`` commits (the part
that may be looked at), the commits and files where each rule reads differently from before:

- ``generated``: code files the retry/timeout detector skipped as generated or not production by the
  old reading (the head's mark, the new name) but reads now, or the other way round;
- ``unread``: commits whose level the floor would raise, by cause (caps, line ends, encoding, submodule, symlink).

    python benchmarks/unread_code.py                       # every dev commit with a mirror
    python benchmarks/unread_code.py --repository psf/requests

Each commit is read through the very path ``mergeguard score --commit`` takes (``change_from_commit``
with the default caps, the diffstat detector's functions, the path rules).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from retry_timeout import DATA_DIR, by_repository, load_corpus, present, select  # sibling benchmark

from mergeguard import languages, paths
from mergeguard.change import Limits
from mergeguard.features import diffstat
from mergeguard.features.retry_timeout import _generated, _skipped_by_name
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_commit


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DATA_DIR)
    p.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    p.add_argument("--repository", action="append", metavar="OWNER/NAME")
    args = p.parse_args(argv)
    corpus = [c for c in select(load_corpus(args.data), "dev")
              if not args.repository or c.repository in args.repository]
    commits, generated, causes = 0, [], Counter()
    raised: list[tuple[str, str, str]] = []
    for repository, mirror, rows in by_repository(corpus, args.mirrors, lambda m: print(m, file=sys.stderr)):
        repo = GitRepo(mirror)
        shas = sorted(present(mirror, [c.sha for c in rows]))
        for rec in repo.log(shas, no_merges=False, extra=["--no-walk"]):
            commits += 1
            change = change_from_commit(repo, rec, Limits())
            for f in change.files:
                if not paths.is_code(f.path):
                    continue
                pre = change.image(f.path, "pre") if f.status != "added" else None
                post = change.image(f.path, "post") if f.status != "deleted" else None
                # the retry/timeout detector's reading before (new name, head's mark) and now
                before = _generated(f.path) or languages.is_generated(f.path, post if post is not None else pre)
                now = _skipped_by_name(f) or paths.is_generated_image(pre, post)
                if before != now:
                    generated.append((repository, rec.sha[:12], f.path))
            found = {"caps": diffstat.unread_code(change)[0] or diffstat.unread_code(change)[1],
                     "line ends": diffstat.one_line_to_git(change), "encoding": diffstat.wide_encoded(change),
                     "submodule": diffstat.moved_submodules(change),
                     "symlink": diffstat.code_symlinks(change)}
            for cause, hit in found.items():
                if hit:
                    causes[cause] += 1
                    raised.append((repository, rec.sha[:12], cause))
    print(f"dev commits read: {commits}")
    print(f"generated: {len(generated)} files in {len({g[1] for g in generated})} commits read differently")
    for g in generated:
        print("  ", *g)
    print(f"unread: {len({r[1] for r in raised})} commits raised to at least high "
          f"({', '.join(f'{k} {v}' for k, v in sorted(causes.items())) or 'none'})")
    for r in raised:
        print("  ", *r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
