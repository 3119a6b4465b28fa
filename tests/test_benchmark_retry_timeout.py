"""benchmarks/retry_timeout.py: its scorer agrees with ``mergeguard score --commit``, its metric
arithmetic is right, and the committed corpus follows the shared format.

The agreement test builds a real repository (bare mirror in the fetch tool's layout), labels its
commits in a corpus file, and compares the benchmark's predictions with the JSON of the real CLI run
as a separate process on each commit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.benchscripts import load
from tests.gitrepo import commit, git, init_repo

bench = load("retry_timeout")
AP, Labelled, Predicted = bench.AntiPattern, bench.Labelled, bench.Predicted

CLIENT_V1 = '''import requests

URL = "https://api.example.com/orders"


def fetch(order_id):
    return requests.get(f"{URL}/{order_id}", timeout=5)
'''

CLIENT_V2_RETRY = '''import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

URL = "https://api.example.com/orders"


def session():
    s = requests.Session()
    s.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5)))
    return s


def fetch(order_id):
    return session().get(f"{URL}/{order_id}", timeout=5)
'''

CLIENT_V3_TIMEOUT = CLIENT_V2_RETRY.replace("timeout=5)", "timeout=60)")

TEST_ONLY = '''import time


def test_fetch_retries():
    # retry and timeout only in a test: a hard negative
    for attempt in range(3):
        time.sleep(0.1)
'''


@pytest.fixture(scope="module")
def labelled_repo(tmp_path_factory):
    """A work repo with four commits, its bare mirror at mirrors/acme+orders/repo, and a corpus file."""
    base = tmp_path_factory.mktemp("bench")
    work = init_repo(base / "work")
    shas = {
        "init": commit(work, {"orders/client.py": CLIENT_V1, "README.md": "orders\n"}, "initial client",
                       when=1_700_000_000),
        "retry": commit(work, {"orders/client.py": CLIENT_V2_RETRY}, "retry order fetches", when=1_700_000_100),
        "timeout": commit(work, {"orders/client.py": CLIENT_V3_TIMEOUT}, "wait longer for orders",
                          when=1_700_000_200),
        "test": commit(work, {"tests/test_client.py": TEST_ONLY, "README.md": "orders, with retries\n"},
                       "test the retry", when=1_700_000_300),
    }
    mirrors = base / "mirrors"
    (mirrors / "acme+orders").mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(mirrors / "acme+orders" / "repo")], check=True,
                   capture_output=True)
    labels = {"retry": (True, False), "timeout": (False, True), "test": (False, False)}
    data = base / "data"
    data.mkdir()
    doc = {"repository": "acme/orders", "language": "python",
           "mirror_head": git(work, "rev-parse", "HEAD").strip(),
           "commits": [{"sha": shas[k], "split": "heldout" if bench.heldout_by_hash(shas[k]) else "dev",
                        "source": "keyword", "changes_retry": r, "changes_timeout": t, "anti_patterns": [],
                        "note": k} for k, (r, t) in labels.items()]}
    (data / "acme+orders.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return {"shas": shas, "mirrors": mirrors, "data": data, "mirror": mirrors / "acme+orders" / "repo"}


def _cli_assessment(mirror: Path, sha: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", "--repo", str(mirror), "--commit", sha,
                           "--format", "json"], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def test_find_mirror_accepts_the_fetch_layout_and_a_bare_dir(labelled_repo, tmp_path):
    mirrors = labelled_repo["mirrors"]
    assert bench.find_mirror(mirrors, "acme/orders") == labelled_repo["mirror"]
    assert bench.find_mirror(mirrors, "acme/missing") is None
    (tmp_path / "acme+orders").mkdir()
    assert bench.find_mirror(tmp_path, "acme/orders") is None  # an empty folder is not a mirror
    subprocess.run(["git", "clone", "-q", "--bare", str(labelled_repo["mirror"]), str(tmp_path / "acme+direct")],
                   check=True, capture_output=True)
    assert bench.find_mirror(tmp_path, "acme/direct") == tmp_path / "acme+direct"


def test_scorer_agrees_with_score_commit(labelled_repo):
    shas = labelled_repo["shas"]
    wanted = [shas["retry"], shas["timeout"], shas["test"]]
    found = bench.score_cli(labelled_repo["mirror"], wanted)
    assert set(found) == set(wanted)
    kinds_seen = set()
    for sha in wanted:
        cli = _cli_assessment(labelled_repo["mirror"], sha)
        ours = found[sha]
        assert ours["change"]["head"] == cli["change"]["head"] == sha
        assert ours["findings"] == cli["findings"]
        assert ours["features"] == cli["features"]
        assert bench.predict(ours) == bench.predict(cli)
        kinds_seen |= {f["kind"] for f in cli["findings"]}
    # the comparison is not vacuous: the detector reports something on these commits
    assert kinds_seen & {"retry.added", "retry.changed", "timeout.changed", "timeout.added"}


def test_run_reports_what_the_cli_predicts(labelled_repo):
    corpus = bench.load_corpus(labelled_repo["data"])
    rep = bench.run(corpus, labelled_repo["mirrors"])
    assert rep.missing == []
    expected = bench.evaluate(
        (c, bench.predict(_cli_assessment(labelled_repo["mirror"], c.sha))) for c in corpus)
    for label in bench.LABELS:
        assert rep.labels[label]["all"].as_dict() == expected.labels[label]["all"].as_dict()
        assert rep.labels[label]["python"].as_dict() == expected.labels[label]["all"].as_dict()
    assert rep.commits == {"all": 3, "python": 3}


def test_rows_picks_round_9_or_the_corpus_before_it(labelled_repo, tmp_path):
    doc = json.loads((labelled_repo["data"] / "acme+orders.json").read_text(encoding="utf-8"))
    doc["commits"][1]["round"] = 9  # the timeout commit, as round 9 appends its fresh rows
    data = tmp_path / "data"
    data.mkdir()
    (data / "acme+orders.json").write_text(json.dumps(doc), encoding="utf-8")
    assert [c.round for c in bench.load_corpus(data)] == [0, 9, 0]
    counted = {}
    for rows in ("all", "round9", "before-round9"):
        out = tmp_path / f"{rows}.json"
        assert bench.main(["--data", str(data), "--mirrors", str(labelled_repo["mirrors"]), "--split", "all",
                           "--rows", rows, "--json", str(out)]) == 0
        figures = json.loads(out.read_text(encoding="utf-8"))
        counted[rows] = (figures["commits"]["all"], figures["labels"]["changes_timeout"]["all"]["positives"])
    assert counted == {"all": (3, 1), "round9": (1, 1), "before-round9": (2, 0)}


def test_run_reports_commits_the_mirror_lacks(labelled_repo, tmp_path):
    c = bench.load_corpus(labelled_repo["data"])[0]
    ghost = Labelled(c.repository, c.language, "f" * 40, "dev", "random", False, False, (), "not there")
    rep = bench.run([c, ghost], labelled_repo["mirrors"])
    assert rep.commits["all"] == 1
    assert any("ffffffff" in m for m in rep.missing)
    rep = bench.run([c], tmp_path)
    assert rep.commits == {} and "no mirror" in rep.missing[0]


def _lab(retry, timeout, aps=(), language="go", sha="a" * 40):
    return Labelled("o/r", language, sha, "dev", "keyword", retry, timeout, tuple(aps), "")


def test_label_metrics_arithmetic():
    pairs = [
        (_lab(True, False), Predicted(True, False, ())),    # retry tp, timeout tn
        (_lab(True, True), Predicted(False, True, ())),     # retry fn, timeout tp
        (_lab(False, False), Predicted(True, True, ())),    # retry fp, timeout fp
        (_lab(True, False, language="python"), Predicted(True, False, ())),  # retry tp
        (_lab(False, True, language="python"), Predicted(False, False, ())),  # timeout fn
    ]
    rep = bench.evaluate(pairs)
    r = rep.labels["changes_retry"]["all"]
    assert (r.tp, r.fp, r.fn, r.tn) == (2, 1, 1, 1)
    assert r.precision == pytest.approx(2 / 3) and r.recall == pytest.approx(2 / 3)
    assert r.f1 == pytest.approx(2 / 3)
    t = rep.labels["changes_timeout"]["all"]
    assert (t.tp, t.fp, t.fn, t.tn) == (1, 1, 1, 2)
    assert t.f1 == pytest.approx(0.5)
    go = rep.labels["changes_retry"]["go"]
    assert (go.tp, go.fp, go.fn) == (1, 1, 1)
    by_source = rep.labels["changes_retry"]["source:keyword"]
    assert (by_source.tp, by_source.fp, by_source.fn, by_source.tn) == (r.tp, r.fp, r.fn, r.tn)
    assert "source:random" not in rep.labels["changes_retry"]
    assert rep.commits == {"all": 5, "go": 3, "python": 2}
    assert sum(1 for e in rep.errors if e["label"] == "changes_retry") == 2


def test_undefined_metrics_are_none_not_zero():
    c = bench.Counts(tn=4)
    assert c.precision is None and c.recall is None and c.f1 is None
    c = bench.Counts(fp=2)
    assert c.precision == 0.0 and c.recall is None and c.f1 is None
    c = bench.Counts(fn=2, fp=1)
    assert c.precision == 0.0 and c.recall == 0.0 and c.f1 == 0.0


def test_line_matching_within_three_lines_one_to_one():
    t = [AP("retry.without_backoff", "a.go", 10)]
    assert bench.match_lines(t, [AP("retry.without_backoff", "a.go", 13)]) == (1, 0, 0)
    assert bench.match_lines(t, [AP("retry.without_backoff", "a.go", 14)]) == (0, 1, 1)
    assert bench.match_lines(t, [AP("retry.without_backoff", "b.go", 10)]) == (0, 1, 1)
    assert bench.match_lines(t, [AP("retry.without_limit", "a.go", 10)]) == (0, 1, 1)
    # two predictions near one label: one matches, the other is a false positive
    assert bench.match_lines(t, [AP("retry.without_backoff", "a.go", 9),
                                 AP("retry.without_backoff", "a.go", 11)]) == (1, 1, 0)
    # closest first: the prediction at 12 belongs to the label at 12, the one at 9 to the label at 8
    two = [AP("timeout.missing", "a.go", 8), AP("timeout.missing", "a.go", 12)]
    assert bench.match_lines(two, [AP("timeout.missing", "a.go", 12), AP("timeout.missing", "a.go", 9)]) == (2, 0, 0)


def test_anti_pattern_commit_and_line_level():
    label = _lab(True, False, [AP("retry.without_backoff", "a.go", 10), AP("timeout.missing", "b.go", 5)])
    pred = Predicted(True, False, (AP("retry.without_backoff", "a.go", 30), AP("retry.nested", "a.go", 10)))
    rep = bench.evaluate([(label, pred), (_lab(False, False, sha="b" * 40), Predicted(False, False, ()))])
    c = rep.ap_commit["all"]
    assert (c.tp, c.fp, c.fn) == (1, 1, 1)  # without_backoff found in the commit; nested extra; missing missed
    assert rep.ap_commit["retry.without_backoff"].tp == 1
    line = rep.ap_line["all"]
    assert (line.tp, line.fp, line.fn) == (0, 2, 2)  # the right kind, but 20 lines away
    assert rep.ap_line["retry.without_backoff"].precision == 0.0


def test_predict_maps_change_kinds_and_keeps_antipatterns_apart():
    assessment = {"findings": [
        {"kind": "timeout.increased", "path": "x.py", "line": 4},
        {"kind": "retry.without_backoff", "path": "x.py", "line": 9},
    ]}
    p = bench.predict(assessment)
    assert p == Predicted(False, False, (AP("timeout.increased", "x.py", 4), AP("retry.without_backoff", "x.py", 9)))
    p = bench.predict({"findings": [{"kind": "retry.removed", "path": "x.py", "line": 1},
                                    {"kind": "timeout.added", "path": "x.py", "line": 2}]})
    assert p.changes_retry and p.changes_timeout and p.anti_patterns == ()


def _write(tmp_path, commits, **doc):
    body = {"repository": "o/r", "language": "go", "mirror_head": "x", "commits": commits, **doc}
    (tmp_path / "o+r.json").write_text(json.dumps(body), encoding="utf-8")


def _commit(sha_, **kw):
    sha = sha_
    return {"sha": sha, "split": "heldout" if bench.heldout_by_hash(sha) else "dev", "source": "random",
            "changes_retry": False, "changes_timeout": False, "anti_patterns": [], "note": "", **kw}


@pytest.mark.parametrize("bad, message", [
    ({"split": "elsewhere"}, "'split' must be dev or heldout"),
    ({"sha": "ABC"}, "'sha' must be 40"),
    ({"changes_retry": "yes"}, "'changes_retry' must be true or false"),
    ({"anti_patterns": [{"kind": "retry.sloppy", "path": "a", "line": 1}]}, "known 'kind'"),
    ({"anti_patterns": [{"kind": "timeout.missing", "path": "a", "line": 0}]}, "'line' >= 1"),
    ({"source": "guess"}, "'source' must be one of"),
    ({"round": "nine"}, "'round' must be a whole number"),
    ({"round": True}, "'round' must be a whole number"),
])
def test_corpus_errors_name_the_problem(tmp_path, bad, message):
    _write(tmp_path, [_commit("0" * 40, **bad)])
    with pytest.raises(bench.CorpusError, match=message):
        bench.load_corpus(tmp_path)


def test_split_must_follow_the_hash_rule(tmp_path):
    sha = "0" * 40  # int("00000000", 16) % 10 == 0: held out
    _write(tmp_path, [_commit(sha, split="dev")])
    with pytest.raises(bench.CorpusError, match="hash rule"):
        bench.load_corpus(tmp_path)


def test_cli_bad_corpus_is_one_line_exit_2(tmp_path, capsys):
    _write(tmp_path, [_commit("1" * 40), _commit("1" * 40)])
    assert bench.main(["--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("retry_timeout: error:") and "listed twice" in err and "\n" not in err


def test_committed_corpus_follows_the_format():
    corpus = bench.load_corpus()
    assert len(corpus) >= 260
    by_language = {}
    for c in corpus:
        by_language.setdefault(c.language, set()).add(c.repository)
    assert len(by_language.get("python", ())) >= 5 and len(by_language.get("go", ())) >= 5
    assert sum(c.changes_retry for c in corpus) >= 60
    assert {c.split for c in corpus} == {"dev", "heldout"}


# -- --by-rule: which rule produced each prediction ---------------------------------------------------

def test_fired_names_the_rule_the_assessment_says_decided(labelled_repo):
    """The rule behind a prediction is the finding's kind, its file's language and the construct the
    detector's own signal entry names (read from the real CLI assessment, not a hand-written dict)."""
    shas = labelled_repo["shas"]
    found = bench.score_cli(labelled_repo["mirror"], [shas["retry"], shas["timeout"], shas["test"]])
    retry = found[shas["retry"]]
    added = retry["signals"]["retry"]["added"]
    assert added, "the fixture's retry commit must add a retry construct"
    f = bench.fired(retry)
    assert ("changes_retry", f"retry.added python:{added[0]['library']}") in f.labels
    assert all(r.split(" ", 1)[1].split(":", 1)[1] != "?" for _, r in f.labels)
    timeout = found[shas["timeout"]]
    modified = timeout["signals"]["timeout"]["modified"]
    f = bench.fired(timeout)
    assert {lab for lab, _ in f.labels} == {"changes_timeout"}
    assert ("changes_timeout", f"timeout.changed python:{modified[0]['library']}") in f.labels
    # 5s -> 60s is a timeout.increased, attributed to the same construct (its message names no library)
    increased = [(ap, r) for ap, r in f.anti_patterns if ap.kind == "timeout.increased"]
    assert increased and increased[0][1] == f"timeout.increased python:{modified[0]['library']}"
    assert bench.fired(found[shas["test"]]) == bench.Fired((), ())


