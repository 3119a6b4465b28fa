"""Error-budget sources: how much of the SLO error budget is left, or why we cannot tell.

The gate tightens when production is already fragile, so it asks an SLO source for the remaining
budget fraction (1 = untouched, 0 = exhausted, below 0 = overspent). Two sources:

* **Prometheus**: an instant query through the HTTP API, ``GET {url}/api/v1/query?query=...``,
  that must return exactly one sample (aggregate with ``min()`` if several series could match).
* **JSON document** written by SLO tooling, fetched from a URL or read from a file, with the
  fraction at a dotted field path (``slos.0.remaining``).

:func:`fetch` never raises: an unreachable, slow, or malformed source comes back as a
:class:`BudgetStatus` carrying the error text, so the policy can state it and apply the configured
fallback. A source that silently counted as "healthy" would let a fragile production through.
Only the standard library is used (``urllib``), with a short timeout: a gate must not hang.
"""

from __future__ import annotations

import json
import math
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .config import BudgetSource

#: Largest response body read from a source; a budget is a number, not a download.
MAX_BODY = 1_000_000
USER_AGENT = "mergeguard-error-budget/1"


@dataclass(frozen=True)
class BudgetStatus:
    """The remaining budget fraction, or the reason it is unknown (exactly one is set)."""

    source: str
    remaining: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.remaining is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SourceError(Exception):
    """Raised inside this module only; :func:`fetch` turns it into a status."""


def fetch(source: BudgetSource) -> BudgetStatus:
    """Ask ``source`` for the remaining budget; any failure becomes ``BudgetStatus(error=...)``."""
    label = source.describe()
    try:
        if source.kind == "prometheus":
            assert source.url and source.query
            url = f"{source.url}/api/v1/query?" + urllib.parse.urlencode({"query": source.query})
            remaining = parse_prometheus(_get(url, source.timeout))
        elif source.url:
            remaining = parse_json_document(_get(source.url, source.timeout), source.field)
        else:
            assert source.file
            try:
                body = Path(source.file).read_bytes()[: MAX_BODY + 1]
            except OSError as exc:
                raise SourceError(f"cannot read {source.file}: {exc.strerror or exc}") from None
            remaining = parse_json_document(body, source.field)
        return BudgetStatus(label, remaining=remaining)
    except SourceError as exc:
        return BudgetStatus(label, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - the promise is "never a crash": state it instead
        return BudgetStatus(label, error=f"unexpected {type(exc).__name__}: {exc}")


def _get(url: str, timeout: float) -> bytes:
    """GET ``url`` and return the body; every network failure is a :class:`SourceError`."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked by config
            body = response.read(MAX_BODY + 1)
    except urllib.error.HTTPError as exc:
        detail = ""
        try:
            detail = _prometheus_error(exc.read(4096)) or ""
        except Exception:  # noqa: BLE001
            pass
        raise SourceError(f"HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise SourceError(f"no answer within {timeout:g}s") from None
        raise SourceError(f"unreachable: {reason}") from None
    except (socket.timeout, TimeoutError):
        raise SourceError(f"no answer within {timeout:g}s") from None
    except OSError as exc:
        raise SourceError(f"unreachable: {exc}") from None
    if len(body) > MAX_BODY:
        raise SourceError(f"response larger than {MAX_BODY:,} bytes")
    return body


def _prometheus_error(body: bytes) -> str | None:
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    return str(doc.get("error")) if isinstance(doc, dict) and doc.get("error") else None


def parse_prometheus(body: bytes) -> float:
    """The single sample of a Prometheus instant-query response (vector or scalar)."""
    doc = _json(body)
    if not isinstance(doc, dict) or doc.get("status") != "success":
        error = doc.get("error") if isinstance(doc, dict) else None
        raise SourceError(f"query failed: {error}" if error else "not a Prometheus API response")
    data = doc.get("data")
    if not isinstance(data, dict):
        raise SourceError("Prometheus response has no data")
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar":
        sample = result
    elif kind == "vector":
        if not isinstance(result, list) or not result:
            raise SourceError("query returned no data (is the metric being scraped?)")
        if len(result) > 1:
            raise SourceError(f"query returned {len(result)} series; expected one (aggregate it, e.g. with min())")
        sample = result[0].get("value") if isinstance(result[0], dict) else None
    else:
        raise SourceError(f"query returned a {kind}; expected an instant vector or a scalar")
    if not isinstance(sample, list) or len(sample) != 2:
        raise SourceError("malformed sample in Prometheus response")
    return _fraction(sample[1])


def parse_json_document(body: bytes, field: str) -> float:
    """The fraction at dotted ``field`` of a JSON document (list items by index)."""
    value: Any = _json(body)
    walked: list[str] = []
    for part in field.split("."):
        walked.append(part)
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise SourceError(f"field {'.'.join(walked)!r} not found in the document")
    return _fraction(value)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"not JSON: {exc}") from None


def _fraction(value: Any) -> float:
    """A finite number at most 1 (a budget can be overspent: negative is fine)."""
    if isinstance(value, bool):
        raise SourceError(f"expected a number, got {json.dumps(value)}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SourceError(f"expected a number, got {json.dumps(value)[:60]}") from None
    if not math.isfinite(number):
        raise SourceError(f"expected a finite number, got {value}")
    if number > 1.0 + 1e-9:
        raise SourceError(f"expected a remaining fraction of at most 1, got {number:g} (a percentage?)")
    return number
