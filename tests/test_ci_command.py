"""README.md's test command and the one .ci/run executes are the same line, so the documented check is the real one."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_test_command() -> str:
    """The second command of README.md's first sh block, without its trailing comment."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return block.splitlines()[1].split("#", 1)[0].strip()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = _readme_test_command()
    assert "pytest" in command and "ruff check" in command and "typecheck" in command
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    marker = run.index("# --- the test command from README.md (keep identical) ---")
    assert run[marker + 1] == command
