"""What the scanners remember per node and per name gives the answers computed afresh, and the
changed-line walk of retry/timeout logic finds on each line what a walk of every line finds there
(issue 16: faster batch scoring, not an output changed)."""

from __future__ import annotations

import itertools
import random

import pytest

from mergeguard.features import retry_timeout, syntax
from mergeguard.features.resilience import settings

PYTHON = '''import time
import requests

MAX_RETRIES = 3
DEFAULT_TIMEOUT = 10  # "timeout" in a comment
HELP = "retries: how often"


def fetch(client, url):
    attempt = 0
    while attempt < MAX_RETRIES:
        try:
            return client.get(url, timeout=DEFAULT_TIMEOUT)
        except OSError:
            attempt += 1
            time.sleep(2 ** attempt)
    raise RuntimeError(f"gave up after {attempt} retries: {url!r}")


class Client:
    retry_delay = 0.5

    def __init__(self, session=None):
        self.session = session or requests.Session()
        self.timeout = DEFAULT_TIMEOUT

    def again(self, url, retries=MAX_RETRIES):
        for i in range(retries):
            if self.session.get(url, timeout=self.timeout).ok:
                return True
            time.sleep(self.retry_delay * i)
        return False
'''

JAVASCRIPT = '''const axios = require("axios");
const MAX_RETRIES = 3;
/* retry: a comment */
async function get(url, options = { timeout: 5000 }) {
  let retryCount = 0;
  while (retryCount < MAX_RETRIES) {
    try {
      return await axios.get(url, { timeout: options.timeout, label: `retry ${retryCount}` });
    } catch (e) {
      retryCount += 1;
      await new Promise((r) => setTimeout(r, 100 * retryCount));
    }
  }
}
'''


def _source(text: str, language: str, path: str) -> syntax.Source:
    tree = syntax.parse(text, language)
    assert tree is not None
    return syntax.Source(path, "post", language, text, tree)


def _fresh_inside(node) -> bool:
    n = node
    while n is not None:
        if syntax.is_comment(n) or syntax.is_string(n):
            return True
        n = n.parent
    return False


@pytest.mark.parametrize(("text", "language"), [(PYTHON, "python"), (JAVASCRIPT, "javascript")], ids=["python", "javascript"])
def test_remembered_comment_and_callee_answers_equal_fresh_ones(text, language):
    syntax._INSIDE.clear()
    syntax._CALLEES.clear()
    src = _source(text, language, "a.py" if language == "python" else "a.js")
    nodes = list(syntax.walk(src.root))
    # innermost first, then outermost first: answers remembered on the way up serve later questions
    for order in (list(reversed(nodes)), nodes):
        for n in order:
            assert syntax.inside_comment_or_string(n) == _fresh_inside(n)
    assert any(syntax.inside_comment_or_string(n) for n in nodes)
    assert not all(syntax.inside_comment_or_string(n) for n in nodes)
    calls = [n for n in nodes if n.type in syntax.CALL_TYPES[language]]
    names = [syntax._callee(c, language) for c in calls]
    assert [syntax.callee(c, language) for c in calls] == names
    assert [syntax.callee(c, language) for c in calls] == names  # now from the memo
    assert "time.sleep" in names or "axios.get" in names


def test_a_node_at_the_same_place_in_another_tree_is_answered_for_its_own_tree():
    syntax._CALLEES.clear()
    a = _source("requests.get(url)\n", "python", "a.py")
    b = _source("sessions.get(url)\n", "python", "b.py")
    call_a = syntax.nodes_of_types(a.root, "python", ("call",))[0]
    call_b = syntax.nodes_of_types(b.root, "python", ("call",))[0]
    assert (call_a.start_byte, call_a.end_byte) == (call_b.start_byte, call_b.end_byte)
    assert syntax.callee(call_a, "python") == "requests.get"
    assert syntax.callee(call_b, "python") == "sessions.get"


def test_the_node_memo_empties_itself_at_its_limit():
    memo = syntax._NodeMemo(limit=3)
    memo.update({1: True, 2: False})
    memo[3] = True
    assert len(memo) == 3
    memo[4] = False  # the fourth entry empties it first
    assert memo == {4: False}
    memo.update({5: True, 6: True, 7: True})
    assert memo == {5: True, 6: True, 7: True}


def test_classify_remembers_nothing_but_its_answer():
    names = ["maxRetries", "connect_timeout", "retryDelay", "HTTP_GATEWAY_TIMEOUT", "user", "retryable",
             "keepAliveTimeoutMs", "RETRY_STATUS_CODES", "x" * 70]
    first = [settings.classify(n) for n in names]
    assert [settings.classify(n) for n in names] == first
    assert first[:4] == ["retry", "timeout", "retry", None] and first[4] is None and first[-1] is None


