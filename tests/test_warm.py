"""A warm history index gives exactly the features a fresh replay gives, and never sees the future."""

from __future__ import annotations

from mergeguard.change import Limits
from mergeguard.features import Context, extract_all
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_commit, history_at
from mergeguard.warm import WarmHistory

from .gitrepo import commit, git, init_repo

T0 = 1_600_000_000
DAY = 86400


def _features(repo: GitRepo, sha: str, index) -> dict:
    [rec] = list(repo.log([f"{sha}^!"]))
    return extract_all(change_from_commit(repo, rec, Limits()), Context(history=index)).features


def test_advancing_equals_replaying_and_older_bases_rebuild(tmp_path):
    p = init_repo(tmp_path / "r")
    shas = []
    for i in range(12):
        files = {f"svc/m{i % 4}.py": f"def f():\n    return {i}\n" + "x = 1\n" * i, "README.md": f"v{i}\n"}
        shas.append(commit(p, files, f"Fix bug {i}" if i % 3 == 0 else f"Change {i}", T0 + i * DAY,
                           author=("Ann", "ann@example.com") if i % 2 else ("Bob", "bob@example.com")))
    repo = GitRepo(p)
    warm = WarmHistory()
    with warm.at(repo, shas[5]) as index:
        assert index.commits == 6
    head = commit(p, {"svc/m1.py": "def f():\n    return 'new'\n"}, "New work", T0 + 20 * DAY)
    with warm.at(repo, shas[-1]) as index:  # base moved forward: only the 6 new commits are replayed
        assert warm.served == {"hit": 0, "advanced": 1, "rebuilt": 1, "evicted": 0}
        assert _features(repo, head, index) == _features(repo, head, history_at(repo, shas[-1]))
        assert index.commits == history_at(repo, shas[-1]).commits == 12
    with warm.at(repo, shas[-1]) as index:
        assert warm.served["hit"] == 1
    with warm.at(repo, shas[3]) as index:  # an older base: a fresh replay, nothing from its future
        assert warm.served["rebuilt"] == 2 and index.commits == 4


def test_a_rewritten_branch_rebuilds(tmp_path):
    p = init_repo(tmp_path / "r")
    a = commit(p, {"a.py": "x = 1\n"}, "one", T0)
    b = commit(p, {"a.py": "x = 2\n"}, "two", T0 + DAY)
    repo = GitRepo(p)
    warm = WarmHistory()
    with warm.at(repo, b):
        pass
    git(p, "reset", "-q", "--hard", a)
    c = commit(p, {"a.py": "x = 3\n"}, "three", T0 + 2 * DAY)
    with warm.at(repo, c) as index:
        assert warm.served["rebuilt"] == 2 and index.commits == 2


def _small_repo(path, n: int, tag: str) -> tuple[GitRepo, list[str]]:
    init_repo(path)
    shas = [commit(path, {f"{tag}/m{i % 3}.py": f"def f():\n    return {i}\n" + "y = 2\n" * i}, f"{tag} {i}",
                   T0 + i * DAY) for i in range(n)]
    return GitRepo(str(path)), shas


def test_a_memory_budget_evicts_the_least_recently_used_and_a_cold_index_rebuilds_exactly(tmp_path):
    repos = [_small_repo(tmp_path / name, 8 + 4 * k, name) for k, name in enumerate(("a", "b", "c"))]
    sizes = [history_at(repo, shas[-1]).approx_bytes() for repo, shas in repos]
    assert all(s > 0 for s in sizes) and sizes[0] < sizes[1] < sizes[2]  # grows with history
    warm = WarmHistory(max_bytes=sizes[1] + sizes[2])  # room for b and c, not for all three
    for repo, shas in repos:
        with warm.at(repo, shas[-1]):
            pass
    assert warm.served["evicted"] == 1 and warm.indexes == 2 and warm.bytes == sizes[1] + sizes[2]
    (a, a_shas), (b, b_shas) = repos[0], repos[1]
    with warm.at(b, b_shas[-1]):  # still warm: b is now the most recently used, c the least
        pass
    assert warm.served["hit"] == 1
    with warm.at(a, a_shas[-2]) as index:  # a was evicted: rebuilt cold, at an older base
        assert warm.served["rebuilt"] == 4
        assert _features(a, a_shas[-1], index) == _features(a, a_shas[-1], history_at(a, a_shas[-2]))
    assert warm.served["evicted"] == 2 and warm.indexes == 2  # c went, the least recently used
    with warm.at(b, b_shas[-1]):
        pass
    assert warm.served["hit"] == 2  # b survived


def test_an_index_larger_than_the_budget_still_serves(tmp_path):
    repo, shas = _small_repo(tmp_path / "big", 10, "big")
    warm = WarmHistory(max_bytes=1)
    with warm.at(repo, shas[-1]) as index:
        assert index.commits == 10
    assert warm.indexes == 1 and warm.served["evicted"] == 0
    with warm.at(repo, shas[-1]):
        pass
    assert warm.served["hit"] == 1
