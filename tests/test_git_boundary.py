"""One git boundary: the ``Git`` interface, its subprocess implementation, and who may run git.

Everything here runs real git on repositories built in temp dirs; the Action's history fetching is
exercised through the interface on real shallow clones, and the rules (only ``mergeguard/git.py``
starts processes of git; the core never imports the App) are checked on the AST of every module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mergeguard.action import Target, ensure_history, push_base
from mergeguard.errors import RefError, RepositoryError
from mergeguard.git import Git, GitRepo, run_git

from .gitrepo import commit, git, init_repo, numbered_history

ROOT = Path(__file__).resolve().parents[1]
#: the packages of the distribution (folders mapped into the ``mergeguard`` namespace)
PACKAGES = ("mergeguard", "features", "models", "app")


@pytest.fixture
def origin(tmp_path):
    return numbered_history(tmp_path / "origin", 5)


def _shallow_clone(origin: Path, dest: Path) -> Path:
    git(origin.parent, "clone", "-q", "--depth", "1", "--no-local", f"file://{origin}", str(dest))
    return dest


# -- the interface -------------------------------------------------------------------------------


def test_gitrepo_implements_the_interface(origin):
    repo = GitRepo(origin[0])
    assert isinstance(repo, Git)
    shas = origin[1]
    assert repo.resolve("HEAD") == shas[-1]
    assert repo.parents(shas[-1]) == (shas[-2],)
    assert repo.merge_base(shas[1], shas[-1]) == shas[1]
    assert repo.has_commit(shas[0]) and not repo.has_commit("0" * 40)
    assert repo.read_blobs([f"{shas[2]}:a.py", f"{shas[2]}:nope.py"]) == {f"{shas[2]}:a.py": b"x = 2\n",
                                                                         f"{shas[2]}:nope.py": None}
    assert b"-x = 3\n+x = 4\n" in repo.diff(shas[3], shas[4])
    assert [r.sha for r in repo.log([shas[-1]])] == shas
    assert not repo.is_shallow


def test_failures_keep_their_errors(origin, tmp_path):
    repo = GitRepo(origin[0])
    with pytest.raises(RefError, match="unknown revision 'no-such-branch'"):
        repo.resolve("no-such-branch")
    with pytest.raises(RepositoryError, match="git cat-file failed"):
        repo.run("cat-file", "-p", "0" * 40)
    (tmp_path / "plain").mkdir()
    with pytest.raises(RepositoryError, match="not a git repository"):
        GitRepo(tmp_path / "plain")
    # a failure that is an answer is returned, not raised
    done = repo.attempt("merge-base", "--is-ancestor", origin[1][-1], origin[1][0])
    assert done.returncode == 1 and not done.ok and not done.timed_out


def test_run_git_reports_failures_without_raising(tmp_path):
    done = run_git(["-C", str(tmp_path), "rev-parse", "HEAD"])
    assert not done.ok and "not a git repository" in done.err


def test_inherited_git_dir_does_not_redirect_the_repository(origin, tmp_path, monkeypatch):
    other = init_repo(tmp_path / "other")
    commit(other, {"b.py": "y = 1\n"}, "other")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    assert GitRepo(origin[0]).resolve("HEAD") == origin[1][-1]


def _hanging_remote(repo: Path, script: str) -> None:
    """An ssh remote whose "ssh" is ``script``: how git's network side behaves, without a network."""
    git(repo, "remote", "add", "slow", "ssh://git.example.invalid/r.git")
    git(repo, "config", "core.sshCommand", script)


def test_fetch_runs_without_prompts_and_says_why_it_failed(origin, tmp_path):
    clone = _shallow_clone(origin[0], tmp_path / "clone")
    _hanging_remote(clone, "sh -c 'echo prompt=$GIT_TERMINAL_PROMPT >&2; exit 1' ssh")
    done = GitRepo(clone).fetch("slow", "main")
    assert not done.ok and not done.timed_out
    assert "prompt=0" in done.err  # git (and its helpers) may never wait for a terminal


def test_fetch_is_bounded_by_its_timeout(origin, tmp_path):
    clone = _shallow_clone(origin[0], tmp_path / "clone")
    _hanging_remote(clone, "sh -c 'sleep 30' ssh")
    done = GitRepo(clone).fetch("slow", "main", timeout=0.5)
    assert done.timed_out and done.returncode == 124 and "timed out" in done.err


# -- the Action's git goes through the interface -------------------------------------------------


def test_action_unshallows_a_checkout_through_the_interface(origin, tmp_path):
    w, shas = origin
    clone = GitRepo(_shallow_clone(w, tmp_path / "clone"))
    assert clone.is_shallow and not clone.has_commit(shas[0])
    logged: list[str] = []
    target = Target(event="pull_request", head=shas[-1], base=shas[0], number=1)
    assert ensure_history(clone, target, log=logged.append) == []
    assert not clone.is_shallow and clone.has_commit(shas[0])
    assert any("fetching 1 missing commit" in line for line in logged)