@pytest.mark.parametrize(("text", "language"), [(PYTHON, "python"), (JAVASCRIPT, "javascript")], ids=["python", "javascript"])
def test_the_logic_on_changed_lines_is_what_the_walk_of_every_line_finds_on_them(text, language):
    src = _source(text, language, "a.py" if language == "python" else "a.js")
    every = set(range(1, text.count("\n") + 2))
    everywhere = retry_timeout._logic_lines(src, every)
    assert len(everywhere) >= 3  # the sample has retry logic on several lines
    rng = random.Random(16)
    subsets = [{min(everywhere), max(everywhere)}, {1, max(every)}]
    subsets += [set(c) for c in itertools.combinations(sorted(everywhere), 2)]
    subsets += [set(rng.sample(sorted(every), k)) for k in (1, 2, 3, 5, 8) for _ in range(10)]
    for lines in subsets:
        want = {n: v for n, v in everywhere.items() if n in lines}
        got = retry_timeout._logic_lines(src, lines)
        assert got == want, sorted(lines)
        assert list(got) == list(want), sorted(lines)  # the same order too


def test_the_node_memos_keep_no_tree_but_the_newest_indexed_alive():
    """A new tree met by the type index empties the node memos: what they held of earlier images
    would only keep those trees alive (the scans of one image run together)."""
    syntax._TYPE_INDEX.clear()
    first = _source(PYTHON, "python", "a.py")
    calls = syntax.nodes_of_types(first.root, "python", ("call",))
    for c in calls:
        syntax.inside_comment_or_string(c)
        syntax.callee(c, "python")
    assert len(syntax._INSIDE) >= len(calls) and len(syntax._CALLEES) == len(calls)
    syntax.nodes_of_types(first.root, "python", ("assignment",))  # the same tree: kept
    assert len(syntax._CALLEES) == len(calls)
    second = _source(PYTHON + "\nextra = 1\n", "python", "b.py")
    syntax.nodes_of_types(second.root, "python", ("call",))
    assert len(syntax._INSIDE) == 0 and len(syntax._CALLEES) == 0
    assert [syntax.callee(c, "python") for c in calls] == [syntax._callee(c, "python") for c in calls]


KOTLIN = '''// retry(3) in a comment
val client = OkHttpClient.Builder().connectTimeout(10, TimeUnit.SECONDS).build()

/** KDoc: withTimeout(5000) { } */
suspend fun fetch(url: String): String {
    val label = "retry ${attempt(url)} of ${max()}"
    val raw = """
        withTimeout(1) { retry(2) }
    """
    return withTimeout(5_000) { client.get(url, "timeout" + label) }
}
'''

JAVA = '''class A {
    // client.newCall(request).execute();
    /* Thread.sleep(100); */
    String s = "retry(3)" + call("x", 'c');
    void f() { for (int i = 0; i < 3; i++) { try { client.execute(req); } catch (IOException e) { sleep(1); } } }
    String block = """
        text block with retry(1)
        """;
}
'''

CSHARP = '''class A {
    // client.GetAsync(url);
    string s = $"retry {Retry(3)}" + @"verbatim Retry(2)";
    void F() { var r = client.GetAsync(url); /* Thread.Sleep(1) */ Policy.Handle<Exception>().Retry(3); }
}
'''


@pytest.mark.parametrize(("text", "language", "path"), [
    (PYTHON, "python", "a.py"), (JAVASCRIPT, "javascript", "a.js"), (KOTLIN, "kotlin", "a.kt"),
    (JAVA, "java", "A.java"), (CSHARP, "csharp", "A.cs"),
], ids=["python", "javascript", "kotlin", "java", "csharp"])
def test_walking_code_is_walking_everything_less_what_sits_in_comments_and_strings(text, language, path):
    """``walk_code`` yields exactly the nodes of ``walk`` that ``inside_comment_or_string`` lets
    through, in the same order: from the root, and from every node of the tree (one in a comment or
    string yields nothing)."""
    if syntax.grammar(language) is None:
        pytest.skip(f"no {language} grammar")
    src = _source(text, language, path)
    everything = list(syntax.walk(src.root))
    inside = [n for n in everything if _fresh_inside(n)]
    assert len(inside) >= 3
    if language in ("kotlin", "csharp"):  # calls in string templates
        assert any(n.type in syntax.CALL_TYPES.get(language, ()) for n in inside)
    for start in everything:
        syntax._INSIDE.clear()
        want = [n for n in syntax.walk(start) if not _fresh_inside(n)]
        assert list(syntax.walk_code(start)) == want
    assert len(list(syntax.walk_code(src.root))) == len(everything) - len(inside)


def _norm_reference(text: str) -> str:
    """``api_surface._norm`` as it was before its patterns were compiled and its answers remembered."""
    import re

    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"([(\[{<])\s+", r"\1", text)
    text = re.sub(r"\s+([)\]}>])", r"\1", text)
    text = re.sub(r",\s*([)\]}>])", r"\1", text)
    text = re.sub(r"\s*,\s*", ", ", text)
    return text


