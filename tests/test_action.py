"""``mergeguard action`` in a simulated Actions runner: real git, GitHub's payloads, the local API stand-in.

Each run is a subprocess with the environment a runner gives a step (GITHUB_EVENT_NAME/PATH,
GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_REPOSITORY, GITHUB_API_URL, RUNNER_TEMP,
INPUT_*). Event payloads start from GitHub's published examples (@octokit/webhooks-examples) with
SHAs replaced by the real repository's. Workflow commands on stdout are decoded here with GitHub's
rules, independently of the code that writes them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mergeguard.action import (
    ActionError, FailOn, Options, Target, annotation_commands, command, escape_data, escape_property,
    output_text, parse_event, parse_fail_on,
)
from mergeguard.assessment import Review, Verdict
from mergeguard.checkrun import content

from .ghstub import GitHubStub
from .gitrepo import commit, git, init_repo
from .npm_fixtures import webhook_examples
from .schema import assert_valid

TOKEN = "ghs_workflowtoken0000000000000000000000"
REPO = "octo/svc"
PR = 7


# -- decoding what the step printed, as GitHub does -------------------------------------------------


def _unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


@dataclass
class Cmd:
    kind: str
    props: dict[str, str]
    message: str


def parse_commands(stdout: str) -> list[Cmd]:
    out = []
    for line in stdout.splitlines():
        m = re.fullmatch(r"::([a-z-]+)(?: ([^:]*))?::(.*)", line)
        if not m:
            continue
        props = {}
        for part in (m.group(2) or "").split(","):
            if part:
                k, _, v = part.partition("=")
                props[k] = _unescape(v)
        out.append(Cmd(m.group(1), props, _unescape(m.group(3))))
    return out


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: name=value lines and name<<DELIM heredocs."""
    values, lines, i = {}, text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            j = lines.index(delim, i + 1)
            values[name] = "\n".join(lines[i + 1:j])
            i = j + 1
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
            i += 1
        else:
            i += 1
    return values


# -- the repository and the runner --------------------------------------------------------------------


API = "".join(f"def handler{i}(request):\n    return request\n\n\n" for i in range(14))
API2 = "".join(f"def handler{i}(request, user, *, strict):\n    return request\n\n\n" for i in range(14))


@pytest.fixture
def work(tmp_path):
    """main: one commit; feat: changes 14 public signatures (14 warning findings, > GitHub's 10 per step)."""
    w = init_repo(tmp_path / "origin")
    commit(w, {"svc/api.py": API, "README.md": "svc\n"}, "base", when=1_700_000_000)
    commit(w, {"README.md": "svc, documented\n"}, "docs", when=1_700_000_100)
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {"svc/api.py": API2}, "feat: strict handlers", when=1_700_000_500, author=("Erin", "erin@example.com"))
    git(w, "checkout", "-q", "main")
    git(w, "update-ref", f"refs/pull/{PR}/head", "feat")
    return w


