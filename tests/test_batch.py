"""Batch work in parallel (``--jobs``) and on a real Dask cluster (``--scheduler``): the same bytes as one process.

The repositories are the session's synthetic ones (real git histories, 160 commits each); the cluster
is a real ``distributed`` scheduler with two worker processes started here on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from mergeguard import batch
from mergeguard.cli import main
from mergeguard.pipeline import without_timings


def _mine(repos, out: Path, *extra: str) -> bytes:
    assert main(["mine", "--repo", *(str(s.path) for s in repos), "--out", str(out), "--maturity-days", "20", "--quiet",
                 *extra]) == 0
    return out.read_bytes()


def _score(syn, model: str, listing: Path, out: Path, *extra: str) -> list[dict]:
    assert main(["score", "--repo", str(syn.path), "--commits", str(listing), "--model", model, "--format", "json",
                 "--output", str(out), *extra]) == 0
    assessments = [json.loads(line) for line in out.read_text().splitlines()]
    for a in assessments:
        assert set(a["timing_ms"]) >= {"features", "model", "total"} and "timing_ms" in a["signals"]
    # the only fields that differ between two runs of the same process: wall-clock times
    return [json.dumps(without_timings(a), sort_keys=True) for a in assessments]


def _evaluate(data: list[str], model: str, out: Path, *extra: str) -> bytes:
    assert main(["evaluate", *data, "--model", model, "--format", "json", "--ablation", "detectors",
                 "--output", str(out), *extra]) == 0
    return out.read_bytes()


@pytest.fixture(scope="module")
def listing(synthetic_repos, tmp_path_factory) -> Path:
    """Every commit of the first synthetic repository but the root, newest first, plus a duplicate."""
    syn = synthetic_repos[0]
    shas = list(reversed(syn.shas[1:]))
    assert len(shas) >= 2 * 50, "enough commits for two slices"
    path = tmp_path_factory.mktemp("listing") / "shas.txt"
    path.write_text("\n".join(shas + shas[:1]) + "\n")
    return path


@pytest.fixture(scope="module")
def sequential(synthetic_repos, trained_model_dir, listing, tmp_path_factory):
    """The single-process results every parallel run is compared with."""
    d = tmp_path_factory.mktemp("sequential")
    model, data = str(trained_model_dir[0]), trained_model_dir[1]
    return {
        "mine": _mine(synthetic_repos, d / "mined.jsonl", "--jobs", "1"),
        "score": _score(synthetic_repos[0], model, listing, d / "scores.jsonl", "--jobs", "1"),
        "evaluate": _evaluate(data, model, d / "eval.json", "--jobs", "1"),
    }


def test_sequential_results_are_real(sequential, synthetic_repos, listing):
    rows = [json.loads(line) for line in sequential["mine"].decode().splitlines()]
    assert {r["repo"] for r in rows} == {s.path.name for s in synthetic_repos}
    assert [r["repo"] for r in rows] == sorted((r["repo"] for r in rows), key=[s.path.name for s in synthetic_repos].index)
    scored = [json.loads(a) for a in sequential["score"]]
    assert [a["change"]["head"] for a in scored] == listing.read_text().split()  # in order, the duplicate too
    assert len({a["score"] for a in scored}) > 10  # real, varied scores
    assert all("timing_ms" not in a and "ms" not in a["signals"].get("syntax", {}) for a in scored)
    results = json.loads(sequential["evaluate"])
    assert set(results) == {"within", "loro"} and "without detectors" in results["loro"]["pooled"]


def test_local_pool_gives_identical_results(sequential, synthetic_repos, trained_model_dir, listing, tmp_path):
    model, data = str(trained_model_dir[0]), trained_model_dir[1]
    assert _mine(synthetic_repos, tmp_path / "mined.jsonl", "--jobs", "2") == sequential["mine"]
    assert _score(synthetic_repos[0], model, listing, tmp_path / "scores.jsonl", "--jobs", "2") == sequential["score"]
    assert _evaluate(data, model, tmp_path / "eval.json", "--jobs", "2") == sequential["evaluate"]


def test_a_slice_replays_the_whole_history(synthetic_repos, trained_model_dir):
    """A slice scored on its own sees the same history index as in the whole batch."""
    from mergeguard.change import Limits
    from mergeguard.models.model import load
    from mergeguard.git import GitRepo
    from mergeguard.pipeline import CommitSlice, score_slice

    syn = synthetic_repos[0]
    shas = tuple(syn.shas[1:])
    model = str(trained_model_dir[0])
    whole, _, _, _ = score_slice(CommitSlice(repo=str(syn.path), shas=shas, only=shas, model=model, limits=Limits()))
    part, errors, _, _ = score_slice(CommitSlice(repo=str(syn.path), shas=shas, only=shas[-3:], model=model,
                                           limits=Limits()))
    assert set(part) == set(shas[-3:]) and errors == {}
    for sha in shas[-3:]:
        # each commit is gated at its first parent, as its pull request would have been
        parent = GitRepo(syn.path).run("rev-parse", f"{sha}^").decode().strip()
        assert part[sha].change.gate_base == whole[sha].change.gate_base == parent
        assert part[sha].features == whole[sha].features and part[sha].score == whole[sha].score
    assert load(model).name  # the slice loaded the model named, not the shipped one


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       scheduler_port=0, dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()


def test_dask_cluster_gives_identical_results(dask_cluster, sequential, synthetic_repos, trained_model_dir, listing,
                                              tmp_path):
    address = dask_cluster.scheduler_address
    assert len(dask_cluster.workers) == 2
    model, data = str(trained_model_dir[0]), trained_model_dir[1]
    assert _mine(synthetic_repos, tmp_path / "mined.jsonl", "--scheduler", address) == sequential["mine"]
    assert _score(synthetic_repos[0], model, listing, tmp_path / "scores.jsonl", "--scheduler",
                  address) == sequential["score"]
    assert _evaluate(data, model, tmp_path / "eval.json", "--scheduler", address) == sequential["evaluate"]
    # the work ran on the cluster's workers, not in this process
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        per_worker = client.run(lambda dask_worker: len(dask_worker.data) + dask_worker.state.executed_count)
    assert sum(per_worker.values()) > 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bad_parallel_arguments_are_one_line_errors(synthetic_repos, tmp_path, capsys, monkeypatch):
    syn = synthetic_repos[0]
    assert main(["mine", "--repo", str(syn.path), "--out", str(tmp_path / "x"), "--jobs", "0"]) == 2
    assert capsys.readouterr().err.strip() == "mergeguard: error: --jobs must be at least 1, got 0"
    assert main(["mine", "--repo", str(syn.path), str(syn.path), "--name", "x", "--out", str(tmp_path / "x")]) == 2
    assert "--name names one repository" in capsys.readouterr().err
    assert main(["mine", "--repo", str(syn.path), str(tmp_path), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("mergeguard: error: ") and "\n" not in err
    assert not (tmp_path / "x").exists(), "nothing written when one repository is bad"
    monkeypatch.setattr(batch, "CONNECT_TIMEOUT_S", 1)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    assert main(["mine", "--repo", str(syn.path), "--out", str(tmp_path / "x"), "--scheduler", address]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"mergeguard: error: cannot reach the Dask scheduler at {address}") and "\n" not in err


def test_repositories_with_the_same_folder_name_get_distinct_names(tmp_path):
    from mergeguard.cli import _repo_names

    a, b, c = tmp_path / "psf+requests" / "repo", tmp_path / "pallets+flask" / "repo", tmp_path / "x" / "kombu.git"
    assert _repo_names([str(c)]) == ["kombu"]
    assert _repo_names([str(a), str(b), str(c)]) == ["psf+requests/repo", "pallets+flask/repo", "x/kombu"]
    assert _repo_names([str(a), str(a)]) == ["repo", "repo"]  # the same repository twice keeps one name


def test_slices_deal_round_robin():
    assert batch.slices(list(range(7)), 3) == [[0, 3, 6], [1, 4], [2, 5]]
    assert batch.slices([1], 4) == [[1]] and batch.slices([], 2) == []
    assert batch.run_tasks(abs, [-3, 2, -1], jobs=2) == [3, 2, 1]
