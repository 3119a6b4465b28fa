"""The language hooks of the retry/timeout detector are one declared, typed contract
(``resilience.Hooks``): every registered scanner declares its ``HOOKS``, and the orchestration reads
them through ``hooks_of`` only (issue 13, review of round 7)."""

from __future__ import annotations

import dataclasses
import inspect
import types
from pathlib import Path

import pytest

from mergeguard import languages
from mergeguard.features import retry_timeout
from mergeguard.features.resilience import NO_HOOKS, Hooks, hooks_of

SCANNERS = sorted({lang.resilience_scanner for lang in languages.REGISTRY if lang.resilience_scanner})


@pytest.mark.parametrize("name", SCANNERS)
def test_every_registered_scanner_declares_its_hooks(name):
    module = retry_timeout.scanner(next(lang.name for lang in languages.REGISTRY if lang.resilience_scanner == name))
    hooks = hooks_of(module)
    assert isinstance(hooks, Hooks)
    for f in dataclasses.fields(Hooks):
        value = getattr(hooks, f.name)
        if f.name == "lines_removed_count":
            assert isinstance(value, bool)
        elif value is not None:
            # a hook is a function of the language's own modules, taking the documented arguments
            assert callable(value) and value.__module__.startswith("mergeguard.features.resilience.")
            arity = {"keeps_setting": 2, "recast_setting": 2}.get(f.name, 1)
            assert len(inspect.signature(value).parameters) == arity


def test_the_hooks_each_language_has():
    def named(lang):
        hooks = hooks_of(retry_timeout.scanner(lang))
        return {f.name for f in dataclasses.fields(Hooks) if getattr(hooks, f.name) not in (None, False)}

    assert named("python") == {"keeps_setting", "recast_setting", "decides_nothing", "decides_too"}
    assert named("go") == {"keeps_setting", "lines_removed_count", "decides_too", "decides_nothing", "layout_only"}
    assert named("javascript") == named("typescript") == {"keeps_setting", "layout_only", "decides_nothing",
                                                          "decides_too", "lines_removed_count"}
    assert named("java") == named("kotlin") == {"keeps_setting", "decides_nothing"}
    assert named("csharp") == set()


def test_no_module_has_no_hooks_and_a_module_without_declared_hooks_is_refused():
    assert hooks_of(None) is NO_HOOKS
    assert NO_HOOKS == Hooks() and not NO_HOOKS.lines_removed_count
    stray = types.ModuleType("mergeguard.features.resilience.stray")
    with pytest.raises(AttributeError):
        hooks_of(stray)
    stray.HOOKS = {"keeps_setting": None}  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="stray.HOOKS"):
        hooks_of(stray)


def test_the_orchestration_reads_hooks_only_through_the_contract():
    source = Path(retry_timeout.__file__).read_text(encoding="utf-8")
    for f in dataclasses.fields(Hooks):
        assert f'"{f.name}"' not in source  # no getattr(module, "<hook>") left
