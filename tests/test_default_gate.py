"""The default gate on a real history: percentile thresholds, the score cache, one level everywhere,
and reasons whose words agree with their arrows."""

from __future__ import annotations

import json
import re

import pytest

from mergeguard import pipeline
from mergeguard.config import Config
from mergeguard.review import make_gate
from mergeguard.git import GitRepo
from mergeguard.models import explain
from mergeguard.models.model import load
from mergeguard.policy import PullRequestFacts
from mergeguard.render import headline, render
from mergeguard.render.sarif import RISK_RULE_ID
from mergeguard.review import review

from .gitrepo import commit, git

DAY = 86400
WHEN = 1_500_000_000 + 400 * DAY


@pytest.fixture(scope="module")
def model():
    return load(None)


@pytest.fixture()
def clone(synthetic_repos, tmp_path):
    path = tmp_path / "repo"
    git(tmp_path, "clone", "-q", str(synthetic_repos[0].path), str(path))
    return path


@pytest.fixture()
def scoring_calls(monkeypatch):
    """How many commits the gate scored (a spy on the real batch scorer; it still scores)."""
    calls: list[int] = []
    real = pipeline.score_commits

    def spy(repo, shas, *args, **kwargs):
        calls.append(len(shas))
        return real(repo, shas, *args, **kwargs)

    monkeypatch.setattr(pipeline, "score_commits", spy)
    return calls


def test_default_thresholds_are_percentiles_of_the_repositorys_history_and_cached(clone, model, tmp_path,
                                                                                  scoring_calls):
    repo = GitRepo(clone)
    base = repo.resolve("main")
    cache = tmp_path / "scores"
    t = make_gate(repo, model, score_cache=str(cache)).thresholds_at(base, Config())
    n = len(repo.run("rev-list", "--no-merges", "--max-count=300", base).decode().split())
    assert n >= 100 and scoring_calls == [n]
    assert t.base_source.startswith("the default gate: percentiles of the scores of this repository's newest ")
    assert "(medium p75, high p90, critical p98)" in t.base_source
    assert t.base["medium"] <= t.base["high"] <= t.base["critical"] and t.base != model.thresholds
    [stored] = list(cache.glob("scores-*.json"))
    assert len(json.loads(stored.read_text())) == n
    # a later pull request: a new gate (a new process) reads the cache and scores nothing
    again = make_gate(repo, model, score_cache=str(cache)).thresholds_at(base, Config())
    assert again.base == t.base and scoring_calls == [n]
    # the base moved on by a few commits: the cached window is used as it is (no history replay)...
    for i in range(3):
        commit(clone, {f"core/new{i}.py": f"x = {i}\n"}, f"small change {i}", when=WHEN + i * DAY)
    moved = repo.resolve("HEAD")
    assert make_gate(repo, model, score_cache=str(cache)).thresholds_at(moved, Config()).base and scoring_calls == [n]
    # ...and once more than a tenth of the window is new, only the new commits are scored
    for i in range(3, 40):
        commit(clone, {f"core/new{i}.py": f"x = {i}\n"}, f"small change {i}", when=WHEN + i * DAY)
    make_gate(repo, model, score_cache=str(cache)).thresholds_at(repo.resolve("HEAD"), Config())
    assert scoring_calls == [n, 40]


def test_a_short_history_keeps_the_models_thresholds_without_scoring(tmp_path, model, scoring_calls):
    from .gitrepo import init_repo

    path = init_repo(tmp_path / "small")
    for i in range(30):
        commit(path, {f"src/m{i % 3}.py": f"v = {i}\n"}, f"change {i}", when=WHEN + i * DAY)
    t = make_gate(GitRepo(path), model).thresholds_at(GitRepo(path).resolve("HEAD"), Config())
    assert t.base == model.thresholds and scoring_calls == []
    assert "from 100 commits of history on; 30 available" in t.base_source