def sha(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", ref).strip()


def pr_event(work: Path, *, fork: bool = False, labels=("db",), body="Makes handlers strict.") -> dict:
    p = webhook_examples("pull_request", "opened")[0]
    pr = p["pull_request"]
    p["number"] = pr["number"] = PR
    pr["head"]["sha"], pr["base"]["sha"] = sha(work, "feat"), sha(work, "main")
    pr["head"]["ref"], pr["base"]["ref"] = "feat", "main"
    pr["base"]["repo"]["full_name"] = p["repository"]["full_name"] = REPO
    pr["head"]["repo"]["full_name"] = "mallory/svc" if fork else REPO
    pr["user"]["login"] = "erin"
    pr["labels"] = [{"name": n} for n in labels]
    pr["body"] = body
    p["repository"]["default_branch"] = "main"
    return p


def push_event(work: Path, before: str, after: str, **kw) -> dict:
    p = json.loads(json.dumps(next(e for e in webhook_examples("push") if e["ref"].startswith("refs/heads/"))))
    p.update({"ref": "refs/heads/feat", "before": before, "after": after, "created": False, "deleted": False,
              "forced": False, **kw})
    p["repository"]["default_branch"] = "main"
    return p


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    commands: list[Cmd]

    def of(self, kind: str) -> list[Cmd]:
        return [c for c in self.commands if c.kind == kind]


def run_action(tmp_path: Path, workspace: Path, event: dict | str | None, *, event_name: str = "pull_request",
               api: str | None = None, inputs: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> Result:
    runner = tmp_path / "runner"
    runner.mkdir(parents=True, exist_ok=True)
    out, summary = runner / "output", runner / "summary.md"
    out.write_text(""), summary.write_text("")
    event_path = runner / "event.json"
    if isinstance(event, dict):
        event_path.write_text(json.dumps(event))
    elif isinstance(event, str):
        event_path.write_text(event)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    env.update(GITHUB_ACTIONS="true", GITHUB_EVENT_NAME=event_name, GITHUB_EVENT_PATH=str(event_path),
               GITHUB_WORKSPACE=str(workspace), GITHUB_OUTPUT=str(out), GITHUB_STEP_SUMMARY=str(summary),
               GITHUB_REPOSITORY=REPO, GITHUB_API_URL=api or "http://127.0.0.1:9", RUNNER_TEMP=str(runner),
               INPUT_GITHUB_TOKEN=TOKEN, INPUT_MODE="both", INPUT_FAIL_ON="never", MERGEGUARD_FETCH_TIMEOUT="60")
    env.update({f"INPUT_{k.upper().replace('-', '_')}": v for k, v in (inputs or {}).items()})
    for k in drop:
        env.pop(k, None)
    proc = subprocess.run([sys.executable, "-m", "mergeguard.cli", "action"], cwd=runner, env=env,
                          capture_output=True, text=True, timeout=300)
    return Result(proc.returncode, proc.stdout, proc.stderr, parse_output_file(out.read_text()), summary.read_text(),
                  parse_commands(proc.stdout))


@pytest.fixture
def stub(work):
    with GitHubStub(github_token=TOKEN) as s:
        s.add_repo(REPO, work)
        s.add_pull(REPO, PR, head="feat", author="erin", labels=["db"])
        s.add_review(REPO, PR, "bob", "APPROVED")
        yield s


@pytest.fixture
def fork_stub(work):
    with GitHubStub(github_token=TOKEN, checks_write=False) as s:
        s.add_repo(REPO, work)
        s.add_pull(REPO, PR, head="feat", author="erin", head_full_name="mallory/svc")
        yield s


# -- the command end to end -----------------------------------------------------------------------


def test_pull_request_outputs_summary_annotations_and_check_run(tmp_path, work, stub):
    r = run_action(tmp_path, work, pr_event(work), api=stub.url)
    assert r.code == 0, r.stderr
    report = json.loads(Path(r.outputs["report"]).read_text())
    assert report["change"]["head"] == sha(work, "feat")
    assert r.outputs["score"] == f"{report['score']:.4f}"
    assert r.outputs["level"] == report["verdict"]["level"]
    assert r.outputs["conclusion"] == report["verdict"]["conclusion"]
    assert [f["kind"] for f in report["findings"]].count("coupling.api_change") == 14

    expected = content(Review.from_json(report))
    # the job summary is the App's check summary, plus how many annotations GitHub would not show
    assert r.summary.startswith(expected.summary.rstrip("\n"))
    assert "4 annotations not shown as workflow annotations" in r.summary

    warnings = r.of("warning")
    assert len(warnings) == 10  # GitHub's per-step limit for warnings
    shown = {(w.props["file"], int(w.props["line"]), w.message) for w in warnings}
    wanted = {(a["path"], a["start_line"], a["message"]) for a in expected.annotations}
    assert shown <= wanted and len(shown) == 10
    assert all(w.props["title"] == "coupling.api_change" for w in warnings)
    # each says what changed in the signature, not the old and the new signature side by side
    assert all("makes the parameters after `*` keyword-only; adds parameters `user`, `strict`" in w.message
               and "`def handler" not in w.message for w in warnings)
    assert report["level"] == report["verdict"]["level"]  # one level in the report too
    assert_valid(report)

    assert stub.violations == []
    (run,) = stub.check_runs.values()
    assert run.data["name"] == "mergeguard" and run.data["head_sha"] == sha(work, "feat")
    assert run.data["status"] == "completed" and run.data["conclusion"] == expected.conclusion
    assert run.data["output"]["title"] == expected.title
    assert run.data["output"]["summary"] == expected.summary
    assert run.data["output"]["text"] == expected.text
    assert run.annotations == expected.annotations  # all 14, on the check run: no per-step limit there
    assert stub.calls("GET", rf"/repos/{REPO}/pulls/{PR}/reviews")  # approvals were asked for


def test_a_pull_request_opened_by_an_agents_bot_account_is_explicit_ai_authorship(tmp_path, work, stub):
    human = json.loads(Path(run_action(tmp_path / "human", work, pr_event(work), api=stub.url).outputs["report"])
                       .read_text())["signals"]["ai_authorship"]
    assert human["explicit"] is False
    event = pr_event(work)
    event["pull_request"]["user"].update(login="Copilot", type="Bot")
    r = run_action(tmp_path / "agent", work, event, api=stub.url)
    assert r.code == 0, r.stderr
    ai = json.loads(Path(r.outputs["report"]).read_text())["signals"]["ai_authorship"]
    assert ai["explicit"] is True and ai["tools"] == ["copilot"] and ai["sources"] == ["pull request"]


def test_fork_pull_request_with_read_only_token_falls_back(tmp_path, work, fork_stub):
    r = run_action(tmp_path, work, pr_event(work, fork=True), api=fork_stub.url, inputs={"fail-on": "failure"})
    assert r.code == 0, r.stderr
    assert fork_stub.check_runs == {}
    assert fork_stub.calls("POST", rf"/repos/{REPO}/check-runs")  # it tried, got 403, and went on
    assert fork_stub.violations == []
    notices = [c.message for c in r.of("notice")]
    assert any("may not write checks" in n for n in notices)
    assert len(r.of("warning")) == 10 and len(r.of("notice")) == 1
    assert "may not write checks" in r.summary
    assert r.outputs["conclusion"] in ("success", "neutral", "action_required")


LABEL_GATE = """\
thresholds: {medium: 0.00001, high: 0.00002, critical: 0.99999}
require:
  high: [{label: qa-passed}]
"""


def label_verdict(tmp_path: Path, work: Path, stub, name: str) -> dict:
    """The Action's verdict on the pull request carrying ``qa-passed`` (as its event payload says)."""
    config = tmp_path / "gate.yml"  # outside the repository: read as it is
    config.write_text(LABEL_GATE)
    r = run_action(tmp_path / name, work, pr_event(work, labels=("db", "qa-passed")), api=stub.url,
                   inputs={"config": str(config), "mode": "annotations"})
    assert r.code == 0, r.stderr
    verdict = json.loads(Path(r.outputs["report"]).read_text())["verdict"]
    assert verdict["level"] == "high"
    (result,) = verdict["required_validations"]
    return {**result, "conclusion": verdict["conclusion"], "summary": r.summary}


def test_a_label_counts_for_the_action_only_when_someone_else_let_in_added_it(tmp_path, work, stub):
    """The event payload says which labels are there, not who put them there: the Action asks GitHub's
    issue events with its token. erin wrote the pull request; lead maintains the repository."""
    stub.repos[REPO].collaborators["lead"] = "maintain"
    stub.label(REPO, PR, "qa-passed", by="erin")
    own = label_verdict(tmp_path, work, stub, "author")
    assert (own["satisfied"], own["conclusion"]) == (False, "action_required")
    assert own["detail"].startswith("label 'qa-passed' was added by the author, so it does not count")
    assert "was added by the author" in own["summary"]
    stub.unlabel(REPO, PR, "qa-passed", by="erin")
    stub.label(REPO, PR, "qa-passed", by="lead")
    theirs = label_verdict(tmp_path, work, stub, "maintainer")
    assert (theirs["satisfied"], theirs["conclusion"], theirs["detail"]) == (True, "success", "label present, added by @lead")
    stub.unlabel(REPO, PR, "qa-passed", by="erin")
    stub.label(REPO, PR, "qa-passed", by="erin")  # re-added by the author after the maintainer
    again = label_verdict(tmp_path, work, stub, "re-added")
    assert (again["satisfied"], again["conclusion"]) == (False, "action_required")
    assert len(stub.calls("GET", rf"/repos/{REPO}/issues/{PR}/events$")) == 3  # one listing per run
    assert stub.violations == []


def test_the_action_fails_closed_when_the_events_cannot_be_read(tmp_path, work, stub):
    stub.repos[REPO].collaborators["lead"] = "maintain"
    stub.label(REPO, PR, "qa-passed", by="lead")
    stub.fail("GET", rf"/issues/{PR}/events$", 403, times=1,
              body={"message": "Resource not accessible by integration", "documentation_url": "x"})
    closed = label_verdict(tmp_path, work, stub, "denied")
    assert (closed["satisfied"], closed["conclusion"]) == (False, "action_required")
    assert closed["detail"].startswith("label 'qa-passed' cannot be traced to whoever added it (GitHub GET events of "
                                       f"{REPO}#{PR} failed: HTTP 403 (Resource not accessible by integration))")
    assert label_verdict(tmp_path, work, stub, "readable")["conclusion"] == "success"


def test_the_action_without_a_token_counts_no_label(tmp_path, work, stub):
    stub.repos[REPO].collaborators["lead"] = "maintain"
    stub.label(REPO, PR, "qa-passed", by="lead")
    config = tmp_path / "gate.yml"
    config.write_text(LABEL_GATE)
    r = run_action(tmp_path / "run", work, pr_event(work, labels=("qa-passed",)), api=stub.url,
                   inputs={"config": str(config), "mode": "annotations"}, drop=("INPUT_GITHUB_TOKEN",))
    assert r.code == 0, r.stderr
    (result,) = json.loads(Path(r.outputs["report"]).read_text())["verdict"]["required_validations"]
    assert not result["satisfied"] and "no GitHub token" in result["detail"]
    assert stub.calls("GET", r"/issues/") == []


def test_check_run_mode_prints_no_annotations(tmp_path, work, stub):
    r = run_action(tmp_path, work, pr_event(work), api=stub.url, inputs={"mode": "check-run"})
    assert r.code == 0, r.stderr
    assert r.of("warning") == [] and r.of("error") == []
    assert "not shown as workflow annotations" not in r.summary
    assert len(stub.check_runs) == 1 and stub.violations == []


def test_annotations_mode_writes_no_check_run(tmp_path, work, stub):
    r = run_action(tmp_path, work, pr_event(work), api=stub.url, inputs={"mode": "annotations"})
    assert r.code == 0, r.stderr
    assert stub.check_runs == {} and not stub.calls("POST", "/check-runs")
    assert len(r.of("warning")) == 10


@pytest.mark.parametrize("fail_on", ["medium", "neutral", "failure", "critical", "never"])
def test_fail_on_decides_the_exit_code(tmp_path, work, fail_on):
    # the base's config pins the level at medium whatever the shipped model scores this change
    commit(work, {".github/mergeguard.yml": "thresholds: {medium: 0.0001, high: 0.9998, critical: 0.9999}\n"},
           "gate config", when=1_700_000_200)
    r = run_action(tmp_path, work, pr_event(work), inputs={"fail-on": fail_on, "mode": "annotations"})
    report = json.loads(Path(r.outputs["report"]).read_text())
    expected = 1 if parse_fail_on(fail_on).fails(Review.from_json(report).verdict) else 0
    assert r.code == expected, r.stderr
    assert (report["verdict"]["level"], report["verdict"]["conclusion"]) == ("medium", "success")
    assert r.code == {"medium": 1, "neutral": 0, "failure": 0, "critical": 0, "never": 0}[fail_on]
    assert r.outputs["conclusion"] == "success"  # outputs are written whatever the exit code


def test_push_scores_the_pushed_range(tmp_path, work, stub):
    before, after = sha(work, "main"), sha(work, "feat")
    r = run_action(tmp_path, work, push_event(work, before, after), event_name="push", api=stub.url)
    assert r.code == 0, r.stderr
    report = json.loads(Path(r.outputs["report"]).read_text())
    assert (report["change"]["base"], report["change"]["head"]) == (before, after)
    (run,) = stub.check_runs.values()
    assert run.data["head_sha"] == after and stub.violations == []


def test_push_of_a_new_branch_scores_against_the_default_branch(tmp_path, work):
    after = sha(work, "feat")
    event = push_event(work, "0" * 40, after, created=True)
    r = run_action(tmp_path, work, event, event_name="push", inputs={"mode": "annotations"})
    assert r.code == 0, r.stderr
    report = json.loads(Path(r.outputs["report"]).read_text())
    assert report["change"]["base"] == sha(work, "main")
    assert any("new branch" in c.message for c in r.of("notice"))


def test_force_push_whose_old_head_is_gone_scores_the_head_commit(tmp_path, work):
    after = sha(work, "feat")
    event = push_event(work, "1234567890abcdef" * 2 + "12345678", after, forced=True)
    r = run_action(tmp_path, work, event, event_name="push", inputs={"mode": "annotations"})
    assert r.code == 0, r.stderr
    report = json.loads(Path(r.outputs["report"]).read_text())
    assert (report["change"]["base"], report["change"]["head"]) == (sha(work, "feat~1"), after)
    assert any("force push" in c.message for c in r.of("notice"))


def test_push_whose_old_head_is_missing_without_force_is_an_error(tmp_path, work):
    event = push_event(work, "1234567890abcdef" * 2 + "12345678", sha(work, "feat"))
    r = run_action(tmp_path, work, event, event_name="push")
    assert r.code == 2 and "1234567890ab" in r.stderr


def test_push_deleting_a_branch_does_nothing(tmp_path, work):
    event = push_event(work, sha(work, "feat"), "0" * 40, deleted=True)
    r = run_action(tmp_path, work, event, event_name="push")
    assert r.code == 0, r.stderr
    assert r.outputs["conclusion"] == "skipped"
    assert any("deleted" in c.message for c in r.of("notice"))


def test_shallow_clone_is_deepened_from_its_remote(tmp_path, work):
    full = run_action(tmp_path / "full", work, pr_event(work), inputs={"mode": "annotations"})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "main", f"file://{work}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    r = run_action(tmp_path, clone, pr_event(work), inputs={"mode": "annotations"})
    assert r.code == 0, r.stderr
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "false"
    assert not any("shallow" in c.message for c in r.of("warning"))
    assert r.outputs["score"] == full.outputs["score"]


def test_shallow_clone_without_remote_degrades_with_a_warning(tmp_path, work):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "2", "--branch", "feat", f"file://{work}", str(clone))
    git(clone, "remote", "remove", "origin")
    r = run_action(tmp_path, clone, pr_event(work), inputs={"mode": "annotations"})
    assert r.code == 0, r.stderr
    shallow = [c for c in r.of("warning") if "shallow clone" in c.message]
    assert len(shallow) == 1 and "fetch-depth: 0" in shallow[0].message
    assert len(r.of("warning")) == 10  # our own warning took one of the ten places
    assert "shallow clone" in r.summary and "5 annotations not shown" in r.summary
    report = json.loads(Path(r.outputs["report"]).read_text())
    assert report["change"]["head"] == sha(work, "feat") and r.outputs["score"]


def test_missing_commit_without_remote_is_a_clear_error(tmp_path, work):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "main", f"file://{work}", str(clone))
    git(clone, "remote", "remove", "origin")
    r = run_action(tmp_path, clone, pr_event(work))
    assert r.code == 2
    assert r.stderr.strip().count("\n") == 0 and "not in" in r.stderr and "fetch-depth: 0" in r.stderr
    assert r.of("error") and r.outputs == {}


