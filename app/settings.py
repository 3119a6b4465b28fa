"""The App's settings, read once from the environment and validated before anything starts.

A server that starts with a broken setting fails later, on the first webhook, in a worker log nobody
reads; so every setting is checked here (the private key must load, the app id must be an integer,
URLs must parse) and a problem stops start-up with one line naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from mergeguard.errors import MergeguardError

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_DATA_DIR = "./mergeguard-data"


class SettingsError(MergeguardError):
    """A setting is missing or invalid; the message names the environment variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to know; tests build one directly instead of through the environment."""

    app_id: int
    private_key: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    database_url: str = ""
    github_api_url: str = DEFAULT_API_URL
    #: threads working the job queue in each server process (scoring is CPU-bound: a few are enough)
    job_threads: int = 2
    #: seconds a claimed job belongs to its worker before another may take it over
    lease_seconds: float = 300.0
    #: seconds between two sweeps for check runs whose job ended without completing them (app/sweeper.py)
    sweep_seconds: float = 60.0
    #: attempts before a job fails for good (its on_failure hook runs)
    max_attempts: int = 5
    #: first retry delay in seconds; doubled each attempt, with jitter
    retry_base_seconds: float = 5.0
    #: webhook bodies above this are refused with 413 (GitHub caps payloads at 25 MB)
    max_body_bytes: int = 25 * 1024 * 1024
    #: a model directory, or None for the shipped model
    model_dir: str | None = None
    #: where scoring runs: "process" (a child per job thread, off the web threads' GIL) or "thread"
    job_scoring: str = "process"
    #: seconds one scoring may take before its child process is stopped and the job fails
    scoring_timeout_seconds: float = 900.0
    #: memory budget of the warm history indexes of this worker, in MiB (least recently used evicted)
    warm_index_mb: int = 1024
    #: URL prefixes a repository's error_budget source may name (none: no source is fetched); files never
    error_budget_urls: tuple[str, ...] = ()
    #: several workers on one database (app/affinity.py): a worker not seen for this long is dead and
    #: its repositories move; a job waiting this long for its repository's owner goes to any worker
    worker_ttl_seconds: float = 30.0
    affinity_wait_seconds: float = 30.0
    #: disk budget of this server's mirrors in MiB (least recently used removed, cloned again on
    #: demand; app/mirror_budget.py); 0: no budget
    mirror_disk_mb: int = 10240

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{Path(self.data_dir).resolve() / 'mergeguard.db'}")

    @property
    def mirrors_dir(self) -> Path:
        return Path(self.data_dir) / "mirrors"

    @property
    def scores_dir(self) -> Path:
        """Scores of each repository's history, by commit (the default gate's percentiles)."""
        return Path(self.data_dir) / "scores"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``MERGEGUARD_*`` variables; :class:`SettingsError` names the first bad one."""
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return (env.get(name) or "").strip()

        raw_id = get("MERGEGUARD_APP_ID")
        if not raw_id:
            raise SettingsError("MERGEGUARD_APP_ID is not set (the GitHub App's numeric id)")
        try:
            app_id = int(raw_id)
        except ValueError:
            raise SettingsError(f"MERGEGUARD_APP_ID must be an integer, got {raw_id!r}") from None
        if app_id <= 0:
            raise SettingsError(f"MERGEGUARD_APP_ID must be a positive integer, got {raw_id!r}")

        key, key_var = env.get("MERGEGUARD_PRIVATE_KEY") or "", "MERGEGUARD_PRIVATE_KEY"
        if not key.strip():
            key_path = get("MERGEGUARD_PRIVATE_KEY_PATH")
            if not key_path:
                raise SettingsError("set MERGEGUARD_PRIVATE_KEY (PEM text) or MERGEGUARD_PRIVATE_KEY_PATH (a PEM file)")
            key_var = "MERGEGUARD_PRIVATE_KEY_PATH"
            try:
                key = Path(key_path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise SettingsError(f"MERGEGUARD_PRIVATE_KEY_PATH: cannot read {key_path}: "
                                    f"{getattr(exc, 'strerror', None) or exc}") from None
        key = key.replace("\\n", "\n").strip() + "\n"  # one-line env values often carry literal \n
        check_private_key(key, key_var)

        secret = env.get("MERGEGUARD_WEBHOOK_SECRET") or ""
        if not secret:
            raise SettingsError("MERGEGUARD_WEBHOOK_SECRET is not set (the App's webhook secret)")

        data_dir = Path(get("MERGEGUARD_DATA_DIR") or DEFAULT_DATA_DIR)
        database_url = get("MERGEGUARD_DATABASE_URL")
        if database_url:
            check_database_url(database_url)
        api_url = (get("MERGEGUARD_GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        check_http_url(api_url, "MERGEGUARD_GITHUB_API_URL")
        return cls(app_id=app_id, private_key=key, webhook_secret=secret, data_dir=data_dir,
                   database_url=database_url, github_api_url=api_url,
                   job_threads=_int(env, "MERGEGUARD_JOB_THREADS", 2, minimum=1),
                   lease_seconds=float(_int(env, "MERGEGUARD_JOB_LEASE_SECONDS", 300, minimum=10)),
                   sweep_seconds=float(_int(env, "MERGEGUARD_SWEEP_SECONDS", 60, minimum=1)),
                   max_attempts=_int(env, "MERGEGUARD_JOB_MAX_ATTEMPTS", 5, minimum=1),
                   model_dir=get("MERGEGUARD_MODEL_DIR") or None,
                   job_scoring=_choice(env, "MERGEGUARD_JOB_SCORING", ("process", "thread"), "process"),
                   scoring_timeout_seconds=float(_int(env, "MERGEGUARD_JOB_SCORING_TIMEOUT_SECONDS", 900,
                                                      minimum=10)),
                   error_budget_urls=_url_prefixes(env, "MERGEGUARD_ERROR_BUDGET_URLS"),
                   warm_index_mb=_int(env, "MERGEGUARD_WARM_INDEX_MB", 1024, minimum=1),
                   worker_ttl_seconds=float(_int(env, "MERGEGUARD_WORKER_TTL_SECONDS", 30, minimum=3)),
                   affinity_wait_seconds=float(_int(env, "MERGEGUARD_AFFINITY_WAIT_SECONDS", 30, minimum=0)),
                   mirror_disk_mb=_int(env, "MERGEGUARD_MIRROR_DISK_MB", 10240, minimum=0))


def _url_prefixes(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Whitespace- or comma-separated http(s) URL prefixes; each must name a host."""
    prefixes = tuple(p for p in re.split(r"[\s,]+", env.get(name) or "") if p)
    for prefix in prefixes:
        check_http_url(prefix, name)
        if urlsplit(prefix).username is not None or urlsplit(prefix).query:
            raise SettingsError(f"{name}: a prefix has no user info or query, got {prefix!r}")
    return prefixes


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def check_private_key(pem: str, variable: str) -> None:
    """The key must load as an RSA private key: GitHub signs App JWTs with RS256 only."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError) as exc:
        raise SettingsError(f"{variable}: not a PEM private key without passphrase ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SettingsError(f"{variable}: GitHub App keys are RSA keys, got {type(key).__name__}")


def check_http_url(url: str, variable: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{variable} must be an http(s) URL, got {url!r}")


def check_database_url(url: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError as exc:
        raise SettingsError(f"MERGEGUARD_DATABASE_URL is not a database URL: {exc}") from None


def preflight(settings: Settings) -> None:
    """What must hold before the server forks its workers; SettingsError (one line) otherwise.

    The data directory must take files (the database and the mirrors live there: found unwritable
    in a worker, it was a 46-line traceback and a crash loop), and the model must load (a missing
    model directory used to start a server that reported healthy and failed every job).
    """
    from mergeguard.errors import ModelError
    from mergeguard.models.model import load
    from mergeguard.outputs import OutputError, writable_dir

    data_dir = Path(settings.data_dir)
    try:
        writable_dir(data_dir, "MERGEGUARD_DATA_DIR")
        data_dir.mkdir(parents=True, exist_ok=True)
    except OutputError as exc:
        raise SettingsError(str(exc)) from None
    except OSError as exc:
        raise SettingsError(f"MERGEGUARD_DATA_DIR {data_dir}: cannot create ({exc.strerror or exc})") from None
    if settings.model_dir is not None and not Path(settings.model_dir).is_dir():
        raise SettingsError(f"MERGEGUARD_MODEL_DIR {settings.model_dir}: no such directory")
    try:
        load(settings.model_dir)
    except ModelError as exc:
        raise SettingsError(f"MERGEGUARD_MODEL_DIR {settings.model_dir or '(shipped model)'}: {exc}") from None
