"""Code nested deep without brackets is not analysed, and the user is told why.

tree-sitter finds a node's parent by descending from the root, so a climb from a node costs its depth,
and the scanners climb from nearly every node: one 3,000-line ``and`` chain over calls took 255 s, and
recursive helpers raised RecursionError past about 900 levels. Brackets were already capped before
parsing (``MAX_NESTING``); ``a and b and ...``, ``"a" + "b" + ...``, ternary and ``else if`` ladders and
method chains nest without them. A tree deeper than ``MAX_TREE_DEPTH`` is now treated as brackets
nested too deep: its syntax is unavailable, and a warning names the file and the reason.
"""

from __future__ import annotations

import json

import pytest

from mergeguard.cli import main
from mergeguard.features import syntax
from mergeguard.nesting import MAX_TREE_DEPTH, tree_deeper_than

from .gitrepo import commit, git, init_repo
from .test_syntax_scopes import SAMPLES as SCOPE_SAMPLES

#: per language: a path, a retry loop with neither a bound nor a timeout (found at ordinary depth), and
#: a function returning a chain of ``n`` calls joined by the language's ``and`` (one level each, no
#: brackets nesting)
LANGS = {
    "python": ("svc/a.py",
               "import requests\n\n\ndef fetch(url):\n    while True:\n        try:\n            return requests.get(url)\n"
               "        except Exception:\n            pass\n",
               lambda n: "\n\ndef gate(check):\n    return (\n" + "\n".join(
                   f"        {'and ' if i else ''}check({i})" for i in range(n)) + "\n    )\n"),
    "javascript": ("svc/a.js",
                   "async function fetchIt(url) {\n  while (true) {\n    try {\n      return await fetch(url);\n"
                   "    } catch (e) {}\n  }\n}\n",
                   lambda n: "\nfunction gate(check) {\n  return " + " &&\n    ".join(
                       f"check({i})" for i in range(n)) + ";\n}\n"),
    "typescript": ("svc/a.ts",
                   "async function fetchIt(url: string) {\n  while (true) {\n    try {\n      return await fetch(url);\n"
                   "    } catch (e) {}\n  }\n}\n",
                   lambda n: "\nfunction gate(check: (i: number) => boolean): boolean {\n  return " + " &&\n    ".join(
                       f"check({i})" for i in range(n)) + ";\n}\n"),
    "tsx": ("svc/a.tsx",
            "async function fetchIt(url: string) {\n  while (true) {\n    try {\n      return await fetch(url);\n"
            "    } catch (e) {}\n  }\n}\n",
            lambda n: "\nfunction gate(check: (i: number) => boolean): boolean {\n  return " + " &&\n    ".join(
                f"check({i})" for i in range(n)) + ";\n}\n"),
    "go": ("svc/a.go",
           "package svc\n\nimport \"net/http\"\n\nfunc fetch(url string) (*http.Response, error) {\n\tfor {\n"
           "\t\tresp, err := http.Get(url)\n\t\tif err == nil {\n\t\t\treturn resp, nil\n\t\t}\n\t}\n}\n",
           lambda n: "\nfunc gate(check func(int) bool) bool {\n\treturn " + " &&\n\t\t".join(
               f"check({i})" for i in range(n)) + "\n}\n"),
    "java": ("svc/A.java",
             "class A {\n  Response fetch(Request req) {\n    while (true) {\n      try {\n"
             "        return client.newCall(req).execute();\n      } catch (IOException e) {\n      }\n    }\n  }\n",
             lambda n: "\n  boolean gate() {\n    return " + " &&\n      ".join(
                 f"check({i})" for i in range(n)) + ";\n  }\n}\n"),
    "kotlin": ("svc/A.kt",
               "fun fetch(req: Request): Response {\n    while (true) {\n        try {\n"
               "            return client.newCall(req).execute()\n        } catch (e: IOException) {\n        }\n    }\n}\n",
               lambda n: "\nfun gate(): Boolean {\n    return " + " &&\n        ".join(
                   f"check({i})" for i in range(n)) + "\n}\n"),
    "csharp": ("svc/A.cs",
               "class A {\n  async Task<HttpResponseMessage> Fetch(string url) {\n    while (true) {\n      try {\n"
               "        return await client.GetAsync(url);\n      } catch (HttpRequestException) {\n      }\n    }\n  }\n",
               lambda n: "\n  bool Gate() {\n    return " + " &&\n      ".join(
                   f"Check({i})" for i in range(n)) + ";\n  }\n}\n"),
}

