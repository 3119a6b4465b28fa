"""action.yml, run the way the runner runs a composite action (there is no Docker here, so no ``act``).

The test reads action.yml, checks what it declares, then executes its ``run`` steps in order with
``bash --noprofile --norc -eo pipefail`` as GitHub does for ``shell: bash``, each with its own
``GITHUB_OUTPUT`` file, substituting the few expressions the file uses (``inputs.*``,
``github.action_path``, ``github.token``, ``steps.<id>.outputs.*``); an expression it does not
know fails the test rather than becoming an empty string. ``uses:`` steps are not run, but must be
pinned to a full commit SHA; actions/setup-python is stood in for by this interpreter (its
``python-path`` output).

The install step really runs: a venv in RUNNER_TEMP (with ``--system-site-packages``, so the pinned
requirements this machine already has are found installed and only the two pinned build packages
are fetched from PyPI), then mergeguard built and installed from a copy of the action's directory
(the runner checks the action out separately; a copy also keeps build files out of the repository).
That takes well under a minute here; a fresh venv without system packages would download ~300 MB.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mergeguard.assessment import Review
from mergeguard.checkrun import content

from .ghstub import GitHubStub
from .gitrepo import commit
from .test_action import PR, REPO, TOKEN, parse_output_file, pr_event, sha, work  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def test_declares_the_inputs_and_outputs():
    assert set(ACTION["inputs"]) == {"github-token", "config", "fail-on", "mode", "model", "score-cache",
                                       "python-version"}
    assert ACTION["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert ACTION["inputs"]["mode"]["default"] == "both"
    assert set(ACTION["outputs"]) == {"score", "level", "conclusion", "report"}
    for name, out in ACTION["outputs"].items():
        assert out["value"] == f"${{{{ steps.mergeguard.outputs.{name} }}}}"
    assert ACTION["runs"]["using"] == "composite"
    for step in ACTION["runs"]["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), f"not pinned: {step['uses']}"
        else:
            assert step["shell"] == "bash"
            # inputs reach scripts through env only: no expression inside script text
            assert not EXPR.search(step["run"]), step["run"]
    requirements = (ROOT / "action-requirements.txt").read_text().splitlines()
    pins = [ln for ln in requirements if ln.strip() and not ln.startswith("#")]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][\w.]*", p) for p in pins), pins


class Expressions:
    """The ``${{ }}`` expressions action.yml uses, evaluated as the runner would."""

    def __init__(self, inputs: dict[str, str], action_path: str, token: str):
        self.inputs, self.action_path, self.token = inputs, action_path, token
        self.steps: dict[str, dict[str, str]] = {}

    def value(self, expr: str) -> str:
        if m := re.fullmatch(r"inputs\.([\w-]+)", expr):
            name = m.group(1)
            assert name in ACTION["inputs"], f"undeclared input {name}"
            return self.inputs[name] if name in self.inputs else self.sub(str(ACTION["inputs"][name].get("default", "")))
        if expr == "github.action_path":
            return self.action_path
        if expr == "github.token":
            return self.token
        if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr):
            return self.steps.get(m.group(1), {}).get(m.group(2), "")
        raise AssertionError(f"expression the test runner does not know: {expr}")

    def sub(self, text: str) -> str:
        return EXPR.sub(lambda m: self.value(m.group(1)), str(text))


def copy_action(dest: Path) -> Path:
    """The action's files as a runner would check them out (tracked and new files, no build output)."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def run_composite(tmp_path: Path, workspace: Path, event: dict, inputs: dict[str, str], api: str):
    runner = tmp_path / "runner"
    runner.mkdir()
    action_path = copy_action(tmp_path / "action")
    (runner / "event.json").write_text(json.dumps(event))
    summary = runner / "summary.md"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_", "VIRTUAL_ENV"))}
    base_env.update(GITHUB_ACTIONS="true", GITHUB_EVENT_NAME="pull_request", GITHUB_EVENT_PATH=str(runner / "event.json"),
                    GITHUB_WORKSPACE=str(workspace), GITHUB_STEP_SUMMARY=str(summary), GITHUB_REPOSITORY=REPO,
                    GITHUB_API_URL=api, RUNNER_TEMP=str(runner), GITHUB_ACTION_PATH=str(action_path),
                    PIP_DISABLE_PIP_VERSION_CHECK="1")
    ex = Expressions(inputs, str(action_path), TOKEN)
    results = []
    for i, step in enumerate(ACTION["runs"]["steps"]):
        sid = step.get("id", f"step{i}")
        if "uses" in step:
            assert step["uses"].startswith("actions/setup-python@")
            assert ex.sub(step["with"]["python-version"]) == inputs.get("python-version", "3.11")
            ex.steps[sid] = {"python-path": sys.executable, "python-version": sys.version.split()[0]}
            continue
        out = runner / f"output-{sid}"
        out.write_text("")
        script = runner / f"{sid}.sh"
        script.write_text(ex.sub(step["run"]))
        env = {**base_env, **{k: ex.sub(v) for k, v in (step.get("env") or {}).items()}, "GITHUB_OUTPUT": str(out)}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=env, capture_output=True, text=True, timeout=600)
        results.append((sid, proc))
        ex.steps[sid] = parse_output_file(out.read_text())
        if proc.returncode != 0:
            break  # a failing step ends a composite action
    outputs = {name: ex.sub(o["value"]) for name, o in ACTION["outputs"].items()}
    return results, outputs, ex, summary.read_text()


