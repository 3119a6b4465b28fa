"""The deployment example (deploy/compose.yaml, nginx.conf, Dockerfile) agrees with the App: every
MERGEGUARD_* variable it sets is one app/settings.py reads, the required ones are there, the settings it
produces load, the database is the compose PostgreSQL, and the proxy reaches the workers' bind. Docker
is not run here; the files are parsed and checked against the code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mergeguard.app.settings import Settings

from .test_app_web import pem

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
_VAR = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?]([^}]*))?\}")


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def substitute(value: str, env: dict[str, str]) -> str:
    """compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}``, from ``env`` (example values)."""
    def one(m: re.Match) -> str:
        if m.group(1) in env:
            return env[m.group(1)]
        assert m.group(0).startswith("${" + m.group(1) + ":-"), f"{m.group(1)} has no value and no default"
        return m.group(2)
    return _VAR.sub(one, value)


def example_env() -> dict[str, str]:
    pairs = [ln.split("=", 1) for ln in (DEPLOY / "env.example").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    return {k.strip(): v.strip() for k, v in pairs}


def read_variables() -> set[str]:
    return set(re.findall(r'"(MERGEGUARD_[A-Z0-9_]+)"', (ROOT / "app" / "settings.py").read_text()))


def test_services_and_the_workers_environment_match_the_settings(tmp_path):
    doc = compose()
    services = doc["services"]
    assert {"postgres", "mergeguard", "proxy"} <= set(services)
    worker = services["mergeguard"]
    env = {k: substitute(str(v), example_env()) for k, v in worker["environment"].items()}
    known = read_variables()
    assert known, "no MERGEGUARD_* names found in app/settings.py"
    unknown = sorted(k for k in env if k.startswith("MERGEGUARD_") and k not in known)
    assert unknown == [], f"set in compose but never read by app/settings.py: {unknown}"
    for required in ("MERGEGUARD_APP_ID", "MERGEGUARD_WEBHOOK_SECRET", "MERGEGUARD_DATABASE_URL",
                     "MERGEGUARD_PRIVATE_KEY_PATH", "MERGEGUARD_DATA_DIR"):
        assert required in env, required
    # several workers share the queue: the scale-out settings are set, and the replicas too
    for scale in ("MERGEGUARD_WORKER_TTL_SECONDS", "MERGEGUARD_AFFINITY_WAIT_SECONDS", "MERGEGUARD_MIRROR_DISK_MB",
                  "MERGEGUARD_WARM_INDEX_MB"):
        assert scale in env, scale
    assert int(substitute(str(worker["deploy"]["replicas"]), example_env())) >= 2
    # the key is the compose secret, mounted where the variable says
    assert env["MERGEGUARD_PRIVATE_KEY_PATH"] == "/run/secrets/" + worker["secrets"][0]
    assert worker["secrets"][0] in doc["secrets"]

    # the settings load as the App would load them (the key file stands in for the secret)
    key = tmp_path / "key.pem"
    key.write_text(pem())
    settings = Settings.from_env({**env, "MERGEGUARD_PRIVATE_KEY_PATH": str(key)})
    assert settings.app_id == int(example_env()["MERGEGUARD_APP_ID"])
    assert settings.worker_ttl_seconds == 30 and settings.mirror_disk_mb == 10240

    # the database is the compose PostgreSQL, through the driver the image installs
    from sqlalchemy.engine import make_url

    url = make_url(env["MERGEGUARD_DATABASE_URL"])
    pg = services["postgres"]["environment"]
    assert url.drivername == "postgresql+psycopg" and url.host == "postgres"
    assert url.username == pg["POSTGRES_USER"] and url.database == pg["POSTGRES_DB"]
    assert "postgres" in worker["depends_on"]
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^postgres = \["psycopg', pyproject, re.M)
    assert '".[postgres]"' in (DEPLOY / "Dockerfile").read_text()


def test_the_proxy_reaches_the_workers_bind_and_exposes_only_the_webhook():
    doc = compose()
    command = doc["services"]["mergeguard"]["command"]
    assert command[:2] == ["mergeguard", "serve"]
    bind = command[command.index("--bind") + 1]
    host, port = bind.rsplit(":", 1)
    assert host == "0.0.0.0"  # reachable from the proxy's container
    conf = (DEPLOY / "nginx.conf").read_text()
    assert re.search(rf"server\s+mergeguard:{port}\b", conf)
    assert "location = /webhook" in conf and re.search(r"location / \{\s*return 404;", conf)
    assert "/healthz" not in conf.split("location = /webhook")[1]
    proxy = doc["services"]["proxy"]
    assert any(v.startswith("./nginx.conf:") for v in proxy["volumes"])
    # the image's Dockerfile copies every package directory pyproject maps
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    mapped = set(re.findall(r'"mergeguard[.a-z]*" = "([a-z]+)', (ROOT / "pyproject.toml").read_text()))
    assert mapped and all(f"COPY {d} ./{d}" in dockerfile for d in mapped)
