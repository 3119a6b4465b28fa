"""One line and exit 2, before any work, for outputs that cannot be written (issue 11, item 14).

Each case used to do the work (score, mine, train, evaluate for 40 s) and then die with a
traceback, or -- for ``serve`` -- start workers that crash-looped or reported healthy with no
model. "Before the work" is checked by order, not by time: the output error wins over an input
error that the work would have met first.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mergeguard.outputs import OutputError, writable_dir, writable_file

from .test_app_web import pem


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mergeguard.cli", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


def one_line_error(p: subprocess.CompletedProcess, *needles: str) -> str:
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mergeguard: error: "), p.stderr
    assert "Traceback" not in p.stderr
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


UNWRITABLE = ["/nonexistent/dir/x.json", "/proc/x.json", "/etc/passwd/x.json"]


@pytest.mark.parametrize("out", UNWRITABLE)
def test_score_output_is_checked_before_the_work(tmp_path, out):
    (tmp_path / "shas").write_text("0" * 40 + "\n")  # an unknown commit: the work would fail on it first
    p = run("score", "--repo", str(tmp_path), "--commits", str(tmp_path / "shas"), "--output", out)
    one_line_error(p, "--output", out)


@pytest.mark.parametrize("out", UNWRITABLE)
def test_mine_out_is_checked_before_the_work(tmp_path, out):
    p = run("mine", "--repo", str(tmp_path / "not-a-repo"), "--out", out)
    one_line_error(p, "--out", out)
    p = run("mine", "--repo", str(tmp_path / "not-a-repo"), "--out", str(tmp_path / "ok.jsonl"), "--report", out)
    one_line_error(p, "--report", out)


@pytest.mark.parametrize("out", ["/proc/model", "/etc/passwd/model", "/etc/passwd"])
def test_train_out_is_checked_before_the_work(tmp_path, out):
    p = run("train", str(tmp_path / "missing.jsonl"), "--out", out)
    one_line_error(p, "--out", out)


def test_evaluate_output_and_plots_are_checked_before_the_work(tmp_path):
    one_line_error(run("evaluate", str(tmp_path / "missing.jsonl"), "--output", "/proc/x.txt"), "--output")
    one_line_error(run("evaluate", str(tmp_path / "missing.jsonl"), "--plots", "/etc/passwd/plots"), "--plots")


def test_evaluate_with_one_repository(trained_model_dir):
    model_dir, paths = trained_model_dir
    loro = run("evaluate", paths[0], "--model", str(model_dir), "--mode", "loro")
    one_line_error(loro, "at least two repositories", "holds 1")
    both = run("evaluate", paths[0], "--model", str(model_dir), "--ablation", "none", "--format", "json")
    assert both.returncode == 0, both.stderr
    assert "leave-one-repo-out skipped" in both.stderr and '"within"' in both.stdout and '"loro"' not in both.stdout


def serve_env(tmp_path, **extra) -> dict:
    key = tmp_path / "key.pem"
    key.write_text(pem())
    return {"MERGEGUARD_APP_ID": "1", "MERGEGUARD_WEBHOOK_SECRET": "s", "MERGEGUARD_PRIVATE_KEY_PATH": str(key),
            "MERGEGUARD_DATA_DIR": str(tmp_path / "data"), **extra}


@pytest.mark.parametrize("data_dir,needle", [("/proc/mergeguard", "cannot write in /proc"),
                                             ("/etc/passwd/mergeguard", "/etc/passwd is not a directory")])
def test_serve_refuses_an_unwritable_data_dir(tmp_path, data_dir, needle):
    p = run("serve", "--bind", "127.0.0.1:1", env=serve_env(tmp_path, MERGEGUARD_DATA_DIR=data_dir))
    one_line_error(p, "MERGEGUARD_DATA_DIR", needle)


@pytest.mark.parametrize("model_dir,needle", [("/nonexistent/model", "no such directory"),
                                              ("/etc", "not a mergeguard model")])
def test_serve_refuses_a_model_that_does_not_load(tmp_path, model_dir, needle):
    p = run("serve", "--bind", "127.0.0.1:1", env=serve_env(tmp_path, MERGEGUARD_MODEL_DIR=model_dir))
    one_line_error(p, "MERGEGUARD_MODEL_DIR", needle)
    assert not (tmp_path / "data" / "mergeguard.db").exists(), "refused before the database was created"


def test_the_probes_change_nothing(tmp_path):
    existing = tmp_path / "keep.txt"
    existing.write_text("content")
    assert writable_file(existing, "--output") == existing and existing.read_text() == "content"
    assert writable_file(tmp_path / "new.json", "--output") and not (tmp_path / "new.json").exists()
    assert writable_dir(tmp_path / "a" / "b", "--out") and not (tmp_path / "a").exists()
    assert list(tmp_path.iterdir()) == [existing]
    with pytest.raises(OutputError, match="is a directory"):
        writable_file(tmp_path, "--output")
    with pytest.raises(OutputError, match="exists and is not a directory"):
        writable_dir(existing, "--out")
