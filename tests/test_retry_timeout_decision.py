"""benchmarks/retry_timeout_decision.py and retry_timeout_evidence.py: the evidence a learned
retry/timeout decision reads from a real commit, the logistic regression kept as data, and the
leave-one-repository-out loop that must never let a model see the repository it scores."""

from __future__ import annotations

import json

import pytest

from mergeguard.change import Change, Limits, parse_diff
from mergeguard.git import GitRepo
from tests.benchscripts import load
from tests.gitrepo import commit, git, init_repo

bench = load("retry_timeout")
ev = load("retry_timeout_evidence")
dec = load("retry_timeout_decision")

CLIENT = '''import time

MAX_RETRIES = 3
REQUEST_TIMEOUT = 10


def call(op):
    for attempt in range(MAX_RETRIES):
        try:
            return op(timeout=REQUEST_TIMEOUT)
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gave up")
'''

TEST_FILE = '''def test_call_retries(client):
    client.max_retries = 2  # then the timeout
    assert client.call()
'''


@pytest.fixture(scope="module")
def commits(tmp_path_factory):
    work = init_repo(tmp_path_factory.mktemp("decision") / "work")
    shas = {"init": commit(work, {"svc/client.py": CLIENT, "README.md": "svc\n"}, "init", when=1_700_000_000)}
    shas["value"] = commit(work, {"svc/client.py": CLIENT.replace("MAX_RETRIES = 3", "MAX_RETRIES = 5")},
                           "retry more", when=1_700_000_100)
    # the words only in a comment of the code, in a test and in the docs: a hard negative's shape
    after = CLIENT.replace("MAX_RETRIES = 3", "MAX_RETRIES = 5")
    shas["words"] = commit(work, {"svc/client.py": after.replace("def call(op):", "# retry: see MAX_RETRIES\ndef call(op):"),
                                  "tests/test_client.py": TEST_FILE,
                                  "README.md": "svc retries MAX_RETRIES times with a timeout\n"},
                           "document retries", when=1_700_000_200)
    return work, shas


def _features(work, sha: str) -> dict[str, float]:
    repo = GitRepo(work)
    parent = git(work, "rev-parse", f"{sha}^").strip()
    files, _ = parse_diff(repo.diff_commit(parent, sha), Limits())
    findings = [f for f in bench.score_cli(work, [sha])[sha]["findings"] if f["category"] in ("retry", "timeout")]
    return ev.commit_features(Change(id=sha, files=files), findings)


def test_a_changed_retry_value_is_evidence_on_code_lines(commits):
    work, shas = commits
    x = _features(work, shas["value"])
    assert x["retry_any"] == 1.0 and x["retry_changed"] > 0  # the rules' finding, read from score --commit
    assert x["retry_tok_add"] > 0 and x["retry_tok_del"] > 0
    assert x["retry_value_pairs"] > 0 and x["retry_num_lines"] > 0
    assert x["timeout_tok_add"] == 0 and x["timeout_any"] == 0.0
    assert x["lang_python"] == 1.0 and x["test_share"] == 0.0


def test_words_in_comments_tests_and_docs_are_not_code_evidence(commits):
    work, shas = commits
    x = _features(work, shas["words"])
    assert x["retry_any"] == 0.0
    assert x["retry_tok_add"] == 0 and x["retry_lines_add"] == 0  # the comment line is not code
    assert x["retry_tok_tests"] > 0 and x["retry_tok_prose"] > 0
    assert x["retry_tok_other_files"] == 1.0
    assert 0 < x["test_share"] < 1 and 0 < x["noncode_share"] < 1


def test_code_part_drops_prose_and_comments():
    assert ev._code_part('log.info("will retry in a while")  # retry soon') == 'log.info("")  '
    assert ev._code_part("   // retryCount is bumped below") == ""
    assert ev._code_part('backoff = "10s"') == 'backoff = "10s"'  # a value, not prose


def _row(repo: str, signal: float, label: bool, *, rules: bool = True) -> dec.Row:
    c = bench.Labelled(repo, "python", f"{abs(hash((repo, signal, label))):040x}"[:40], "dev", "keyword",
                       label, False, (), "")
    x = dict.fromkeys(ev.feature_names(), 0.0)
    x["retry_tok_add"] = signal
    findings = ({"kind": "retry.changed", "path": "a.py", "line": 1},) if rules else ()
    return dec.Row(c, x, findings)


def _rows(flip: str | None = None) -> list[dec.Row]:
    """Six repositories where the retry word count tells the label; ``flip``'s labels are inverted."""
    rows = []
    for repo in ("a/a", "b/b", "c/c", "d/d", "e/e", "f/f"):
        for i in range(12):
            signal = float(i % 4 >= 2) * 2 + 0.1 * (i % 3)
            truth = signal > 1
            rows.append(_row(repo, signal, truth != (repo == flip)))
    return rows


def test_loro_scores_each_repository_with_a_model_that_never_saw_it():
    rows = _rows(flip="d/d")
    decided, probs, chosen = dec.loro(rows, "changes_retry", "model", c=1.0, beta=1.0)
    assert set(chosen) == {"a/a", "b/b", "c/c", "d/d", "e/e", "f/f"} and all(t[0] in dec.GRID for t in chosen.values())
    by = {}
    for r, d in zip(rows, decided, strict=True):
        by.setdefault(r.commit.repository, []).append(d == r.commit.changes_retry)
    # learnt from the others, the rule is wrong on d, whose labels say the opposite; had d been in its own
    # training set the fit would be pulled toward it
    assert all(by["d/d"]) is False and sum(by["d/d"]) == 0
    assert all(all(v) for k, v in by.items() if k != "d/d")