def test_rule_of_reads_missing_calls_and_messages_when_no_signal_matches():
    missing = {"kind": "timeout.missing", "path": "svc/api.go", "line": 7, "end_line": 7,
               "message": "client.Get has no timeout and net/http's default is none: a stalled peer blocks it forever"}
    assert bench.rule_of(missing, {}) == "timeout.missing go:net/http"
    nested = {"kind": "retry.nested", "path": "a.py", "line": 3, "end_line": 9, "scope": "f",
              "message": "loop retry (3 attempts, fixed backoff) calls g, which retries too (...): attempts multiply"}
    assert bench.rule_of(nested, {"retry": {"added": []}}) == "retry.nested python:loop"
    setting = {"kind": "timeout.added", "path": "a.ts", "line": 2, "end_line": 2,
               "message": "adds timeout setting keepAliveTimeout 5000 (5s)"}
    assert bench.rule_of(setting, {}) == "timeout.added typescript:setting"


def test_by_rule_counts_commits_alone_and_repositories():
    def lab(repo, retry, aps=(), sha="a"):
        return Labelled(repo, "go", sha * 40, "dev", "keyword", retry, False, tuple(aps), "")

    loop, logic = "retry.changed go:loop", "retry.changed go:logic"
    fired_by = [
        (lab("o/a", True), bench.Fired((("changes_retry", loop),), ())),                         # loop alone, right
        (lab("o/b", False), bench.Fired((("changes_retry", loop), ("changes_retry", logic)), ())),  # both wrong
        (lab("o/c", False), bench.Fired((("changes_retry", logic),), ())),                       # logic alone, wrong
        (lab("o/c", True, [AP("retry.without_backoff", "x.go", 10)]),
         bench.Fired((), ((AP("retry.without_backoff", "x.go", 12), "retry.without_backoff go:loop"),
                          (AP("retry.without_backoff", "x.go", 40), "retry.without_backoff go:loop")))),
    ]
    rows = {(r.label, r.rule): r for r in bench.by_rule(fired_by)}
    r = rows[("changes_retry", loop)]
    assert (r.tp, r.fp, r.alone_tp, r.alone_fp) == (1, 1, 1, 0)
    assert r.right == {"o/a": 1} and r.wrong == {"o/b": 1} and r.repos_net_wrong == 1
    r = rows[("changes_retry", logic)]
    assert (r.tp, r.fp, r.alone_tp, r.alone_fp) == (0, 2, 0, 1) and r.precision == 0.0
    assert r.wrong == {"o/b": 1, "o/c": 1} and r.repos_net_wrong == 2
    ap = rows[("anti_patterns", "retry.without_backoff go:loop")]
    assert (ap.tp, ap.fp) == (1, 1)  # the finding 2 lines away matches; the one 30 lines away does not
    assert [x.rule for x in bench.by_rule(fired_by)][:2] == [logic, loop]  # worst precision first, per label


