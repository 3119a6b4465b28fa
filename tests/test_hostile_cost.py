"""Input shapes whose cost grew faster than the input (``benchmarks/hostile_cost.py``): each test counts
the work done (walks, matches) on a real parse or a real structure, never the time it takes, so it
holds on a slow, busy machine; each failed before its fix."""

from __future__ import annotations

import bisect
import random
import re
import sys
import types

import pytest

from mergeguard import codeowners as co
from mergeguard.change import Limits
from mergeguard.features import Context, retry_timeout, syntax
from mergeguard.features.resilience import INFINITE, Construct, Scan, java, jvm, kotlin
from mergeguard.features.retry_timeout import extract
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_range
from tests.gitrepo import commit, init_repo
from tests.retry_changes import T0
from tests.test_syntax_scopes import SAMPLES as SCOPE_SAMPLES


def _source(text: str, language: str, path: str) -> syntax.Source:
    tree = syntax.parse(text, language)
    assert tree is not None
    return syntax.Source(path, "post", language, text, tree)


_JAVA_LOOP = """  Object r{i}() throws Exception {{
    while (true) {{
      try {{ return call(); }} catch (Exception e) {{ if (!more{i}()) throw e; }}
    }}
  }}
  boolean more{i}() {{ return routes.hasNext(); }}
"""
_KOTLIN_LOOP = """fun r{i}(): Any {{
  while (true) {{
    try {{ return call() }} catch (e: Exception) {{ if (!more{i}()) throw e }}
  }}
}}
fun more{i}(): Boolean {{ return routes.hasNext() }}
"""


@pytest.mark.parametrize("language, module, text", [
    ("java", java, "class A {\n" + "".join(_JAVA_LOOP.format(i=i) for i in range(30)) + "}\n"),
    ("kotlin", kotlin, "".join(_KOTLIN_LOOP.format(i=i) for i in range(30))),
])
def test_a_file_of_retry_loops_that_move_on_collects_its_functions_once(monkeypatch, language, module, text):
    """Each loop whose catch asks a function of the file whether another route is left walked the whole
    file to find that function: 600 such loops took 10 s, 2,400 quadratically more. Now one walk per
    image, and every loop is still recognised as moving on (no unbounded-retry finding)."""
    walks = []
    real = jvm._functions_of

    def counted(root, lang):
        walks.append(root)
        return real(root, lang)

    monkeypatch.setattr(jvm, "_functions_of", counted)
    found = module.scan(_source(text, language, "src/A." + ("java" if language == "java" else "kt")))
    assert len(walks) == 1
    loops = [c for c in found.constructs if c.kind == "retry"]
    assert len(loops) == 30
    assert all(c.attempts is None and c.backoff is None for c in loops)  # moving on: bounded, no backoff due


# -- the scope a line sits in, and the lines of an image: once per image, not once per construct ----------

def _brute_scope_at(scopes, line):
    """``Source.scope_at`` as it was defined: a scan of every scope."""
    best = None
    for s in scopes:
        if s.start_line <= line <= s.end_line and s.name and (best is None or s.start_line >= best.start_line):
            best = s
    return best