def test_pull_request_target_reads_the_head_without_checking_it_out(tmp_path, work, stub):
    clone = tmp_path / "base-checkout"
    git(tmp_path, "clone", "-q", "--single-branch", "--branch", "main", f"file://{work}", str(clone))
    head = sha(work, "feat")
    assert subprocess.run(["git", "-C", str(clone), "cat-file", "-e", head]).returncode != 0
    r = run_action(tmp_path, clone, pr_event(work), event_name="pull_request_target", api=stub.url)
    assert r.code == 0, r.stderr
    assert git(clone, "rev-parse", "HEAD").strip() == sha(work, "main")  # still the base
    assert (clone / "svc/api.py").read_text() == API and git(clone, "status", "--porcelain") == ""
    assert json.loads(Path(r.outputs["report"]).read_text())["change"]["head"] == head
    assert len(stub.check_runs) == 1 and stub.violations == []


@pytest.mark.parametrize("case", ["no-event-path", "invalid-json", "unsupported-event", "no-pull-request",
                                  "bad-fail-on", "bad-mode"])
def test_bad_input_exits_2_with_one_line(tmp_path, work, case):
    event: dict | str | None = pr_event(work)
    kw: dict = {}
    if case == "no-event-path":
        kw["drop"] = ("GITHUB_EVENT_PATH",)
    elif case == "invalid-json":
        event = "{not json"
    elif case == "unsupported-event":
        kw["event_name"] = "workflow_dispatch"
    elif case == "no-pull-request":
        event = {"action": "opened"}
    elif case == "bad-fail-on":
        kw["inputs"] = {"fail-on": "sometimes"}
    elif case == "bad-mode":
        kw["inputs"] = {"mode": "everything"}
    r = run_action(tmp_path, work, event, **kw)
    assert r.code == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mergeguard: error: ")
    (error,) = r.of("error")  # the same line as an annotation, so it shows on the run's page
    assert error.message == lines[0].removeprefix("mergeguard: error: ")
    assert r.outputs == {}


