"""The types after the model (mergeguard/assessment.py) and the published JSON Schema, on real scorings.

Every CLI mode is run on a real repository with a real model: each output validates against
``mergeguard/schemas/assessment-1.json``, every mode has the same shape, and ``from_json`` reads an
output back into the very types that wrote it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import jsonschema
import pytest
from unidiff import PatchSet

from mergeguard.assessment import Assessment, Finding, Review, Severity, new_line, schema

from .gitrepo import git
from .schema import assert_valid


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mergeguard.cli", *args], input=stdin, capture_output=True,
                          timeout=600)


def _keys(a: dict) -> tuple:
    """The shape of an assessment: its keys, its change's and its verdict's."""
    return tuple(sorted(a)), tuple(sorted(a["change"])), tuple(sorted(a["verdict"]))


@pytest.fixture(scope="module")
def outputs(synthetic_repos, trained_model_dir):
    """One JSON output of every CLI mode, on the same repository and model."""
    syn, model = synthetic_repos[0], str(trained_model_dir[0])
    buggy = sorted(syn.buggy)[:2]
    base = git(syn.path, "rev-parse", f"{buggy[0]}^").strip()
    diff = subprocess.run(["git", "-C", str(syn.path), "diff", base, buggy[0]], capture_output=True).stdout
    modes = {
        "commit": ["--repo", str(syn.path), "--commit", buggy[0]],
        "commits": ["--repo", str(syn.path), "--commit", buggy[0], "--commit", buggy[1]],
        "head": ["--repo", str(syn.path), "--base", base, "--head", buggy[0]],
        "diff-repo": ["--repo", str(syn.path), "--base", base, "--diff", "-"],
        "diff": ["--diff", "-"],
    }
    out = {}
    for name, args in modes.items():
        p = run("score", *args, "--model", model, "--format", "json", stdin=diff if "-" in args else None)
        assert p.returncode == 0, p.stderr.decode()
        text = p.stdout.decode()
        out[name] = [json.loads(line) for line in text.splitlines() if line.strip()] \
            if text.startswith("{\"") else [json.loads(text)]  # JSON Lines for several, else one pretty object
    return SimpleNamespace(modes=out, base=base, head=buggy[0])


def test_the_schema_is_draft_2020_12_and_shipped_with_the_package():
    s = schema()
    jsonschema.Draft202012Validator.check_schema(s)
    assert s["title"] == "mergeguard.assessment/1" and s["$schema"].endswith("/2020-12/schema")


def test_every_cli_mode_validates_and_has_one_shape(outputs):
    shapes = set()
    for name, docs in outputs.modes.items():
        for a in docs:
            assert_valid(a)
            assert a["level"] == a["verdict"]["level"], name  # one level in every report
            shapes.add(_keys(a))
    assert len(shapes) == 1, shapes
    # the same change scored three ways is gated at the same base
    commit, head, diff_repo = (outputs.modes[m][0] for m in ("commit", "head", "diff-repo"))
    assert commit["change"]["gate_base"] == head["change"]["gate_base"] == diff_repo["change"]["gate_base"] \
        == outputs.base
    assert outputs.modes["diff"][0]["change"]["gate_base"] is None


def test_the_schema_rejects_two_levels_and_unknown_fields(outputs):
    a = json.loads(json.dumps(outputs.modes["head"][0]))
    other = next(lv for lv in ("low", "medium", "high", "critical") if lv != a["verdict"]["level"])
    with pytest.raises(AssertionError, match="level"):
        assert_valid({**a, "level": other})
    with pytest.raises(AssertionError, match="surprise"):
        assert_valid({**a, "surprise": 1})
    bad = json.loads(json.dumps(a))
    bad["findings"] = [{**f, "severity": "fatal"} for f in a["findings"]] or [
        {"kind": "retry.added", "category": "retry", "path": "x", "line": 1, "end_line": 1, "severity": "fatal",
         "message": "m"}]
    with pytest.raises(AssertionError, match="fatal"):
        assert_valid(bad)


def test_a_commit_that_cannot_be_scored_is_a_valid_error_record(synthetic_repos, trained_model_dir):
    from mergeguard.render import error_record

    assert_valid(error_record("a" * 40, "blob missing from the mirror").to_json())
    with pytest.raises(AssertionError):
        assert_valid({"change": {"id": "x"}})


def test_from_json_reads_every_output_back_into_the_same_types(outputs):
    for docs in outputs.modes.values():
        for a in docs:
            review = Review.from_json(a)
            assert review.to_json() == a
            assert isinstance(review.assessment, Assessment) and review.verdict.level == a["level"]
            assert all(isinstance(f.severity, Severity) for f in review.assessment.findings)
            assert review.verdict.blocking == (a["verdict"]["conclusion"] in ("action_required", "failure"))
    assessment = Review.from_json(outputs.modes["head"][0]).assessment
    with pytest.raises(AttributeError):
        assessment.score = 0.0  # type: ignore[misc]  # frozen: no layer changes what the model said


def test_severity_is_mapped_to_every_surface_in_one_place():
    assert [s.sarif_level for s in Severity] == ["note", "warning", "error"]
    assert [s.annotation_level for s in Severity] == ["notice", "warning", "failure"]
    assert [s.workflow_command for s in Severity] == ["notice", "warning", "error"]
    assert sorted(Severity, key=lambda s: s.rank) == [Severity.ERROR, Severity.WARNING, Severity.INFO]
    assert Severity.parse("ERROR") is Severity.ERROR and Severity.parse("bogus") is Severity.WARNING
    f = Finding("timeout.removed", "a.py", 3, 3, Severity.WARNING, "removes a timeout", scope="fetch")
    assert f.category == "timeout" and Finding.from_json(f.to_json()) == f
    assert f.to_json()["severity"] == "warning" and f.to_json()["scope"] == "fetch"


DIFF = """\
--- a/m.py
+++ b/m.py
@@ -2,3 +2,5 @@
 a
-b
+b1
+b2
+b3
 c
@@ -20,4 +22,2 @@
 x
-y
-z
 w
@@ -40,2 +39,0 @@
-p
-q
"""


def test_new_line_maps_old_lines_to_the_nearest_new_line():
    """On unidiff's own hunks: before, inside and after hunks that add, remove and only delete."""
    hunks = list(PatchSet(DIFF)[0])
    assert new_line(hunks, 1) == 1  # before every hunk: unchanged
    assert new_line(hunks, 3) == 3  # removed `b`: the line at its place in the new side
    assert new_line(hunks, 10) == 12  # between hunks: shifted by the two lines the first hunk added
    assert new_line(hunks, 22) == 23  # removed `z`: inside its hunk's new side, clamped to its last line
    assert new_line(hunks, 30) == 30  # after the second hunk, which removed two lines
    assert new_line(hunks, 41) == 39  # a hunk that only deletes: its new side's position
    assert new_line(hunks, 100) == 97
    assert new_line([], 7) == 7
