"""Validation of every JSON output against the published ``mergeguard.assessment/1`` schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema

from mergeguard.assessment import schema

_VALIDATOR = jsonschema.Draft202012Validator(schema())


def _leaves(error: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    """The innermost errors (a ``oneOf`` of assessment or error record says only "not valid under any")."""
    if not error.context:
        yield error
    for sub in error.context or ():
        yield from _leaves(sub)


def assert_valid(document: Any) -> None:
    """Fail with every schema violation (path and message) of ``document``."""
    errors = [leaf for e in _VALIDATOR.iter_errors(document) for leaf in _leaves(e)]
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
                                 for e in sorted(errors, key=lambda e: list(map(str, e.absolute_path))))
