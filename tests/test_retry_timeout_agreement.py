"""benchmarks/retry_timeout_agreement.py and retry_timeout_sample.py: the agreement arithmetic on crafted
label sets whose figures are known by hand, the reading of audit files, and the sample's strata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.benchscripts import load

agr = load("retry_timeout_agreement")
smp = load("retry_timeout_sample")
bench = load("retry_timeout")
AP = bench.AntiPattern


def table(both: int, audit_only: int, corpus_only: int, neither: int):
    t = agr.Binary()
    for corpus, audit, k in ((True, True, both), (False, True, audit_only), (True, False, corpus_only),
                             (False, False, neither)):
        for _ in range(k):
            t = t.add(corpus, audit)
    return t


def test_kappa_of_a_textbook_table():
    # 20 yes/yes, 5 audit-only, 10 corpus-only, 15 no/no: po = 0.7, pe = (30*25 + 20*25) / 2500 = 0.5.
    t = table(20, 5, 10, 15)
    assert (t.both, t.audit_only, t.corpus_only, t.neither, t.n) == (20, 5, 10, 15, 50)
    assert t.agreement == pytest.approx(0.7)
    assert t.kappa == pytest.approx(0.4)
    assert t.precision == pytest.approx(20 / 25)
    assert t.recall == pytest.approx(20 / 30)


def test_kappa_is_not_raw_agreement_when_positives_are_rare():
    # 1 shared positive, 1 each way, 97 negatives: 98% raw agreement but kappa only ~0.49.
    t = table(1, 1, 1, 97)
    assert t.agreement == pytest.approx(0.98)
    pe = (2 * 2 + 98 * 98) / 100 ** 2
    assert t.kappa == pytest.approx((0.98 - pe) / (1 - pe))
    assert t.kappa < 0.5


def test_perfect_and_opposite_and_degenerate_tables():
    assert table(3, 0, 0, 7).kappa == pytest.approx(1.0)
    assert table(0, 5, 5, 0).kappa == pytest.approx(-1.0)
    # Everybody says no to everything: agreement 1, kappa undefined, P and R undefined.
    none = table(0, 0, 0, 10)
    assert none.agreement == 1.0 and none.kappa is None and none.precision is None and none.recall is None
    assert agr.Binary().agreement is None and agr.Binary().kappa is None


def test_line_level_matching_counts_one_to_one_within_three_lines():
    corpus = [AP("retry.without_backoff", "a.py", 10), AP("retry.without_backoff", "a.py", 40)]
    audit = [AP("retry.without_backoff", "a.py", 13),   # matches 10 (3 lines away)
             AP("retry.without_backoff", "a.py", 45),   # 5 lines from 40: no match
             AP("timeout.unbounded", "a.py", 40)]       # other kind: no match
    lines = agr.Lines().add(corpus, audit)
    assert (lines.matched, lines.audit_only, lines.corpus_only) == (1, 2, 1)
    assert lines.precision == pytest.approx(1 / 3)
    assert lines.recall == pytest.approx(1 / 2)
    assert lines.agreement == pytest.approx(2 / 5)


def write_corpus(folder: Path, commits: list[dict], repository: str = "acme/client", language: str = "python") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / (repository.replace("/", "+") + ".json")).write_text(json.dumps(
        {"repository": repository, "language": language, "mirror_head": "0" * 40, "commits": commits}))


def sha_for(split: str, i: int) -> str:
    """A 40-hex sha whose split by the hash rule is ``split`` (first digit 0 -> heldout, 9 -> dev)."""
    return ("0" if split == "heldout" else "9") + f"{i:039x}"


def entry(sha: str, retry: bool, timeout: bool, aps=(), source: str = "keyword") -> dict:
    return {"sha": sha, "split": "heldout" if bench.heldout_by_hash(sha) else "dev", "source": source,
            "changes_retry": retry, "changes_timeout": timeout,
            "anti_patterns": [{"kind": k, "path": p, "line": n} for k, p, n in aps], "note": "n"}


def test_figures_by_split_and_language_from_files(tmp_path: Path, capsys):
    corpus = tmp_path / "corpus"
    d = [sha_for("dev", i) for i in range(4)]
    h = [sha_for("heldout", i) for i in range(4)]
    write_corpus(corpus, [entry(d[0], True, False), entry(d[1], True, False), entry(d[2], False, True),
                          entry(d[3], False, False, [("retry.without_limit", "x.py", 5)])])
    write_corpus(corpus, [entry(h[0], True, True), entry(h[1], False, False), entry(h[2], False, False),
                          entry(h[3], False, False)], repository="acme/gosrv", language="go")
    audit = tmp_path / "audit.json"
    audit_commits = [entry(d[0], True, False), entry(d[1], False, False), entry(d[2], False, True),
                     entry(d[3], True, False, [("retry.without_limit", "x.py", 7)]),
                     entry(h[0], True, True), entry(h[1], True, False), entry(h[2], False, False),
                     entry(h[3], False, False)]
    for c, repo in zip(audit_commits, ["acme/client"] * 4 + ["acme/gosrv"] * 4, strict=True):
        c["repository"] = repo
        del c["source"]
    audit.write_text(json.dumps({"commits": audit_commits}))
    out = tmp_path / "fig.json"
    assert agr.main(["--data", str(corpus), "--audit", str(audit), "--json", str(out)]) == 0
    fig = json.loads(out.read_text())
    retry_all = fig["all"]["changes_retry"]
    # retry: corpus yes at d0 d1 h0, audit yes at d0 d3 h0 h1 -> both 2, audit-only 2, corpus-only 1, neither 3.
    assert (retry_all["both"], retry_all["audit_only"], retry_all["corpus_only"], retry_all["neither"]) == (2, 2, 1, 3)
    assert retry_all["agreement"] == pytest.approx(5 / 8)
    pe = (3 * 4 + 5 * 4) / 64
    assert retry_all["kappa"] == pytest.approx(round((5 / 8 - pe) / (1 - pe), 4))
    assert retry_all["precision"] == pytest.approx(0.5) and retry_all["recall"] == pytest.approx(round(2 / 3, 4))
    assert fig["split=dev"]["changes_retry"]["n"] == 4 and fig["split=heldout"]["changes_retry"]["n"] == 4
    assert fig["language=go"]["changes_retry"]["audit_only"] == 1
    assert fig["split=dev"]["changes_timeout"]["agreement"] == 1.0
    # The anti-pattern: same kind, 2 lines apart -> agreed at commit level and at line level.
    assert fig["all"]["ap:retry.without_limit"]["both"] == 1
    assert fig["all"]["ap:retry.without_limit (lines)"]["matched"] == 1
    assert agr.main(["--data", str(corpus), "--audit", str(audit), "--disagreements"]) == 0
    listed = capsys.readouterr().out
    assert d[1] in listed and h[1] in listed and d[3] in listed and d[0] not in listed


def test_audit_file_errors_are_one_line(tmp_path: Path, capsys):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, [entry(sha_for("dev", 1), True, False)])
    audit = tmp_path / "audit.json"
    audit.write_text(json.dumps({"commits": [{"repository": "acme/client", "sha": sha_for("dev", 2), "split": "dev",
                                              "changes_retry": True, "changes_timeout": False}]}))
    assert agr.main(["--data", str(corpus), "--audit", str(audit)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("retry_timeout_agreement: error:") and "not in the corpus" in err
    audit.write_text(json.dumps({"commits": [{"repository": "acme/client", "sha": sha_for("dev", 1), "split": "heldout",
                                              "changes_retry": True, "changes_timeout": False}]}))
    assert agr.main(["--data", str(corpus), "--audit", str(audit)]) == 2
    assert "hash rule" in capsys.readouterr().err


def test_allocate_is_proportional_and_exact():
    assert smp.allocate({"a": 1.0, "b": 1.0}, 10) == {"a": 5, "b": 5}
    assert smp.allocate({"a": 3.0, "b": 1.0}, 10) == {"a": 8, "b": 2}  # 7.5 / 2.5: remainders tie, key order
    assert sum(smp.allocate({"x": 5.0, "y": 3.0, "z": 2.0}, 7).values()) == 7
    # A cap refuses what a stratum cannot give; the rest goes elsewhere.
    assert smp.allocate({"a": 1.0, "b": 1.0}, 10, caps={"a": 2, "b": 100}) == {"a": 2, "b": 8}


def test_sample_draws_half_per_split_without_labels(tmp_path: Path, capsys):
    corpus = tmp_path / "corpus"
    commits = [entry(sha_for("dev", i), i % 2 == 0, False, source="keyword" if i % 3 else "random") for i in range(30)]
    commits += [entry(sha_for("heldout", i), False, i % 2 == 0, source="unworded") for i in range(20)]
    write_corpus(corpus, commits)
    assert smp.main(["--data", str(corpus), "--n", "10", "--seed", "3"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert len(first) == 10 and all(line.split() == ["acme/client", line.split()[1]] for line in first)
    assert sum(bench.heldout_by_hash(line.split()[1]) for line in first) == 5
    assert "true" not in " ".join(first).lower() and "keyword" not in " ".join(first)
    assert smp.main(["--data", str(corpus), "--n", "10", "--seed", "3"]) == 0
    assert capsys.readouterr().out.splitlines() == first  # same seed, same list


def test_committed_audit_files_pair_with_the_corpus():
    corpus = bench.load_corpus()
    blind = agr.load_audit(agr.AUDIT_DIR / "blind.json")
    reconciled = agr.load_audit(agr.AUDIT_DIR / "reconciled.json")
    assert len(blind) == len(reconciled) == 300
    assert sum(a.split == "heldout" for a in blind) == 150
    pairs = agr.pair_up(corpus, reconciled)
    # The second reader's labels decided against in the reconciliation: exactly the four documented ones.
    changed = {b.sha[:8] for b, r in zip(blind, reconciled, strict=True)
               if (b.changes_retry, b.changes_timeout, b.anti_patterns) != (r.changes_retry, r.changes_timeout,
                                                                            r.anti_patterns)}
    assert changed == {"04bc1a02", "47cce5b7", "c4bd6ea1", "11a2f0f2"}
    # After reconciliation the corpus carries the decided labels of every sampled commit.
    assert agr.disagreements(pairs) == []
    assert agr.disagreements(agr.pair_up(corpus, blind))  # and the blind labels did differ


def test_sample_exclude_draws_disjoint_lists_and_rejects_bad_lists(tmp_path: Path, capsys):
    corpus = tmp_path / "corpus"
    commits = [entry(sha_for("dev", i), False, False, source="keyword") for i in range(12)]
    commits += [entry(sha_for("heldout", i), False, False, source="keyword") for i in range(12)]
    write_corpus(corpus, commits)
    assert smp.main(["--data", str(corpus), "--n", "8", "--seed", "13"]) == 0
    first = capsys.readouterr().out.splitlines()
    earlier = tmp_path / "first.txt"
    earlier.write_text("# the first sample\n" + "\n".join(first) + "\n\n")
    assert smp.main(["--data", str(corpus), "--n", "16", "--seed", "14", "--exclude", str(earlier)]) == 0
    second = capsys.readouterr().out.splitlines()
    # 24 commits, 8 excluded: the second draw takes all 16 others and none of the first 8.
    assert len(second) == 16 and not set(second) & set(first)
    assert sum(bench.heldout_by_hash(line.split()[1]) for line in second) == 8
    # Without --exclude the same seed can draw earlier commits again: the option is what keeps them apart.
    assert smp.main(["--data", str(corpus), "--n", "16", "--seed", "14"]) == 0
    assert set(capsys.readouterr().out.splitlines()) & set(first)
    earlier.write_text("acme/client not-a-sha\n")
    assert smp.main(["--data", str(corpus), "--exclude", str(earlier)]) == 2
    assert capsys.readouterr().err.startswith("retry_timeout_sample: error:")
    earlier.write_text(f"acme/other {sha_for('dev', 1)}\n")  # a commit the corpus does not hold
    assert smp.main(["--data", str(corpus), "--exclude", str(earlier)]) == 2
    assert "not in the corpus" in capsys.readouterr().err
    assert smp.main(["--data", str(corpus), "--exclude", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_sample_rest_lists_every_commit_not_excluded(tmp_path: Path, capsys):
    corpus = tmp_path / "corpus"
    commits = [entry(sha_for("dev", i), False, False, source="keyword") for i in range(6)]
    commits += [entry(sha_for("heldout", i), False, False, source="random") for i in range(6)]
    write_corpus(corpus, commits)
    assert smp.main(["--data", str(corpus), "--n", "4", "--seed", "13"]) == 0
    first = capsys.readouterr().out.splitlines()
    earlier = tmp_path / "first.txt"
    earlier.write_text("\n".join(first) + "\n")
    assert smp.main(["--data", str(corpus), "--rest", "--exclude", str(earlier)]) == 0
    rest = capsys.readouterr().out.splitlines()
    # The rest and the sample are disjoint and together are the whole corpus, each commit once.
    assert len(rest) == 8 and not set(rest) & set(first)
    assert {line.split()[1] for line in rest + first} == {c["sha"] for c in commits}
    assert rest == sorted(rest)
    # Without --exclude the rest is the whole corpus, whatever --n says.
    assert smp.main(["--data", str(corpus), "--rest", "--n", "2"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 12


def test_several_audit_files_pool_and_a_commit_in_two_is_an_error(tmp_path: Path, capsys):
    corpus = tmp_path / "corpus"
    d = [sha_for("dev", i) for i in range(3)]
    write_corpus(corpus, [entry(d[0], True, False), entry(d[1], False, False), entry(d[2], False, True)])
    one, two = tmp_path / "one.json", tmp_path / "two.json"

    def audit_file(path: Path, rows):
        commits = [entry(sha, r, t) for sha, r, t in rows]
        for c in commits:
            c["repository"] = "acme/client"
            del c["source"]
        path.write_text(json.dumps({"commits": commits}))

    audit_file(one, [(d[0], True, False)])
    audit_file(two, [(d[1], True, False), (d[2], False, True)])
    out = tmp_path / "fig.json"
    assert agr.main(["--data", str(corpus), "--audit", str(one), "--audit", str(two), "--json", str(out)]) == 0
    retry = json.loads(out.read_text())["all"]["changes_retry"]
    assert (retry["n"], retry["both"], retry["audit_only"], retry["corpus_only"]) == (3, 1, 1, 0)
    audit_file(two, [(d[0], True, False)])
    assert agr.main(["--data", str(corpus), "--audit", str(one), "--audit", str(two)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("retry_timeout_agreement: error:") and "also in one.json" in err


def test_committed_second_sample_pairs_with_the_corpus():
    corpus = bench.load_corpus()
    first = agr.load_audit(agr.AUDIT_DIR / "blind.json")
    blind = agr.load_audit(agr.AUDIT_DIR / "blind2.json")
    reconciled = agr.load_audit(agr.AUDIT_DIR / "reconciled2.json")
    assert len(blind) == len(reconciled) == 600
    assert sum(a.split == "heldout" for a in blind) == 300
    # Disjoint from the first sample, so the pooled figures count each commit once.
    assert not {(a.repository, a.sha) for a in blind} & {(a.repository, a.sha) for a in first}
    assert len(agr.load_audits([agr.AUDIT_DIR / "blind.json", agr.AUDIT_DIR / "blind2.json"])) == 900
    # The second reader's labels decided against: exactly the eight documented ones.
    changed = {b.sha[:8] for b, r in zip(blind, reconciled, strict=True)
               if (b.changes_retry, b.changes_timeout, b.anti_patterns) != (r.changes_retry, r.changes_timeout,
                                                                            r.anti_patterns)}
    assert changed == {"be1f36d9", "3da5e84a", "02ccf05e", "1abeba4d", "59aa1d3a", "d7b1e51a", "2d3183bf",
                       "3fe20d9b"}
    # After reconciliation the corpus carries the decided label of every commit of the second sample.
    assert agr.disagreements(agr.pair_up(corpus, reconciled)) == []
    assert len(agr.disagreements(agr.pair_up(corpus, blind))) == 8


def test_committed_blind3_files_pair_with_the_corpus():
    corpus = [c for c in bench.load_corpus() if c.round == 0]  # the corpus the round 6 audit read
    blind = agr.load_audit(agr.AUDIT_DIR / "blind3.json")
    reconciled = agr.load_audit(agr.AUDIT_DIR / "reconciled3.json")
    # The whole-corpus pass covers every commit neither sample contained, 1,621 of them.
    assert len(blind) == len(reconciled) == 1621
    assert sum(a.split == "heldout" for a in blind) == 547
    assert [(b.repository, b.sha) for b in blind] == [(r.repository, r.sha) for r in reconciled]
    pooled = agr.load_audits([agr.AUDIT_DIR / name for name in ("blind.json", "blind2.json", "blind3.json")])
    assert len(pooled) == len(corpus) == 2521
    assert {(a.repository, a.sha) for a in pooled} == {(c.repository, c.sha) for c in corpus}
    # The splits are the corpus's (the sha rule), not a second opinion.
    split_of = {(c.repository, c.sha): c.split for c in corpus}
    assert all(split_of[(a.repository, a.sha)] == a.split for a in blind)

    def labels(a):
        return a.changes_retry, a.changes_timeout, sorted((p.kind, p.path, p.line) for p in a.anti_patterns)

    # The third reader's labels decided against: the 42 of the reconciliation, plus botocore 1cb7bf66
    # decided in the round 7 review (corpus and third reader both read it as error mapping) and
    # api-core d96eb5cd decided in round 9 (rule 15; corpus and third reader both read it as plain caching),
    # less okhttp 8972a94a, where stop 19 went back to the third reader's label (a bounded route fail-over).
    changed = {b.sha[:8] for b, r in zip(blind, reconciled, strict=True) if labels(b) != labels(r)}
    assert len(changed) == 43
    assert "8972a94a" not in changed
    assert {"b8480f3d", "0dd95224", "90825468", "d1a0a7b3", "a6f78e88", "85952345", "1cb7bf66", "d96eb5cd"} <= changed
    # After reconciliation the corpus carries the decided label of every commit of the pass,
    # and of the whole corpus once the three reconciled files are pooled.
    assert agr.disagreements(agr.pair_up(corpus, reconciled)) == []
    assert len(agr.disagreements(agr.pair_up(corpus, blind))) == 43
    all_reconciled = agr.load_audits([agr.AUDIT_DIR / name
                                      for name in ("reconciled.json", "reconciled2.json", "reconciled3.json")])
    assert agr.disagreements(agr.pair_up(corpus, all_reconciled)) == []


def test_committed_round9_audit_pairs_with_the_fresh_commits():
    corpus = bench.load_corpus()
    fresh = [c for c in corpus if c.round == 9]
    # Round 9 added 875 blindly drawn commits of the same 26 repositories; none was in the corpus before.
    assert len(fresh) == 875 and len(corpus) == 2521 + 875
    assert {c.repository for c in fresh} == {c.repository for c in corpus if c.round == 0}
    blind = agr.load_audit(agr.AUDIT_DIR / "blind9.json")
    reconciled = agr.load_audit(agr.AUDIT_DIR / "reconciled9.json")
    assert len(blind) == len(reconciled) == 240
    assert [(b.repository, b.sha) for b in blind] == [(r.repository, r.sha) for r in reconciled]
    # Every audited commit is a round 9 commit.
    assert {(a.repository, a.sha) for a in blind} <= {(c.repository, c.sha) for c in fresh}
    # The readers disagreed on four commits: two were decided for the first reading (the corpus keeps it,
    # so it still differs from the blind file there), two for the blind one (the corpus was corrected).
    assert {d["sha"][:8] for d in agr.disagreements(agr.pair_up(corpus, blind))} == {"d455178a", "58e7b456"}
    assert agr.disagreements(agr.pair_up(corpus, reconciled)) == []
