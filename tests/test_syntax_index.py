"""Nodes by type from one query per tree (``syntax.nodes_of_types`` on a root, issue 16): what each
request gets is exactly what a query of its own types gives, ties of one extent included.

``benchmarks/nodes_identical.py`` makes the same comparison for every request of the scanners on
real code."""

from __future__ import annotations

import pytest

from mergeguard.features import syntax

PYTHON = b'''import requests
from urllib3.util import Retry

DEFAULT_RETRY = Retry(total=3, backoff_factor=0.5)


class Client:
    timeout = 5

    def get(self, url):
        for attempt in range(3):
            r = requests.get(url, timeout=self.timeout, headers={"a": f"{url}"})
            if r.ok:
                return r
        while True:
            x = y = compute(call(1))
            return x
'''

GO = b'''package client

const defaultTimeout = 5 * time.Second

var retries = 3

type Client struct{ Timeout time.Duration }

func (c *Client) Get(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), defaultTimeout)
	defer cancel()
	for i := 0; i < retries; i++ {
		c.Timeout = time.Duration(i) * time.Second
		_ = http.Client{Timeout: c.Timeout}
	}
	return do(ctx, url)
}
'''

# value_argument and call_expression share an extent for every argument that is a call: a query
# orders such pairs in a way of its own (one child first, the next parent first)
KOTLIN = b'''fun main() {
    val a = listOf(bar(1), baz(2))
    client.newCall(request(url)).execute()
    assertThat(body.string(), equalTo(expected(3)))
}

class Settings(val timeout: Int = 30, val retries: Int = 3)
'''

JAVASCRIPT = b'''const axios = require("axios");
const client = axios.create({ timeout: 5000, retry: { retries: 3 } });
async function get(url) {
  for (let i = 0; i < 3; i++) {
    try { return await client.get(url, { timeout: 1000 }); } catch (e) { await sleep(100 * i); }
  }
}
'''

CASES = [
    ("python", PYTHON, [("call", "for_statement", "while_statement", "pair"), ("assignment", "call"),
                        ("function_definition",), ("import_from_statement", "import_statement", "assignment"),
                        ("expression_statement", "assignment", "call"), ("call", "no_such_type")]),
    ("go", GO, [("const_spec", "var_spec", "call_expression", "composite_literal", "for_statement",
                 "assignment_statement", "type_spec"), ("function_declaration", "method_declaration"),
                ("keyed_element", "short_var_declaration", "call_expression", "expression_statement")]),
    ("kotlin", KOTLIN, [("property_declaration", "assignment", "value_argument", "class_parameter", "call_expression"),
                        ("call_expression",), ("value_argument",), ("call_expression", "value_argument")]),
    ("javascript", JAVASCRIPT, [("call_expression", "new_expression", "pair", "for_statement"),
                                ("call_expression", "await_expression", "expression_statement"),
                                ("function_declaration", "arrow_function")]),
]


@pytest.fixture(autouse=True)
def _fresh_index():
    syntax._TYPE_INDEX.clear()
    yield
    syntax._TYPE_INDEX.clear()


def _key(nodes):
    return [(n.type, n.start_byte, n.end_byte) for n in nodes]


@pytest.mark.parametrize(("language", "text", "requests"), CASES, ids=[c[0] for c in CASES])
def test_every_request_on_a_root_gets_what_a_query_of_its_own_types_gets(language, text, requests):
    tree = syntax.parse(text, language)
    assert tree is not None
    for types in requests * 2:  # the second round is served from the index alone
        got = syntax.nodes_of_types(tree.root_node, language, types)
        want = syntax._queried_nodes_of_types(tree.root_node, language, types)
        assert got == want, types
        assert _key(got) == _key(want), types
        assert got, types  # every request finds something here: an empty answer would prove nothing


def test_the_kotlin_sample_has_ties_a_plain_sort_would_misorder():
    """The sample above would fail the comparison if ties were sorted instead of queried."""
    tree = syntax.parse(KOTLIN, "kotlin")
    types = ("property_declaration", "assignment", "value_argument", "class_parameter", "call_expression")
    want = syntax._queried_nodes_of_types(tree.root_node, "kotlin", types)
    known = syntax._known_types("kotlin", types)
    by_type = syntax._TYPE_INDEX.nodes(tree.root_node, "kotlin", known)
    naive = sorted((n for t in known for n in by_type[t]), key=lambda n: (n.start_byte, -n.end_byte))
    assert _key(naive) != _key(want)
    assert _key(syntax.nodes_of_types(tree.root_node, "kotlin", types)) == _key(want)


def test_one_query_indexes_every_type_asked_so_far_for_the_language():
    first = syntax.parse(PYTHON, "python")
    syntax.nodes_of_types(first.root_node, "python", ("call",))
    syntax.nodes_of_types(first.root_node, "python", ("assignment", "for_statement"))
    second = syntax.parse(PYTHON.replace(b"range(3)", b"range(4)"), "python")
    syntax.nodes_of_types(second.root_node, "python", ("call",))
    indexed = syntax._TYPE_INDEX._trees[second.root_node]
    # the first request on the second tree found the other types the first tree was asked for too
    assert {"call", "assignment", "for_statement"} <= set(indexed)
    assert [n.type for n in indexed["for_statement"]] == ["for_statement"]


def test_a_subtree_is_queried_and_the_answer_is_the_callers_to_change():
    tree = syntax.parse(PYTHON, "python")
    cls = next(n for n in tree.root_node.named_children if n.type == "class_definition")
    inside = syntax.nodes_of_types(cls, "python", ("call",))
    everywhere = syntax.nodes_of_types(tree.root_node, "python", ("call",))
    assert 0 < len(inside) < len(everywhere)
    assert all(cls.start_byte <= n.start_byte and n.end_byte <= cls.end_byte for n in inside)
    everywhere.clear()
    assert syntax.nodes_of_types(tree.root_node, "python", ("call",)) == syntax._queried_nodes_of_types(
        tree.root_node, "python", ("call",))


def test_the_index_keeps_only_the_most_recent_trees():
    index = syntax._TypeIndex(size=2)
    trees = [syntax.parse(PYTHON + f"\nz = {i}\n".encode(), "python") for i in range(3)]
    known = syntax._known_types("python", ("assignment",))
    for t in trees:
        index.nodes(t.root_node, "python", known)
    assert list(index._trees) == [trees[1].root_node, trees[2].root_node]
    # an evicted tree is simply queried again, with the same answer
    again = index.nodes(trees[0].root_node, "python", known)
    assert sorted(_key(again["assignment"])) == sorted(_key(syntax._queried_nodes_of_types(
        trees[0].root_node, "python", ("assignment",))))
