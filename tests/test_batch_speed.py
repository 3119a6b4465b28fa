"""The batch path's shortcuts (issue 16) change no output: each is checked against the plain path on
real repositories built in temp dirs."""

from __future__ import annotations

import json

import pytest

from mergeguard import gate, sources
from mergeguard.cli import main
from mergeguard.config import Config
from mergeguard.errors import RefError
from mergeguard.gate import Gate, history_window
from mergeguard.git import GitRepo
from mergeguard.pipeline import without_timings
from mergeguard.review import WindowScorer
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


@pytest.fixture()
def merges(tmp_path):
    """60 commits on main with a side branch merged every few commits, its commits dated between
    main's (so a replay of older commits streams a different prefix than the batch's replay)."""
    p = init_repo(tmp_path / "merges")
    t = T0
    for i in range(60):
        commit(p, {f"src/m{i % 7}.py": f"v = {i}\n" * (i % 5 + 1)}, f"main {i}", when=(t := t + DAY))
        if i % 6 == 5:
            git(p, "checkout", "-q", "-b", f"side{i}", "HEAD~2")
            commit(p, {f"side/s{i}.py": f"s = {i}\n"}, f"side {i}", when=t - DAY // 2)
            git(p, "checkout", "-q", "main")
            git(p, "merge", "-q", "--no-ff", "-m", f"merge side{i}", f"side{i}",
                env={"GIT_AUTHOR_DATE": f"@{t + 60} +0000", "GIT_COMMITTER_DATE": f"@{t + 60} +0000"})
    return p


def _with_hole(repo) -> tuple[str, list[str]]:
    """A binary, 12 commits after it, then its blob deleted; returns that commit and the newest 10
    non-merge ones. An incomplete mirror: git's log leaves the missing path out of each replay from
    the hole on, so the batch's records cannot stand for the windows' own."""
    big = commit(repo, {"assets/big.bin": b"\x00\x01" * 2000}, "a binary", when=T0 + 200 * DAY)
    for i in range(12):
        commit(repo, {f"src/late{i}.py": f"v = {i}\n"}, f"late {i}", when=T0 + (201 + i) * DAY)
    blob = git(repo, "rev-parse", f"{big}:assets/big.bin").strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    return big, git(repo, "rev-list", "--no-merges", "HEAD").split()[:10]


def _plain(monkeypatch) -> None:
    """Every shortcut off: each window listed by its own rev-list, each scorer call its own git log."""
    monkeypatch.setattr(WindowScorer, "offer", lambda self, *offered: None)
    monkeypatch.setattr(LogMemo, "log", lambda self, revs: self.repo.log(revs, no_merges=False))
    monkeypatch.setattr(Gate, "history_window", lambda self, base, config, parents=None: history_window(
        self.repo, base, config))


@pytest.mark.parametrize("which", ["synthetic", "merges"])
def test_the_gates_windows_decide_as_the_plain_replays_do(which, synthetic_repos, merges, tmp_path, monkeypatch):
    """``score --commits`` of a batch whose percentile windows slide past its oldest commit (several
    history-scorer calls): every line, thresholds and verdicts included, equals the run in which each
    window is listed and scored by a replay of its own; on a history with merges too, where some
    windows' replays stream other commits first than the batch's replay."""
    path = synthetic_repos[0].path if which == "synthetic" else merges
    shas = git(path, "rev-list", "--no-merges", "HEAD").split()
    assert len(shas) >= 60
    batch = shas[:15]
    # windows of 20 commits: each base's window slides one commit further below the batch
    config = tmp_path / "gate.yml"
    config.write_text("version: 1\nthresholds:\n  mode: percentile\n  medium: 75\n  high: 90\n  critical: 98\n"
                      "history_commits: 20\n")
    used: dict[str, int] = {"reused": 0, "calls": 0, "listed": 0, "features": 0}
    real_call, real_window = WindowScorer.__call__, gate.history_window

    def call(self, shas, cfg):
        before, features = self.reused, self.reused_features
        out = real_call(self, shas, cfg)
        used["reused"] += self.reused - before
        used["features"] += self.reused_features - features
        used["calls"] += 1
        return out

    def listed(*args, **kwargs):
        used["listed"] += 1
        return real_window(*args, **kwargs)

    monkeypatch.setattr(WindowScorer, "__call__", call)
    monkeypatch.setattr(gate, "history_window", listed)
    fast = _score_commits_json(path, batch, tmp_path, "fast", "--config", str(config))
    assert used["calls"] >= 2 and used["reused"] >= 1  # later windows came from the batch's replay
    assert used["listed"] < len(batch) / 2  # most windows were derived, not listed by rev-list
    if which == "merges":  # commits scored again took the batch's change-only features
        assert used["features"] >= 1

    _plain(monkeypatch)
    plain = _score_commits_json(path, batch, tmp_path, "plain", "--config", str(config))
    assert len(fast) == len(plain) == len(batch)
    assert [without_timings(a) for a in fast] == [without_timings(b) for b in plain]
    assert all("percentiles of the scores of this repository's newest 20" in " ".join(a["verdict"]["notes"])
               for a in fast)
    assert len({json.dumps(a["verdict"]["thresholds"]) for a in fast}) > 1  # the windows did slide


def test_a_replay_that_streams_other_commits_first_is_not_reused(merges):
    """Offered scores are taken only up to the first commit where the scorer's own replay and the
    batch's stream part: a side branch merged right after a window's newest commit is streamed before
    that commit by the batch's replay, never by the window's own."""
    from mergeguard.models.model import load

    repo = GitRepo(merges)
    model = load(None)
    main_line = git(merges, "rev-list", "--no-merges", "--first-parent", "HEAD").split()
    merge = git(merges, "rev-list", "--merges", "-n", "3", "HEAD").split()[-1]
    newest = git(merges, "rev-parse", f"{merge}^1").strip()  # its side commit is older than it
    window = main_line[main_line.index(newest):][:20]
    cfg = Config()
    plain = dict(WindowScorer(repo, model)(window, cfg))
    scorer = WindowScorer(repo, model)
    stream = git(merges, "rev-list", "--reverse", "--date-order", "--no-merges", "HEAD").split()  # the batch's replay
    scorer.offer(cfg, dict.fromkeys(window, 0.5), stream)  # 0.5: recognisably the offered value
    got = dict(scorer(window, cfg))
    assert got[newest] == plain[newest] != 0.5  # scored again, in a replay of its own
    assert all(got[s] == 0.5 for s in window if s != newest) and scorer.reused == len(window) - 1
    assert list(got) == list(plain)  # in the order one replay gives them (the score cache keeps it)
    # another ignore list: nothing offered applies
    other = Config(ignore=("side/",))
    assert WindowScorer(repo, model)(window, other) == scorer(window, other) and scorer.reused == len(window) - 1


def test_a_merge_streamed_first_does_not_stop_reuse(tmp_path):
    """The index observes no merge: a window whose own replay differs from the batch's stream only in
    a merge streamed before some of its commits (a branch that merged main early and came back
    late) takes every offered score, and each equals the score of the window's own replay."""
    from mergeguard.change import Limits
    from mergeguard.models.model import load
    from mergeguard.pipeline import WindowTargets, score_commits

    p = init_repo(tmp_path / "early-merge")
    t = T0
    main = []
    for i in range(10):
        main.append(commit(p, {f"src/m{i % 4}.py": f"v = {i}\n" * (i + 1)}, f"main {i}", when=(t := t + DAY)))
        if i == 3:  # branch b from main 2 merges main 3 at once, dated before main 4
            git(p, "checkout", "-q", "-b", "b", main[2])
            git(p, "merge", "-q", "--no-ff", "-m", "merge main into b", main[3],
                env={"GIT_AUTHOR_DATE": f"@{t + DAY // 2} +0000", "GIT_COMMITTER_DATE": f"@{t + DAY // 2} +0000"})
            early = git(p, "rev-parse", "HEAD").strip()
            git(p, "checkout", "-q", "main")
    git(p, "merge", "-q", "--no-ff", "-m", "merge b", "b",
        env={"GIT_AUTHOR_DATE": f"@{t + DAY} +0000", "GIT_COMMITTER_DATE": f"@{t + DAY} +0000"})
    head = git(p, "rev-parse", "HEAD").strip()
    repo, model, cfg = GitRepo(p), load(None), Config()
    window = git(p, "rev-list", "--no-merges", main[6]).split()
    full = git(p, "rev-list", "--reverse", "--date-order", head).split()
    own = git(p, "rev-list", "--reverse", "--date-order", *window).split()
    assert early in full and early not in own and full.index(early) < full.index(main[4])  # the streams differ
    plain = WindowScorer(repo, model)(window, cfg)
    targets = WindowTargets(frozenset(window), cfg)
    score_commits(repo, [head], model, Limits(), only=[], windows=targets)  # the batch's replay
    assert early not in targets.order and set(window) <= set(targets.order)
    scorer = WindowScorer(repo, model)
    scorer.offer(cfg, targets.scores, targets.order)
    got = scorer(window, cfg)
    assert scorer.reused == len(window)
    assert list(got.items()) == list(plain.items())


def test_derived_windows_equal_rev_list(merges, synthetic_repos):
    for path in (merges, synthetic_repos[0].path):
        repo = GitRepo(path)
        lines = git(path, "rev-list", "--parents", "HEAD").splitlines()
        parents = {sha: rest for sha, *rest in (line.split() for line in lines)}
        for n in (20, 30, 300):
            cfg = Config(history_commits=n)
            g = Gate(repo, None)
            for sha in reversed([line.split()[0] for line in lines]):  # oldest first: parents' windows known
                assert g.history_window(sha, cfg, parents) == history_window(repo, sha, cfg), (path, n, sha)


def test_resolve_all_is_resolve_of_each(merges):
    repo = GitRepo(merges)
    git(merges, "tag", "-a", "-m", "a tag", "v1", "HEAD~3")
    tag_object = git(merges, "rev-parse", "v1").strip()
    shas = git(merges, "rev-list", "HEAD").split()
    refs = [*shas, tag_object, "HEAD~2", "main"]
    assert repo.resolve_all(refs) == [repo.resolve(r) for r in refs]
    target = git(merges, "rev-parse", "HEAD~3").strip()
    assert tag_object != target and repo.resolve_all([tag_object]) == [target]  # peeled, as resolve does
    with pytest.raises(RefError, match="unknown revision 'f{40}'".replace("f{40}", "f" * 40)):
        repo.resolve_all([shas[0], "f" * 40])
    tree = git(merges, "rev-parse", "HEAD^{tree}").strip()
    with pytest.raises(RefError, match="unknown revision"):
        repo.resolve_all([tree])


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


def test_scoring_does_not_import_scikit_learn_and_training_still_can(tmp_path):
    """The model loads and scores without scikit-learn in the process (start-up of every scoring
    process); scikit-learn stays importable afterwards for ``train``/``evaluate`` in the same process."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from mergeguard.models.model import load\n"
        "m = load(None)\n"
        "x = m.matrix([{}])\n"
        "c = m.contributions(x)\n"
        "assert 'sklearn' not in sys.modules, 'sklearn imported'\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "import lightgbm, numpy as np\n"
        "d = lightgbm.Dataset(np.array([[0.0], [1.0]] * 20), np.array([0, 1] * 20))\n"
        "b = lightgbm.train({'verbose': -1, 'min_data_in_leaf': 1}, d, num_boost_round=2)\n"
        "print(c.shape[1] == len(m.features) + 1, b.num_trees())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "2"]


@pytest.fixture()
def edits(tmp_path):
    """Three commits editing one Python file: each pre-image is the previous commit's post-image."""
    p = init_repo(tmp_path / "edits")
    body = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=5)\n"
    shas = [commit(p, {"svc/client.py": body, "README": "r\n"}, "add", when=T0)]
    body += "\n\ndef post(url):\n    return requests.post(url, timeout=10)\n"
    shas.append(commit(p, {"svc/client.py": body}, "post", when=T0 + DAY))
    body = body.replace("timeout=5", "timeout=30") + "\n# BOOM\n"
    shas.append(commit(p, {"svc/client.py": body}, "longer timeout", when=T0 + 2 * DAY))
    return p, shas