@pytest.mark.parametrize("lang", sorted(SCOPE_SAMPLES))
def test_scope_at_answers_as_the_scan_of_every_scope_on_every_line(lang):
    path, text = SCOPE_SAMPLES[lang]
    if syntax.grammar(lang) is None:
        pytest.skip(f"no {lang} grammar installed")
    for cut in (text, text[: len(text) // 2], text[: len(text) // 3]):  # whole, and broken mid-way
        src = _source(cut, lang, path)
        scopes = src.scopes()
        for line in range(cut.count("\n") + 3):
            assert src.scope_at(line) == _brute_scope_at(scopes, line), (lang, line)


def test_scope_index_answers_as_the_scan_for_overlapping_and_tied_scopes():
    rng = random.Random(7)
    for _ in range(300):
        scopes = []
        for i in range(rng.randint(0, 12)):
            start = rng.randint(1, 30)
            scopes.append(syntax.Scope("function", rng.choice(["", f"f{i}", f"f{i}"]), f"q{i}", start,
                                       start + rng.randint(0, 8)))
        starts, answers = syntax._scope_index(scopes)
        for line in range(42):
            k = bisect.bisect_right(starts, line) - 1
            assert (answers[k] if k >= 0 else None) is _brute_scope_at(scopes, line), (scopes, line)


class _CountedList(list):
    walks = 0

    def __iter__(self):
        type(self).walks += 1
        return super().__iter__()


def test_placing_many_lines_reads_the_scope_list_once():
    text = "class A {\n" + "".join(_JAVA_LOOP.format(i=i) for i in range(40)) + "}\n"
    src = _source(text, "java", "src/A.java")
    src._scopes = _CountedList(src.scopes())
    _CountedList.walks = 0
    placed = [src.scope_at(line) for line in range(1, text.count("\n") + 1)]
    assert _CountedList.walks == 1
    assert sum(1 for s in placed if s is not None and s.name.startswith("r")) == 40 * 5  # each loop method spans 5 lines


class _CountedText(str):
    splits = 0

    def splitlines(self, keepends=False):
        type(self).splits += 1
        return super().splitlines(keepends)


_PY_SETTING_AND_RECURSION = '''def get{i}(url, attempt=3):
    try:
        return requests.get(url, timeout=5)
    except OSError:
        time.sleep(1)
        return get{i}(url, attempt - 1)
'''


@pytest.mark.parametrize("language, path, unit, header", [
    ("java", "src/A.java", _JAVA_LOOP, "class A {\n"),
    ("kotlin", "src/A.kt", _KOTLIN_LOOP, ""),
    ("python", "svc/a.py", _PY_SETTING_AND_RECURSION, "import requests\nimport time\n\n"),
])
def test_a_scan_splits_its_image_into_lines_a_fixed_number_of_times(language, path, unit, header):
    """Retry loops valued by their decisions (``policy_functions.spanning``), timeout settings checked
    against their line (``python.keeps_setting``) and recursive retries (``recursion``) split the whole
    file into lines once per construct: 2,000 loops made 2,000 splits of the file. Now the count does
    not grow with the constructs."""
    footer = "}\n" if header else ""
    counts = []
    for n in (5, 40):
        text = _CountedText(header + "".join(unit.format(i=i) for i in range(n)) + footer)
        src = syntax.Source(path, "post", language, text, syntax.parse(str(text), language))
        _CountedText.splits = 0
        found = retry_timeout._scan_image(retry_timeout.scanner(language), src)
        assert found is not None and sum(1 for c in found.constructs if c.kind == "retry") >= n
        counts.append(_CountedText.splits)
    assert counts[0] == counts[1], counts


# -- CODEOWNERS and ``ignore`` patterns: a path is tried against the rules that may match it --------------

_PIECES = ["a", "b", "docs", "src", "*", "**", "*.js", "*.min.js", "f?o", "a*", "*b", "x.y", "f\\*o", "", ".js",
           "*.", "a.b.c", "?"]
_NAMES = ["a", "b", "docs", "src", "foo", "f*o", "x.js", "y.min.js", "a.b.c", "x.y", "ab", "ba", ".js", "z.", "q"]


def _random_pattern(rng: random.Random) -> str:
    body = "/".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 4)))
    return rng.choice(["", "/"]) + body + rng.choice(["", "", "/"])


def test_the_pattern_index_finds_the_last_matching_rule_as_the_scan_of_every_rule_does():
    """Random CODEOWNERS-style patterns (anchored, floating, globbed, escaped, ``**`` anywhere, a bare
    ``/``) against random paths: the index answers as trying every rule last to first."""
    rng = random.Random(2026)
    for _ in range(400):
        patterns = [p for p in (_random_pattern(rng) for _ in range(rng.randint(1, 15)))
                    if co.pattern_error(p) is None]
        regexes = [co.compile_pattern(p) for p in patterns]
        index = co.PatternIndex(patterns)
        for _ in range(30):
            path = "/".join(rng.choice(_NAMES) for _ in range(rng.randint(1, 5)))
            want = next((i for i in reversed(range(len(patterns))) if regexes[i].match(path)), None)
            assert index.last_match(path) == want, (patterns, path)


class _CountedRegex:
    matches = 0

    def __init__(self, regex):
        self.regex = regex

    def match(self, text):
        type(self).matches += 1
        return self.regex.match(text)