def test_one_level_on_every_surface(clone, model, tmp_path):
    git(clone, "checkout", "-q", "-b", "feature")
    files = {"proto/orders.proto": 'syntax = "proto3";\nmessage Order { string id = 1; }\n'}
    for k in range(4):  # a newcomer's large change across every engine and a new contract
        engine = (clone / f"core/engine{k}.py").read_text()
        files[f"core/engine{k}.py"] = engine + f"def turbo{k}():\n" + "".join(
            f"    turbo_{i} = compute({i}) * factor\n" for i in range(150))
    head = commit(clone, files, "Add turbo mode", when=WHEN + DAY, author=("Dev", "dev@example.com"))
    done = review(GitRepo(clone), "main", head, model=model, facts=PullRequestFacts(author="dev"),
                  score_cache=str(tmp_path / "scores"))
    text, md, sarif_text, json_text = (render(done, f) for f in ("text", "markdown", "sarif", "json"))
    a = done.to_json()
    level = a["verdict"]["level"]
    assert a["level"] == level and a["model_level"] == model.level(a["score"])
    assert level in ("high", "critical") and a["verdict"]["conclusion"] == "action_required"  # never failure
    assert text.splitlines()[0].endswith(f"{level.upper()} risk ({round(a['score'] * 100)}%) · ACTION REQUIRED")
    assert "Verdict:" not in text and "(level " not in text
    others = {"low", "medium", "high", "critical"} - {level}
    assert not any(f"{o.upper()} risk" in text for o in others)
    assert md.count(" risk · ") == 1 and f"{level.upper()} risk" in md.splitlines()[0]
    sarif = json.loads(sarif_text)
    [risk] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == RISK_RULE_ID]
    assert risk["properties"]["level"] == level and f"{level} risk" in risk["message"]["text"]
    assert json.loads(json_text)["level"] == level
    # the approval the default asks for is enough at high; critical also wants a rollout note
    done = review(GitRepo(clone), "main", head, model=model, score_cache=str(tmp_path / "scores"),
                  facts=PullRequestFacts(author="dev", approvals=("bob",),
                                         description="Rollout: canary 5% for a day")).to_json()
    assert done["verdict"]["conclusion"] == "success"


def test_reasons_on_real_history_agree_with_their_arrows(synthetic_repos, model):
    repo = GitRepo(synthetic_repos[0].path)
    shas = repo.run("rev-list", "--no-merges", "HEAD").decode().split()
    found = pipeline.score_commits(repo, shas, model, __import__("mergeguard.change", fromlist=["Limits"]).Limits(),
                                   top_reasons=5)
    assert len(found) >= 100
    headlines = []
    for x in found.values():
        a = x.to_json()
        for r in a["reasons"]:
            direction = explain._DIRECTION.get(r["feature"], 0)
            # the percentile comparisons ("more than 76% of ..."), not prose such as "changes more than documentation"
            if re.search(r"more than \d+(\.\d+)?%", r["text"]):
                assert r["contribution"] * direction > 0, r
            if re.search(r"fewer than \d+(\.\d+)?%", r["text"]):
                assert r["contribution"] * direction < 0, r
            if r["feature"] == "ai_style_score" and r["value"] < 0.5:
                assert not (r["notable"] and r["contribution"] > 0), r
            if r["notable"] and r["contribution"] > 0 and r["feature"] in explain._INDICATOR:
                assert r["value"] > 0, r  # an absence never headlines
        # notable reasons first: what a reviewer reads first is what sets the change apart
        flags = [r["notable"] for r in a["reasons"]]
        assert flags == sorted(flags, reverse=True)
        if a["features"].get("code_files"):
            headlines.append(headline(x))
    top = max(headlines.count(h) for h in set(headlines))
    # "nothing sets this change apart" is allowed to be common; a reason is not
    reasons_only = [h for h in headlines if not h.startswith("nothing sets")]
    most = max(reasons_only.count(h) for h in set(reasons_only))
    assert most <= 0.25 * len(headlines), (most, len(headlines), top)