def _scored(path, shas, only):
    from mergeguard.change import Limits
    from mergeguard.models.model import load
    from mergeguard.pipeline import score_commits

    found = score_commits(GitRepo(path), shas, load(None), Limits(), only=only)
    return {sha: without_timings(a.to_json()) for sha, a in found.items()}


def test_an_image_parsed_by_an_earlier_commit_counts_as_parsed(edits):
    """The second commit's pre-image is the first's post-image: served from the image cache, with
    the same syntax signal (parsed, errors), findings and score as when it is parsed afresh."""
    from mergeguard.features import syntax

    path, shas = edits
    syntax._IMAGES.clear()
    alone = _scored(path, shas, [shas[2]])[shas[2]]
    syntax._IMAGES.clear()
    hits = syntax._IMAGES.hits
    together = _scored(path, shas, None)
    assert syntax._IMAGES.hits > hits  # later commits met images already parsed
    assert together[shas[2]] == alone
    assert together[shas[2]]["signals"]["syntax"]["parsed"] == 2  # pre and post, one of them a hit
    assert together[shas[2]]["features"]["timeout_changed"] == 1  # the reused scan of the pre-image counts


def test_a_scanner_failure_on_a_cached_image_is_recorded_on_each_change(edits, monkeypatch):
    from mergeguard.features import syntax
    from mergeguard.features.resilience import settings

    path, shas = edits
    real = settings.scan
    calls: list[str] = []

    def scan(src):
        calls.append(src.side)
        if "BOOM" in src.text:
            raise ValueError("scanner tripped")
        return real(src)

    monkeypatch.setattr(settings, "scan", scan)
    syntax._IMAGES.clear()
    found = _scored(path, shas, None)
    # the third commit's post-image holds BOOM: scanned once, the failure recorded on its change
    assert calls.count("post") + calls.count("pre") < 2 * len(shas)  # images were scanned once each
    third = found[shas[2]]
    assert third["signals"]["detector_errors"] == {"retry_timeout": 1}
    assert any("scanner tripped" in w for w in third["warnings"])
    # a fourth commit whose pre-image is that image: served from the cache, failure recorded again
    fourth = commit(path, {"svc/client.py": "x = 1\n# BOOM\n"}, "rewrite", when=T0 + 3 * DAY)
    before = len(calls)
    again = _scored(path, [*shas, fourth], [fourth])[fourth]
    assert again["signals"]["detector_errors"] == {"retry_timeout": 2}  # pre (cached) and post
    assert len(calls) - before < 2 + len(shas) * 2  # the cached pre-image was not scanned again
    syntax._IMAGES.clear()
    fresh = _scored(path, [*shas, fourth], [fourth])[fourth]
    assert fresh == again