def test_normalised_signatures_are_what_the_uncompiled_patterns_gave_asked_once_or_again():
    from mergeguard.features import api_surface

    signatures = [
        "func (c *Client) Get(ctx context.Context,\n\t key string,\n) *StringCmd",
        "def fetch( self, url , *, timeout = 10, ) -> Response",
        "fun retry(  times: Int = 3 ,\n block: () -> Unit )",
        "type Options struct{ Addr string;  DialTimeout   time.Duration }",
        "  public <T> List< T > all( Map<String , T> m ,)  ", "", " ", "f(,)", "a ,b ,, c", "x\u00a0(\ty )",
    ]
    rng = random.Random(16)
    pieces = ["(", ")", "[", "]", "{", "}", "<", ">", ",", " ", "\n", "\t", "a", "Bc", "_", "\u00a0"]
    signatures += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 30))) for _ in range(500)]
    api_surface._norm.cache_clear()
    want = [_norm_reference(s) for s in signatures]
    assert [api_surface._norm(s) for s in signatures] == want
    assert [api_surface._norm(s) for s in signatures] == want  # from the cache
    assert api_surface._norm.cache_info().hits >= len(signatures)
    assert want[0] == "func (c *Client) Get(ctx context.Context, key string) *StringCmd"


def test_the_remembered_test_and_doc_classification_of_a_partner_is_paths_own():
    from mergeguard import paths
    from mergeguard.features import partners

    names = ["src/app.py", "tests/test_app.py", "app_test.go", "docs/index.md", "README", "CHANGELOG.rst",
             "src/main/java/A.java", "src/test/java/ATest.java", "lib/__tests__/a.spec.ts", "pkg/testdata/x.json",
             "okhttp/src/jvmTest/kotlin/CallTest.kt", "a/b/c.txt", "news/1.feature", "build.gradle.kts"]
    partners.is_test.cache_clear()
    partners.is_doc.cache_clear()
    for _ in range(2):  # computed, then remembered
        assert [partners.is_test(p) for p in names] == [paths.is_test(p) for p in names]
        assert [partners.is_doc(p) for p in names] == [paths.is_doc(p) for p in names]
        assert [partners.Candidate(p, 0.5, 1, 2, ("x.py",)).is_test for p in names] == [paths.is_test(p) for p in names]
    assert any(paths.is_test(p) for p in names) and any(paths.is_doc(p) for p in names)
    assert partners.is_test.cache_info().hits >= len(names)


def test_ancestor_and_node_text_answer_as_their_plain_definitions():
    """``ancestor`` reads each parent's type once and ``node_text`` the node's bytes once (issue 16):
    the answers of the plain definitions, with and without a stop, on every node of two samples."""
    def plain_ancestor(node, types, stop=()):
        p = node.parent
        while p is not None and p.type not in stop:
            if p.type in types:
                return p
            p = p.parent
        return None

    cases = [(("function_definition",), ()), (("for_statement", "while_statement"), ("function_definition",)),
             (("if_statement",), ("block", "module", "function_definition")), (("class_definition",), ("module",))]
    src = _source(PYTHON, "python", "a.py")
    nodes = list(syntax.walk(src.root))
    for types, stop in cases:
        got = [syntax.ancestor(n, types, stop) for n in nodes]
        assert got == [plain_ancestor(n, types, stop) for n in nodes]
        assert any(g is not None for g in got)
    js = _source(JAVASCRIPT, "javascript", "a.js")
    for n in nodes + list(syntax.walk(js.root)):
        assert syntax.node_text(n) == n.text.decode("utf-8", "replace")
    assert syntax.node_text(None) == ""


def test_a_contract_kind_is_the_same_whichever_orm_test_runs_first():
    """``coupling.contract_kind`` tests an ORM model's path and class before its body (issue 16):
    the answer of the body-first conjunction on models, mere users of models, and plain code."""
    from mergeguard import paths
    from mergeguard.features import coupling

    def body_first(path, text):
        lang = paths.language(path)
        if lang is not None and text and coupling._ORM_BODY.search(text) and (
                coupling._ORM_PATH.search(path) or coupling._ORM_CLASS.search(text)):
            return "ORM model"
        return None

    texts = {
        "django": "from django.db import models\n\nclass User(models.Model):\n    name = models.CharField()\n",
        "sqlalchemy": "from sqlalchemy import Column, Integer\nclass A(Base):\n    id = Column(Integer, primary_key=True)\n",
        "user": "from app.models import User\n\ndef f():\n    return User.objects.all()  # models.Model\n",
        "plain": "import requests\n\ndef get(url):\n    return requests.get(url, timeout=3)\n",
        "gorm": "package m\n\ntype User struct {\n\tgorm.Model\n\tName string\n}\n",
        "jpa": "@Entity\n@Table(name = \"u\")\npublic class User { @Column(name = \"n\") String n; }\n",
        "empty": "",
    }
    paths_ = ["app/models.py", "app/models/user.py", "app/views.py", "src/db/user.go", "pkg/user.go",
              "src/main/java/app/domain/User.java", "src/main/java/app/web/Api.java", "lib/util.py"]
    answers = []
    for path in paths_:
        for text in texts.values():
            if paths.is_doc(path) or paths.is_test(path) or coupling.contract_kind(path, text) not in (None, "ORM model"):
                continue
            answers.append(coupling.contract_kind(path, text))
            assert answers[-1] == body_first(path, text), (path, text)
    assert "ORM model" in answers and None in answers
