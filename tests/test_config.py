"""``.github/mergeguard.yml``: valid files parse to the documented shape; real mistakes are reported with their place."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from mergeguard.config import Config, ConfigError, Problem, Validation, check, load_file, loads

FULL = textwrap.dedent("""\
    # every section, as the README documents it
    version: 1
    thresholds:
      mode: percentile
      medium: 50
      high: 80
      critical: 95
    history_commits: 500
    ignore:
      - vendor/
      - "*.lock"
      - /generated/**
    conclusions:
      medium: neutral
      critical: action_required
    require:
      high:
        - codeowners
        - approvals: 1
      critical:
        - codeowners: true
        - approvals: 2
        - label: canary-planned
        - rollout_note
        - rollout_note:
            pattern: '(?i)^flag: \\S+'
    ai_authored:
      thresholds: {medium: 0.1, high: 0.25, critical: 0.5}
    error_budget:
      prometheus:
        url: http://prometheus.internal:9090/
        query: min(slo:error_budget_remaining:ratio{service="api"})
        timeout: 2
      floor: 0.2
      tighten:
        thresholds: {high: 0.2, critical: 0.4}
        require: [codeowners, {approvals: 2}]
      on_error: normal
    risk_acceptance:
      allowed: [alice, "@bob", "@acme/sre"]
      levels: [high, critical]
""")


def test_full_file_parses_to_the_documented_shape(tmp_path):
    path = tmp_path / "mergeguard.yml"
    path.write_text(FULL)
    config = load_file(path)
    assert config.thresholds.mode == "percentile"
    assert config.thresholds.values == {"medium": 50.0, "high": 80.0, "critical": 95.0}
    assert config.history_commits == 500 and config.uses_percentiles
    assert config.ignore == ("vendor/", "*.lock", "/generated/**")
    assert config.conclusions == {"low": "success", "medium": "neutral", "high": "action_required",
                                  "critical": "action_required"}
    assert config.require["high"] == (Validation("codeowners"), Validation("approvals", count=1))
    assert [v.id for v in config.require["critical"]] == ["codeowners", "approvals:2", "label:canary-planned",
                                                          "rollout-note", "rollout-note"]
    assert config.require["critical"][4].pattern == "(?i)^flag: \\S+"
    assert config.ai_authored.values == {"medium": 0.1, "high": 0.25, "critical": 0.5}
    eb = config.error_budget
    assert eb.source.kind == "prometheus" and eb.source.url == "http://prometheus.internal:9090"
    assert eb.source.timeout == 2.0 and eb.floor == 0.2 and eb.on_error == "normal"
    assert eb.thresholds.values == {"high": 0.2, "critical": 0.4}
    assert [v.id for v in eb.require] == ["codeowners", "approvals:2"]
    assert config.risk_acceptance.allowed == ("alice", "@bob", "@acme/sre")
    assert config.risk_acceptance.levels == ("high", "critical")
    assert config.source == str(path)


def test_defaults_for_an_empty_file_and_no_file():
    empty = loads("", "x.yml")
    assert empty.thresholds is None and empty.error_budget is None
    assert {k: [v.id for v in vs] for k, vs in empty.require.items()} == {
        "high": ["codeowners"], "critical": ["codeowners", "rollout-note"]}
    assert empty.conclusions == {"low": "success", "medium": "success", "high": "action_required",
                                 "critical": "action_required"}
    assert empty.risk_acceptance.allowed == () and empty.history_commits == 300
    assert Config().conclusions == empty.conclusions


def test_json_budget_source_from_a_file():
    config = loads("error_budget:\n  json: {file: slo.json, field: slos.0.remaining}\n  tighten:\n"
                   "    require: [codeowners]\n")
    src = config.error_budget.source
    assert (src.kind, src.file, src.field, src.url) == ("json", "slo.json", "slos.0.remaining", None)
    assert config.error_budget.on_error == "tighten" and config.error_budget.floor == 0.25


BAD = textwrap.dedent("""\
    version: 1
    thresholds:
      medium: 0.2
      high: high
      critcal: 0.7
    ignore: vendor/
    conclusions:
      high: fail
    require:
      high:
        - codeowner
        - approvals: two
        - label:
        - approvals
      urgent:
        - codeowners
    error_budget:
      prometheus:
        url: prometheus:9090
      floor: 25
      tighten: {}
      on_error: crash
    risk_acceptance:
      allowed: ["not a login"]
    ai_authored: {thresholds: {high: 0.1, medium: 0.3}}
""")


def test_every_mistake_is_reported_with_line_column_and_key_path():
    config, problems = check(BAD, ".github/mergeguard.yml")
    assert config is None
    text = [str(p) for p in problems]
    expected = [
        ".github/mergeguard.yml:4:9: thresholds.high: expected a number between 0 and 1, got 'high'",
        ".github/mergeguard.yml:5:3: thresholds.critcal: unknown key; did you mean 'critical'?",
        ".github/mergeguard.yml:6:9: ignore: expected a list, got 'vendor/'",
        ".github/mergeguard.yml:8:9: conclusions.high: expected one of: success, neutral, action_required, failure, "
        "got 'fail'; did you mean 'failure'?",
        ".github/mergeguard.yml:11:7: require.high[0]: expected one of: codeowners, rollout_note, got 'codeowner'; "
        "did you mean 'codeowners'?",
        ".github/mergeguard.yml:12:18: require.high[1].approvals: expected a whole number from 1 to 50, got 'two'",
        ".github/mergeguard.yml:13:13: require.high[2].label: expected a non-empty string, got nothing (null)",
        ".github/mergeguard.yml:14:7: require.high[3]: 'approvals' needs a value, e.g. {approvals: 2}",
        ".github/mergeguard.yml:15:3: require.urgent: unknown key; expected one of: low, medium, high, critical",
        ".github/mergeguard.yml:19:5: error_budget.prometheus: missing 'query'",
        ".github/mergeguard.yml:19:10: error_budget.prometheus.url: expected an http:// or https:// URL, "
        "got 'prometheus:9090'",
        ".github/mergeguard.yml:20:10: error_budget.floor: expected a fraction between 0 and 1, got 25",
        ".github/mergeguard.yml:21:12: error_budget.tighten: expected 'thresholds' and/or 'require'",
        ".github/mergeguard.yml:22:13: error_budget.on_error: expected one of: tighten, normal, fail, got 'crash'",
        ".github/mergeguard.yml:24:13: risk_acceptance.allowed[0]: expected a GitHub login or @org/team, "
        "got 'not a login'",
        ".github/mergeguard.yml:25:34: ai_authored.thresholds.high: must not be below ai_authored.thresholds.medium "
        "(0.3), got 0.1",
    ]
    assert text == expected  # every problem, in file order
    for line in expected:
        assert line in text, f"missing: {line}\n got: {text}"
    assert len(text) == len(expected), text


@pytest.mark.parametrize("yaml_text, needle", [
    ("thresholds:\n  high: 0.4\n  high: 0.5\n", "3:3: thresholds.high: duplicate key"),
    ("thresholds: [0.2, 0.4]\n", "thresholds: expected a mapping, got a list"),
    ("thresholds:\n  mode: percentile\n  high: 0.8\n  critical: 140\n",
     "thresholds.critical: expected a percentile between 0 and 100 (exclusive), got 140"),
    ("thresholds:\n  medium: true\n", "thresholds.medium: expected a number between 0 and 1, got true"),
    ("thresholds:\n  mode: percentile\n  medium: 0.75\n  high: 0.9\n  critical: 0.98\n",
     "3:11: thresholds.medium: percentiles run from 0 to 100 and 0.75 would flag nearly every change; did you mean 75?"),
    ("thresholds: {}\n", "thresholds: expected at least one of: medium, high, critical"),
    ("thresholds:\n  high: 0.5\n  critical: 0.3\n", "thresholds.critical: must not be below thresholds.high (0.5)"),
    ("version: 2\n", "version: expected 1, got 2"),
    ("require:\n  high:\n    - {approvals: 2, label: x}\n", "expected exactly one validation per list item"),
    ("require:\n  high:\n    - rollout_note: {pattern: '(unclosed'}\n", "not a valid regular expression"),
    ("require:\n  high:\n    - rollout_note: {pattern: '(a)\\1'}\n",
     "3:31: require.high[0].rollout_note.pattern: not a regular expression RE2 can run"),
    ("require:\n  high:\n    - rollout_note: {pattern: 'x(?=y)'}\n", "not a regular expression RE2 can run"),
    ("ignore: ['!vendor/']\n", "ignore[0]: negation is not supported"),
    ("error_budget:\n  json: {url: 'http://x/slo.json', file: slo.json}\n  tighten: {require: [codeowners]}\n",
     "error_budget.json: expected exactly one of 'url' or 'file'"),
    ("error_budget:\n  floor: 0.2\n  tighten: {require: [codeowners]}\n",
     "error_budget: expected exactly one source: 'prometheus' or 'json'"),
    ("error_budget:\n  json: {file: x.json}\n", "expected 'tighten'"),
    ("thresholds:\n  high: 0.4\n bad indent: 1\n", "invalid YAML"),
    ("- just\n- a list\n", "(top level): expected a mapping, got a list"),
    ("thresolds:\n  high: 0.4\n", "thresolds: unknown key; did you mean 'thresholds'?"),
])
def test_invalid_files(yaml_text, needle):
    with pytest.raises(ConfigError) as info:
        loads(yaml_text, "mg.yml")
    assert any(needle in str(p) for p in info.value.problems), [str(p) for p in info.value.problems]
    assert str(info.value).startswith("mg.yml:")
    assert "\n" not in str(info.value)


def test_error_is_one_line_and_counts_the_rest():
    with pytest.raises(ConfigError) as info:
        loads(BAD, "mg.yml")
    assert "(and 15 more problems; `mergeguard config check` lists them)" in str(info.value)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mergeguard.cli", *args], capture_output=True, text=True, timeout=120)


def test_config_check_cli(tmp_path):
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text(FULL)
    bad.write_text(BAD)
    ok = run("config", "check", str(good))
    assert ok.returncode == 0 and ok.stdout.strip() == "ok" and ok.stderr == ""
    p = run("config", "check", str(bad))
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 17 and lines[-1] == f"mergeguard: error: 16 problems in {bad}"
    assert lines[0] == f"{bad}:4:9: thresholds.high: expected a number between 0 and 1, got 'high'"
    missing = run("config", "check", str(tmp_path / "nope.yml"))
    assert missing.returncode == 2 and missing.stderr.startswith(f"mergeguard: error: {tmp_path / 'nope.yml'}: cannot read")
    assert len(missing.stderr.splitlines()) == 1


def test_the_readme_example_is_a_valid_config():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = loads(example, "README.md")
    assert config.error_budget.source.kind == "prometheus" and config.require["critical"][-1].kind == "rollout_note"


# -- hostile YAML (issue 11, item 12) -----------------------------------------------------------------

HOSTILE = {
    "flow-nesting": ("thresholds: " + "[" * 500 + "]" * 500 + "\n", "1:", "nested deeper than 32 levels"),
    "block-nesting": ("".join(" " * i + f"k{i}:\n" for i in range(300)), "33:33:", "nested deeper than 32 levels"),
    "huge-int": ("history_commits: " + "9" * 5000 + "\n", "1:18:",
                 "history_commits: expected a whole number from 20 to 100000, got a number with too many digits"),
    "huge-float-key": ("thresholds:\n  high: " + "1" * 4400 + "\n", "2:9:", "got a number with too many digits"),
    "2.9 MB": ("ignore:\n" + "".join(f"  - 'generated/{i:07d}/**'\n" for i in range(115_000)), "1:1:",
               "larger than 65,536 bytes"),
    "billion laughs": ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)),
        ":", "more than 50 aliases"),
    "long key": ("x" * 60_000 + ": 1\n", "1:60001:", "invalid YAML: mapping values are not allowed here"),
    "long explicit key": ("? " + "x" * 60_000 + "\n: 1\n", "1:3:", "unknown key; expected one of"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_yaml_is_one_line_with_a_location_exit_2(tmp_path, name):
    text, where, message = HOSTILE[name]
    path = tmp_path / "mergeguard.yml"
    path.write_text(text)
    p = run("config", "check", str(path))
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr[:500]
    assert lines[0].startswith(f"mergeguard: error: {path}:") and where in lines[0] and message in lines[0]
    assert len(lines[0]) < 400
    with pytest.raises(ConfigError, match="larger than|nested|digits|aliases|unknown key|invalid YAML"):
        loads(text)


def test_the_size_cap_reads_no_further_than_it(tmp_path):
    from mergeguard.config import MAX_CONFIG_BYTES, load_file

    path = tmp_path / "big.yml"
    with open(path, "wb") as fh:
        fh.write(b"version: 1\n")
        fh.truncate(1 << 33)  # 8 GB, sparse: reading it all would take minutes and all the memory
    with pytest.raises(ConfigError, match=f"larger than {MAX_CONFIG_BYTES:,} bytes"):
        load_file(path)


def test_a_config_just_under_the_cap_and_anchors_within_the_limit_are_fine():
    from mergeguard.config import MAX_CONFIG_BYTES

    head = "require:\n  high: &r [{approvals: 1}]\n  critical: *r\nignore:\n"
    line = "  - 'docs/**'\n"
    text = head + line * ((MAX_CONFIG_BYTES - len(head)) // len(line))
    assert len(text) <= MAX_CONFIG_BYTES
    assert loads(text).require["critical"] == loads(text).require["high"]


def test_a_config_error_survives_pickling_as_itself():
    """The App's scoring process sends errors to its job thread pickled; the message must arrive intact."""
    import pickle

    error = ConfigError([Problem("a.yml", 1, 2, "thresholds.high", "bad"), Problem("a.yml", 3, 1, "", "worse")])
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is ConfigError and back.problems == error.problems and str(back) == str(error)