@pytest.fixture
def stub(work):
    with GitHubStub(github_token=TOKEN) as s:
        s.add_repo(REPO, work)
        s.add_pull(REPO, PR, head="feat", author="erin")
        yield s


def test_runs_its_steps_in_order_and_installs_from_its_own_directory(tmp_path, work, stub):
    # the base's config pins the level at medium whatever the shipped model scores this change
    commit(work, {".github/mergeguard.yml": "thresholds: {medium: 0.0001, high: 0.9998, critical: 0.9999}\n"},
           "gate config", when=1_700_000_200)
    results, outputs, ex, summary = run_composite(tmp_path, work, pr_event(work), {"fail-on": "medium"}, stub.url)
    (install, i_proc), (score, s_proc) = results
    assert (install, score) == ("install", "mergeguard")
    assert i_proc.returncode == 0, i_proc.stderr[-3000:]

    venv_bin = Path(ex.steps["install"]["bin"])
    assert venv_bin.parent == tmp_path / "runner" / "mergeguard-venv"
    where = subprocess.run([str(venv_bin / "python"), "-c", "import mergeguard, lightgbm; print(mergeguard.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout.strip()
    assert Path(where).is_relative_to(venv_bin.parent), where  # the action's copy, not the dev checkout

    # fail-on: medium, and this change is medium: the step fails, and still sets its outputs
    assert s_proc.returncode == 1, s_proc.stderr[-3000:]
    report = json.loads(Path(outputs["report"]).read_text())
    assert outputs == {"score": f"{report['score']:.4f}", "level": "medium", "conclusion": "success",
                       "report": str(tmp_path / "runner" / "mergeguard-report.json")}
    assert report["change"]["head"] == sha(work, "feat")
    assert summary.startswith(content(Review.from_json(report)).summary.rstrip("\n"))
    (run,) = stub.check_runs.values()
    assert run.data["conclusion"] == "success" and stub.violations == []
    # the token reached the step through the github-token input's default, ${{ github.token }}
    posts = stub.calls("POST", "/check-runs")
    assert posts and all(r.headers.get("Authorization") in (f"token {TOKEN}", f"Bearer {TOKEN}") for r in posts)
    assert s_proc.stdout.count("::warning ") == 10


def test_an_input_the_action_does_not_declare_is_caught():
    ex = Expressions({}, "/x", TOKEN)
    with pytest.raises(AssertionError, match="undeclared input"):
        ex.sub("${{ inputs.nope }}")
    with pytest.raises(AssertionError, match="does not know"):
        ex.sub("${{ secrets.X }}")
    assert ex.sub("${{ inputs.github-token }}") == TOKEN and ex.sub("${{ inputs.fail-on }}") == "failure"