def test_owners_of_many_paths_under_many_rules_try_few_rules_per_path():
    """A catch-all, then 600 owned folders; 600 touched paths in none of them: each path was tried
    against every rule (360,000 matches) before the catch-all owned it."""
    lines = ["* @org/all"] + [f"/team{i}/ @org/team{i}" for i in range(600)] + ["*.lock @org/deps", "docs/ @org/docs"]
    rules = [co.Rule(r.pattern, r.owners, r.line, _CountedRegex(r.regex))  # type: ignore[arg-type]
             for r in co.parse("\n".join(lines)).rules]
    owners = co.CodeOwners(tuple(rules))
    paths = [f"other{i % 7}/sub/f{i}.py" for i in range(600)]
    _CountedRegex.matches = 0
    result = co.owner_approval(owners, paths + ["team5/x.py", "a/docs/b.md", "c/yarn.lock"], ["someone"])
    assert _CountedRegex.matches <= 2 * (len(paths) + 3)
    assert result.owned["other3/sub/f3.py"] == ("@org/all",)
    assert result.owned["team5/x.py"] == ("@org/team5",)
    assert result.owned["a/docs/b.md"] == ("@org/docs",)
    assert result.owned["c/yarn.lock"] == ("@org/deps",)


# -- pairing a file's constructs before and after: by index, not by a scan of every construct left --------

def _scan_pair(pre, post, shift):
    """``retry_timeout._pair`` as it was: a scan of every construct left for each construct."""
    pairs = []
    left = list(pre)
    rest = []
    for c in post:
        same = [p for p in left if p.key == c.key]
        m = next((p for p in same if (p.value, p.seconds, p.attempts) == (c.value, c.seconds, c.attempts)),
                 same[0] if same else None)
        if m is not None:
            left.remove(m)
            pairs.append((m, c))
        else:
            rest.append(c)
    only_post = []
    for c in rest:
        cands = [p for p in left if p.kind == c.kind and p.library == c.library
                 and (c.library != "setting" or retry_timeout._same_thing(p.target, c.target))]
        if cands:
            m = min(cands, key=lambda p: abs(shift(p.line) - c.line))
            if abs(shift(m.line) - c.line) <= 10:
                left.remove(m)
                pairs.append((m, c))
                continue
        only_post.append(c)
    return pairs, left, only_post


def _random_construct(rng: random.Random) -> Construct:
    line = rng.randint(1, 60)
    return Construct(rng.choice(["retry", "timeout"]), rng.choice(["loop", "setting", "tenacity"]), line,
                     line + rng.randint(0, 3), rng.choice(["", "f", "g"]),
                     target=rng.choice(["connectTimeout", "responseTimeout", "connectTimeoutMillis", "retries", "x"]),
                     attempts=rng.choice([None, 3.0, 3, INFINITE]), seconds=rng.choice([None, 1.0, 2.0]),
                     value=rng.choice(["", "1", "2"]))


def test_pairing_by_index_gives_the_pairs_of_the_scan():
    rng = random.Random(11)
    for _ in range(1500):
        pre = [_random_construct(rng) for _ in range(rng.randint(0, 14))]
        post = [_random_construct(rng) for _ in range(rng.randint(0, 14))]
        if rng.random() < 0.3 and pre:  # exact copies, which pair by identity of position, not equality
            post += rng.sample(pre, rng.randint(1, len(pre)))
            pre += [pre[0]]
        moved = {n: n + rng.randint(-15, 15) for n in range(1, 64)}
        got = retry_timeout._pair(pre, post, moved.__getitem__)
        want = _scan_pair(pre, post, moved.__getitem__)
        assert [(id(a), id(b)) for a, b in got[0]] == [(id(a), id(b)) for a, b in want[0]], (pre, post)
        assert [id(p) for p in got[1]] == [id(p) for p in want[1]] and got[2] == want[2]


def test_pairing_loops_all_moved_to_renamed_functions_shifts_each_line_once():
    """600 retry loops before and after, each now in a function of another name (no key in common):
    each was compared with every loop left (360,000 line shifts); now each pre-image line is shifted once."""
    pre = [Construct("retry", "loop", 5 * i + 1, 5 * i + 4, f"r{i}") for i in range(600)]
    post = [Construct("retry", "loop", 5 * i + 1, 5 * i + 4, f"s{i}") for i in range(600)]
    shifts = []

    def shift(line):
        shifts.append(line)
        return line

    pairs, only_pre, only_post = retry_timeout._pair(pre, post, shift)
    assert len(shifts) <= len(pre)
    assert [(a.scope, b.scope) for a, b in pairs] == [(f"r{i}", f"s{i}") for i in range(600)]
    assert only_pre == [] and only_post == []


# -- what a file's added and removed constructs are compared with: grouped once per file -------------------

