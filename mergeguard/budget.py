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

The source is named by the configuration, which whoever can push to a base branch writes, and the
answer ends up in a check run anyone can read. So the *runner* decides where sources may be
(:class:`SourceAccess`): the App reads no files at all and only URLs under the prefixes its operator
allows; the CLI and the Action read files only inside the repository's work tree. Every fetch has
one deadline for the whole exchange (connect, headers, body) and a size cap; redirects are followed
only to places the same rule allows; and no error quotes what the source sent (its error text or a
value it returned), only what kind of problem it was. Only the standard library is used.
"""

from __future__ import annotations

import http
import http.client
import json
import math
import posixpath
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .config import BudgetSource
from .paths import written_under

#: Largest response body read from a source; a budget is a number, not a download.
MAX_BODY = 1_000_000
#: Redirects followed at most (each one checked against the same access rule).
MAX_REDIRECTS = 3
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


@dataclass(frozen=True)
class SourceAccess:
    """Where error-budget sources may be read from: decided by who runs mergeguard, never by the config.

    ``url_prefixes``: ``None`` allows any http(s) URL (the CLI and the Action: the person running
    it chose the config); a tuple allows only URLs under one of its prefixes (the App: the
    operator's ``MERGEGUARD_ERROR_BUDGET_URLS``; empty allows none). ``files_under``: the directory
    ``file:`` sources must resolve into (symlinks followed), relative paths being taken from it;
    ``None`` allows no files (the App). ``owner`` names who decided, for the refusal message.
    """

    url_prefixes: tuple[str, ...] | None = None
    files_under: str | None = None
    owner: str = "mergeguard"

    @classmethod
    def app(cls, url_prefixes: tuple[str, ...] | list[str]) -> SourceAccess:
        return cls(url_prefixes=tuple(url_prefixes), files_under=None, owner="the App's settings")

    @classmethod
    def local(cls, root: str | Path) -> SourceAccess:
        return cls(url_prefixes=None, files_under=str(Path(root).resolve()), owner="the repository's work tree")

    def url_refusal(self, url: str) -> str | None:
        """Why ``url`` may not be fetched, or None."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "only http(s) URLs are fetched"
        if self.url_prefixes is None:
            return None
        if any(url_under(url, prefix) for prefix in self.url_prefixes):
            return None
        return f"not allowed by {self.owner}"

    def written_path(self, name: str) -> str | None:
        """``name`` relative to the work tree as written (``..`` folded, no symlink followed), or None
        when it lies outside it. The work tree may be a change's (a pull request's checkout): which
        file the base's config names must not depend on symlinks the change put there."""
        if self.files_under is None:
            return None
        root = Path(self.files_under)
        written = written_under(root / name, root)  # an absolute name stays absolute
        return None if written is None else written.as_posix()

    def file_path(self, name: str) -> Path | str:
        """The file ``name`` resolves to, or (a string) why it may not be read."""
        if self.files_under is None:
            return f"files are not read as error-budget sources here (not allowed by {self.owner})"
        root = Path(self.files_under)
        path = (root / name).resolve()  # an absolute name stays absolute
        if path != root and root not in path.parents:
            return f"outside {self.owner}"
        written = self.written_path(name)
        if written is not None and path != root / written:
            return f"reached through a symbolic link in {self.owner}"
        return path


def url_under(url: str, prefix: str) -> bool:
    """Whether ``url`` lies under ``prefix``: same scheme, host and port, no user info, and a path
    equal to the prefix's or below it (after resolving ``.``/``..``), so that neither
    ``http://prom:9090.evil`` nor ``http://prom:9090/api/../admin`` passes for ``http://prom:9090/api``."""
    u, p = urllib.parse.urlsplit(url), urllib.parse.urlsplit(prefix)
    try:
        same_port = (u.port or _default_port(u.scheme)) == (p.port or _default_port(p.scheme))
    except ValueError:
        return False
    if (u.scheme.lower(), (u.hostname or "").lower()) != (p.scheme.lower(), (p.hostname or "").lower()) or not same_port:
        return False
    if u.username is not None or u.password is not None or not u.hostname:
        return False
    path = posixpath.normpath("/" + urllib.parse.unquote(u.path or "/"))
    base = posixpath.normpath("/" + urllib.parse.unquote(p.path or "/")).rstrip("/")
    return path == base or path.startswith(base + "/") or not base


def _default_port(scheme: str) -> int:
    return 443 if scheme.lower() == "https" else 80


class SourceError(Exception):
    """Raised inside this module only; :func:`fetch` turns it into a status."""


def fetch(source: BudgetSource, access: SourceAccess, *, document: bytes | None = None) -> BudgetStatus:
    """Ask ``source`` for the remaining budget; any failure becomes ``BudgetStatus(error=...)``.

    ``access`` says where sources may be; ``document`` is a file source's content already read by
    the caller (the gate reads a file the base revision tracks from git, not from the work tree).
    """
    label = source.describe()
    try:
        if source.kind == "prometheus":
            assert source.url and source.query
            url = f"{source.url}/api/v1/query?" + urllib.parse.urlencode({"query": source.query})
            remaining = parse_prometheus(_get(url, source.timeout, access))
        elif source.url:
            remaining = parse_json_document(_get(source.url, source.timeout, access), source.field)
        else:
            assert source.file
            body = document if document is not None else read_file(source.file, access)
            remaining = parse_json_document(body[: MAX_BODY + 1], source.field)
        return BudgetStatus(label, remaining=remaining)
    except SourceError as exc:
        return BudgetStatus(label, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - the promise is "never a crash": state it, without its text
        return BudgetStatus(label, error=f"unexpected {type(exc).__name__}")


def read_file(name: str, access: SourceAccess) -> bytes:
    """A file source's bytes (at most ``MAX_BODY + 1``), if ``access`` allows the file."""
    path = access.file_path(name)
    if isinstance(path, str):
        raise SourceError(f"error budget source unavailable ({path})")
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_BODY + 1)
    except OSError as exc:
        raise SourceError(f"cannot read {name}: {exc.strerror or type(exc).__name__}") from None


class _Deadline:
    """One deadline for a whole HTTP exchange: when it passes, the connection's socket is shut down,
    which ends any read still waiting (a per-read socket timeout alone lets a server that sends one
    byte at a time hold the gate for ever)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._connections: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def connection(self, cls: type[http.client.HTTPConnection]) -> Any:
        def make(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
            conn = cls(*args, **kwargs)
            with self._lock:
                self._connections.append(conn)
                if self.expired:
                    raise TimeoutError
            return conn
        return make

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for conn in self._connections:
                sock = conn.sock
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.deadline.connection(http.client.HTTPConnection), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.deadline.connection(http.client.HTTPSConnection), req,
                            context=getattr(self, "_context", None))


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a URL the same access rule allows, at most ``MAX_REDIRECTS`` times."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, access: SourceAccess) -> None:
        super().__init__()
        self.access = access

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        target = urllib.parse.urljoin(req.full_url, newurl)
        refusal = self.access.url_refusal(target)
        if refusal is not None:
            raise SourceError(f"error budget source unavailable (redirected to a URL {refusal})")
        return super().redirect_request(req, fp, code, msg, headers, target)


def _opener(deadline: _Deadline, access: SourceAccess) -> urllib.request.OpenerDirector:
    """http(s) only: no file:, ftp: or data: handler, so no redirect or URL can reach them."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), _HTTPHandler(deadline), _HTTPSHandler(deadline),
                    urllib.request.HTTPDefaultErrorHandler(), _RedirectHandler(access),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _get(url: str, timeout: float, access: SourceAccess) -> bytes:
    """GET ``url`` within ``timeout`` seconds in all; every failure is a :class:`SourceError`.

    Messages say what went wrong, never what the source said: a status code and its standard
    phrase, not the server's reason text or body.
    """
    refusal = access.url_refusal(url)
    if refusal is not None:
        raise SourceError(f"error budget source unavailable ({refusal})")
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    with _Deadline(timeout) as deadline:
        try:
            with _opener(deadline, access).open(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > MAX_BODY:
                    raise SourceError(f"response larger than {MAX_BODY:,} bytes")
                body = _read_capped(response, deadline)
        except SourceError:
            raise
        except urllib.error.HTTPError as exc:
            exc.close()
            raise SourceError(f"HTTP {exc.code}" + (f" {_phrase(exc.code)}" if _phrase(exc.code) else "")) from None
        except urllib.error.URLError as exc:
            if deadline.expired or isinstance(exc.reason, (socket.timeout, TimeoutError)):
                raise SourceError(f"no answer within {timeout:g}s") from None
            raise SourceError(f"unreachable: {_os_reason(exc.reason)}") from None
        except TimeoutError:
            raise SourceError(f"no answer within {timeout:g}s") from None
        except (OSError, http.client.HTTPException) as exc:
            if deadline.expired:
                raise SourceError(f"no answer within {timeout:g}s") from None
            raise SourceError(f"unreachable: {_os_reason(exc)}") from None
    if deadline.expired:
        raise SourceError(f"no answer within {timeout:g}s")
    return body


def _read_capped(response: Any, deadline: _Deadline) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
        if deadline.expired:
            raise TimeoutError
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY:
            raise SourceError(f"response larger than {MAX_BODY:,} bytes")
        chunks.append(chunk)


def _phrase(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


def _os_reason(reason: object) -> str:
    """The operating system's words for a network failure (never text the peer sent)."""
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    if isinstance(reason, OSError | http.client.HTTPException):
        return type(reason).__name__
    return "connection failed"


def parse_prometheus(body: bytes) -> float:
    """The single sample of a Prometheus instant-query response (vector or scalar)."""
    doc = _json(body)
    if not isinstance(doc, dict) or doc.get("status") != "success":
        error = doc.get("error") if isinstance(doc, dict) else None
        raise SourceError("query failed (Prometheus answered with an error status)" if error
                          else "not a Prometheus API response")
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
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested past the parser's limit
        raise SourceError("not JSON") from None


def _fraction(value: Any) -> float:
    """A finite number at most 1 (a budget can be overspent: negative is fine)."""
    if isinstance(value, bool):
        raise SourceError("expected a number, got a boolean")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SourceError(f"expected a number, got {_kind(value)}") from None
    if not math.isfinite(number):
        raise SourceError("expected a finite number")
    if number > 1.0 + 1e-9:
        raise SourceError("expected a remaining fraction of at most 1, got more (a percentage?)")
    return number


def _kind(value: Any) -> str:
    """What sort of JSON value ``value`` is (the value itself is never quoted back)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "something else"
