"""benchmarks/retry_timeout_filter.py: what the learned filter reads from a real commit's findings, the
vocabulary that keeps one repository's rule from acting as its name, and the leave-one-repository-out
loop that must never let a model or a threshold see the repository it scores."""

from __future__ import annotations

import pytest

from mergeguard.change import Change, Limits, parse_diff
from mergeguard.git import GitRepo
from tests.benchscripts import load
from tests.gitrepo import commit, git, init_repo

bench = load("retry_timeout")
filt = load("retry_timeout_filter")

CLIENT = '''import time

MAX_RETRIES = 3
CONNECT_TIMEOUT = 10


def call(op):
    for attempt in range(MAX_RETRIES):
        try:
            return op(timeout=CONNECT_TIMEOUT)
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gave up")
'''


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    """Real commits scored by the benchmark's scorer (``score --commit``), turned into filter rows."""
    work = init_repo(tmp_path_factory.mktemp("filter") / "work")
    commit(work, {"svc/client.py": CLIENT, "README.md": "svc\n"}, "init", when=1_700_000_000)
    retried = CLIENT.replace("MAX_RETRIES = 3", "MAX_RETRIES = 5")
    shas = {"retry": commit(work, {"svc/client.py": retried}, "retry more", when=1_700_000_100)}
    # a timeout value changes; the retry words are only in the docs
    shas["timeout"] = commit(work, {"svc/client.py": retried.replace("CONNECT_TIMEOUT = 10", "CONNECT_TIMEOUT = 30"),
                                    "docs/retries.md": "the client retries MAX_RETRIES times\n"},
                             "wait longer", when=1_700_000_200)
    found = bench.score_cli(work, list(shas.values()))
    out = {}
    for name, sha in shas.items():
        parent = git(work, "rev-parse", f"{sha}^").strip()
        files, _ = parse_diff(GitRepo(work).diff_commit(parent, sha), Limits())
        labelled = bench.Labelled("o/n", "python", sha, "dev", "keyword", name == "retry", name == "timeout", (), "")
        out[name] = filt.commit_row(labelled, found[sha], Change(id=sha, files=files))
    return out


def test_a_finding_is_described_by_its_construct_values_and_names(rows):
    r = rows["retry"]
    assert r.rules == {"changes_retry": True, "changes_timeout": False}
    x = r.x["changes_retry"]
    # the rule behind it (retry_timeout.rule_of: "retry.changed python:setting") without kind or repository
    assert x["verb=changed"] > 0 and x["lang=python"] > 0 and x["shape=setting"] > 0
    assert x["max_numbers_change"] == 1.0  # "3 (4 attempts) -> 5 (6 attempts)"
    assert x["max_target_named"] == 1.0  # MAX_RETRIES is named like a retry
    assert x["max_hunk_named"] > 0 and x["max_hunk_named_share"] == 1.0
    assert x["max_test_path"] == 0.0 and x["rules"] == 1.0 and x["other_rules"] == 0.0
    assert not any(k.startswith(("shape=", "path", "repo")) and "svc" in k for k in x)  # no path, no name
    (finding,) = r.f["changes_retry"]  # one change finding: one vector, its own features and the commit's
    assert finding["shape=setting"] == 1.0 and finding["numbers_change"] == 1.0 and finding["ev_retry_any"] == 1.0
    # the other label: no finding, so one context vector that knows the retry rule fired
    assert r.x["changes_timeout"]["rules"] == 0.0 and r.x["changes_timeout"]["other_rules"] == 1.0
    assert len(r.f["changes_timeout"]) == 1 and "shape=setting" not in r.f["changes_timeout"][0]


def test_words_only_in_the_docs_are_no_weak_candidate(rows):
    r = rows["timeout"]
    assert r.rules == {"changes_retry": False, "changes_timeout": True}
    assert r.x["changes_timeout"]["max_target_named"] == 1.0
    assert r.x["changes_retry"]["ev_retry_tok_prose"] > 0  # the docs name retries...
    assert r.weak["changes_retry"] is False  # ...but no changed code line does
    assert r.weak["changes_timeout"] is True  # CONNECT_TIMEOUT sits on changed code lines


def _row(repo: str, i: int, signal: float, truth: bool, shape: str = "setting") -> object:
    c = bench.Labelled(repo, "python", f"{abs(hash((repo, i))):040x}"[:40], "dev", "keyword", truth, False, (), "")
    x = {"max_numbers_change": signal, f"shape={shape}": 1.0, "rules": 1.0}
    return filt.Row(c, {"changes_retry": True, "changes_timeout": False},
                    {"changes_retry": False, "changes_timeout": False},
                    {"changes_retry": x, "changes_timeout": {}}, {"changes_retry": [x], "changes_timeout": [{}]})