# -- the pure parts -------------------------------------------------------------------------------


def test_escaping_follows_githubs_rules():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    line = command("warning", "line one\n::error::injected", file="src/a,b.py", line=3, title="t:x", endLine=None)
    assert line == "::warning file=src/a%2Cb.py,line=3,title=t%3Ax::line one%0A::error::injected"
    (cmd,) = parse_commands(line)
    assert cmd.props == {"file": "src/a,b.py", "line": "3", "title": "t:x"}
    assert cmd.message == "line one\n::error::injected"


def test_annotation_commands_keep_the_most_severe_within_limits():
    def ann(level, i):
        return {"path": f"f{i}.py", "start_line": i + 1, "end_line": i + 3, "annotation_level": level,
                "message": f"m{i}", "title": "k"}

    anns = [ann("notice", i) for i in range(12)] + [ann("warning", i) for i in range(12)] + [ann("failure", i) for i in range(3)]
    lines, left = annotation_commands(anns, reserved={"warning": 1, "notice": 2})
    kinds = [c.kind for c in parse_commands("\n".join(lines))]
    assert kinds[:3] == ["error"] * 3
    assert kinds.count("warning") == 9 and kinds.count("notice") == 8
    assert left == len(anns) - len(lines) == 27 - 20
    assert parse_commands(lines[0])[0].props == {"file": "f0.py", "line": "1", "endLine": "3", "title": "k"}
    lines, left = annotation_commands([ann("warning", i) for i in range(8)] * 10, per_kind=100, per_job=50)
    assert len(lines) == 50 and left == 30


