"""Coupling: what else a change is tied to, structurally, through its API, and through history.

Pure: everything from the repository arrives in the context as data (``repo_files``, ``history``),
except reference counts, a typed query over the git interface (``references``, see
``features.Context``). Four families, each with a finding kind:

- ``coupling.contract``: contract files that other code or other services are generated from or
  read: protobuf, Thrift, GraphQL, OpenAPI/Swagger/AsyncAPI, Avro, JSON Schema, SQL migrations and
  schemas (Flyway, Alembic, Django, Rails, Prisma, Liquibase, golang-migrate, knex…), ORM models
  (Django, SQLAlchemy, SQLModel, JPA/Hibernate, GORM, TypeORM, Sequelize, Mongoose, ActiveRecord,
  Prisma schema). Likely breaking edits (a removed protobuf field or RPC without ``reserved``, a
  removed GraphQL field, ``DROP``/``RENAME``/``ALTER … TYPE`` in a migration) raise it to ``error``.
- ``coupling.config``: shared configuration and infrastructure: Kubernetes manifests, Helm charts,
  Terraform, Dockerfiles and compose files, CI pipelines, Ansible, application configuration.
- ``coupling.cross_component``: the change spans several components: service roots (directories
  with their own ``go.mod``/``package.json``/``pyproject.toml``/``pom.xml``/``Cargo.toml``/
  ``Dockerfile``…, when the context lists the repository's files) or else top-level directories
  (two levels under ``services/``, ``packages/``, ``apps/``, ``libs/``, ``cmd/``…). Tests and
  documentation are not components.
- ``coupling.api_change``: a function, method or class whose signature changed or that was removed
  (pre- vs post-image, tree-sitter), with how many lines of the repository at the base revision
  mention its name (the context's ``references`` query, ``git grep -w -c`` through the git interface).
- ``coupling.missing_partner`` / ``coupling.missing_test``: hidden coupling from history: the file
  (code, or a test) that association rules over the touched files' recent co-changes rank first
  and well ahead of the next, when the change leaves it out (``features.partners``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from mergeguard import paths
from mergeguard.assessment import Finding, Severity, new_line
from mergeguard.change import Change, FileChange

from . import Context, Extraction, partners
from .contract import DetectorSpec

FEATURES = [
    "components_touched", "service_roots_touched", "contract_files", "config_files", "api_changes",
    "api_references", "missing_partners", "max_partner_rate",
]

#: what this detector owns (``features.contract``); ``api_references`` greps the base revision,
#: which mining cannot do for every historical commit: shown to reviewers, never fed to the model
SPEC = DetectorSpec(
    "coupling", tuple(FEATURES),
    finding_kinds=("coupling.contract", "coupling.config", "coupling.cross_component", "coupling.api_change",
                   "coupling.missing_partner", "coupling.missing_test"),
    signals=("coupling",), not_modelled=("api_references",),
)

CATEGORY = "coupling"


@dataclass
class CouplingSettings:
    ranking: partners.RankSettings = field(default_factory=partners.RankSettings)
    # calibrated on the dev part of benchmarks/coupling.py so that emitted findings name the file
    # the change left out at least half of the time (README, "Hidden coupling")
    partner_confidence: float = 0.5
    test_confidence: float = 0.5
    partner_min_together: int = 3  # changes behind the best rule
    partner_margin: float = 0.2  # lead over the next candidate of the same kind
    max_partner_findings: int = 1
    max_test_findings: int = 1
    listed_partners: int = 5
    max_api_findings: int = 25
    max_reference_lookups: int = 40  # names grepped per change


#: kept for callers written before ``Context`` carried the repository facts itself
CouplingContext = Context


# -- findings ----------------------------------------------------------------------------------


def finding(kind: str, path: str, line: int | None, end_line: int | None, severity: str, message: str) -> Finding:
    return Finding(kind, path, line, end_line, Severity.parse(severity), message, category=CATEGORY)


def changed_span(f: FileChange) -> tuple[int | None, int | None]:
    """First and last changed line: post-image lines when lines were added, else pre-image lines."""
    added = [n for h in f.hunks for n, _ in h.added if n]
    if added:
        return min(added), max(added)
    removed = [n for h in f.hunks for n, _ in h.removed if n]
    if removed and f.status != "deleted":
        # pure deletion: point at where the lines were, in the post image
        where = [new_line(f.hunks, n) for h in f.hunks for n, _ in h.removed[:1] if n]
        return min(where), max(where)
    if removed:
        return min(removed), max(removed)
    return None, None


def _added_text(f: FileChange) -> str:
    return "\n".join(t for h in f.hunks for _, t in h.added)


def _removed_text(f: FileChange) -> str:
    return "\n".join(t for h in f.hunks for _, t in h.removed)


def _text(change: Change, f: FileChange) -> str:
    """The file as the change leaves it (pre image for a deletion); changed lines if unavailable."""
    side = "pre" if f.status == "deleted" else "post"
    text = change.image(f.path, side)
    if text is None:
        text = _added_text(f) + "\n" + _removed_text(f)
    return text


# -- contracts ---------------------------------------------------------------------------------

_MIGRATION_DIR = re.compile(
    r"(^|/)(migrations?|migrate|db/migrate|alembic/versions|versions/alembic|flyway|liquibase|changelogs?/db"
    r"|schema_migrations|sql/migrations|prisma/migrations|evolutions)/",
    re.I,
)
_FLYWAY = re.compile(r"(^|/)[VUR]\d+(_\d+)*__\w+\.sql$", re.I)
_UPDOWN = re.compile(r"(^|/)\d+[_-][\w-]+\.(up|down)\.sql$", re.I)
_SQL_SCHEMA = re.compile(r"(^|/)(schema|structure|ddl|tables?)\.sql$|(^|/)db/schema\.rb$|(^|/)schema\.prisma$", re.I)
_OPENAPI_NAME = re.compile(r"(^|/)[^/]*(openapi|swagger|asyncapi)[^/]*\.(ya?ml|json)$", re.I)
_OPENAPI_BODY = re.compile(r"^\s*[\"']?(openapi|swagger|asyncapi)[\"']?\s*:\s*[\"']?\d", re.M)
_JSON_SCHEMA_NAME = re.compile(r"\.schema\.json$|(^|/)schemas?/[^/]+\.json$", re.I)
_JSON_SCHEMA_BODY = re.compile(r"[\"']\$schema[\"']\s*:\s*[\"']https?://json-schema\.org/", re.I)
_ORM_PATH = re.compile(r"(^|/)(models?|entit(y|ies)|schemas?|domain|persistence|db)(/|\.py$|\.rb$)|(^|/)models?\.\w+$", re.I)
_ORM_BODY = re.compile(
    r"(?<!\w)(models\.Model|db\.Model|declarative_base\s*\(|DeclarativeBase\b|SQLModel\s*,\s*table\s*=\s*True"
    r"|mapped_column\s*\(|Column\s*\(\s*(Integer|String|Text|Boolean|DateTime|ForeignKey)"
    r"|gorm\.Model|gorm:\"|@Entity\b|@Table\s*\(|@Column\s*\(|sequelize\.define\s*\(|DataTypes\.\w+"
    r"|new\s+(mongoose\.)?Schema\s*\(|<\s*(ApplicationRecord|ActiveRecord::Base)\b|@Document\s*\(|peewee\.Model|ormar\.Model"
    r"|tortoise\.models|Document\)\s*:|pw\.Model)"
)
_CONTRACT_EXT = {
    ".proto": "protobuf", ".thrift": "Thrift", ".graphql": "GraphQL", ".graphqls": "GraphQL", ".gql": "GraphQL",
    ".avsc": "Avro", ".avdl": "Avro", ".avpr": "Avro",
}
_CONTRACT_WHY = {
    "protobuf": "clients and servers generated from it must change in step",
    "Thrift": "clients and servers generated from it must change in step",
    "GraphQL": "clients querying this schema must change in step",
    "OpenAPI": "API consumers and generated clients depend on it",
    "AsyncAPI": "event producers and consumers depend on it",
    "Avro": "producers, consumers and stored records depend on this schema",
    "JSON Schema": "every producer and validator of these documents depends on it",
    "SQL migration": "it changes the database every deployed version shares; it must stay compatible with the running code",
    "SQL schema": "the database structure every deployed version shares",
    "ORM model": "the database schema and every query over this model depend on it",
}


def _is_test(path: str) -> bool:
    """Tests and fixtures, except that a ``spec/`` folder of YAML or JSON holds API specifications."""
    if path.endswith((".yaml", ".yml", ".json")):
        path = re.sub(r"(^|/)specs?/", r"\1api/", path)
    return paths.is_test(path)


def contract_kind(path: str, text: str | None) -> str | None:
    """What contract a file is (protobuf, GraphQL, OpenAPI, ..., ORM model) or None."""
    ext = posixpath.splitext(path)[1].lower()
    if ext in _CONTRACT_EXT:
        return _CONTRACT_EXT[ext]
    lang = paths.language(path)
    if paths.is_doc(path) or (_is_test(path) and "migration" not in path.lower()):
        return None
    if _FLYWAY.search(path) or _UPDOWN.search(path):
        return "SQL migration"
    if _MIGRATION_DIR.search(path) and (ext in (".sql", ".xml", ".yaml", ".yml", ".json") or lang is not None):
        if posixpath.basename(path) not in ("__init__.py", "README", "env.py", "script.py.mako"):
            return "SQL migration"
    if _SQL_SCHEMA.search(path):
        return "SQL schema"
    if ext in (".yaml", ".yml", ".json"):
        head = (text or "")[:4000]
        if _OPENAPI_NAME.search(path) or _OPENAPI_BODY.search(head):
            m = _OPENAPI_BODY.search(head)
            return "AsyncAPI" if (m and m.group(1).lower() == "asyncapi") or "asyncapi" in path.lower() else "OpenAPI"
        if ext == ".json" and (_JSON_SCHEMA_BODY.search(head) or (_JSON_SCHEMA_NAME.search(path) and "$schema" in head)):
            return "JSON Schema"
        if path.lower().endswith(".schema.json"):
            return "JSON Schema"
    # the path and the class tests first: they reject most code files at a third of the cost of the
    # body's scan (a pure conjunction: the same answer in any order; issue 16)
    if lang is not None and text and (_ORM_PATH.search(path) or _ORM_CLASS.search(text)) and _ORM_BODY.search(text):
        return "ORM model"
    return None


# a class that is itself a model (not code that merely uses one)
_ORM_CLASS = re.compile(
    r"^\s*class\s+\w+\s*\([^)]*\b(models\.Model|db\.Model|Base|DeclarativeBase|SQLModel|Model)\b[^)]*\)\s*:"
    r"|^\s*@Entity\b|^\s*type\s+\w+\s+struct\s*\{[^}]*gorm[.:]|^\s*class\s+\w+\s*<\s*(ApplicationRecord|ActiveRecord::Base)",
    re.M | re.S,
)

_PROTO_FIELD = re.compile(r"^\s*(optional\s+|repeated\s+|required\s+)?([\w.]+(?:\s*<[^>]*>)?)\s+(\w+)\s*=\s*(\d+)\s*[;\[]")
_PROTO_ENUM = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*=\s*(-?\d+)\s*[;\[]")
_PROTO_RPC = re.compile(r"^\s*rpc\s+(\w+)\s*\(")
_GRAPHQL_FIELD = re.compile(r"^\s*(\w+)\s*(\([^)]*\))?\s*:\s*\[?\w+")
_SQL_BREAKING = re.compile(
    r"\b(DROP\s+(TABLE|COLUMN|INDEX|CONSTRAINT|VIEW|TYPE|SCHEMA)|RENAME\s+(COLUMN|TO)|ALTER\s+COLUMN\s+\w+\s+(SET\s+DATA\s+)?TYPE"
    r"|MODIFY\s+COLUMN|TRUNCATE|SET\s+NOT\s+NULL|op\.drop_(table|column|index|constraint)|op\.alter_column"
    r"|migrations\.(RemoveField|DeleteModel|RenameField|RenameModel|AlterField)|remove_column|rename_column|drop_table"
    r"|change_column)\b",
    re.I,
)


def breaking_hint(kind: str, f: FileChange) -> str | None:
    """A likely breaking edit inside a contract, said in a few words, or None."""
    removed = [t for h in f.hunks for _, t in h.removed]
    added = [t for h in f.hunks for _, t in h.added]
    added_text = "\n".join(added)
    if f.status == "deleted":
        return f"deletes the {kind} file"
    if kind == "protobuf":
        reserved = any(re.match(r"\s*reserved\b", t) for t in added)
        new_fields = {m.group(3): (m.group(1) or "", m.group(2), m.group(4)) for t in added if (m := _PROTO_FIELD.match(t))}
        new_names = set(new_fields) | {m.group(1) for t in added if (m := _PROTO_ENUM.match(t))}
        new_rpcs = {m.group(1) for t in added if (m := _PROTO_RPC.match(t))}
        gone_rpc = [m.group(1) for t in removed if (m := _PROTO_RPC.match(t)) and m.group(1) not in new_rpcs]
        gone: list[str] = []
        changed: list[str] = []
        for t in removed:
            if m := _PROTO_FIELD.match(t):
                name = m.group(3)
                if name not in new_fields:
                    gone.append(name)
                elif new_fields[name][1:] != (m.group(2), m.group(4)):
                    changed.append(name)
            elif (m := _PROTO_ENUM.match(t)) and m.group(1) not in new_names:
                gone.append(m.group(1))
        if gone_rpc:
            return "removes RPC " + ", ".join(gone_rpc[:3])
        if changed:
            return "changes the type or number of field " + ", ".join(changed[:3])
        if gone and not reserved:
            return "removes " + ", ".join(gone[:3]) + " without reserving the number"
        return None
    if kind == "GraphQL":
        kept = {m.group(1) for t in added if (m := _GRAPHQL_FIELD.match(t))}
        gone = [m.group(1) for t in removed if (m := _GRAPHQL_FIELD.match(t)) and m.group(1) not in kept]
        return ("removes field " + ", ".join(gone[:3])) if gone else None
    if kind in ("SQL migration", "SQL schema", "ORM model"):
        m = _SQL_BREAKING.search(added_text)
        if m and kind != "ORM model":
            return "contains " + re.sub(r"\s+", " ", m.group(0))
        return None
    return None


# -- configuration and infrastructure ----------------------------------------------------------

_CI = re.compile(
    r"^\.github/workflows/[^/]+\.ya?ml$|^\.github/actions/.+/action\.ya?ml$|(^|/)\.gitlab-ci\.ya?ml$|^\.gitlab/ci/"
    r"|^\.circleci/|(^|/)Jenkinsfile[^/]*$|(^|/)azure-pipelines[^/]*\.ya?ml$|(^|/)\.travis\.ya?ml$|^\.buildkite/"
    r"|(^|/)\.drone\.ya?ml$|(^|/)appveyor\.ya?ml$|(^|/)bitbucket-pipelines\.ya?ml$|(^|/)cloudbuild[^/]*\.ya?ml$"
    r"|^\.ci/|^\.woodpecker",
)
_DOCKER = re.compile(r"(^|/)(Dockerfile|Containerfile)([.-][^/]*)?$|\.dockerfile$", re.I)
_COMPOSE = re.compile(r"(^|/)(docker-)?compose[^/]*\.ya?ml$", re.I)
_TERRAFORM = re.compile(r"\.(tf|tfvars|hcl)$|\.tf\.json$")
_HELM = re.compile(r"(^|/)(charts?|helm)/.+\.(ya?ml|tpl)$|(^|/)Chart\.ya?ml$|(^|/)values[^/]*\.ya?ml$|(^|/)helmfile[^/]*\.ya?ml$")
_K8S_DIR = re.compile(r"(^|/)(k8s|kubernetes|kube|manifests|deploy|deployments?|kustomize|overlays|argocd|flux)/.+\.ya?ml$", re.I)
_K8S_BODY = re.compile(r"^\s*apiVersion\s*:\s*\S+.*?^\s*kind\s*:\s*[A-Z]\w+|^\s*kind\s*:\s*[A-Z]\w+.*?^\s*apiVersion\s*:", re.M | re.S)
_ANSIBLE = re.compile(r"(^|/)(ansible|playbooks?)/.+\.ya?ml$|(^|/)roles/[^/]+/(tasks|handlers|defaults|vars)/[^/]+\.ya?ml$")
_APP_CONFIG = re.compile(
    r"(^|/)(application|bootstrap)(-\w+)?\.(ya?ml|properties)$|(^|/)appsettings[^/]*\.json$|(^|/)\.env(\.[\w-]+)?$"
    r"|(^|/)(config|conf|configs|settings|etc)/[^/]+\.(ya?ml|toml|ini|json|properties|conf|cfg|env)$|(^|/)nginx[^/]*\.conf$"
    r"|(^|/)settings(/[^/]+)?\.py$|(^|/)(Procfile|fly\.toml|app\.yaml|serverless\.ya?ml|vercel\.json|netlify\.toml|render\.yaml)$",
)
_CONFIG_SEVERITY = {"Kubernetes": "warning", "Helm": "warning", "Terraform": "warning", "Ansible": "warning"}
_CONFIG_WHY = {
    "Kubernetes": "what runs in production changes with it",
    "Helm": "every release rendered from this chart changes with it",
    "Terraform": "applying it changes live infrastructure",
    "Ansible": "it changes how hosts are configured",
    "Dockerfile": "the image every deployment runs changes with it",
    "compose": "the local and test environments change with it",
    "CI": "how every change is built and tested changes with it",
    "configuration": "every component reading this configuration changes with it",
}


def config_kind(path: str, text: str | None) -> str | None:
    """What infrastructure or shared configuration a file is, or None."""
    if paths.is_doc(path):
        return None
    if _CI.search(path):
        return "CI"
    if _DOCKER.search(path):
        return "Dockerfile"
    if _COMPOSE.search(path):
        return "compose"
    if _TERRAFORM.search(path):
        return "Terraform"
    if paths.is_test(path):
        return None
    if _HELM.search(path):
        return "Helm"
    yaml = path.endswith((".yaml", ".yml"))
    if yaml and (posixpath.basename(path) in ("kustomization.yaml", "kustomization.yml") or _K8S_DIR.search(path)):
        return "Kubernetes"
    if yaml and text and _K8S_BODY.search(text[:4000]):
        return "Kubernetes"
    if _ANSIBLE.search(path):
        return "Ansible"
    if _APP_CONFIG.search(path):
        return "configuration"
    return None


# -- components --------------------------------------------------------------------------------

SERVICE_MANIFESTS = frozenset({
    "go.mod", "package.json", "pyproject.toml", "setup.py", "setup.cfg", "pom.xml", "build.gradle",
    "build.gradle.kts", "Cargo.toml", "composer.json", "Gemfile", "mix.exs", "Dockerfile", "deno.json",
    "pubspec.yaml", "Package.swift", "BUILD.bazel",
})
_CONTAINERS = frozenset({
    "services", "service", "packages", "apps", "libs", "lib", "modules", "plugins", "components", "cmd",
    "crates", "projects", "microservices", "functions", "workers", "extensions", "contrib",
})


_ROOTS_CACHE: tuple[Any, frozenset[str]] = (None, frozenset())  # (listing last asked about, its roots)


def service_roots(files: tuple[str, ...] | list[str] | None) -> frozenset[str]:
    """Directories (not the root) holding their own build or deploy manifest.

    Replay asks about the same file listing for commit after commit; the last answer is kept for
    as long as the very same listing object comes back.
    """
    if not files:
        return frozenset()
    global _ROOTS_CACHE
    cached = _ROOTS_CACHE  # one read: another thread may replace it meanwhile
    if cached[0] is files:
        return cached[1]
    roots_of = _service_roots(files)
    _ROOTS_CACHE = (files, roots_of)
    return roots_of


def _service_roots(files: tuple[str, ...] | list[str]) -> frozenset[str]:
    roots = set()
    for p in files:
        d, base = posixpath.split(p)
        if d and (base in SERVICE_MANIFESTS or base.endswith(".csproj")) and not paths.is_test(p) and not paths.is_doc(p):
            roots.add(d)
    return frozenset(roots)


def component(path: str, roots: frozenset[str]) -> tuple[str, bool]:
    """The component a path belongs to and whether it is a service root."""
    d = posixpath.dirname(path)
    while d:
        if d in roots:
            return d, True
        up = posixpath.dirname(d)
        if up == d:  # "/" and "//" are their own dirname: a --diff naming "/x.py" looped here for ever
            break
        d = up
    parts = path.split("/")
    if len(parts) == 1:
        return "(root)", False
    if parts[0] in _CONTAINERS and len(parts) > 2:
        return f"{parts[0]}/{parts[1]}", False
    return parts[0], False


# -- the extractor -----------------------------------------------------------------------------


def extract(change: Change, context: Context) -> Extraction:
    settings = getattr(context, "coupling", None) or CouplingSettings()
    repo_files = context.repo_files
    if repo_files is None and context.history is not None and context.history.commits:
        # the files the replayed history knows are alive: the same at mining and at scoring
        repo_files = context.history.paths()
    references = context.references
    findings: list[Finding] = []
    contracts: list[dict[str, Any]] = []
    configs: list[dict[str, Any]] = []
    texts: dict[str, str] = {}

    def text_of(f: FileChange) -> str:
        if f.path not in texts:
            texts[f.path] = _text(change, f)
        return texts[f.path]

    for f in change.files:
        if f.binary:
            continue
        needs_text = _needs_text(f.path)
        text = text_of(f) if needs_text else None
        line, end = changed_span(f)
        kind = contract_kind(f.path, text)
        if kind:
            hint = breaking_hint(kind, f)
            verb = {"added": "adds", "deleted": "deletes"}.get(f.status, "changes")
            msg = f"{verb} a {kind} contract: {_CONTRACT_WHY.get(kind, 'others depend on it')}"
            if hint:
                msg += f"; {hint}"
            findings.append(finding("coupling.contract", f.path, line, end, "error" if hint else "warning", msg))
            contracts.append({"path": f.path, "kind": kind, **({"breaking": hint} if hint else {})})
            continue
        ckind = config_kind(f.path, text)
        if ckind:
            verb = {"added": "adds", "deleted": "deletes"}.get(f.status, "changes")
            what = {"CI": "CI pipeline", "compose": "compose file", "configuration": "shared configuration file"}.get(
                ckind, ckind + " file" if ckind != "Dockerfile" else "Dockerfile")
            msg = f"{verb} {'an' if what[0] in 'AEIOU' else 'a'} {what}: {_CONFIG_WHY[ckind]}"
            findings.append(finding("coupling.config", f.path, line, end, _CONFIG_SEVERITY.get(ckind, "info"), msg))
            configs.append({"path": f.path, "kind": ckind})

    comp = _components(change, repo_files, {c["path"] for c in contracts})
    findings.extend(comp.pop("findings"))

    api = api_surface(change, references, settings)
    findings.extend(api.pop("findings"))

    partners = missing_partners(change, context, settings)
    findings.extend(partners.pop("findings"))

    features: dict[str, float | None] = {
        "components_touched": float(len(comp["components"])),
        "service_roots_touched": float(len(comp["service_roots"])) if repo_files is not None else None,
        "contract_files": float(len(contracts)),
        "config_files": float(len(configs)),
        "api_changes": float(len(api["changes"])) if api["available"] else None,
        "api_references": float(api["references"]) if api["available"] and references is not None else None,
        "missing_partners": partners["count"],
        "max_partner_rate": partners["max_rate"],
    }
    signals = {
        "components": comp["components"],
        "service_roots": comp["service_roots"],
        "contracts": contracts,
        "config": configs,
        "api_changes": api["changes"],
        "api_surface": "parsed" if api["available"] else "unavailable",
        "api_references": features["api_references"],
        "missing_partners": partners["partners"],
    }
    return Extraction(features, findings, {"coupling": signals})


def _needs_text(path: str) -> bool:
    ext = posixpath.splitext(path)[1].lower()
    return ext in (".yaml", ".yml", ".json") or paths.language(path) is not None


def _components(change: Change, repo_files, contract_paths: set[str]) -> dict[str, Any]:
    roots = service_roots(repo_files)
    first_file: dict[str, str] = {}
    is_root: dict[str, bool] = {}
    for f in change.files:
        p = f.path
        if paths.is_test(p) or paths.is_doc(p):
            continue
        if not (paths.language(p) or p in contract_paths):
            continue
        name, svc = component(p, roots)
        first_file.setdefault(name, p)
        is_root[name] = svc
    names = list(first_file)
    services = [n for n in names if is_root[n]]
    findings: list[Finding] = []
    if len(services) >= 2 or len(names) >= 3:
        severity = "warning" if len(services) >= 2 else "info"
        listed = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        anchor = services[1] if len(services) >= 2 else names[1]
        f = next(x for x in change.files if x.path == first_file[anchor])
        line, end = changed_span(f)
        if len(services) >= 2:
            svc_list = ", ".join(services[:6]) + (f" and {len(services) - 6} more" if len(services) > 6 else "")
            msg = (f"touches {len(services)} separately built services ({svc_list}) among {len(names)} components: "
                   "the change only works if they are released together or stay compatible in either order")
        else:
            msg = (f"touches {len(names)} components ({listed}): a change across subsystems needs a reviewer "
                   "who knows each of them")
        findings.append(finding("coupling.cross_component", f.path, line, end, severity, msg))
    return {"components": names, "service_roots": services, "findings": findings}


def missing_partners(change: Change, context: Context, settings: CouplingSettings) -> dict[str, Any]:
    """Files history ranks as partners of this change that it leaves out (``features.partners.rank``).

    Code partners and test partners are separate findings: a missing test (``coupling.missing_test``)
    is a different omission, with a different fix, from missing code (``coupling.missing_partner``).
    A finding is emitted only at or above the confidence the benchmark calibrated (see
    ``CouplingSettings``); the best candidates are listed in the signals either way.
    """
    index = context.history
    if index is None or index.commits == 0 or not hasattr(index, "transactions"):
        return {"count": None, "max_rate": None, "partners": [], "findings": []}
    by_path = {f.path: f for f in change.files}
    for f in change.files:
        if f.old_path:
            by_path.setdefault(f.old_path, f)
    ranked = partners.rank(index, list(by_path), settings.ranking)
    code = [c for c in ranked if not c.is_test and not partners.is_doc(c.path)]
    # a change to tests (and docs) alone does not call for more tests
    touches_code = any(not paths.is_test(p) and not paths.is_doc(p) for p in by_path)
    tests = [c for c in ranked if c.is_test] if touches_code else []
    findings: list[Finding] = []

    def anchor(c: partners.Candidate) -> FileChange:
        named = [by_path[a] for a in c.antecedent if a in by_path]
        return next((f for f in named if not paths.is_test(f.path)), named[0])

    def emit(kind: str, c: partners.Candidate, msg: str) -> None:
        f = anchor(c)
        line, end = changed_span(f)
        findings.append(finding(kind, f.path, line, end, "warning", msg))

    def confident(ranked_kind: list[partners.Candidate], i: int, floor: float) -> bool:
        """At or above the calibrated confidence, and clearly ahead of the next candidate."""
        c = ranked_kind[i]
        runner_up = ranked_kind[i + 1].confidence if i + 1 < len(ranked_kind) else 0.0
        return (c.confidence >= floor and c.together >= settings.partner_min_together
                and c.confidence - runner_up >= settings.partner_margin)

    emitted = 0
    for i, c in enumerate(code[: settings.max_partner_findings]):
        if not confident(code, i, settings.partner_confidence):
            break
        emitted += 1
        emit("coupling.missing_partner", c,
             f"{c.path} is not part of this change but {c.evidence(window=settings.ranking.window)}")
    for i, c in enumerate(tests[: settings.max_test_findings]):
        if not confident(tests, i, settings.test_confidence):
            break
        code_files = [a for a in c.antecedent if not paths.is_test(a)]
        if code_files:
            msg = f"{', '.join(code_files[:3])} changed but its usual test {c.path} did not: "
        else:  # the evidence is the other tests the change touches
            msg = f"{c.path} is not part of this change but "
        emit("coupling.missing_test", c, msg + c.evidence(window=settings.ranking.window))

    def row(c: partners.Candidate) -> dict[str, Any]:
        return {"path": c.path, "with": list(c.antecedent), "confidence": round(c.confidence, 3),
                "together": c.together, "changes": c.changes, "test": c.is_test}

    return {
        "count": float(emitted),
        "max_rate": code[0].confidence if code else 0.0,
        "partners": [row(c) for c in (code[: settings.listed_partners] + tests[: settings.listed_partners])],
        "findings": findings,
    }


def api_surface(change: Change, references, settings: CouplingSettings) -> dict[str, Any]:
    from . import api_surface as surface

    return surface.analyse(change, references, settings, finding)