def test_by_rule_cli_on_a_folder_with_some_repositories(labelled_repo, tmp_path, capsys):
    """``--data`` may point at a folder holding only some repositories' files (fresh labels arriving
    one repository at a time); ``--by-rule`` adds the table and, in the JSON, every commit's rules."""
    out = tmp_path / "rt.json"
    assert bench.main(["--split", "all", "--data", str(labelled_repo["data"]), "--mirrors",
                       str(labelled_repo["mirrors"]), "--by-rule", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "by rule" in text and "retry.added python:" in text
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert {r["label"] for r in doc["by_rule"]} >= {"changes_retry", "changes_timeout"}
    assert len(doc["fired"]) == 3 and all(set(c["labels"]) == set(bench.LABELS) for c in doc["fired"])
    assert sum(r["tp"] for r in doc["by_rule"] if r["label"] == "changes_retry") >= 1
    plain = tmp_path / "plain.json"
    assert bench.main(["--split", "all", "--data", str(labelled_repo["data"]), "--mirrors",
                       str(labelled_repo["mirrors"]), "--json", str(plain)]) == 0
    without = json.loads(plain.read_text(encoding="utf-8"))
    assert "by_rule" not in without and {k: v for k, v in doc.items() if k not in ("by_rule", "fired")} == without