#: shapes that nest without brackets, per language family: each returns code ``n`` links deep
SHAPES = {
    "python": {
        "plus": lambda n: "x = (\n" + "\n".join(f"    {'+ ' if i else ''}'p{i}'" for i in range(n)) + "\n)\n",
        "ternary": lambda n: "x = (\n" + "\n".join(f"    v{i} if c{i} else" for i in range(n)) + "\n    None\n)\n",
        "method_chain": lambda n: "x = (\n    b\n" + "\n".join(f"    .m{i}()" for i in range(n)) + "\n)\n",
    },
    "javascript": {
        "plus": lambda n: "const x = " + " +\n  ".join(f"'p{i}'" for i in range(n)) + ";\n",
        "ternary": lambda n: "const x = " + "\n  ".join(f"c{i} ? v{i} :" for i in range(n)) + " null;\n",
        "method_chain": lambda n: "const x = b" + "".join(f"\n  .m{i}()" for i in range(n)) + ";\n",
        "else_if": lambda n: "if (x == 0) {\n  f(0);\n}" + "".join(f" else if (x == {i}) {{\n  f({i});\n}}"
                                                                for i in range(1, n)) + "\n",
    },
    "go": {
        "plus": lambda n: "package g\n\nconst x = " + " +\n\t".join(f'"p{i}"' for i in range(n)) + "\n",
        "method_chain": lambda n: "package g\n\nvar x = b." + ".\n\t".join(f"M{i}()" for i in range(n)) + "\n",
        "else_if": lambda n: "package g\n\nfunc f(x int) {\n\tif x == 0 {\n\t\tg(0)\n\t}" + "".join(
            f" else if x == {i} {{\n\t\tg({i})\n\t}}" for i in range(1, n)) + "\n}\n",
    },
    "java": {
        "plus": lambda n: "class G {\n  String x = " + " +\n    ".join(f'"p{i}"' for i in range(n)) + ";\n}\n",
        "ternary": lambda n: "class G {\n  Object x = " + "\n    ".join(f"c{i} ? v{i} :" for i in range(n)) + " null;\n}\n",
        "method_chain": lambda n: "class G {\n  Object x = b" + "".join(f"\n    .m{i}()" for i in range(n)) + ";\n}\n",
        "else_if": lambda n: "class G {\n  void f(int x) {\n    if (x == 0) {\n      g(0);\n    }" + "".join(
            f" else if (x == {i}) {{\n      g({i});\n    }}" for i in range(1, n)) + "\n  }\n}\n",
    },
    "kotlin": {
        "plus": lambda n: "val x = " + " +\n    ".join(f'"p{i}"' for i in range(n)) + "\n",
        "if_else": lambda n: "val x = " + "\n    ".join(f"if (c{i}) v{i} else" for i in range(n)) + " null\n",
        "method_chain": lambda n: "val x = b" + "".join(f"\n    .m{i}()" for i in range(n)) + "\n",
    },
    "ruby": {
        "and": lambda n: "def gate\n  " + " &&\n  ".join(f"check({i})" for i in range(n)) + "\nend\n",
        "method_chain": lambda n: "x = b" + "".join(f"\n  .m{i}" for i in range(n)) + "\n",
        "elsif": lambda n: "if x == 0\n  g(0)\n" + "".join(f"elsif x == {i}\n  g({i})\n" for i in range(1, n)) + "end\n",
    },
    "rust": {
        "and": lambda n: "fn gate() -> bool {\n    " + " &&\n    ".join(f"check({i})" for i in range(n)) + "\n}\n",
        "method_chain": lambda n: "fn f() {\n    b" + "".join(f"\n    .m{i}()" for i in range(n)) + ";\n}\n",
    },
}
SHAPES["typescript"] = SHAPES["tsx"] = SHAPES["javascript"]
SHAPES["csharp"] = SHAPES["java"]


def plain_depth(node) -> int:
    """The tree's depth by the definition: the most edges from ``node`` down to a node under it (every
    node's ``children`` visited, no cursor, no counts)."""
    deepest, stack = 0, [(node, 0)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in n.children)
    return deepest


def _diff(path: str, text: str) -> str:
    lines = text.splitlines()
    return (f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
            f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines))


