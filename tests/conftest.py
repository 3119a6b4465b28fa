"""Session fixtures: synthetic repositories with known labels, mined once, and a model trained on them."""

from __future__ import annotations

import pytest

from mergeguard.git import GitRepo
from mergeguard.models.mining import mine

from . import synthetic

MATURITY_DAYS = 20


@pytest.fixture(scope="session")
def synthetic_repos(tmp_path_factory):
    base = tmp_path_factory.mktemp("synthetic")
    return [synthetic.build(base / f"svc{seed}", seed=seed) for seed in (1, 2)]


@pytest.fixture(scope="session")
def mined(synthetic_repos):
    """(rows, report) per synthetic repository."""
    return [mine(GitRepo(s.path), name=f"demo/svc{i}", maturity_days=MATURITY_DAYS) for i, s in enumerate(synthetic_repos)]


@pytest.fixture(scope="session")
def trained_model_dir(mined, tmp_path_factory):
    from mergeguard.models.dataset import write_rows
    from mergeguard.cli import main

    d = tmp_path_factory.mktemp("model")
    paths = []
    for i, (rows, _) in enumerate(mined):
        paths.append(str(d / f"svc{i}.jsonl"))
        write_rows(rows, paths[-1])
    assert main(["train", *paths, "--out", str(d / "model")]) == 0
    return d / "model", paths


@pytest.fixture()
def app(tmp_path):
    """An App whose job threads are not started: jobs stay in the queue for the assertions (modules
    that serve a working App, such as test_app_serve, define their own ``app``)."""
    from mergeguard.app.web import create_app, runtime

    from .test_app_web import make_settings, recorders

    _, handlers = recorders()
    application = create_app(make_settings(tmp_path), handlers=handlers, start_workers=False)
    yield application
    runtime(application).stop()
