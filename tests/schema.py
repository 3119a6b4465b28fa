"""Validation of every JSON output against the published ``mergeguard.assessment/1`` schema."""

from __future__ import annotations

from typing import Any

import jsonschema

from mergeguard.assessment import schema

_VALIDATOR = jsonschema.Draft202012Validator(schema())


def assert_valid(document: Any) -> None:
    """Fail with every schema violation (path and message) of ``document``."""
    errors = sorted(_VALIDATOR.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
                                 for e in errors)