def _score_diff(tmp_path, capsys, path: str, text: str) -> dict:
    diff = tmp_path / "c.diff"
    diff.write_text(_diff(path, text))
    assert main(["score", "--diff", str(diff), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_a_deep_chain_without_brackets_is_not_analysed_and_the_warning_says_why(tmp_path, capsys, lang):
    """The same file -- a retry loop with neither bound nor timeout, then a function returning an ``and``
    chain of calls -- at an ordinary depth is parsed and its findings are found; with the chain past
    ``MAX_TREE_DEPTH`` its syntax is unavailable, a warning names the file and the limit, and the
    retry/timeout detector does not send the user looking for a repository it never lacked."""
    if syntax.grammar(lang) is None:
        pytest.skip(f"no {lang} grammar installed")
    path, retry, chain = LANGS[lang]
    ordinary = _score_diff(tmp_path, capsys, path, retry + chain(40))
    assert ordinary["signals"]["syntax"]["parsed"] == 1 and ordinary["signals"]["syntax"]["unavailable"] == 0
    assert {"retry.added", "retry.without_limit"} <= {f["kind"] for f in ordinary["findings"]}
    assert not any("too deep" in w for w in ordinary["warnings"])

    deep = _score_diff(tmp_path, capsys, path, retry + chain(MAX_TREE_DEPTH + 10))
    assert deep["signals"]["syntax"]["parsed"] == 0 and deep["signals"]["syntax"]["unavailable"] == 1
    assert not any(f["kind"].startswith("retry.") for f in deep["findings"])
    told = [w for w in deep["warnings"] if w.startswith(f"{path}: ")]
    assert told == [f"{path}: its code nests too deep to analyse (a syntax tree deeper than {MAX_TREE_DEPTH} levels, "
                    "in the code after the change); the detectors did not read it"], deep["warnings"]
    assert not any("could not be read" in w for w in deep["warnings"]), deep["warnings"]


def test_a_commit_with_a_deep_chain_is_scored_with_the_warning_and_its_other_files_analysed(tmp_path, capsys):
    """Through ``--commit`` on a repository: the deep file is named, the ordinary file the same commit
    changes is still read (its retry loop found), and nothing is lost from the report."""
    path, retry, chain = LANGS["python"]
    w = init_repo(tmp_path / "w")
    commit(w, {"README.md": "x\n", "svc/b.py": "x = 1\n", path: "y = 2\n"}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {"svc/b.py": retry, path: chain(MAX_TREE_DEPTH + 1)}, "deep", when=1_700_000_100)
    assert main(["score", "--repo", str(w), "--commit", "feat", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["signals"]["syntax"]["unavailable"] == 1
    assert {(f["kind"], f["path"]) for f in doc["findings"]} >= {("retry.added", "svc/b.py"),
                                                                 ("retry.without_limit", "svc/b.py")}
    assert any(w.startswith(f"{path}: its code nests too deep to analyse") for w in doc["warnings"]), doc["warnings"]


@pytest.mark.parametrize("lang", sorted(SHAPES))
def test_the_depth_check_agrees_with_a_plain_depth_on_real_parses(lang):
    """``tree_deeper_than`` (a cursor walk entering only subtrees with more nodes than levels left) gives
    the answer of a plain walk of every node, at limits around the true depth, on the language's scope
    sample (real code) and on each bracket-less shape at a few sizes."""
    if syntax.grammar(lang) is None:
        pytest.skip(f"no {lang} grammar installed")
    import tree_sitter

    parser = tree_sitter.Parser(syntax.grammar(lang))
    shapes = [build(n) for build in SHAPES[lang].values() for n in (1, 7, 60)]
    if lang in LANGS:
        shapes.append(LANGS[lang][1] + LANGS[lang][2](30))
    seen = set()
    for text in shapes + ([SCOPE_SAMPLES[lang][1]] if lang in SCOPE_SAMPLES else []):
        tree = parser.parse(text.encode())
        assert text not in shapes or not tree.root_node.has_error, text[:200]  # the shapes are valid code
        depth = plain_depth(tree.root_node)
        seen.add(depth)
        for limit in sorted({0, 1, depth // 2, depth - 2, depth - 1, depth, depth + 1, depth * 3}):
            if limit >= 0:
                assert tree_deeper_than(tree.root_node, limit) == (depth > limit), (text[:80], depth, limit)
        for node in list(syntax.walk(tree.root_node))[::17]:  # from inner nodes too: depth below them
            below = plain_depth(node)
            assert tree_deeper_than(node, below) is False and tree_deeper_than(node, below - 1) is True
    assert len(seen) >= 3  # several depths, not one


@pytest.mark.parametrize("lang", ["python", "javascript", "go", "java", "kotlin"])
def test_a_tree_exactly_max_tree_depth_deep_is_parsed_and_one_level_more_is_not(lang):
    """The boundary: a chain whose tree is exactly ``MAX_TREE_DEPTH`` deep parses; one link more does not,
    and ``parse_checked`` says why."""
    if syntax.grammar(lang) is None:
        pytest.skip(f"no {lang} grammar installed")
    import tree_sitter

    build = next(iter(SHAPES[lang].values()))
    parser = tree_sitter.Parser(syntax.grammar(lang))

    def depth_of(n: int) -> int:
        return plain_depth(parser.parse(build(n).encode()).root_node)

    base = depth_of(50)
    assert depth_of(51) == base + 1, "one level a link"
    at = 50 + MAX_TREE_DEPTH - base
    assert depth_of(at) == MAX_TREE_DEPTH and depth_of(at + 1) == MAX_TREE_DEPTH + 1
    tree, why = syntax.parse_checked(build(at), lang)
    assert tree is not None and why == ""
    tree, why = syntax.parse_checked(build(at + 1), lang)
    assert tree is None and why == f"a syntax tree deeper than {MAX_TREE_DEPTH} levels"
    assert syntax.parse(build(at + 1), lang) is None


@pytest.mark.parametrize("lang", sorted(SHAPES))
def test_ancestor_remembered_answers_equal_a_plain_climb(lang):
    """``syntax.ancestor`` remembers its answer for every node a climb passes (so a deep chain is climbed
    once, not once per node: the Python scanner asked each call of a 600-deep ``and`` chain for its
    function); every node of real parses gets the answer of a plain climb, for questions with and
    without ``stop``, asked deepest node first and outermost first."""
    if syntax.grammar(lang) is None:
        pytest.skip(f"no {lang} grammar installed")
    import tree_sitter

    parser = tree_sitter.Parser(syntax.grammar(lang))
    texts = [build(40) for build in SHAPES[lang].values()]
    texts += [SCOPE_SAMPLES[lang][1]] if lang in SCOPE_SAMPLES else []
    texts += [LANGS[lang][1] + LANGS[lang][2](30)] if lang in LANGS else []
    answered = 0
    for text in texts:
        tree = parser.parse(text.encode())
        nodes = list(syntax.walk(tree.root_node))
        kinds = sorted({n.type for n in nodes if n.is_named})
        questions = [(tuple(kinds[::3]), ()), (tuple(kinds[1::4]), tuple(kinds[2::5])), (frozenset(kinds[::2]), ()),
                     (("no_such_type",), ())]
        for order in (nodes[::-1], nodes):
            syntax._ANCESTORS.clear()
            for types, stop in questions:
                for node in order:
                    got = syntax.ancestor(node, types, stop)
                    assert got == syntax._climb(node, types, stop), (node, types, stop)
                    answered += got is not None
    assert answered > 100  # the questions find ancestors, not only None


@pytest.mark.parametrize("lang", sorted(SHAPES))
def test_dotted_names_remembered_per_node_equal_fresh_ones(lang):
    """``syntax._dotted`` remembers each chain node's name (each call of ``b.m0().m1()...`` asks for the
    chain below it: d x d for a chain d calls long); every node of real parses gets the same name from a
    shared memo, asked deepest first and outermost first, as computed with the memo emptied."""
    if syntax.grammar(lang) is None:
        pytest.skip(f"no {lang} grammar installed")
    import tree_sitter

    parser = tree_sitter.Parser(syntax.grammar(lang))
    texts = [build(12) for build in SHAPES[lang].values()]
    texts += [SCOPE_SAMPLES[lang][1]] if lang in SCOPE_SAMPLES else []
    texts += [LANGS[lang][1] + LANGS[lang][2](5)] if lang in LANGS else []
    dotted = 0
    for text in texts:
        nodes = list(syntax.walk(parser.parse(text.encode()).root_node))
        fresh = []
        for node in nodes:
            syntax._DOTTED.clear()
            fresh.append(syntax._dotted(node))
        for order in (range(len(nodes) - 1, -1, -1), range(len(nodes))):
            syntax._DOTTED.clear()
            shared = {i: syntax._dotted(nodes[i]) for i in order}
            assert [shared[i] for i in range(len(nodes))] == fresh
        dotted += sum("." in name for name in fresh)
    assert dotted > 5  # dotted chains were named