def _scan_merged_branch(f, c, pre, post):
    """``retry_timeout._merged_branch`` as it was: both images' constructs and every added line scanned."""
    if c.kind != "timeout" or not c.scope or not c.value or c.library == "setting":
        return False

    def same(x):
        return x.key == c.key and x.value == c.value and x.seconds == c.seconds

    kept = [x for x in post.constructs if same(x)]
    if not kept:
        return False
    own = {c.target.rsplit(".", 1)[-1], c.library.rsplit(".", 1)[-1]}

    def wrapped(xs):
        return {name.rsplit(".", 1)[-1].strip() for x in xs for name in retry_timeout._CALLED.findall(x.snippet)} - own

    before = [x for x in pre.constructs if same(x)]
    if not all(wrapped([x]) for x in before):
        return False
    lost = wrapped(before) - wrapped(kept)
    added = [t for h in f.hunks for _, t in h.added]
    return not any(re.search(rf"\b{re.escape(w)}\s*\(", t) for w in lost for t in added)


def _scan_repeats_policy(f, c, pre, post):
    """``retry_timeout._repeats_policy`` as it was."""
    if c.kind != "retry" or c.library in ("setting", "computed") or f.status == "added":
        return False
    if syntax.language_of(f.path) not in ("java", "kotlin"):
        return False

    def same_policy(p):
        return (p.kind == "retry" and p.library == c.library and p.attempts == c.attempts
                and p.backoff == c.backoff and p.method == c.method and p.idempotency_key == c.idempotency_key
                and (c.library != "loop" or bool(c.value) and p.value == c.value))

    kept = {(q.key, q.value, q.attempts, q.backoff) for q in post.constructs if q is not c and same_policy(q)}
    return any(same_policy(p) and (p.key, p.value, p.attempts, p.backoff) in kept for p in pre.constructs)


_SNIPPETS = ["await asyncio.wait_for(send(x), timeout=5)", "await asyncio.wait_for(recv(), timeout=5)",
             "wait_for(a.b.send (x))", "r = $http(x)", "", "asyncio.wait_for(x)"]
_ADDED = ["send(y)", "recv ()", "x = 1", "$http(z)", "a.b.send(q)", "wait_for(y)", "resend(x)"]


def _policy_construct(rng: random.Random) -> Construct:
    line = rng.randint(1, 30)
    return Construct(rng.choice(["retry", "timeout"]), rng.choice(["loop", "asyncio.wait_for", "setting", "computed"]),
                     line, line + 1, rng.choice(["", "f", "g"]), target=rng.choice(["wait_for", "x", "send"]),
                     attempts=rng.choice([None, 3.0, INFINITE]), backoff=rng.choice([None, "fixed"]),
                     seconds=rng.choice([None, 5.0]), method=rng.choice([None, "POST"]),
                     idempotency_key=rng.random() < 0.2, snippet=rng.choice(_SNIPPETS), value=rng.choice(["", "5", "#ab"]))


def test_merged_branches_and_repeated_policies_answer_as_the_scans():
    rng = random.Random(5)
    for _ in range(600):
        pre = Scan([_policy_construct(rng) for _ in range(rng.randint(0, 10))])
        post = Scan([_policy_construct(rng) for _ in range(rng.randint(0, 10))]
                    + rng.sample(pre.constructs, min(len(pre.constructs), rng.randint(0, 4))))
        hunk = types.SimpleNamespace(added=[(n, rng.choice(_ADDED)) for n in range(rng.randint(0, 4))])
        f = types.SimpleNamespace(path=rng.choice(["A.java", "a.kt", "a.py"]), status=rng.choice(["modified", "added"]),
                                  hunks=[hunk])
        merged = retry_timeout._merged_branches(f, pre, post)
        repeats = retry_timeout._repeats_policy(f, pre, post)
        for c in pre.constructs + post.constructs + [_policy_construct(rng)]:
            assert merged(c) == _scan_merged_branch(f, c, pre, post), (c, pre, post, f)
            assert repeats(c) == _scan_repeats_policy(f, c, pre, post), (c, pre, post, f)


# -- end to end: the work of the retry/timeout extractor grows with the input, not with its square -------