def _rows(flip: str | None = None) -> list:
    """Six repositories where every commit has a rule flag and ``max_numbers_change`` tells whether the
    flag is right; ``flip``'s labels are the opposite."""
    out = []
    for repo in ("a/a", "b/b", "c/c", "d/d", "e/e", "f/f"):
        for i in range(12):
            signal = float(i % 2)
            out.append(_row(repo, i, signal, (signal == 1.0) != (repo == flip)))
    return out


def test_a_construct_enters_the_vocabulary_only_from_three_repositories():
    rows = _rows()
    rows[0] = _row("a/a", 0, 0.0, False, shape="only_in_a")
    rows[12] = _row("b/b", 0, 0.0, False, shape="in_a_and_b")
    rows[13] = _row("a/a", 99, 0.0, False, shape="in_a_and_b")
    names = filt.vocabulary(rows, "changes_retry", "commit")
    assert "shape=setting" in names and "max_numbers_change" in names
    assert "shape=only_in_a" not in names and "shape=in_a_and_b" not in names
    rows[24] = _row("c/c", 0, 0.0, False, shape="in_a_and_b")
    assert "shape=in_a_and_b" in filt.vocabulary(rows, "changes_retry", "commit")


@pytest.mark.parametrize("learner", ["lr", "lgbm"])
def test_loro_withdraws_by_what_the_other_repositories_taught(learner):
    rows = _rows(flip="d/d")
    out = filt.loro(rows, "changes_retry", learner, "commit", lambda s: None)
    assert set(out.thresholds["filter"]) == {"a/a", "b/b", "c/c", "d/d", "e/e", "f/f"}
    right = {}
    for r, d in zip(rows, out.decided["filter"], strict=True):
        right.setdefault(r.commit.repository, []).append(d == r.commit.changes_retry)
    # learnt from the others, the filter keeps d's flags that its labels call wrong and drops its right
    # ones; had d been in its own training set (or chosen its threshold) it would be pulled toward d
    assert sum(right["d/d"]) == 0
    assert all(all(v) for k, v in right.items() if k != "d/d")
    assert out.decided["rules"] == [True] * len(rows)  # the rules as they are: every flag kept


def test_a_commit_is_as_likely_as_its_most_confident_finding():
    rows = _rows()
    model = filt.Model(rows, "changes_retry", "lr", "finding")
    weak_one, strong_one = dict(rows[0].f["changes_retry"][0]), dict(rows[1].f["changes_retry"][0])
    assert weak_one["max_numbers_change"] == 0.0 and strong_one["max_numbers_change"] == 1.0
    both = filt.Row(rows[0].commit, rows[0].rules, rows[0].weak, rows[0].x,
                    {"changes_retry": [weak_one, strong_one], "changes_timeout": [{}]})
    p_weak, p_strong, p_both = model.probabilities([rows[0], rows[1], both])
    assert p_weak < 0.5 < p_strong and p_both == p_strong


def test_no_fit_behind_a_repository_s_decisions_saw_it(monkeypatch):
    """Every model fitted while a repository is left out (the inner LORO that picks its threshold and
    the model that scores it) is fitted without it; only the in-sample fit for the report sees all."""
    fits: list[tuple[str | None, frozenset[str]]] = []
    leaving: list[str | None] = [None]
    real = filt.Model.__init__

    def spy(self, rows, label, learner, unit="commit"):
        fits.append((leaving[0], frozenset(r.commit.repository for r in rows)))
        real(self, rows, label, learner, unit)

    monkeypatch.setattr(filt.Model, "__init__", spy)
    rows = _rows(flip="d/d")
    filt.loro(rows, "changes_retry", "lr", "commit", lambda s: leaving.__setitem__(0, s.rsplit(" ", 1)[-1]))
    repos = {"a/a", "b/b", "c/c", "d/d", "e/e", "f/f"}
    assert fits[0] == (None, frozenset(repos))  # the in-sample fit, before any repository is left out
    by = {}
    for left_out, seen in fits[1:]:
        by.setdefault(left_out, []).append(seen)
    assert set(by) == repos
    for left_out, seens in by.items():
        assert all(left_out not in seen for seen in seens)
        assert len(seens) == len(repos)  # 5 inner fits (one per other repository) and the scoring fit
        assert frozenset(repos - {left_out}) in seens