def test_gate_only_withdraws_what_the_rules_flagged():
    rows = [_row("a/a", 3.0, True, rules=False), _row("a/a", 3.0, True, rules=True)]
    assert [dec.decide("gate", r, "changes_retry", 0.99, (0.5, 1.0)) for r in rows] == [False, True]
    assert dec.decide("gate", rows[1], "changes_retry", 0.2, (0.5, 1.0)) is False
    assert dec.decide("model", rows[0], "changes_retry", 0.99, (0.5, 1.0)) is True


def test_fitted_model_round_trips_as_data_and_follows_its_labels(tmp_path):
    rows = _rows()
    xs, ys = [r.features for r in rows], [int(r.commit.changes_retry) for r in rows]
    m = ev.fit_label(xs, ys, c=1.0, threshold=0.4)
    model = ev.DecisionModel({"retry": m})
    again = ev.DecisionModel.from_json(json.loads(json.dumps(model.to_json())))
    strong = {**xs[0], "retry_tok_add": 2.2}
    weak = {**xs[0], "retry_tok_add": 0.0}
    assert again.labels["retry"].probability(strong) == pytest.approx(m.probability(strong))
    assert m.probability(strong) > 0.5 > m.probability(weak)
    # refitted on the opposite labels, the decision turns round
    flipped = ev.fit_label(xs, [1 - y for y in ys], c=1.0)
    assert flipped.probability(strong) < 0.5 < flipped.probability(weak)
    with pytest.raises(ValueError):
        ev.DecisionModel.from_json({"kind": "something else"})


def test_anti_patterns_are_withdrawn_only_where_the_label_is_rejected():
    c = bench.Labelled("a/a", "python", "0" * 40, "dev", "keyword", True, False,
                       (bench.AntiPattern("retry.without_backoff", "a.py", 10),), "")
    row = dec.Row(c, {}, ({"kind": "retry.without_backoff", "path": "a.py", "line": 11},
                          {"kind": "timeout.missing", "path": "a.py", "line": 30}))
    kept = dec.anti_patterns([row], {"changes_retry": [True], "changes_timeout": [False]})
    assert (kept.tp, kept.fp, kept.fn) == (1, 0, 0)
    everything = dec.anti_patterns([row], None)
    assert (everything.tp, everything.fp, everything.fn) == (1, 1, 0)


def test_bad_arguments_are_one_line_errors(tmp_path, capsys):
    assert dec.main(["--data", str(tmp_path), "--cache", str(tmp_path / "c")]) == 2
    assert "retry_timeout_decision: error: no corpus files" in capsys.readouterr().err
    assert dec.main(["--modes", "rules,bogus", "--cache", str(tmp_path / "c")]) == 2
    assert "retry_timeout_decision: error: unknown mode 'bogus'" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()  # refused before anything is scored or cached


def _corpus_repo(base, name: str, seed: int) -> tuple[str, dict[str, bool]]:
    """A bare mirror ``mirrors/acme+<name>/repo`` whose commits alternately change the retry count
    (labelled true) and only the docs (labelled false); returns its corpus entry labels."""
    work = init_repo(base / f"work-{name}")
    commit(work, {"svc/client.py": CLIENT, "README.md": "svc\n"}, "init", when=1_700_000_000 + seed)
    labels = {}
    for i in range(1, 9):
        when = 1_700_000_000 + seed + 100 * i
        if i % 2:
            sha = commit(work, {"svc/client.py": CLIENT.replace("MAX_RETRIES = 3", f"MAX_RETRIES = {3 + i}")},
                         "tune retries", when=when)
        else:
            sha = commit(work, {"README.md": f"svc, revision {i}: retries are tuned\n"}, "docs", when=when)
        labels[sha] = bool(i % 2)
    import subprocess
    dest = base / "mirrors" / f"acme+{name}"
    dest.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(dest / "repo")], check=True, capture_output=True)
    return f"acme/{name}", labels


def test_main_measures_by_repository_and_writes_a_model_that_follows_the_labels(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    for seed, name in enumerate(("one", "two", "three", "four")):
        repository, labels = _corpus_repo(tmp_path, name, seed)
        doc = {"repository": repository, "language": "python", "mirror_head": "0" * 40,
               "commits": [{"sha": s, "split": "heldout" if bench.heldout_by_hash(s) else "dev", "source": "keyword",
                            "changes_retry": y, "changes_timeout": False, "anti_patterns": [], "note": ""}
                           for s, y in labels.items()]}
        (data / f"acme+{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "model.json"
    cache = tmp_path / "cache"
    code = dec.main(["--data", str(data), "--mirrors", str(tmp_path / "mirrors"), "--cache", str(cache),
                     "--modes", "rules,model,gate", "--write-model", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "of 4 repositories" in text and "changes_retry (dev, leave-one-repository-out" in text
    model = ev.DecisionModel.from_json(json.loads(out.read_text(encoding="utf-8")))
    assert model.labels["retry"].features == tuple(ev.feature_names())
    assert "timeout" not in model.labels  # no timeout change in this corpus: nothing to fit
    # the written model is what the rows say: the retry changes score above the docs-only commits
    dev = bench.select(bench.load_corpus(data), "dev")
    rows = dec.build_rows(dev, tmp_path / "mirrors", cache)
    assert {r.commit.changes_retry for r in rows} == {True, False}
    p = {r.commit.sha: model.labels["retry"].probability(r.features) for r in rows}
    assert min(p[r.commit.sha] for r in rows if r.commit.changes_retry) > \
        max(p[r.commit.sha] for r in rows if not r.commit.changes_retry)
    assert not (cache / "assess-heldout").exists()  # the held-out part is never read without --heldout-once