def test_output_text_uses_an_unguessable_heredoc_for_multiline_values():
    delims = iter(["EOF", "EOF2"])
    text = output_text({"score": "0.5", "report": "a\nEOF\nb"}, delimiter=lambda: next(delims))
    assert text == "score=0.5\nreport<<EOF2\na\nEOF\nb\nEOF2\n"
    assert parse_output_file(text) == {"score": "0.5", "report": "a\nEOF\nb"}


def test_fail_on_accepts_a_conclusion_or_a_level():
    verdict = Verdict(conclusion="action_required", level="high", required_validations=(), notes=())
    assert parse_fail_on("action_required").fails(verdict) and parse_fail_on("action-required").fails(verdict)
    assert not parse_fail_on("failure").fails(verdict)
    assert parse_fail_on("high").fails(verdict) and not parse_fail_on("critical").fails(verdict)
    assert parse_fail_on("") == FailOn("never") and not parse_fail_on("never").fails(verdict)
    with pytest.raises(ActionError, match="fail-on must be one of"):
        parse_fail_on("success")
    with pytest.raises(ActionError, match="mode must be one of"):
        Options.from_env({"INPUT_MODE": "all"})
    assert Options.from_env({"INPUT_MODE": "x"}, mode="annotations").mode == "annotations"


