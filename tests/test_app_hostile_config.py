"""A hostile ``.github/mergeguard.yml`` on the base branch (issue 11, item 12): the App's fallback.

Whoever can push to a base branch writes the gate's config, and the App reads it for every pull
request. A config that cannot be used -- too large, nested too deeply, a number Python will not
convert -- must not crash a job with a traceback or cost seconds per score: the pull request's
check run completes ``neutral``, titled ``Not scored``, with the config's problem and its location
in one line, exactly as for any other invalid config.
"""

from __future__ import annotations

import pytest

from mergeguard import checkrun

from .ghstub import GitHubStub
from .gitrepo import commit, git
from .test_app_serve import WHEN, drain, post, pr_payload, public_pem
from .test_app_web import make_settings, pem

REPO, NUMBER, INSTALLATION = "octo/svc", 7, 77
HOSTILE = {
    "nested": ("thresholds: " + "[" * 500 + "]" * 500 + "\n", "nested deeper than 32 levels"),
    "huge-int": ("history_commits: " + "9" * 5000 + "\n", "a number with too many digits"),
    "2.9-MB": ("ignore:\n" + "".join(f"  - 'generated/{i:07d}/**'\n" for i in range(115_000)),
               "larger than 65,536 bytes"),
}


@pytest.fixture(scope="module", params=sorted(HOSTILE))
def hostile_repo(request, synthetic_repos, tmp_path_factory):
    text, expected = HOSTILE[request.param]
    path = tmp_path_factory.mktemp("hostile") / "svc"
    git(path.parent, "clone", "-q", str(synthetic_repos[0].path), str(path))
    commit(path, {".github/mergeguard.yml": text}, "Gate configuration", when=WHEN)
    git(path, "checkout", "-q", "-b", "feature")
    engine = (path / "core/engine0.py").read_text()
    commit(path, {"core/engine0.py": engine + "def turbo():\n    return 1\n"}, "Add turbo", when=WHEN + 86400)
    git(path, "checkout", "-q", "main")
    return path, expected


def test_a_hostile_config_at_the_base_makes_the_check_run_neutral_with_its_problem(tmp_path, hostile_repo,
                                                                                   trained_model_dir, caplog):
    from mergeguard.app.web import create_app, runtime

    path, expected = hostile_repo
    with GitHubStub(app_id=4242, app_public_key_pem=public_pem(pem())) as stub:
        stub.add_installation(INSTALLATION, "octo")
        stub.add_repo(REPO, path, collaborators={"dev": "write"})
        stub.add_pull(REPO, NUMBER, head="feature", base="main", author="dev", title="Add turbo")
        app = create_app(make_settings(tmp_path, github_api_url=stub.url, model_dir=str(trained_model_dir[0])),
                         start_workers=False)
        try:
            assert post(app.test_client(), "pull_request", pr_payload(stub, "pull_request", "opened")).status_code == 202
            drain(app)
            runs = [r for r in stub.check_runs.values() if r.data["name"] == checkrun.CHECK_NAME]
            assert len(runs) == 1
            run = runs[0].data
            assert run["status"] == "completed" and run["conclusion"] == "neutral"
            assert run["output"]["title"].startswith("Not scored")
            assert expected in run["output"]["summary"] and ".github/mergeguard.yml:" in run["output"]["summary"]
            (job,) = runtime(app).store.all_jobs()
            assert job["state"] == "failed" and job["attempts"] == 1  # an input error: not retried
            assert expected in job["last_error"] and "\n" not in job["last_error"]
            assert "Traceback" not in job["last_error"]
            # an expected refusal: one line in the job log, no traceback
            failures = [r for r in caplog.records if r.name == "mergeguard.app.jobs" and "failed" in r.getMessage()]
            assert failures and not any(r.exc_info for r in failures)
            assert all("\n" not in r.getMessage() for r in failures)
            assert stub.violations == []
        finally:
            runtime(app).stop()
            git(path, "update-ref", "-d", f"refs/pull/{NUMBER}/head")