def test_action_without_a_remote_warns_then_refuses_a_missing_commit(origin, tmp_path):
    w, shas = origin
    clone = _shallow_clone(w, tmp_path / "clone")
    git(clone, "remote", "remove", "origin")
    repo = GitRepo(clone)
    with pytest.raises(Exception, match=f"commit {shas[0][:12]} named by the pull_request event"):
        ensure_history(repo, Target(event="pull_request", head=shas[-1], base=shas[0], number=1), log=lambda _: None)
    # the head alone is there: scored with a degraded-history warning
    warned = ensure_history(repo, Target(event="push", head=shas[-1], base=None), log=lambda _: None)
    assert warned and "shallow clone" in warned[0] and "no remote" in warned[0]


def test_action_fetch_that_hangs_is_a_warning_not_a_hang(origin, tmp_path):
    w, shas = origin
    clone = _shallow_clone(w, tmp_path / "clone")
    git(clone, "remote", "set-url", "origin", "ssh://git.example.invalid/r.git")
    git(clone, "config", "core.sshCommand", "sh -c 'sleep 30' ssh")
    logged: list[str] = []
    warned = ensure_history(GitRepo(clone), Target(event="push", head=shas[-1], base=None), timeout=0.5,
                            log=logged.append)
    assert any("--unshallow origin: timed out after" in line for line in logged)
    assert warned and "shallow clone" in warned[0]


def test_push_of_a_new_branch_is_scored_against_the_default_branch(origin, tmp_path):
    w, shas = origin
    git(w, "checkout", "-q", "-b", "feature")
    head = commit(w, {"b.py": "y = 1\n"}, "feature work", when=1_700_001_000)
    clone = tmp_path / "clone"
    git(w.parent, "clone", "-q", "--no-local", "--branch", "feature", f"file://{w}", str(clone))
    git(clone, "update-ref", "-d", "refs/remotes/origin/main")
    target = Target(event="push", head=head, base=None, new_branch=True, default_branch="main")
    base, why = push_base(GitRepo(clone), target)
    assert base == shas[-1] and why == "new branch: scored against main"


# -- who may run git, who may import the App -----------------------------------------------------


