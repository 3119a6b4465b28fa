"""The batch path's shortcuts (issue 16) change no output: each is checked against the plain path on
real repositories built in temp dirs."""

from __future__ import annotations

import json

import pytest

from mergeguard import sources
from mergeguard.cli import main
from mergeguard.git import GitRepo
from mergeguard.pipeline import without_timings
from mergeguard.sources import LogMemo

from .gitrepo import commit, git, init_repo

DAY = 86400
T0 = 1_600_000_000


@pytest.fixture()
def branchy(tmp_path):
    """A history with side branches whose commits are older than the merges that bring them in, so
    ``--date-order`` interleaves them: what makes the order of a replay depend on the revisions asked."""
    p = init_repo(tmp_path / "branchy")
    t = T0
    for i in range(6):
        commit(p, {"core.py": f"v = {i}\n", f"m{i}.py": "x = 1\n"}, f"main {i}", when=(t := t + DAY))
    for k in range(3):
        git(p, "checkout", "-q", "-b", f"side{k}")
        for j in range(3):
            commit(p, {f"side{k}.py": f"s = {j}\n"}, f"side {k}.{j}", when=(t := t + DAY))
        git(p, "checkout", "-q", "main")
        for j in range(2):
            commit(p, {"core.py": f"v = {k}{j}\n"}, f"main after {k}.{j}", when=(t := t + DAY))
        git(p, "merge", "-q", "--no-ff", "-m", f"merge side{k}", f"side{k}",
            env={"GIT_AUTHOR_DATE": f"@{t + DAY} +0000", "GIT_COMMITTER_DATE": f"@{(t := t + DAY)} +0000"})
    git(p, "mv", "m0.py", "moved.py")
    commit(p, {"m1.py": None}, "rename and delete", when=(t := t + DAY))
    return p


def test_log_memo_streams_exactly_what_git_log_streams(branchy):
    repo = GitRepo(branchy)
    memo = LogMemo(repo)
    everything = git(branchy, "rev-list", "HEAD").split()
    assert list(memo.log(["HEAD"])) == list(repo.log(["HEAD"], no_merges=False)) and memo.served == 0
    # other revision sets: side-branch tips, old commits, several at once (the gate's windows)
    side = [git(branchy, "rev-parse", f"side{k}").strip() for k in range(3)]
    for revs in (side, [everything[5], everything[9]], [everything[-3]], side[:1] + [everything[2]], ["HEAD"]):
        assert list(memo.log(revs)) == list(repo.log(revs, no_merges=False)), revs
    assert memo.served == 5
    # a commit the memo never streamed: git log streams it, and the memo learns it
    new = commit(branchy, {"late.py": "z = 1\n"}, "late", when=T0 + 400 * DAY)
    assert [r.sha for r in memo.log([new])][-1] == new and memo.served == 5
    assert list(memo.log([new])) == list(repo.log([new], no_merges=False)) and memo.served == 6


def test_log_memo_steps_aside_for_an_incomplete_mirror(branchy):
    """Records streamed with missing paths left out depend on the revisions asked: never reused."""
    repo = GitRepo(branchy)
    memo = LogMemo(repo)
    list(memo.log(["HEAD"]))
    repo.missing_paths = ["side0.py"]
    list(memo.log(["HEAD"]))
    assert memo.served == 0
    # once a log had to leave paths out, the memo is off for good and holds nothing
    memo = LogMemo(repo)
    list(memo.log(["HEAD"]))
    assert not memo.enabled and memo.records == {}


def test_log_memo_stops_keeping_records_past_its_bound(branchy):
    repo = GitRepo(branchy)
    memo = LogMemo(repo, limit=5)
    list(memo.log(["HEAD"]))
    assert not memo.enabled and memo.records == {}
    assert list(memo.log(["HEAD"])) == list(repo.log(["HEAD"], no_merges=False)) and memo.served == 0


def _score_commits_json(repo_path, shas, tmp_path, name, *options: str) -> list[dict]:
    listing = tmp_path / f"{name}.txt"
    listing.write_text("\n".join(shas) + "\n")
    out = tmp_path / f"{name}.json"
    assert main(["score", "--repo", str(repo_path), "--commits", str(listing), "--format", "json",
                 "--output", str(out), *options]) == 0
    return [json.loads(line) for line in out.read_text().splitlines() if line.strip()]


def test_the_gates_windows_decide_as_the_plain_replays_do(synthetic_repos, tmp_path, monkeypatch):
    """``score --commits`` of a batch whose percentile windows slide past its oldest commit (several
    history-scorer calls): every line, thresholds and verdicts included, equals the run in which each
    call streams its own ``git log``."""
    path = synthetic_repos[0].path
    shas = git(path, "rev-list", "--no-merges", "HEAD").split()
    assert len(shas) >= 150
    batch = shas[:45]
    # windows of 40 commits: each base's window slides one commit further below the batch
    config = tmp_path / "gate.yml"
    config.write_text("version: 1\nthresholds:\n  mode: percentile\n  medium: 75\n  high: 90\n  critical: 98\n"
                      "history_commits: 40\n")
    served: list[int] = []
    real_log = LogMemo.log

    def counting(self, revs):
        before = self.served
        yield from real_log(self, revs)
        served.append(self.served - before)

    monkeypatch.setattr(LogMemo, "log", counting)
    fast = _score_commits_json(path, batch, tmp_path, "fast", "--config", str(config))
    assert len(served) >= 2 and sum(served) >= 1  # the later windows were served from the memo

    monkeypatch.setattr(LogMemo, "log", lambda self, revs: self.repo.log(revs, no_merges=False))
    plain = _score_commits_json(path, batch, tmp_path, "plain", "--config", str(config))
    assert len(fast) == len(plain) == len(batch)
    assert [without_timings(a) for a in fast] == [without_timings(b) for b in plain]
    assert all("percentiles of the scores of this repository's newest 40" in " ".join(a["verdict"]["notes"])
               for a in fast)
    assert len({json.dumps(a["verdict"]["thresholds"]) for a in fast}) > 1  # the windows did slide


def test_replay_without_memo_is_unchanged(branchy):
    """``replay`` with and without a memo visits the same commits with the same index sizes."""
    repo = GitRepo(branchy)
    memo = LogMemo(repo)
    list(memo.log(["HEAD"]))

    def seen(r, index):
        return r.sha, index.commits

    plain = list(sources.replay(repo, ["HEAD~2"], seen))
    served = list(sources.replay(repo, ["HEAD~2"], seen, memo=memo))
    assert plain == served and memo.served == 1
