"""kill -9 under a stream of pull requests: a real ``mergeguard serve`` on a real repository behind the
local GitHub stand-in, its server and scoring children killed mid-job (see tests/faultrig.py for the
stream and the invariants). The longer run is ``python benchmarks/faults.py``."""

from __future__ import annotations

import os

import pytest

from .faultrig import FaultRig, Plan

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds server and scoring processes in /proc")


@pytest.mark.parametrize("seed", [11])
def test_kill_9_of_the_server_and_of_scoring_children_leaves_every_head_with_one_completed_check_run(
        tmp_path, synthetic_repos, seed):
    plan = Plan(seed=seed, prs=3, heads_per_pr=3, server_kills=2, child_kills=2, redeliveries=1, patience=600.0)
    with FaultRig(tmp_path, synthetic_repos[0].path, plan, log=print) as rig:
        report = rig.run()
    print(dict(report.counts), f"quiet after {report.seconds_to_quiet:.0f} s")
    assert report.problems == [], "\n".join(report.problems)
    counts = report.counts
    # the stream happened as drawn, and the kills landed where they should
    assert counts["pull requests opened"] == 3 and counts["heads pushed"] == 6 and counts["redeliveries"] == 1
    assert counts["server kills"] == 2 and counts["server starts"] == 3
    assert counts["scoring child kills"] + counts["child kills with no child to kill"] == 2
    # kills landed mid-job: a server killed with its children scoring, children killed while scoring
    assert counts["server kills with a check run in progress"] >= 1
    assert counts["scoring processes orphaned by a server kill"] >= 1
    assert counts["scoring child kills while scoring"] >= 1
    assert counts["check runs"] >= 3
