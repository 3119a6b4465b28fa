#!/usr/bin/env python3
"""Run mypy on the installed package layout (mergeguard, mergeguard.features, .models, .app).

Why a script: pyproject maps the folders features/, models/ and app/ into the mergeguard namespace with
setuptools ``package-dir``, and the editable install resolves that with an import hook mypy cannot follow.
So this builds a throwaway copy shaped like the installed package, runs mypy on it with the
configuration from pyproject.toml, and rewrites the reported paths back to the repository's own paths.
Arguments are passed on to mypy (e.g. ``--no-incremental``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _package_dirs() -> dict[str, Path]:
    """The package-dir mapping of pyproject.toml: dotted package name -> folder in the repository."""
    with open(ROOT / "pyproject.toml", "rb") as fh:
        setuptools_cfg = tomllib.load(fh)["tool"]["setuptools"]
    return {name: ROOT / folder for name, folder in setuptools_cfg["package-dir"].items()}


def _stage(into: Path, mapping: dict[str, Path]) -> list[tuple[str, str]]:
    """Copy every mapped folder's modules under ``into`` at its dotted name; return path rewrites.

    Copies, not symlinks: mypy resolves symlinks and then sees one file under two module names.
    """
    rewrites: list[tuple[str, str]] = []
    # Longest names first so that mergeguard.features.resilience is rewritten before mergeguard.features.
    for name in sorted(mapping, key=lambda n: -n.count(".")):
        src = mapping[name]
        dest = into.joinpath(*name.split("."))
        dest.mkdir(parents=True, exist_ok=True)
        for entry in src.iterdir():
            target = dest / entry.name
            if entry.suffix in (".py", ".pyi") and not target.exists():
                shutil.copy2(entry, target)
            elif entry.is_dir() and (entry / "__init__.py").exists() and not target.exists() \
                    and f"{name}.{entry.name}" not in mapping:
                shutil.copytree(entry, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        rewrites.append((str(dest) + os.sep, os.path.relpath(src, ROOT) + os.sep))
    return rewrites


def main(argv: list[str]) -> int:
    """Stage, run mypy from the staging root with the repository's config, print its output with repo paths."""
    mapping = _package_dirs()
    with tempfile.TemporaryDirectory(prefix="mergeguard-mypy-") as tmp:
        stage = Path(tmp)
        rewrites = _stage(stage, mapping)
        # -p takes subpackages along, so the top-level packages alone cover everything.
        packages = [arg for name in mapping if "." not in name for arg in ("-p", name)]
        cmd = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
               "--cache-dir", str(ROOT / ".mypy_cache"), *packages, *argv]
        proc = subprocess.run(cmd, cwd=stage, capture_output=True, text=True, check=False)
        out = proc.stdout + proc.stderr
        for staged, real in rewrites:
            out = out.replace(staged, real)
            out = out.replace(os.path.relpath(staged, stage) + os.sep, real)
        sys.stdout.write(out)
        return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
