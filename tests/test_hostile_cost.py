"""Input shapes whose cost grew faster than the input (``benchmarks/hostile_cost.py``): each test counts
the work done (walks, matches) on a real parse or a real structure, never the time it takes, so it
holds on a slow, busy machine; each failed before its fix."""

from __future__ import annotations

import pytest

from mergeguard.features import syntax
from mergeguard.features.resilience import java, jvm, kotlin


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
