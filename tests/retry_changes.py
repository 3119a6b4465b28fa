"""What the retry/timeout detector finds in a real two-commit git history: shared by the tests of
shapes met on real commits."""

from __future__ import annotations

from mergeguard.assessment import Finding
from mergeguard.change import Limits
from mergeguard.features import Context
from mergeguard.features.retry_timeout import extract
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_range
from tests.gitrepo import commit, init_repo

T0 = 1_700_000_000


def findings(tmp_path, files_before: dict[str, str], files_after: dict[str, str]) -> list[Finding]:
    repo_dir = init_repo(tmp_path / "repo")
    base = commit(repo_dir, files_before, "base", T0)
    head = commit(repo_dir, files_after, "change", T0 + 60)
    return extract(change_from_range(GitRepo(repo_dir), base, head, Limits()), Context()).findings


def kinds(found: list[Finding]) -> set[str]:
    return {f.kind for f in found}


def file_findings(tmp_path, path: str, before: str, after: str) -> list[Finding]:
    """:func:`findings` of a change to one file."""
    return findings(tmp_path, {path: before}, {path: after})