def test_parse_event_on_githubs_examples():
    for p in webhook_examples("pull_request"):
        t = parse_event("pull_request", p)
        assert t.head == p["pull_request"]["head"]["sha"] and t.base == p["pull_request"]["base"]["sha"]
        assert t.number == p["pull_request"]["number"] and t.author == p["pull_request"]["user"]["login"]
        assert t.refspecs == (f"+refs/pull/{t.number}/head:refs/remotes/pull/{t.number}/head",)
    for p in webhook_examples("push"):
        t = parse_event("push", p)
        if p["deleted"]:
            assert t.skip and t.head is None
        else:
            assert t.head == p["after"] and t.new_branch == (p["before"] == "0" * 40)
    assert parse_event("push", {"before": "a" * 40, "after": "b" * 40, "ref": "refs/heads/x", "forced": True}) == Target(
        event="push", head="b" * 40, base="a" * 40, forced=True, refspecs=("+refs/heads/x:refs/remotes/mergeguard/pushed",))
    with pytest.raises(ActionError, match="not a commit SHA"):
        parse_event("pull_request", {"pull_request": {"number": 1, "head": {"sha": "main"}, "base": {"sha": "x"}}})


def test_config_input_inside_the_repository_is_read_at_the_base(tmp_path, work):
    """On pull_request the workspace is the merge commit: a PR must not relax the gate through it."""
    cfg = work / ".github" / "gate.yml"
    commit(work, {".github/gate.yml": "conclusions: {medium: failure, high: failure, critical: failure}\n"},
           "strict gate", when=1_700_000_200)
    cfg.write_text("conclusions: {medium: success, high: success, critical: success}\n")  # the PR's version
    r = run_action(tmp_path, work, pr_event(work), inputs={"config": str(cfg), "mode": "annotations"})
    assert r.code == 0, r.stderr
    assert r.outputs["conclusion"] == "failure"
    # a config outside the repository is not the pull request's to change: read as it is
    outside = tmp_path / "policy.yml"
    outside.write_text("thresholds: {medium: 0.0001, high: 0.9998, critical: 0.9999}\n"  # medium, whatever the model scores
                       "conclusions: {medium: neutral, high: neutral, critical: neutral}\n")
    r = run_action(tmp_path, work, pr_event(work), inputs={"config": str(outside), "mode": "annotations"})
    assert r.outputs["conclusion"] == "neutral"