def test_an_incomplete_mirror_scores_no_window_ahead_and_decides_as_before(merges, tmp_path, monkeypatch):
    """A repository missing a blob: the log leaves its path out, so the batch's stream cannot stand
    for the windows' own replays; from there on nothing is scored ahead for them, none of what was is
    used, and every line equals the plain run."""
    from mergeguard.pipeline import WindowTargets

    big, shas = _with_hole(merges)
    config = tmp_path / "gate.yml"
    config.write_text("version: 1\nthresholds:\n  mode: percentile\n  medium: 75\n  high: 90\n  critical: 98\n"
                      "history_commits: 20\n")
    scored: list[str] = []
    real_visit = WindowTargets.visit

    def visit(self, repo, rec, context, model, limits):
        real_visit(self, repo, rec, context, model, limits)
        scored.extend(s for s in self.scores if s not in scored)

    monkeypatch.setattr(WindowTargets, "visit", visit)
    fast = _score_commits_json(merges, shas, tmp_path, "fast", "--config", str(config))
    # only commits streamed before git met the hole were scored ahead (none after the restart)
    assert set(scored) <= set(git(merges, "rev-list", f"{big}~1").split())
    _plain(monkeypatch)
    plain = _score_commits_json(merges, shas, tmp_path, "plain", "--config", str(config))
    assert [without_timings(a) for a in fast] == [without_timings(b) for b in plain] and len(fast) == 10