def _modules(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


def _imports(path: Path, source: str | None = None) -> set[str]:
    """Absolute names of every module ``path`` imports, deferred imports in functions included
    (relative imports resolved against its package in the ``mergeguard`` namespace)."""
    dirs = list(path.relative_to(ROOT).parts[:-1])
    package = dirs if dirs[0] == "mergeguard" else ["mergeguard", *dirs]
    text = path.read_text(encoding="utf-8") if source is None else source
    found: set[str] = set()
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                mod = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            found.update(f"{mod}.{a.name}" for a in node.names)
    return found


def test_only_the_git_module_starts_processes_of_git():
    allowed = {ROOT / "mergeguard" / "git.py"}
    offenders = [str(p.relative_to(ROOT)) for p in _modules(*PACKAGES)
                 if p not in allowed and any(m == "subprocess" or m.startswith("subprocess.") for m in _imports(p))]
    assert offenders == []


#: the one face inside ``mergeguard/`` that starts the App: ``mergeguard serve`` (its settings and
#: gunicorn launcher), imported only when that subcommand runs
LAUNCHERS = {"mergeguard/cli.py": {"mergeguard.app.settings", "mergeguard.app.settings.Settings",
                                   "mergeguard.app.settings.preflight", "mergeguard.app.wsgi",
                                   "mergeguard.app.wsgi.default_bind", "mergeguard.app.wsgi.gunicorn_options",
                                   "mergeguard.app.wsgi.serve"}}


def test_the_core_never_imports_the_app():
    offenders: dict[str, list[str]] = {}
    for p in _modules("mergeguard", "features", "models"):
        name = p.relative_to(ROOT).as_posix()
        bad = sorted(m for m in _imports(p) if (m == "mergeguard.app" or m.startswith("mergeguard.app."))
                     and m not in LAUNCHERS.get(name, set()))
        if bad:
            offenders[name] = bad
    assert offenders == {}


def test_the_import_rules_can_fail():
    """Both spellings of an App import, and a deferred ``import subprocess``, are seen."""
    assert "mergeguard.app.github" in _imports(ROOT / "mergeguard" / "render" / "x.py", "from ..app import github\n")
    assert "mergeguard.app.github" in _imports(ROOT / "features" / "x.py",
                                               "def f():\n    from mergeguard.app.github import GitHubClient\n")
    assert "mergeguard.app.github" in _imports(ROOT / "features" / "__init__.py", "from ..app.github import X\n")
    assert "subprocess" in _imports(ROOT / "models" / "x.py", "def g():\n    import subprocess\n")


# -- the Action's config is read from git at the base, as text --------------------------------------


def test_action_config_inside_the_repository_is_parsed_from_the_base_blob(origin, tmp_path):
    from mergeguard.action import config_at_base
    from mergeguard.config import ConfigError

    w, shas = origin
    strict = commit(w, {".github/gate.yml": "conclusions: {medium: failure, high: failure, critical: failure}\n"},
                    "strict gate", when=1_700_001_000)
    (w / ".github" / "gate.yml").write_text("conclusions: {medium: success}\n")  # the pull request's copy
    repo = GitRepo(w)
    path, config = config_at_base(repo, str(w / ".github" / "gate.yml"), strict)
    assert path is None and config is not None and config.conclusions["medium"] == "failure"
    assert not list(tmp_path.glob("mergeguard-config-*"))  # nothing written to read it back
    # absent at the base: the defaults (the repository's own file); outside the repository: as it is
    assert config_at_base(repo, str(w / ".github" / "gate.yml"), shas[-1]) == (None, None)
    assert config_at_base(repo, str(tmp_path / "policy.yml"), strict) == (str(tmp_path / "policy.yml"), None)
    # a broken config at the base is named by revision and path, with its line
    bad = commit(w, {".github/gate.yml": "conclusions: [\n", "x.bin": b"\xff"}, "broken", when=1_700_002_000)
    with pytest.raises(ConfigError, match=rf"{bad[:12]}:\.github/gate\.yml"):
        config_at_base(repo, str(w / ".github" / "gate.yml"), bad)
    latin = commit(w, {".github/gate.yml": b"# caf\xe9\n"}, "latin-1", when=1_700_003_000)
    with pytest.raises(ConfigError, match="not UTF-8"):
        config_at_base(repo, str(w / ".github" / "gate.yml"), latin)


# -- detectors get data: images read through the interface ------------------------------------------


def test_blob_images_read_both_sides_through_the_interface(origin):
    from mergeguard.change import Limits, StaticImages
    from mergeguard.sources import BlobImages, change_from_range

    w, shas = origin
    git(w, "mv", "a.py", "b.py")
    renamed = commit(w, {"b.py": "x = 4\ny = 5\n", "blob.bin": b"\0\1\2"}, "rename", when=1_700_001_000)
    repo = GitRepo(w)
    change = change_from_range(repo, shas[-1], renamed, Limits())
    assert isinstance(change.images, BlobImages)
    assert change.image("b.py", "pre") == "x = 4\n"  # the pre-image under the file's old name
    assert change.image("b.py", "post") == "x = 4\ny = 5\n"
    assert change.image("blob.bin", "post") is None  # binary: no text
    assert change.image("nope.py", "post") is None
    change.images = StaticImages({("b.py", "post"): "z = 1\n"})
    assert change.image("b.py", "post") == "z = 1\n" and change.image("b.py", "pre") is None


# -- the App's mirror runs git through the same runner ------------------------------------------------


def test_mirror_runs_git_only_through_run_git_with_the_token_out_of_argv(origin, tmp_path, monkeypatch):
    import mergeguard.app.mirror as mirror_mod
    from mergeguard import git as git_mod

    from .ghstub import GitHubStub

    w, shas = origin
    seen: list[tuple[list[str], dict[str, str]]] = []

    def recording(args, *, env=None, input=None, timeout=None):  # the real runner, watched
        seen.append((list(args), dict(env or {})))
        return git_mod.run_git(args, env=env, input=input, timeout=timeout)

    monkeypatch.setattr(mirror_mod, "run_git", recording)
    with GitHubStub() as stub:
        stub.add_installation(5, "octo")
        stub.add_repo("octo/svc", w)
        token = stub.issue_token(5)
        repo = mirror_mod.Mirror(tmp_path / "m").sync("octo/svc", stub.clone_url("octo/svc"), token, refs=["main"])
    assert repo.resolve("main") == shas[-1]
    commands = [next(a for a in args if not a.startswith("-") and "/" not in a) for args, _ in seen]
    assert commands[0] == "clone" and "fetch" in commands
    for args, env in seen:
        assert not any(token in a for a in args)  # never on a command line (the process list shows those)
        assert env["GIT_TERMINAL_PROMPT"] == "0" and env["GIT_CONFIG_NOSYSTEM"] == "1"
    network = [env for args, env in seen if any(a in ("clone", "fetch") for a in args)]
    assert network and all(any(v.startswith("Authorization: Basic ") for k, v in env.items()
                               if k.startswith("GIT_CONFIG_VALUE_")) for env in network)
