"""The mirrors' disk budget: real mirrors cloned over smart HTTP from the GitHub stand-in, the least
recently used removed when over budget, never one in use, cloned again on demand (app/mirror_budget.py)."""

from __future__ import annotations

import os
import threading

import pytest

from mergeguard.app.mirror_budget import BudgetedMirror, tree_bytes

from .ghstub import GitHubStub
from .gitrepo import commit, init_repo

REPOS = ("octo/a", "octo/b", "octo/c")


@pytest.fixture
def stub(tmp_path):
    with GitHubStub() as s:
        s.add_installation(5, "octo")
        for name in REPOS:
            w = init_repo(tmp_path / "origin" / name)
            for i in range(3):
                commit(w, {"a.py": f"x = {i}  # {name}\n" * 200}, f"c{i}", when=1_700_000_000 + i * 60)
            s.add_repo(name, w)
        yield s


def sync(mirror: BudgetedMirror, stub: GitHubStub, name: str, when: float) -> None:
    with mirror.in_use(name):
        mirror.sync(name, stub.clone_url(name), stub.issue_token(5))
    os.utime(mirror.path(name).with_name(mirror.path(name).name + ".use"), (when, when))  # a fixed order of use


def test_least_recently_used_mirrors_are_removed_and_cloned_again(stub, tmp_path):
    unbounded = BudgetedMirror(tmp_path / "probe", budget_bytes=None)
    sync(unbounded, stub, "octo/a", 1000)
    one = tree_bytes(unbounded.path("octo/a"))
    assert one > 0 and unbounded.stats() == {"bytes": one, "budget_bytes": 0, "evicted": 0}

    mirror = BudgetedMirror(tmp_path / "m", budget_bytes=int(2.5 * one))  # room for two
    sync(mirror, stub, "octo/a", 1000)
    sync(mirror, stub, "octo/b", 2000)
    assert mirror.stats()["evicted"] == 0
    sync(mirror, stub, "octo/a", 3000)  # a used again: b is now the least recently used
    sync(mirror, stub, "octo/c", 4000)
    assert not mirror.path("octo/b").exists() and mirror.path("octo/a").exists() and mirror.path("octo/c").exists()
    stats = mirror.stats()
    assert stats["evicted"] == 1 and stats["bytes"] <= mirror.budget_bytes
    assert stats["bytes"] == sum(m.bytes for m in mirror.mirrors())
    clones = len(stub.calls("GET", r"/octo/b\.git/info/refs$"))
    sync(mirror, stub, "octo/b", 5000)  # on demand: cloned again, and a (least recent now) goes
    assert mirror.path("octo/b").exists() and not mirror.path("octo/a").exists()
    assert len(stub.calls("GET", r"/octo/b\.git/info/refs$")) == clones + 1
    assert mirror.stats()["evicted"] == 2


def test_a_mirror_in_use_is_never_removed(stub, tmp_path):
    mirror = BudgetedMirror(tmp_path / "m", budget_bytes=1)  # nothing fits
    sync(mirror, stub, "octo/a", 1000)
    held, release = threading.Event(), threading.Event()

    def job() -> None:  # a job on octo/a, running in another thread
        with mirror.in_use("octo/a"):
            held.set()
            release.wait(60)

    t = threading.Thread(target=job)
    t.start()
    try:
        assert held.wait(60)
        sync(mirror, stub, "octo/b", 2000)  # over budget, but a is in use and b is the job's own
        assert mirror.path("octo/a").exists() and mirror.path("octo/b").exists()
        assert mirror.stats()["evicted"] == 0 and mirror.stats()["bytes"] > mirror.budget_bytes
    finally:
        release.set()
        t.join(60)
    sync(mirror, stub, "octo/c", 3000)  # a and b are free now: both go
    assert sorted(m.repo for m in mirror.mirrors()) == ["octo/c"]
    assert mirror.stats()["evicted"] == 2


def test_a_mirror_being_synced_by_another_process_is_not_removed(stub, tmp_path):
    import fcntl

    mirror = BudgetedMirror(tmp_path / "m", budget_bytes=1)
    sync(mirror, stub, "octo/a", 1000)
    lock = mirror.path("octo/a").with_name("a.git.lock")
    with open(lock, "a") as fh:  # the write lock app/mirror.py takes around a fetch (any process)
        fcntl.flock(fh, fcntl.LOCK_EX)
        sync(mirror, stub, "octo/b", 2000)
        assert mirror.path("octo/a").exists()
    sync(mirror, stub, "octo/b", 3000)
    assert not mirror.path("octo/a").exists()


def test_the_setting_and_the_metrics(tmp_path):
    from mergeguard.app.metrics import Metrics
    from mergeguard.app.settings import Settings, SettingsError
    from mergeguard.app.store import Store

    from .test_app_web import SECRET, pem

    env = {"MERGEGUARD_APP_ID": "1", "MERGEGUARD_PRIVATE_KEY": pem(), "MERGEGUARD_WEBHOOK_SECRET": SECRET}
    assert Settings.from_env(env).mirror_disk_mb == 10240
    assert Settings.from_env({**env, "MERGEGUARD_MIRROR_DISK_MB": "0"}).mirror_disk_mb == 0
    with pytest.raises(SettingsError, match="MERGEGUARD_MIRROR_DISK_MB must be an integer"):
        Settings.from_env({**env, "MERGEGUARD_MIRROR_DISK_MB": "lots"})
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        metrics = Metrics(store)
        metrics.watch_mirrors(lambda: {"bytes": 123, "budget_bytes": 456, "evicted": 7})
        text = metrics.render()[0].decode()
        assert "mergeguard_mirror_bytes 123.0" in text and "mergeguard_mirror_budget_bytes 456.0" in text
        assert "mergeguard_mirror_evictions_total 7.0" in text
    finally:
        store.dispose()
