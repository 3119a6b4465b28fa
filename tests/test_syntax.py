"""The shared syntax layer: real tree-sitter parses of real diffs, once per change."""

from __future__ import annotations

import pytest

from mergeguard.change import Limits
from mergeguard.features import syntax
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_range
from tests.gitrepo import commit, init_repo

T0 = 1_700_000_000

PY_BEFORE = '''import requests


class Client:
    """Talks to the orders service."""

    def get(self, url):
        return requests.get(url, timeout=5)

    def post(self, url, body):
        return requests.post(url, json=body, timeout=5)

    def delete(self, url):
        response = requests.delete(url, timeout=5)
        response.raise_for_status()
        return response


def helper():
    return 1
'''

PY_AFTER = PY_BEFORE.replace("timeout=5)\n\n    def post", "timeout=30)\n\n    def post").replace(
    "def helper():\n    return 1\n", "def helper():\n    return 2\n")

GO = '''package orders

import (
	"context"
	"time"
)

type Store struct{}

func (s *Store) Load(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return s.fetch(ctx, id)
}
'''

JAVA = '''package orders;

class OrderClient {
    private final OkHttpClient http;

    OrderClient() {
        http = new OkHttpClient.Builder().readTimeout(5, TimeUnit.SECONDS).build();
    }

    Order get(String id) {
        return parse(http.newCall(request(id)).execute());
    }
}
'''

TS = '''export class Orders {
  async get(id: string) {
    return fetch(`/orders/${id}`, { signal: AbortSignal.timeout(5000) });
  }
}

export const handler = async (event: Event) => {
  return new Orders().get(event.id);
};
'''


def _range(tmp_path, before: dict[str, str], after: dict[str, str]):
    path = init_repo(tmp_path / "r")
    base = commit(path, before, "base", T0)
    head = commit(path, after, "change", T0 + 60)
    repo = GitRepo(path)
    return change_from_range(repo, base, head, Limits())


def test_every_promised_language_has_an_offline_grammar():
    assert {"python", "javascript", "typescript", "tsx", "go", "java", "ruby", "rust", "csharp", "kotlin"} <= set(
        syntax.available_languages())
    assert syntax.language_of("web/App.tsx") == "tsx" and syntax.language_of("a.mjs") == "javascript"
    assert syntax.language_of("README.md") is None and syntax.language_of("x.cobol") is None


def test_hunks_map_to_their_enclosing_method_function_or_class(tmp_path):
    change = _range(tmp_path, {"client.py": PY_BEFORE}, {"client.py": PY_AFTER})
    cache = syntax.syntax_of(change)
    [f] = change.files
    scopes = cache.hunk_scopes(f)
    assert [s.qualname if s else None for s in scopes] == ["Client.get", "helper"]
    assert [s.kind for s in scopes] == ["method", "function"]


def test_each_image_is_parsed_once_per_change_whoever_asks(tmp_path):
    change = _range(tmp_path, {"client.py": PY_BEFORE}, {"client.py": PY_AFTER})
    [f] = change.files
    first = syntax.syntax_of(change).source(f, "post")
    again = syntax.syntax_of(change).source(f, "post")
    assert first is again and syntax.syntax_of(change).stats.parsed == 1
    pre = syntax.syntax_of(change).source(f, "pre")
    assert "timeout=5)\n\n    def post" in pre.text and syntax.syntax_of(change).stats.parsed == 2


@pytest.mark.parametrize("path,text,line,qualname", [
    ("store.go", GO, 11, "Store.Load"),
    ("OrderClient.java", JAVA, 7, "OrderClient.OrderClient"),
    ("OrderClient.java", JAVA, 11, "OrderClient.get"),
    ("orders.ts", TS, 3, "Orders.get"),
    ("orders.ts", TS, 8, "handler"),
])
def test_scopes_per_language(path, text, line, qualname):
    lang = syntax.language_of(path)
    src = syntax.Source(path, "post", lang, text, syntax.parse(text, lang))
    assert src.scope_at(line).qualname == qualname


def test_callee_names_and_keyword_arguments_across_languages():
    cases = {
        "python": ("requests.get(url, timeout=5)", "requests.get", [(None, "url"), ("timeout", "5")]),
        "go": ("context.WithTimeout(ctx, 5*time.Second)", "context.WithTimeout", [(None, "ctx"), (None, "5*time.Second")]),
        "kotlin": ("fun f() = client.get(x, timeout = 5)", "client.get", [(None, "x"), ("timeout", "5")]),
        "csharp": ("class A { void F() { client.Get(x, timeout: 5); } }", "client.Get", [(None, "x"), ("timeout", "5")]),
        "ruby": ("Net::HTTP.get(x, read_timeout: 5)", "Net.HTTP.get", [(None, "x"), ("read_timeout", "5")]),
    }
    for lang, (code, name, args) in cases.items():
        if lang == "go":
            code = f"package x\nfunc f() {{ {code} }}"
        tree = syntax.parse(code, lang)
        call = next(syntax.calls(tree.root_node, lang))
        assert syntax.callee(call, lang) == name, lang
        assert [(k, syntax.node_text(v)) for k, v in syntax.arguments(call, lang)] == args, lang


def test_java_builder_chains_keep_the_type_they_start_from():
    tree = syntax.parse(JAVA, "java")
    names = [syntax.callee(c, "java") for c in syntax.calls(tree.root_node, "java")]
    assert "OkHttpClient.Builder.readTimeout" in names


def test_comments_and_strings_are_recognised():
    code = 'x = "retry(3)"  # retry forever\nretry(3)\n'
    tree = syntax.parse(code, "python")
    calls = list(syntax.calls(tree.root_node, "python"))
    assert [syntax.line_of(c) for c in calls] == [2]
    comment = next(n for n in syntax.walk(tree.root_node) if n.type == "comment")
    assert syntax.inside_comment_or_string(comment)
    string_part = next(n for n in syntax.walk(tree.root_node) if n.type == "string_content")
    assert syntax.inside_comment_or_string(string_part) and not syntax.inside_comment_or_string(calls[0])


def test_unknown_languages_binary_files_and_deleted_sides_are_unavailable_not_errors(tmp_path):
    change = _range(tmp_path, {"notes.cob": "IDENTIFICATION DIVISION.\n", "gone.py": "x = 1\n",
                               "img.png": b"\x89PNG\r\n\x1a\n\0\0\0"},
                    {"notes.cob": "IDENTIFICATION DIVISION. X.\n", "gone.py": None, "img.png": b"\x89PNG\r\n\x1a\n\0\0\1"})
    cache = syntax.syntax_of(change)
    by_path = {f.path: f for f in change.files}
    assert cache.source(by_path["notes.cob"], "post") is None
    assert cache.source(by_path["gone.py"], "post") is None and cache.source(by_path["gone.py"], "pre") is not None
    assert cache.source(by_path["img.png"], "post") is None
    assert cache.hunk_scopes(by_path["notes.cob"]) == [None]


def test_syntax_errors_still_give_a_tree_that_says_so(tmp_path):
    change = _range(tmp_path, {"a.py": "def f():\n    return 1\n"}, {"a.py": "def f(:\n    return 1\n"})
    cache = syntax.syntax_of(change)
    src = cache.source(change.files[0], "post")
    assert src is not None and src.has_errors and cache.stats.errors == 1
