"""The scope list built from a tree-sitter query equals the Python walk's, in every language and on
broken code (issue 16: the walk was the largest single cost of batch scoring; not an output may change).

``benchmarks/scopes_identical.py`` makes the same comparison on thousands of real files."""

from __future__ import annotations

import pytest

from mergeguard.features import syntax

SAMPLES = {
    "python": ("svc.py", '''
import functools

class Client:
    def get(self, url):
        def inner():
            return lambda: url
        return inner

    class Nested:
        async def run(self):
            pass

@functools.cache
def helper(x):
    class Local:
        def method(self):
            return x
    return Local
'''),
    "javascript": ("svc.js", '''
class Orders {
  get(id) { return fetch(id).then(r => r.json()); }
  static make() { return new Orders(); }
}
const handler = async (req) => {
  const inner = function () { return req; };
  return [1, 2].map((x) => x * 2);
};
function* gen() { yield 1; }
const obj = { key: () => 1, other: function named() { return 2; } };
exports.run = function () { return class { m() {} }; };
'''),
    "typescript": ("svc.ts", '''
interface Store { get(id: string): Promise<string>; }
abstract class Base { abstract run(): void; helper() { return () => 1; } }
export class Orders extends Base implements Store {
  async get(id: string) { return fetch(id).then((r) => r.text()); }
  run() {}
}
export const handler = (x: number): number => x + 1;
'''),
    "tsx": ("view.tsx", '''
export function View(props: { items: string[] }) {
  const render = (s: string) => <li key={s}>{s}</li>;
  return <ul>{props.items.map(render)}</ul>;
}
class Widget { draw() { return <div onClick={() => 1} />; } }
'''),
    "go": ("store.go", '''
package store

type Store struct{}

func (s *Store) Load(ctx context.Context) error {
	f := func() error { return nil }
	go func() { _ = f() }()
	return f()
}

func (Store) Save() {}

func New() *Store {
	return &Store{}
}
'''),
    "java": ("Orders.java", '''
public class Orders {
  public Orders() {}
  interface Listener { void on(String s); }
  enum Mode { A, B; void m() {} }
  record Pair(int a, int b) { int sum() { return a + b; } }
  void run() {
    Runnable r = () -> System.out.println("x");
    new Thread(() -> { class Local { void go() {} } }).start();
  }
}
'''),
    "ruby": ("svc.rb", '''
module Billing
  class Invoice
    def total
      items.sum { |i| i.price }
    end
    def self.build
      new
    end
  end
end
'''),
    "rust": ("lib.rs", '''
trait Shape { fn area(&self) -> f64; }
struct Sq(f64);
impl Shape for Sq {
    fn area(&self) -> f64 { let f = |x: f64| x * x; f(self.0) }
}
fn main() { let c = || 1; c(); }
'''),
    "csharp": ("Orders.cs", '''
public class Orders {
  public Orders() {}
  public interface IStore { void Get(); }
  public struct Point { public int X() { return 1; } }
  public void Run() {
    int Local(int x) { return x; }
    Func<int, int> f = x => x + 1;
  }
}
'''),
    "kotlin": ("Orders.kt", '''
class Orders {
    fun get(id: String): String = id
    object Cache { fun clear() {} }
    fun run() {
        val f = { x: Int -> x + 1 }
        val g = fun(y: Int): Int { return y }
        listOf(1).map { it * 2 }
    }
}
fun top() {}
'''),
}


def _walked(text: str, lang: str) -> list[syntax.Scope]:
    tree = syntax.parse(text, lang)
    return list(syntax._walk_scopes(tree.root_node, lang, ()))


def _queried(text: str, lang: str) -> list[syntax.Scope]:
    return syntax.scopes_of(syntax.parse(text, lang).root_node, lang)


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_query_equals_walk_on_whole_and_on_every_cut_of_the_sample(lang):
    if syntax.grammar(lang) is None:
        pytest.skip(f"no {lang} grammar installed")
    _, text = SAMPLES[lang]
    whole = _walked(text, lang)
    assert len(whole) >= 3, f"the {lang} sample has scopes to compare"
    assert _queried(text, lang) == whole
    # every line cut in the middle: trees with ERROR and MISSING nodes where a scope may sit
    for end in range(1, len(text)):
        if text[end - 1] == "\n" or text[end - 1] == "(":
            assert _queried(text[:end], lang) == _walked(text[:end], lang), (lang, end)


def test_names_kinds_and_order_are_those_of_the_walk():
    text = SAMPLES["python"][1]
    got = [(s.kind, s.qualname, s.start_line, s.end_line) for s in _queried(text, "python")]
    assert got == [
        ("class", "Client", 4, 12),
        ("method", "Client.get", 5, 8),
        ("function", "Client.get.inner", 6, 7),
        ("class", "Client.Nested", 10, 12),
        ("method", "Client.Nested.run", 11, 12),
        ("function", "helper", 15, 19),
        ("class", "helper.Local", 16, 18),
        ("method", "helper.Local.method", 17, 18),
    ]
    go = [(s.kind, s.qualname) for s in _queried(SAMPLES["go"][1], "go")]
    assert go == [("method", "Store.Load"), ("method", "Store.Save"), ("function", "New")]


def test_source_scopes_use_the_query_and_keep_scope_at():
    path, text = SAMPLES["javascript"]
    src = syntax.Source(path, "post", "javascript", text, syntax.parse(text, "javascript"))
    assert src.scopes() == _walked(text, "javascript")
    assert src.scope_at(8).qualname == "handler"
    assert src.scope_at(3).qualname == "Orders.get"


def test_a_language_without_scope_types_has_none():
    assert syntax.scopes_of(syntax.parse("x = 1\n", "python").root_node, "cobol") == []


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_qualname_at_with_a_shared_cache_names_every_node_as_without_it(lang):
    """``qualname_at``'s cache (one tree's climbs shared by all its nodes, so a deep ``and`` chain asked
    line by line is climbed once, not once per line) gives every node of the sample the same name as a
    fresh climb, whatever order the nodes are asked in (deepest first, then outermost first)."""
    if syntax.grammar(lang) is None:
        pytest.skip(f"no {lang} grammar installed")
    _, text = SAMPLES[lang]
    tree = syntax.parse(text, lang)
    nodes = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.children)
    fresh = [syntax.qualname_at(n, lang) for n in nodes]
    assert any("." in name for name in fresh), "the sample has nested scopes"
    for order in (list(reversed(range(len(nodes)))), list(range(len(nodes)))):
        cache: dict[int, str] = {}
        cached = {i: syntax.qualname_at(nodes[i], lang, cache) for i in order}
        assert [cached[i] for i in range(len(nodes))] == fresh
