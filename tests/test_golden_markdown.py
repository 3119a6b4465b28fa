"""Golden files: the markdown a reviewer reads on GitHub, for real-shaped pull requests.

Each case is a pull request on a real git history (the seeded synthetic service, cloned), reviewed
by the shipped model through :func:`mergeguard.review.review`, the path the CLI, the Action and the
App share, and rendered as the check run's summary. The rendered markdown must equal the file in
``tests/golden/`` (regenerate with ``MERGEGUARD_UPDATE_GOLDEN=1`` and read the diff), and, parsed
by a GitHub-flavoured markdown parser, must give the structure GitHub shows: a headline, a task
list, the ranked files table, and folded details.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from mergeguard import checkrun
from mergeguard.assessment import Review
from mergeguard.git import GitRepo
from mergeguard.models.model import load
from mergeguard.policy import PullRequestFacts
from mergeguard.render import FORMATS, headline, level_of, render
from mergeguard.review import review

from .gitrepo import commit, git

GOLDEN = Path(__file__).parent / "golden"
DAY = 86400
WHEN = 1_500_000_000 + 400 * DAY
DEV = ("Dev", "dev@example.com")

CLIENT = '''"""Orders client."""

import requests


def fetch_order(order_id, timeout=5.0):
    return requests.get(f"https://orders/{order_id}", timeout=timeout).json()
'''
CALLER = "from core.client import fetch_order\n\n\ndef show(oid):\n    return fetch_order(oid)\n"
FORCED = "thresholds: {medium: 0.0001, high: 0.0002, critical: %s}\n"


CASES = {  # name: the gate's config at the pull request's base (None: no file, the default gate)
    "docs": None,
    "api-change": FORCED % "0.99",
    "critical": FORCED % "0.0003",
}


def _case(repo_path: Path, name: str, start: str) -> tuple[str, PullRequestFacts]:
    """(head, facts) of one pull request, committed on branch ``name`` from ``start``."""
    git(repo_path, "checkout", "-q", start)
    git(repo_path, "checkout", "-q", "-b", name)
    if name == "docs":
        head = commit(repo_path, {"docs/usage.md": "# Usage\n\nRun `svc --help`.\n"}, "Document usage",
                      when=WHEN + DAY, author=DEV)
        return head, PullRequestFacts(author="dev")
    if name == "api-change":
        new = CLIENT.replace("def fetch_order(order_id, timeout=5.0):", "def fetch_order(order_id, *, timeout=30.0, retries=3):")
        head = commit(repo_path, {"core/client.py": new}, "Orders client: keyword-only timeout, retries",
                      when=WHEN + DAY, author=DEV)
        return head, PullRequestFacts(author="dev", approvals=("dev",))
    if name == "critical":
        engine = (repo_path / "core/engine0.py").read_text()
        added = "".join(f"    turbo_{i} = compute({i}) * factor\n" for i in range(120))
        head = commit(repo_path, {"core/engine0.py": engine + "def turbo():\n" + added,
                                  "core/client.py": CLIENT.replace("order_id, timeout=5.0", "order_id, timeout=None"),
                                  "proto/orders.proto": 'syntax = "proto3";\nmessage Order { string id = 1; }\n'},
                      "Add turbo mode", when=WHEN + DAY, author=DEV)
        return head, PullRequestFacts(author="dev", approvals=("bob",))
    raise AssertionError(name)


@pytest.fixture(scope="module")
def prs(synthetic_repos, tmp_path_factory):
    path = tmp_path_factory.mktemp("golden") / "repo"
    git(path.parent, "clone", "-q", str(synthetic_repos[0].path), str(path))
    commit(path, {"core/client.py": CLIENT, "core/show.py": CALLER}, "Orders client", when=WHEN)
    model = load(None)  # the shipped model: the same scores on every machine
    out = {}
    for name, config in CASES.items():
        base = "main"
        if config is not None:  # the gate reads its config at the base revision
            base = f"base-{name}"
            git(path, "checkout", "-q", "-b", base, "main")
            commit(path, {".github/mergeguard.yml": config}, "Gate configuration", when=WHEN + DAY // 2)
        head, facts = _case(path, name, base)
        a = review(GitRepo(path), base, head, model=model, facts=facts)
        out[name] = replace(a, assessment=replace(a.assessment, timings={}))  # the only thing that differs between runs
    return out


def _gfm_html(md: str) -> str:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.tasklists import tasklists_plugin

    return MarkdownIt("commonmark", {"html": True}).enable("table").use(tasklists_plugin).render(md)


@pytest.mark.parametrize("name", ["docs", "api-change", "critical"])
def test_rendered_markdown_matches_its_golden_file(prs, name):
    summary = checkrun.content(prs[name]).summary
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("MERGEGUARD_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(summary + "\n", encoding="utf-8")
    assert summary + "\n" == golden.read_text(encoding="utf-8")


def test_the_shapes_read_as_intended_on_github(prs):
    docs, api, critical = prs["docs"], prs["api-change"], prs["critical"]
    # one level everywhere: the gate's, in the heading, the check run's title and the JSON
    for a in prs.values():
        c = checkrun.content(a)
        level = a.verdict.level
        assert a.to_json()["level"] == level == level_of(a)
        assert c.summary.startswith("### ") and f"{level.upper()} risk" in c.summary.splitlines()[0]
        assert c.title.startswith(level.capitalize() + " risk")
        assert c.summary.count(" risk · ") == 1  # no second headline with another level
        assert "**Most important:** " in c.summary and headline(a) in c.title
    assert docs.verdict.conclusion == "success" and "**To pass**" not in checkrun.content(docs).summary
    # a changed signature: the finding says what changed, the checklist what is missing
    api_md = checkrun.content(api).summary
    assert api.verdict.level == "high" and api.verdict.conclusion == "action_required"
    assert "**To pass** (0 of 1 done):" in api_md  # the author's own approval does not count
    assert "adds parameter `retries=3`" in api_md.replace("\\", "")
    assert api.assessment.look_first[0].path == "core/client.py"
    # critical: approved by someone else, the rollout note still missing
    crit_md = checkrun.content(critical).summary
    assert critical.verdict.level == "critical" and critical.verdict.conclusion == "action_required"
    assert "**To pass** (1 of 2 done):" in crit_md and "- [x] " in crit_md and "- [ ] " in crit_md
    html = _gfm_html(crit_md)
    assert html.count('type="checkbox"') == 2 and 'checked="checked"' in html
    assert "<table>" in html and html.count("<details>") >= 2 and "<summary>Why this score" in html
    assert html.index("Where to look first") < html.index("<details>")  # ranked files before the details


def test_a_stored_review_renders_as_the_fresh_one(prs):
    """The App publishes what it stored (``Review.from_json`` of ``to_json``, through a database's JSON):
    every format and the check run say exactly what the fresh review says."""
    for a in prs.values():
        back = Review.from_json(json.loads(json.dumps(a.to_json())))
        for fmt in FORMATS:
            assert render(back, fmt) == render(a, fmt), fmt
        assert checkrun.content(back) == checkrun.content(a)