def _model_with_thresholds(src: Path, dst: Path, medium: float, high: float, critical: float) -> dict[str, str]:
    """The shipped model's files with other thresholds, as ``{relative path: text}``."""
    meta = json.loads((src / "model.json").read_text())
    meta["thresholds"] = {"medium": medium, "high": high, "critical": critical}
    return {f"{dst.as_posix()}/model.json": json.dumps(meta), f"{dst.as_posix()}/model.txt": (src / "model.txt").read_text()}


def test_model_input_inside_the_repository_is_read_at_the_base(tmp_path, work):
    """A pull request that ships its own model (lenient thresholds) in the model dir the workflow names
    must not be scored with it: on pull_request the workspace is the PR's merge commit (issue 11, item 4)."""
    from mergeguard.models.model import default_model_dir

    shipped = default_model_dir()
    strict = _model_with_thresholds(shipped, Path("ci/model"), 0.0001, 0.0002, 0.0003)
    commit(work, strict, "strict model", when=1_700_000_200)
    lenient = _model_with_thresholds(shipped, Path("ci/model"), 0.97, 0.98, 0.99)
    for rel, text in lenient.items():  # the pull request's version of the files, in the workspace
        (work / rel).write_text(text)
    model_dir = work / "ci" / "model"
    r = run_action(tmp_path, work, pr_event(work), inputs={"model": str(model_dir), "mode": "annotations"})
    assert r.code == 0, r.stderr
    assert r.outputs["level"] == "critical" and r.outputs["conclusion"] == "action_required"  # the default gate never fails
    report = json.loads(Path(r.outputs["report"]).read_text())
    assert report["verdict"]["thresholds"] == {"medium": 0.0001, "high": 0.0002, "critical": 0.0003}
    # a model directory outside the repository (a runner cache, an artifact) is not the PR's: read as it is
    outside = tmp_path / "cache" / "model"
    for rel, text in _model_with_thresholds(shipped, outside, 0.97, 0.98, 0.99).items():
        Path(rel).parent.mkdir(parents=True, exist_ok=True)
        Path(rel).write_text(text)
    r = run_action(tmp_path, work, pr_event(work), inputs={"model": str(outside), "mode": "annotations"})
    assert r.code == 0, r.stderr
    assert r.outputs["level"] == "low" and r.outputs["conclusion"] == "success"


def test_model_input_the_base_does_not_have_falls_back_to_the_shipped_model(tmp_path, work):
    """A model dir only the pull request adds is not used; the shipped model scores, and a warning says so."""
    from mergeguard.models.model import default_model_dir

    for rel, text in _model_with_thresholds(default_model_dir(), Path("ci/model"), 0.97, 0.98, 0.99).items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    r = run_action(tmp_path, work, pr_event(work), inputs={"model": str(work / "ci" / "model"), "mode": "annotations"})
    assert r.code == 0, r.stderr
    report = json.loads(Path(r.outputs["report"]).read_text())
    shipped = json.loads((default_model_dir() / "model.json").read_text())["thresholds"]
    assert report["verdict"]["thresholds"] == shipped
    assert any("ci/model" in w.message and "not at the base" in w.message for w in r.of("warning")), r.stdout
