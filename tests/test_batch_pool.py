"""The local pool's start-up (issue 16, fifth round): workers forked from a fork server that has
imported the task's modules already, started before the command's own imports and planning.

The pool is started in a fresh interpreter for each case (a pytest process's fork server may have
been started by an earlier test, without the modules, and is started once per process)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from mergeguard import cli

SCRIPT = """
import sys
from mergeguard.batch import run_tasks

def loaded(name):
    return name in sys.modules

if __name__ == "__main__":
    preload = sys.argv[1:]
    print(run_tasks(loaded, ["mergeguard.features.api_surface"] * 2, jobs=2, preload=preload))
"""


def _workers_saw(tmp_path: Path, *preload: str) -> str:
    script = tmp_path / "pool_script.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), *preload], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_workers_inherit_the_preloaded_modules(tmp_path):
    assert _workers_saw(tmp_path, "mergeguard.features.api_surface") == "[True, True]"


def test_without_preload_workers_import_for_themselves(tmp_path):
    assert _workers_saw(tmp_path) == "[False, False]"


@pytest.mark.parametrize("name", cli.SCORE_PRELOAD)
def test_every_module_the_score_pool_preloads_exists(name):
    """The fork server skips a module it cannot import without a word: a misspelt name would silently
    bring back each worker's own imports."""
    assert importlib.import_module(name).__name__ == name


def test_the_pool_starts_early_only_for_a_batch_worth_two_workers(tmp_path, monkeypatch):
    from mergeguard import batch

    monkeypatch.setattr(batch, "default_jobs", lambda: 2)
    many = tmp_path / "many.txt"
    many.write_text("# a comment\n" + "".join(f"{i:040x}\n" for i in range(2 * cli.MIN_COMMITS_PER_JOB)))
    few = tmp_path / "few.txt"
    few.write_text("".join(f"{i:040x}\n" for i in range(2 * cli.MIN_COMMITS_PER_JOB - 1)))
    parse = cli.build_parser().parse_args
    assert cli._pool_ahead(parse(["score", "--commits", str(many)]))
    assert not cli._pool_ahead(parse(["score", "--commits", str(few)]))
    assert not cli._pool_ahead(parse(["score", "--commits", str(many), "--jobs", "1"]))
    assert not cli._pool_ahead(parse(["score", "--commits", str(tmp_path / "missing.txt")]))
    assert not cli._pool_ahead(parse(["score", "--diff", "-"]))
    monkeypatch.setattr(batch, "default_jobs", lambda: 1)
    assert not cli._pool_ahead(parse(["score", "--commits", str(many)]))
    assert cli._pool_ahead(parse(["score", "--commits", str(many), "--jobs", "3"]))