def _calls_to_extract(tmp_path, path: str, before: str, after: str) -> int:
    """Python and C function calls made by the retry/timeout extractor on a real change (a count of the
    work done, the same on any machine)."""
    repo_dir = init_repo(tmp_path / "repo")
    base = commit(repo_dir, {path: before}, "base", T0)
    head = commit(repo_dir, {path: after}, "change", T0 + 60)
    change = change_from_range(GitRepo(repo_dir), base, head, Limits())
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(count)
    try:
        extract(change, Context())
    finally:
        sys.setprofile(None)
    return calls


_WAITS = "import asyncio\n\n\nasync def f():\n"
_WAIT = "    await asyncio.wait_for(g{i}(), timeout=5)\n"


_GO_RETRIES = "package svc\n\nimport \"time\"\n\n"
_GO_RETRY = ("func (c *C) r{i}() {{\n\tfor {{\n\t\tif err := c.f{i}(); err == nil {{\n\t\t\treturn\n\t\t}}\n"
             "\t\ttime.Sleep({wait})\n\t}}\n}}\n\n")


@pytest.mark.parametrize("path, before, after", [
    # waits taken out of one function: the settings scan, merged branches, the line of each setting
    ("svc/w.py", lambda n: _WAITS + "".join(_WAIT.format(i=i) for i in range(2 * n)),
     lambda n: _WAITS + "".join(_WAIT.format(i=i) for i in range(n))),
], ids=["waits_removed"])
def test_the_extractors_work_grows_linearly_with_the_constructs(tmp_path, path, before, after):
    """Four times the constructs cost about four times the calls (16 times was quadratic): 60 and 240."""
    small = _calls_to_extract(tmp_path / "small", path, before(60), after(60))
    large = _calls_to_extract(tmp_path / "large", path, before(240), after(240))
    assert large < 6 * small, (small, large, large / small)


def test_each_added_retry_is_compared_with_the_files_policies_by_group(monkeypatch):
    """300 retry loops kept and 300 added with the same decisions: each added one scanned both images'
    constructs (about 180,000 key reads); now the file's policies are grouped once."""
    kept = [Construct("retry", "loop", 3 * i + 1, 3 * i + 2, f"A.r{i}", value="#d") for i in range(300)]
    added = [Construct("retry", "loop", 1000 + 3 * i, 1001 + 3 * i, f"A.s{i}", value="#d") for i in range(300)]
    f = types.SimpleNamespace(path="src/A.java", status="modified", hunks=[])
    reads = 0
    real = Construct.key

    def counted(self):
        nonlocal reads
        reads += 1
        return real.fget(self)

    monkeypatch.setattr(Construct, "key", property(counted))
    repeats = retry_timeout._repeats_policy(f, Scan(list(kept)), Scan(kept + added))
    assert all(repeats(c) for c in added)
    assert reads <= 3 * (len(kept) * 2 + len(added))


def _searches_to_extract(tmp_path, n: int) -> int:
    """Regular-expression searches the extractor makes on a Go file whose ``n`` retry delays are each
    given a constant's name (``time.Sleep(3 * time.Millisecond)`` -> ``retryDelay2``)."""
    before = _GO_RETRIES + "".join(_GO_RETRY.format(i=i, wait=f"{i + 1} * time.Millisecond") for i in range(n))
    after = _GO_RETRIES + "".join(f"const retryDelay{i} = {i + 1} * time.Millisecond\n" for i in range(n)) \
        + "\n" + "".join(_GO_RETRY.format(i=i, wait=f"retryDelay{i}") for i in range(n))
    repo_dir = init_repo(tmp_path / "repo")
    base = commit(repo_dir, {"svc/r.go": before}, "base", T0)
    head = commit(repo_dir, {"svc/r.go": after}, "change", T0 + 60)
    change = change_from_range(GitRepo(repo_dir), base, head, Limits())
    searches = 0

    def count(frame, event, arg):
        nonlocal searches
        if event == "c_call" and getattr(arg, "__name__", "") == "search":
            searches += 1

    sys.setprofile(count)
    try:
        found = extract(change, Context()).findings
    finally:
        sys.setprofile(None)
    assert not found  # every delay kept its value
    return searches


def test_constants_named_for_literals_are_looked_up_by_the_words_of_each_line(tmp_path):
    """Each changed line is searched for the constants it names, not for every constant of the change:
    four times the delays cost about four times the searches (16 times was one search per line and
    constant), 150 and 600."""
    small = _searches_to_extract(tmp_path / "small", 150)
    large = _searches_to_extract(tmp_path / "large", 600)
    assert large < 6 * small, (small, large, large / small)
