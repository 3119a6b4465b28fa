"""Add each source repository's languages to an existing model card, without retraining.

Cards written before the card named languages (the shipped model's, for one) list their source
repositories only. This reads each source's mirror at ``MIRRORS/<owner>+<name>/repo``, takes the tree
of the newest commit no later than the card's last training change of that repository, and writes
the languages into ``card.json`` and a re-rendered ``card.md``; nothing else in the card changes
(the metric sections of ``card.md`` follow ``card.json``'s key order).

Usage: python -m mergeguard.models.card_languages MIRRORS_DIR MODEL_DIR
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mergeguard.errors import MergeguardError
from mergeguard.git import GitRepo
from mergeguard.languages import repo_languages

from .card import _langs_note, render_card


def languages_at(mirror: GitRepo, day: str | None) -> list[str]:
    """Languages of the newest commit on HEAD at or before the end of ``day`` (YYYY-MM-DD), else HEAD's."""
    rev = "HEAD"
    if day:
        found = mirror.run("rev-list", "-1", f"--before={day} 23:59:59 +0000", "HEAD").decode().strip()
        rev = found or rev
    return repo_languages(mirror, rev)


def add_languages(card: dict, mirrors: Path) -> dict:
    """The card with ``languages`` on each source and in the Sources note."""
    for source in card["data"]["sources"]:
        path = mirrors / source["repo"].replace("/", "+", 1) / "repo"
        if not path.exists():
            raise MergeguardError(f"no mirror of {source['repo']} at {path}")
        source["languages"] = languages_at(GitRepo(str(path)), source.get("to"))
    notes = card.get("notes", {})
    if "Sources" in notes:
        head, sep, tail = notes["Sources"].partition(": ")
        links = ", ".join(f"https://github.com/{s['repo']}{_langs_note(s)}" for s in card["data"]["sources"])
        rest = tail[tail.index(". Only"):] if ". Only" in tail else "."
        notes["Sources"] = f"{head}{sep}{links}{rest}"
    return card


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mirrors", type=Path)
    ap.add_argument("model", type=Path)
    args = ap.parse_args(argv)
    card = add_languages(json.loads((args.model / "card.json").read_text()), args.mirrors)
    (args.model / "card.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    (args.model / "card.md").write_text(render_card(card))
    for s in card["data"]["sources"]:
        print(f"{s['repo']}: {', '.join(s['languages']) or 'no code files'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
