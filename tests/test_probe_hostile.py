"""A hostile-input and gate-bypass sweep of every face (CLI, Action, App): each test reproduced its
problem before the fix beside it. Real git repositories in temp dirs, real symlinks, the CLI's
``main``, the Action's entry points and the App's Flask client."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mergeguard.git import GitRepo

from .gitrepo import commit, init_repo

STRICT = "conclusions: {medium: failure, high: failure, critical: failure}\n"
LENIENT = "conclusions: {medium: success, high: success, critical: success}\n"


@pytest.fixture
def origin(tmp_path):
    w = init_repo(tmp_path / "origin")
    shas = [commit(w, {"a.py": f"x = {i}\n"}, f"c{i}", when=1_700_000_000 + i * 60) for i in range(3)]
    return w, shas


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