def test_change_only_detectors_read_no_context(edits, merges):
    """``features.CHANGE_ONLY`` detectors give the same features whatever the context (no history, a
    full index, a shallow flag): what lets the gate's scorer take them from the batch's replay."""
    from mergeguard.change import Limits
    from mergeguard.features import CHANGE_ONLY, Context, contract, extract_all
    from mergeguard.sources import change_from_commit, history_at

    for path in (edits[0], merges):
        repo = GitRepo(path)
        for rec in list(repo.log(["HEAD"], no_merges=True))[:8]:
            kept = []
            for context in (Context(), Context(history=history_at(repo, rec.sha), shallow=True),
                            Context(history=history_at(repo, rec.parents[0]) if rec.parents else None)):
                keep: dict = {}
                extract_all(change_from_commit(repo, rec, Limits()), context, keep=keep)
                kept.append(keep)
            assert set(kept[0]) == CHANGE_ONLY <= {d.spec.name for d in contract.registry()}
            assert kept[0] == kept[1] == kept[2], rec.sha


def test_a_commit_scored_again_takes_the_batchs_change_only_features(merges):
    """A window commit whose own replay streams other commits first is scored again by the scorer,
    with the change-only features the batch's replay kept: the score equals the plain one, and the
    offered features are really what it rests on (doctored ones change it)."""
    from mergeguard.change import Limits
    from mergeguard.models.model import load
    from mergeguard.pipeline import WindowTargets, score_commits

    repo, model, cfg = GitRepo(merges), load(None), Config()
    main_line = git(merges, "rev-list", "--no-merges", "--first-parent", "HEAD").split()
    merge = git(merges, "rev-list", "--merges", "-n", "3", "HEAD").split()[-1]
    newest = git(merges, "rev-parse", f"{merge}^1").strip()
    window = main_line[main_line.index(newest):][:20]
    head = git(merges, "rev-parse", "HEAD").strip()
    targets = WindowTargets(frozenset(window), cfg)
    score_commits(repo, [head], model, Limits(), only=[], windows=targets)
    assert set(targets.features) == set(window)
    plain = dict(WindowScorer(repo, model)(window, cfg))
    scorer = WindowScorer(repo, model)
    scorer.offer(cfg, targets.scores, targets.order, targets.features, Limits())
    assert dict(scorer(window, cfg)) == plain
    assert scorer.reused >= 1 and scorer.reused_features == len(window) - scorer.reused >= 1
    # doctored change-only features: the commit scored again now scores otherwise
    doctored = {s: {d: dict.fromkeys(f, 40.0) for d, f in kept.items()} for s, kept in targets.features.items()}
    liar = WindowScorer(repo, model)
    liar.offer(cfg, {}, [], doctored, Limits())
    lied = dict(liar(window, cfg))
    assert liar.reused == 0 and liar.reused_features == len(window)
    assert any(lied[s] != plain[s] for s in window if plain[s] >= 0)
    # other limits, or another ignore list: the offered features are not taken
    other = WindowScorer(repo, model)
    other.offer(cfg, {}, [], doctored, Limits(max_files=3))
    assert dict(other(window, cfg)) == plain and other.reused_features == 0
    ignoring = Config(ignore=("side/",))
    assert dict(liar(window, ignoring)) == dict(WindowScorer(repo, model)(window, ignoring))


def test_style_statistics_are_computed_once_per_files_list(edits):
    """Both authorship values read one computation; a change whose files were replaced (paths
    ignored) is computed afresh, and a caller's edit of its copy changes nothing."""
    from mergeguard.change import Limits
    from mergeguard.features import authorship
    from mergeguard.gate import ignore_paths
    from mergeguard.sources import change_from_commit

    path, shas = edits
    repo = GitRepo(path)
    [rec] = [r for r in repo.log(["HEAD"], no_merges=True) if r.sha == shas[0]]
    change = change_from_commit(repo, rec, Limits())
    fresh = authorship.statistics_of(authorship.style_lines(change))
    first = authorship.style_statistics(change)
    assert first == fresh and first[1] > 0
    first[0]["comment_ratio"] = 99.0
    assert authorship.style_statistics(change) == fresh
    ignore_paths(change, ["svc/"])
    assert authorship.style_statistics(change) == authorship.statistics_of(authorship.style_lines(change)) != fresh
