"""Coupling on real repositories: contracts, configuration, components, API surface, co-change partners."""

from __future__ import annotations

import pytest

from mergeguard.change import Limits
from mergeguard.features import Context
from mergeguard.features import partners
from mergeguard.features.coupling import FEATURES, CouplingContext, CouplingSettings, extract
from mergeguard.git import GitRepo
from mergeguard.history import HistoryIndex
from mergeguard.repofacts import ReferenceCounter, list_files
from mergeguard.sources import change_from_commit, replay

from .gitrepo import commit, init_repo

T0 = 1_700_000_000
DAY = 86400
FINDING_KEYS = {"kind", "category", "path", "line", "end_line", "severity", "message"}


def analyse(path, sha: str, *, listing: bool = True, refs: bool = True, settings: CouplingSettings | None = None,
            history: bool = True):
    """Coupling of one commit of a real repository, with the history, listing and grep at its parent."""
    repo = GitRepo(path)

    def visit(rec, index):
        change = change_from_commit(repo, rec, Limits())
        parent = rec.parents[0] if rec.parents else None
        ctx = CouplingContext(
            history=index if history else None,
            repo_files=list_files(repo, parent) if listing and parent else None,
            references=ReferenceCounter(repo, parent) if refs and parent else None,
            coupling=settings,
        )
        return extract(change, ctx)

    return next(replay(repo, [sha], visit, targets={sha}))


def kinds(ex, kind: str) -> list[dict]:
    return [f.to_json() for f in ex.findings if f.kind == kind]


def assert_shape(ex) -> None:
    assert set(ex.features) == set(FEATURES)
    for f in (x.to_json() for x in ex.findings):
        assert set(f) == FINDING_KEYS
        assert f["category"] == "coupling"
        assert f["severity"] in ("info", "warning", "error")
        assert f["kind"].startswith("coupling.")


# -- contracts -----------------------------------------------------------------------------------

PROTO_V1 = """syntax = "proto3";

package shop.orders.v1;

service OrderService {
  rpc GetOrder(GetOrderRequest) returns (Order);
  rpc CancelOrder(CancelOrderRequest) returns (Order);
}

message Order {
  string id = 1;
  string customer_id = 2;
  int64 total_cents = 3;
  repeated string item_ids = 4;
}
"""


def test_protobuf_field_removed_is_breaking(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"proto/orders.proto": PROTO_V1, "README.md": "# shop\n"}, "init", T0)
    sha = commit(p, {"proto/orders.proto": PROTO_V1.replace("  int64 total_cents = 3;\n", "")}, "drop total", T0 + DAY)
    ex = analyse(p, sha)
    assert_shape(ex)
    [f] = kinds(ex, "coupling.contract")
    assert f["path"] == "proto/orders.proto" and f["severity"] == "error"
    assert "protobuf" in f["message"] and "total_cents" in f["message"]
    assert ex.features["contract_files"] == 1
    assert ex.signals["coupling"]["contracts"][0]["kind"] == "protobuf"


def test_protobuf_additive_field_and_reserved_removal_are_warnings(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"proto/orders.proto": PROTO_V1}, "init", T0)
    added = PROTO_V1.replace("  repeated string item_ids = 4;\n", "  repeated string item_ids = 4;\n  string currency = 5;\n")
    sha1 = commit(p, {"proto/orders.proto": added}, "add currency", T0 + DAY)
    reserved = added.replace("  int64 total_cents = 3;\n", "  reserved 3;\n  reserved \"total_cents\";\n")
    sha2 = commit(p, {"proto/orders.proto": reserved}, "retire total", T0 + 2 * DAY)
    renumbered = reserved.replace("string currency = 5;", "string currency = 6;")
    sha3 = commit(p, {"proto/orders.proto": renumbered}, "renumber", T0 + 3 * DAY)
    no_rpc = renumbered.replace("  rpc CancelOrder(CancelOrderRequest) returns (Order);\n", "")
    sha4 = commit(p, {"proto/orders.proto": no_rpc}, "drop rpc", T0 + 4 * DAY)
    assert [f["severity"] for f in kinds(analyse(p, sha1), "coupling.contract")] == ["warning"]
    assert [f["severity"] for f in kinds(analyse(p, sha2), "coupling.contract")] == ["warning"]
    [f3] = kinds(analyse(p, sha3), "coupling.contract")
    assert f3["severity"] == "error" and "currency" in f3["message"]
    [f4] = kinds(analyse(p, sha4), "coupling.contract")
    assert f4["severity"] == "error" and "RPC CancelOrder" in f4["message"]


GRAPHQL = """type Query {
  order(id: ID!): Order
}

type Order {
  id: ID!
  total: Int!
  legacyCode: String
}
"""

OPENAPI = """openapi: 3.0.3
info:
  title: Orders
  version: 1.0.0
paths:
  /orders/{id}:
    get:
      operationId: getOrder
"""

AVRO = '{"type": "record", "name": "OrderPlaced", "fields": [{"name": "id", "type": "string"}]}\n'

JSON_SCHEMA = """{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Order",
  "type": "object",
  "properties": {"id": {"type": "string"}}
}
"""

FLYWAY = "CREATE TABLE orders (id BIGINT PRIMARY KEY, total_cents BIGINT NOT NULL);\n"

ALEMBIC = '''"""drop legacy column

Revision ID: 3f2a1c
"""
from alembic import op


def upgrade():
    op.drop_column("orders", "legacy_code")


def downgrade():
    pass
'''

DJANGO_MODEL = '''from django.db import models


class Order(models.Model):
    customer = models.ForeignKey("Customer", on_delete=models.CASCADE)
    total_cents = models.BigIntegerField()
'''

SQLALCHEMY_MODEL = '''from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
'''

JPA_ENTITY = """package shop.orders;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;

@Entity
public class Order {
    @Id
    private Long id;
    private long totalCents;
}
"""

GORM_MODEL = """package models

import "gorm.io/gorm"

type Order struct {
	gorm.Model
	CustomerID uint
	TotalCents int64
}
"""

TYPEORM_ENTITY = """import { Entity, PrimaryGeneratedColumn, Column } from "typeorm";

@Entity()
export class Order {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  totalCents: number;
}
"""


@pytest.mark.parametrize(
    ("path", "before", "after", "kind"),
    [
        ("api/schema.graphql", GRAPHQL, GRAPHQL.replace("  legacyCode: String\n", ""), "GraphQL"),
        ("api/openapi.yaml", OPENAPI, OPENAPI + "  /orders:\n    post:\n      operationId: createOrder\n", "OpenAPI"),
        ("spec/orders-api.yaml", OPENAPI, OPENAPI.replace("1.0.0", "1.1.0"), "OpenAPI"),
        ("events/order_placed.avsc", AVRO, AVRO.replace('"string"}]', '"string"}, {"name": "total", "type": "long"}]'), "Avro"),
        ("schemas/order.json", JSON_SCHEMA, JSON_SCHEMA.replace('"string"}}', '"string"}, "note": {"type": "string"}}'), "JSON Schema"),
        ("db/migration/V2__orders.sql", None, FLYWAY, "SQL migration"),
        ("alembic/versions/3f2a1c_drop_legacy.py", None, ALEMBIC, "SQL migration"),
        ("shop/models.py", DJANGO_MODEL, DJANGO_MODEL + "    currency = models.CharField(max_length=3)\n", "ORM model"),
        ("app/db/order.py", SQLALCHEMY_MODEL, SQLALCHEMY_MODEL + "    total: Mapped[int]\n", "ORM model"),
        ("src/main/java/shop/orders/Order.java", JPA_ENTITY, JPA_ENTITY.replace("    private long totalCents;\n", "    private long totalCents;\n    private String currency;\n"), "ORM model"),
        ("internal/models/order.go", GORM_MODEL, GORM_MODEL.replace("\tTotalCents int64\n", "\tTotalCents int64\n\tCurrency   string\n"), "ORM model"),
        ("src/entities/order.ts", TYPEORM_ENTITY, TYPEORM_ENTITY.replace("  totalCents: number;\n", "  totalCents: number;\n\n  @Column()\n  currency: string;\n"), "ORM model"),
    ],
    ids=lambda v: v if isinstance(v, str) and "\n" not in v and len(v) < 60 else "",
)
def test_contract_kinds(tmp_path, path, before, after, kind):
    p = init_repo(tmp_path / "r")
    commit(p, {"README.md": "# shop\n", **({path: before} if before is not None else {})}, "init", T0)
    sha = commit(p, {path: after}, "change contract", T0 + DAY)
    ex = analyse(p, sha)
    assert_shape(ex)
    [f] = kinds(ex, "coupling.contract")
    assert f["path"] == path and kind in f["message"]
    assert f["line"] is not None and f["end_line"] >= f["line"]


def test_breaking_migration_and_graphql_are_errors(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"api/schema.graphql": GRAPHQL, "db/migrations/0001_init.sql": FLYWAY}, "init", T0)
    sha = commit(p, {"api/schema.graphql": GRAPHQL.replace("  legacyCode: String\n", ""),
                     "db/migrations/0002_drop.sql": "ALTER TABLE orders DROP COLUMN total_cents;\n"}, "drop", T0 + DAY)
    found = {f["path"]: f for f in kinds(analyse(p, sha), "coupling.contract")}
    assert found["api/schema.graphql"]["severity"] == "error" and "legacyCode" in found["api/schema.graphql"]["message"]
    assert found["db/migrations/0002_drop.sql"]["severity"] == "error"
    assert "DROP COLUMN" in found["db/migrations/0002_drop.sql"]["message"]


def test_not_contracts(tmp_path):
    """Code that uses a model, data files, fixtures, and docs about protobuf are not contracts."""
    p = init_repo(tmp_path / "r")
    views = "from shop.models import Order\n\n\ndef totals():\n    return [o.total_cents for o in Order.objects.all()]\n"
    commit(p, {"shop/views.py": views, "data/prices.json": '{"eur": 1}\n', "docs/protobuf.md": "# Protobuf\n",
               ".pre-commit-config.yaml": "repos: []\n", "tests/fixtures/order.json": "{}\n"}, "init", T0)
    sha = commit(p, {"shop/views.py": views + "\n\ndef count():\n    return Order.objects.count()\n",
                     "data/prices.json": '{"eur": 1, "usd": 1.1}\n', "docs/protobuf.md": "# Protobuf\n\nUse proto3.\n",
                     ".pre-commit-config.yaml": "repos:\n  - repo: local\n", "tests/fixtures/order.json": '{"id": 1}\n'},
                 "misc", T0 + DAY)
    ex = analyse(p, sha)
    assert kinds(ex, "coupling.contract") == [] and ex.features["contract_files"] == 0


# -- configuration and infrastructure ----------------------------------------------------------

K8S = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: orders
          image: shop/orders:1.4.0
"""

WORKFLOW = """name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test
"""


@pytest.mark.parametrize(
    ("path", "before", "after", "kind", "severity"),
    [
        ("ops/orders.yaml", K8S, K8S.replace("replicas: 2", "replicas: 4"), "Kubernetes", "warning"),
        ("k8s/base/kustomization.yaml", "resources: []\n", "resources:\n  - deployment.yaml\n", "Kubernetes", "warning"),
        ("charts/orders/values.yaml", "replicaCount: 1\n", "replicaCount: 3\n", "Helm", "warning"),
        ("charts/orders/templates/deployment.yaml", "kind: Deployment\n", "kind: StatefulSet\n", "Helm", "warning"),
        ("infra/main.tf", 'resource "aws_s3_bucket" "logs" {\n  bucket = "shop-logs"\n}\n',
         'resource "aws_s3_bucket" "logs" {\n  bucket = "shop-logs-v2"\n}\n', "Terraform", "warning"),
        ("services/orders/Dockerfile", "FROM python:3.11-slim\n", "FROM python:3.12-slim\n", "Dockerfile", "info"),
        ("docker-compose.yml", "services:\n  db:\n    image: postgres:15\n", "services:\n  db:\n    image: postgres:16\n", "compose", "info"),
        (".github/workflows/ci.yml", WORKFLOW, WORKFLOW.replace("make test", "make test-all"), "CI pipeline", "info"),
        ("Jenkinsfile", "pipeline { agent any }\n", "pipeline { agent { label 'linux' } }\n", "CI pipeline", "info"),
        ("config/production.yaml", "pool_size: 10\n", "pool_size: 50\n", "shared configuration", "info"),
        ("src/main/resources/application.yml", "server:\n  port: 8080\n", "server:\n  port: 9090\n", "shared configuration", "info"),
        ("ansible/roles/web/tasks/main.yml", "- name: install\n  apt: name=nginx\n", "- name: install\n  apt: name=nginx state=latest\n", "Ansible", "warning"),
    ],
    ids=lambda v: v if isinstance(v, str) and "\n" not in v and len(v) < 60 else "",
)
def test_config_kinds(tmp_path, path, before, after, kind, severity):
    p = init_repo(tmp_path / "r")
    commit(p, {"README.md": "# shop\n", path: before}, "init", T0)
    sha = commit(p, {path: after}, "tune", T0 + DAY)
    ex = analyse(p, sha)
    assert_shape(ex)
    [f] = kinds(ex, "coupling.config")
    assert f["path"] == path and kind in f["message"] and f["severity"] == severity
    assert ex.features["config_files"] == 1


def test_not_config(tmp_path):
    p = init_repo(tmp_path / "r")
    files = {"data/users.yaml": "- name: alice\n", "mkdocs.yml": "site_name: shop\n", "src/app.py": "X = 1\n",
             "tests/k8s/deployment.yaml": K8S, "docs/deploy/kubernetes.md": "# Deploying\n"}
    commit(p, files, "init", T0)
    sha = commit(p, {"data/users.yaml": "- name: alice\n- name: bob\n", "mkdocs.yml": "site_name: shop docs\n",
                     "src/app.py": "X = 2\n", "tests/k8s/deployment.yaml": K8S.replace("2", "3"),
                     "docs/deploy/kubernetes.md": "# Deploying\n\nkubectl apply\n"}, "misc", T0 + DAY)
    ex = analyse(p, sha)
    assert kinds(ex, "coupling.config") == [] and ex.features["config_files"] == 0


# -- components --------------------------------------------------------------------------------


def monorepo(tmp_path):
    p = init_repo(tmp_path / "mono")
    commit(p, {
        "services/orders/go.mod": "module shop/orders\n\ngo 1.22\n",
        "services/orders/main.go": "package main\n\nfunc main() {}\n",
        "services/web/package.json": '{"name": "web"}\n',
        "services/web/src/index.ts": "export const x = 1;\n",
        "libs/money/money.py": "def cents(x):\n    return int(x * 100)\n",
        "tools/lint.py": "print('lint')\n",
        "orders/handler.py": "X = 1\n",
        "orders/tests/test_handler.py": "def test():\n    pass\n",
        "docs/index.md": "# docs\n",
    }, "init", T0)
    return p


def test_cross_service_change_is_a_warning(tmp_path):
    p = monorepo(tmp_path)
    sha = commit(p, {"services/orders/main.go": "package main\n\nfunc main() { println(1) }\n",
                     "services/web/src/index.ts": "export const x = 2;\n"}, "both", T0 + DAY)
    ex = analyse(p, sha)
    assert_shape(ex)
    [f] = kinds(ex, "coupling.cross_component")
    assert f["severity"] == "warning" and "services/orders" in f["message"] and "services/web" in f["message"]
    assert f["path"] == "services/web/src/index.ts"
    assert ex.features["components_touched"] == 2 and ex.features["service_roots_touched"] == 2


def test_three_top_level_components_is_info_and_tests_docs_do_not_count(tmp_path):
    p = monorepo(tmp_path)
    sha = commit(p, {"libs/money/money.py": "def cents(x):\n    return round(x * 100)\n",
                     "tools/lint.py": "print('lint!')\n", "orders/handler.py": "X = 2\n"}, "three", T0 + DAY)
    [f] = kinds(analyse(p, sha), "coupling.cross_component")
    assert f["severity"] == "info" and "3 components" in f["message"]
    sha2 = commit(p, {"orders/handler.py": "X = 3\n", "orders/tests/test_handler.py": "def test():\n    assert 1\n",
                      "docs/index.md": "# docs!\n", "libs/money/money.py": "def cents(x):\n    return 1\n"}, "two", T0 + 2 * DAY)
    ex = analyse(p, sha2)
    assert kinds(ex, "coupling.cross_component") == [] and ex.features["components_touched"] == 2


def test_components_without_listing_fall_back_to_directories(tmp_path):
    p = monorepo(tmp_path)
    sha = commit(p, {"services/orders/main.go": "package main\n\nfunc main() { println(2) }\n",
                     "services/web/src/index.ts": "export const x = 3;\n"}, "both", T0 + DAY)
    ex = analyse(p, sha, listing=False, history=False)
    assert ex.features["components_touched"] == 2  # services/orders and services/web, two levels under services/
    assert ex.features["service_roots_touched"] is None
    assert kinds(ex, "coupling.cross_component") == []  # two plain components are not worth a finding


def test_without_a_listing_the_history_index_supplies_the_files(tmp_path):
    """Mining has no per-commit listing; the files the replayed history knows give the same roots."""
    p = monorepo(tmp_path)
    sha = commit(p, {"services/orders/main.go": "package main\n\nfunc main() { println(2) }\n",
                     "services/web/src/index.ts": "export const x = 3;\n"}, "both", T0 + DAY)
    with_listing, from_history = analyse(p, sha), analyse(p, sha, listing=False)
    assert from_history.features["service_roots_touched"] == with_listing.features["service_roots_touched"] == 2
    assert kinds(from_history, "coupling.cross_component") == kinds(with_listing, "coupling.cross_component") != []


# -- API surface -------------------------------------------------------------------------------

PY_CLIENT = '''"""HTTP client for the orders service."""

import requests


class OrdersClient:
    """Talks to the orders API."""

    def __init__(self, base_url: str, timeout: float = 5.0):
        self.base_url = base_url
        self.timeout = timeout

    def get_order(self, order_id: str) -> dict:
        return requests.get(f"{self.base_url}/orders/{order_id}", timeout=self.timeout).json()

    def _headers(self):
        return {"accept": "application/json"}


def parse_money(text):
    return int(text.replace(".", ""))
'''

PY_CALLERS = {
    "shop/checkout.py": "from shop.client import OrdersClient, parse_money\n\n\ndef total(c: OrdersClient, oid):\n"
                        "    return parse_money(c.get_order(oid)['total'])\n",
    "shop/report.py": "from shop.client import OrdersClient\n\nCLIENT = OrdersClient('http://orders')\n\n\ndef show(oid):\n"
                      "    return CLIENT.get_order(oid)\n",
    "shop/cli.py": "from shop.client import parse_money\n\nprint(parse_money('1.00'))\n",
}


def test_python_signature_change_with_references(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"shop/client.py": PY_CLIENT, **PY_CALLERS}, "init", T0)
    new = PY_CLIENT.replace("def get_order(self, order_id: str) -> dict:", "def get_order(self, order_id: str, *, expand: bool = False) -> dict:")
    new = new.replace("def parse_money(text):\n    return int(text.replace(\".\", \"\"))\n", "")
    sha = commit(p, {"shop/client.py": new}, "expand orders", T0 + DAY)
    ex = analyse(p, sha)
    assert_shape(ex)
    found = {f["message"].split("`")[1]: f for f in kinds(ex, "coupling.api_change")}
    get = found["OrdersClient.get_order"]
    assert get["severity"] == "warning" and "expand: bool = False" in get["message"]
    # only what changed, never the old and the new signature side by side
    assert get["message"].startswith("changes the signature of public method `OrdersClient.get_order`: "
                                     "makes the parameters after `*` keyword-only; adds parameter `expand: bool = False`;")
    assert "order_id" not in get["message"]
    assert "2 lines of the repository mention `get_order`" in get["message"]  # checkout.py and report.py
    assert get["line"] == 13
    gone = found["parse_money"]
    assert gone["message"].startswith("removes public function `parse_money`")
    assert "4 lines of the repository mention `parse_money`" in gone["message"]  # import+call in checkout and in cli
    assert ex.features["api_changes"] == 2 and ex.features["api_references"] == 6


def test_python_constructor_is_looked_up_by_class(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"shop/client.py": PY_CLIENT, **PY_CALLERS}, "init", T0)
    sha = commit(p, {"shop/client.py": PY_CLIENT.replace("base_url: str, timeout: float = 5.0", "base_url: str, *, timeout: float = 5.0")},
                 "kw-only timeout", T0 + DAY)
    [f] = kinds(analyse(p, sha), "coupling.api_change")
    assert "constructor `OrdersClient.__init__`" in f["message"] and "mention `OrdersClient`" in f["message"]


def test_a_change_past_a_long_signature_shows_only_the_parameters_that_changed(tmp_path):
    p = init_repo(tmp_path / "r")
    long_params = ", ".join(f"option_{i}: int = {i}" for i in range(12))
    old = f"def configure({long_params}, timeout: float = 5.0, retries: int = 3) -> dict:\n    return {{}}\n"
    commit(p, {"shop/setup.py": old, "shop/use.py": "import shop.setup\n\nshop.setup.configure()\n"}, "init", T0)
    new = old.replace("timeout: float = 5.0, retries: int = 3", "timeout: float = 30.0, backoff: float = 0.5")
    sha = commit(p, {"shop/setup.py": new}, "slower, with backoff", T0 + DAY)
    [f] = kinds(analyse(p, sha), "coupling.api_change")
    assert len(old) > 300  # both signatures are far longer than the old 140-character cut
    assert f["message"] == ("changes the signature of public function `configure`: adds parameter "
                            "`backoff: float = 0.5`; removes parameter `retries: int = 3`; "
                            "`timeout: float = 5.0` → `timeout: float = 30.0`; "
                            "1 line of the repository mentions `configure`")


def test_python_body_docstring_format_and_new_functions_are_not_api_changes(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"shop/client.py": PY_CLIENT, **PY_CALLERS}, "init", T0)
    new = PY_CLIENT.replace("timeout=self.timeout).json()", "timeout=self.timeout * 2).json()")
    new = new.replace('"""Talks to the orders API."""', '"""Talks to the orders API (v2)."""')
    new = new.replace("def get_order(self, order_id: str) -> dict:", "def get_order(self,\n                  order_id: str,\n                  ) -> dict:")
    new += "\n\ndef format_money(cents: int) -> str:\n    return f'{cents / 100:.2f}'\n"
    new = new.replace("def _headers(self):", "def _headers(self, extra=None):")  # private method: no finding
    sha = commit(p, {"shop/client.py": new}, "tidy", T0 + DAY)
    ex = analyse(p, sha)
    assert kinds(ex, "coupling.api_change") == []
    assert ex.features["api_changes"] == 1  # the private method is counted, not reported
    assert ex.signals["coupling"]["api_changes"][0]["name"] == "OrdersClient._headers"


GO_CLIENT = """package redisx

import "context"

// Options configures a Client.
type Options struct {
	Addr     string
	PoolSize int
	dialer   func() error
}

// Client is a connection pool.
type Client struct {
	opts *Options
}

// NewClient returns a client.
func NewClient(opts *Options) *Client {
	return &Client{opts: opts}
}

// Get returns the value of key.
func (c *Client) Get(ctx context.Context, key string) (string, error) {
	return "", nil
}

func (c *Client) dial() error { return nil }
"""

GO_CALLER = """package main

import "example.com/redisx"

func main() {
	c := redisx.NewClient(&redisx.Options{Addr: ":6379"})
	_, _ = c.Get(nil, "k")
}
"""


def test_go_signature_and_exported_struct_field_changes(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"redisx/client.go": GO_CLIENT, "cmd/demo/main.go": GO_CALLER}, "init", T0)
    new = GO_CLIENT.replace("func NewClient(opts *Options) *Client {", "func NewClient(opts *Options) (*Client, error) {")
    new = new.replace("return &Client{opts: opts}", "return &Client{opts: opts}, nil")
    new = new.replace("\tPoolSize int\n", "\tPoolSize int\n\tMinIdle  int\n")
    sha = commit(p, {"redisx/client.go": new}, "errors from NewClient", T0 + DAY)
    ex = analyse(p, sha)
    found = {f["message"].split("`")[1]: f for f in kinds(ex, "coupling.api_change")}
    assert set(found) == {"NewClient", "Options"}
    assert "(*Client, error)" in found["NewClient"]["message"]
    assert "1 line of the repository mentions `redisx.NewClient`" in found["NewClient"]["message"]
    assert "MinIdle int" in found["Options"]["message"]


def test_go_unexported_fields_tags_comments_and_bodies_are_not_api_changes(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"redisx/client.go": GO_CLIENT, "cmd/demo/main.go": GO_CALLER}, "init", T0)
    new = GO_CLIENT.replace("\tdialer   func() error\n", "\tdialer   func() error\n\tretries  int\n")
    new = new.replace("\tAddr     string\n", '\tAddr     string `json:"addr"` // host:port\n')
    new = new.replace('return "", nil', 'return key, nil')
    new = new.replace("func (c *Client) dial() error { return nil }", "func (c *Client) dial(n int) error { return nil }")
    sha = commit(p, {"redisx/client.go": new}, "internals", T0 + DAY)
    assert kinds(analyse(p, sha), "coupling.api_change") == []


TS_API = """import { Order } from "./types";

export interface FetchOptions {
  timeout: number;
}

export async function fetchOrder(id: string, opts?: FetchOptions): Promise<Order> {
  return request(`/orders/${id}`, opts);
}

export class OrdersApi {
  constructor(private readonly baseUrl: string) {}

  async list(page: number): Promise<Order[]> {
    return [];
  }

  private sign(body: string): string {
    return body;
  }
}

function request(path: string, opts?: FetchOptions): Promise<any> {
  return fetch(path);
}
"""

TS_CALLER = """import { fetchOrder, OrdersApi } from "./api";

const api = new OrdersApi("https://shop");
export const load = async (id: string) => fetchOrder(id, { timeout: 5 });
export const first = () => api.list(1);
"""


def test_typescript_signature_interface_and_method_changes(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"web/src/api.ts": TS_API, "web/src/load.ts": TS_CALLER}, "init", T0)
    new = TS_API.replace("export async function fetchOrder(id: string, opts?: FetchOptions)", "export async function fetchOrder(id: number, opts?: FetchOptions)")
    new = new.replace("  timeout: number;\n", "  timeout: number;\n  retries?: number;\n")
    new = new.replace("async list(page: number): Promise<Order[]>", "async list(page: number, size = 50): Promise<Order[]>")
    sha = commit(p, {"web/src/api.ts": new}, "ids are numbers", T0 + DAY)
    ex = analyse(p, sha)
    found = {f["message"].split("`")[1]: f for f in kinds(ex, "coupling.api_change")}
    assert set(found) == {"fetchOrder", "FetchOptions", "OrdersApi.list"}
    assert "id: number" in found["fetchOrder"]["message"] and "mention `fetchOrder`" in found["fetchOrder"]["message"]


def test_typescript_private_method_and_body_are_not_reported(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"web/src/api.ts": TS_API, "web/src/load.ts": TS_CALLER}, "init", T0)
    new = TS_API.replace("private sign(body: string): string", "private sign(body: string, key: string): string")
    new = new.replace("return fetch(path);", "return fetch(path, { signal: undefined });")
    sha = commit(p, {"web/src/api.ts": new}, "internals", T0 + DAY)
    assert kinds(analyse(p, sha), "coupling.api_change") == []


GO_COMMANDS = """package kv

import (
	"context"
	"time"
)

// Commands is what every client type (single node, cluster, ring) answers.
type Commands interface {
	Get(ctx context.Context, key string) *StringCmd
	Set(ctx context.Context, key string, value interface{}, expiration time.Duration) *StatusCmd
	Del(ctx context.Context, keys ...string) *IntCmd
}
"""


def test_go_interface_method_added_is_named_not_printed_twice(tmp_path):
    # a finding once printed the interface's first 80 characters before and after: the same text
    # twice whenever the new method came later (a go-redis style command interface)
    p = init_repo(tmp_path / "r")
    commit(p, {"kv/commands.go": GO_COMMANDS, "cmd/demo/main.go": "package main\n\nvar _ kv.Commands\n"}, "init", T0)
    new = GO_COMMANDS.replace("\tDel(ctx context.Context, keys ...string) *IntCmd\n",
                              "\tDel(ctx context.Context, keys ...string) *IntCmd\n"
                              "\tExpire(ctx context.Context, key string, expiration time.Duration) *BoolCmd\n")
    new = new.replace("\tGet(ctx context.Context, key string) *StringCmd", "\tGet(ctx context.Context, key string, opts ...GetOption) *StringCmd")
    sha = commit(p, {"kv/commands.go": new}, "kv: add Expire, Get options", T0 + DAY)
    [f] = kinds(analyse(p, sha), "coupling.api_change")
    assert f["message"].startswith(
        "changes the signature of public type `Commands`: adds member "
        "`Expire(ctx context.Context, key string, expiration time.Duration) *BoolCmd`; "
        "`Get(ctx context.Context, key string) *StringCmd` → `Get(ctx context.Context, key string, opts ...GetOption) *StringCmd`")


TS_OPTIONS = """export class Options {
  get body(): string | Uint8Array | Readable | Generator | AsyncGenerator | Iterable<unknown> | AsyncIterable<unknown> | undefined {
    return this._body;
  }
}
"""


def test_typescript_return_union_changed_past_the_cut_shows_what_changed(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"source/options.ts": TS_OPTIONS, "source/index.ts": "import { Options } from './options'\n"}, "init", T0)
    new = TS_OPTIONS.replace("AsyncIterable<unknown> | undefined", "AsyncIterable<unknown> | FormDataLike | undefined")
    sha = commit(p, {"source/options.ts": new}, "body: form data", T0 + DAY)
    [f] = kinds(analyse(p, sha), "coupling.api_change")
    assert "`Options.body`: return type: adds `FormDataLike |`" in f["message"], f["message"]


GO_INTERNAL_POOL = """package pool

import "net"

// Pool hands out connections.
type Pool struct{ conns []net.Conn }

// New returns a pool dialling with dial.
func New(dial func() (net.Conn, error), size int) *Pool {
	return &Pool{}
}

// Get returns a connection.
func (p *Pool) Get() (net.Conn, error) { return nil, nil }
"""

GO_POOL_USER = """package kv

import "example.com/kv/internal/pool"

func newClient() *pool.Pool {
	p := pool.New(dial, 10)
	_, _ = p.Get()
	return p
}
"""


def test_go_internal_package_is_not_public_api(tmp_path):
    # Go lets only the module import internal/ packages: an exported name there is no API its
    # users call, and the compiler finds every caller; at most an info when many lines use it
    p = init_repo(tmp_path / "r")
    commit(p, {"internal/pool/pool.go": GO_INTERNAL_POOL, "client.go": GO_POOL_USER}, "init", T0)
    new = GO_INTERNAL_POOL.replace("func New(dial func() (net.Conn, error), size int) *Pool {",
                                   "func New(dial func() (net.Conn, error), size, minIdle int) *Pool {")
    new = new.replace("func (p *Pool) Get() (net.Conn, error)", "func (p *Pool) Get(ctx context.Context) (net.Conn, error)")
    sha = commit(p, {"internal/pool/pool.go": new}, "pool: min idle, context", T0 + DAY)
    ex = analyse(p, sha)
    assert kinds(ex, "coupling.api_change") == []
    assert {c["name"]: c["public"] for c in ex.signals["coupling"]["api_changes"]} == {"New": False, "Pool.Get": False}
    assert ex.features["api_changes"] == 2  # still counted: the model's input is unchanged

    users = {f"shard{i}.go": GO_POOL_USER.replace("newClient", f"newShard{i}") for i in range(3)}
    p2 = init_repo(tmp_path / "r2")
    commit(p2, {"internal/pool/pool.go": GO_INTERNAL_POOL, **users}, "init", T0)
    sha = commit(p2, {"internal/pool/pool.go": new}, "pool: min idle, context", T0 + DAY)
    [f] = kinds(analyse(p2, sha), "coupling.api_change")
    assert f["severity"] == "info" and f["message"].startswith("changes the signature of function `New`: adds parameter")
    assert "3 lines of the repository mention `pool.New`" in f["message"]

    p3 = init_repo(tmp_path / "r3")  # the same package outside internal/ is the module's API
    commit(p3, {"pool/pool.go": GO_INTERNAL_POOL, "client.go": GO_POOL_USER.replace("kv/internal/pool", "kv/pool")}, "init", T0)
    sha = commit(p3, {"pool/pool.go": new}, "pool: min idle, context", T0 + DAY)
    assert {f["severity"] for f in kinds(analyse(p3, sha), "coupling.api_change")} == {"warning"}


TS_INSTANCE = """export interface ServerInstance {
  server: import('http').Server
  initialConfig: Readonly<{ connectionTimeout?: number, keepAliveTimeout?: number, bodyLimit?: number, caseSensitive?: boolean }>
  close(): Promise<undefined>
}
"""


def test_typescript_member_changed_past_the_cut_shows_what_changed(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"types/instance.d.ts": TS_INSTANCE, "types/index.d.ts": "export { ServerInstance } from './instance'\n"}, "init", T0)
    new = TS_INSTANCE.replace("caseSensitive?: boolean }", "caseSensitive?: boolean, maxParamLength?: number }")
    sha = commit(p, {"types/instance.d.ts": new}, "types: maxParamLength", T0 + DAY)
    [f] = kinds(analyse(p, sha), "coupling.api_change")
    assert "maxParamLength?: number" in f["message"], f["message"]
    pairs = [part.split(" → ") for part in f["message"].split("; ") if " → " in part]
    assert all(a != b for a, b in pairs), f["message"]


JAVA_API = """package shop.http;

import java.io.IOException;

public class Client {
    public Client(String baseUrl) {}

    public Response get(String path) throws IOException {
        return null;
    }

    public Response get(String path, int timeoutMillis) throws IOException {
        return null;
    }

    private void log(String line) {}
}
"""


def test_java_overloads_constructor_and_throws(tmp_path):
    p = init_repo(tmp_path / "r")
    caller = "package shop;\n\nclass Use {\n    void run() throws Exception {\n        new Client(\"x\").get(\"/\");\n    }\n}\n"
    commit(p, {"src/main/java/shop/http/Client.java": JAVA_API, "src/main/java/shop/Use.java": caller}, "init", T0)
    added_overload = JAVA_API.replace("    private void log", "    public Response get(String path, Headers headers) throws IOException {\n        return null;\n    }\n\n    private void log")
    sha1 = commit(p, {"src/main/java/shop/http/Client.java": added_overload}, "overload", T0 + DAY)
    assert kinds(analyse(p, sha1), "coupling.api_change") == []  # a new overload breaks nobody
    changed = added_overload.replace("public Response get(String path) throws IOException", "public Response get(String path) throws IOException, TimeoutException")
    changed = changed.replace("public Client(String baseUrl) {}", "public Client(URI baseUrl) {}")
    sha2 = commit(p, {"src/main/java/shop/http/Client.java": changed}, "uri", T0 + 2 * DAY)
    found = {f["message"].split("`")[1]: f for f in kinds(analyse(p, sha2), "coupling.api_change")}
    assert set(found) == {"Client.get", "Client.Client"}
    assert "TimeoutException" in found["Client.get"]["message"]
    assert "constructor" in found["Client.Client"]["message"]


def test_deleted_module_removes_its_api_and_no_references_without_counter(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"shop/client.py": PY_CLIENT, **PY_CALLERS}, "init", T0)
    sha = commit(p, {"shop/client.py": None}, "drop client", T0 + DAY)
    ex = analyse(p, sha, refs=False)
    names = sorted(f["message"].split("`")[1] for f in kinds(ex, "coupling.api_change"))
    assert names == ["OrdersClient", "OrdersClient.__init__", "OrdersClient.get_order", "parse_money"]
    assert all("mention" not in f.message for f in ex.findings)
    assert ex.features["api_references"] is None


def test_reference_counter_caches_by_base_and_name(tmp_path):
    p = init_repo(tmp_path / "r")
    base = commit(p, {"shop/client.py": PY_CLIENT, **PY_CALLERS, "README.md": "parse_money is documented\n"}, "init", T0)
    counter = ReferenceCounter(GitRepo(p), base)
    assert counter.count("parse_money", "python") == 5  # definition, import+call in checkout, import+call in cli; not README
    assert counter.count("parse_money", "python") == 5
    assert counter.count("no_such_name", "python") == 0
    assert counter.calls == 2
    again = ReferenceCounter(GitRepo(p), base)
    assert again.count("parse_money", "python") == 5 and again.calls == 0  # the cache is shared: same base, same name


# -- logical coupling --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cochange_repo(tmp_path_factory):
    """api.py changes 10 times; schema.py with it 8 times; client.py 5 times with api + 10 alone."""
    p = init_repo(tmp_path_factory.mktemp("cochange") / "r")
    t = T0
    files = {"src/api.py": 0, "src/schema.py": 0, "src/client.py": 0, "src/rare.py": 0, "CHANGES.md": 0}

    def bump(*names):
        nonlocal t
        t += DAY
        for n in names:
            files[n] += 1
        return commit(p, {n: f"VERSION = {files[n]}\n" for n in names}, f"touch {', '.join(names)}", t)

    for i in range(10):
        names = ["src/api.py", "CHANGES.md"]
        if i < 8:
            names.append("src/schema.py")
        if i < 5:
            names.append("src/client.py")
        if i < 3:
            names.append("src/rare.py")
        bump(*names)
    for _ in range(10):
        bump("src/client.py")
    # a mass reformat of 31 files touching api.py and schema.py does not count as shared
    t += DAY
    commit(p, {**{f"gen/f{i}.py": "x = 1\n" for i in range(29)}, "src/api.py": "VERSION = 'fmt'\n",
               "src/schema.py": "VERSION = 'fmt'\n"}, "reformat everything", t)
    target = bump("src/api.py")
    both = bump("src/api.py", "src/schema.py")
    return p, target, both


def test_missing_partner_named_with_its_evidence(cochange_repo):
    p, target, _ = cochange_repo
    ex = analyse(p, target)
    assert_shape(ex)
    [f] = kinds(ex, "coupling.missing_partner")
    # api.py's changes of at most 30 files: 10 (the reformat is too big to count); schema.py in 8 of them
    assert f["path"] == "src/api.py" and f["severity"] == "warning"
    assert f["message"] == "src/schema.py is not part of this change but changed together in 8 of 10 changes to `src/api.py`"
    assert ex.features["missing_partners"] == 1
    assert ex.features["max_partner_rate"] == pytest.approx(8 / 12)  # 8 of 10, with a prior of two changes
    listed = ex.signals["coupling"]["missing_partners"]
    assert listed[0] == {"path": "src/schema.py", "with": ["src/api.py"], "confidence": 0.667, "together": 8,
                         "changes": 10, "test": False}
    # client.py (5 of 10) and rare.py (3 of 10) are ranked but too weak to flag; CHANGES.md is documentation,
    # never proposed
    assert [r["path"] for r in listed] == ["src/schema.py", "src/client.py", "src/rare.py"]
    assert kinds(ex, "coupling.missing_test") == []


def test_partner_present_is_not_missing_and_thresholds_apply(cochange_repo):
    p, target, both = cochange_repo
    ex = analyse(p, both)
    assert "src/schema.py" not in [r["path"] for r in ex.signals["coupling"]["missing_partners"]]
    # the two together bring client.py in 5 of their 8 changes (5/10 with the prior), 0.2 ahead of rare.py
    [f] = kinds(ex, "coupling.missing_partner")
    assert f["message"] == ("src/client.py is not part of this change but changed together in 5 of 8 changes to "
                            "`src/api.py`, `src/schema.py` together")
    loose = CouplingSettings(partner_confidence=0.25, partner_margin=0.0, max_partner_findings=3)
    assert [f["message"].split(" ")[0] for f in kinds(analyse(p, target, settings=loose), "coupling.missing_partner")] == [
        "src/schema.py", "src/client.py", "src/rare.py"]  # 8/12, 5/12, 3/12
    # a candidate must lead the next one: client.py (5/12) is only 0.17 ahead of rare.py (3/12)
    close = CouplingSettings(partner_confidence=0.25, partner_margin=0.2, max_partner_findings=3)
    assert [f["message"].split(" ")[0] for f in kinds(analyse(p, target, settings=close), "coupling.missing_partner")] == [
        "src/schema.py"]
    strict = analyse(p, target, settings=CouplingSettings(partner_confidence=0.8))
    assert kinds(strict, "coupling.missing_partner") == []


@pytest.fixture
def go_repo(tmp_path):
    """store.go and store_test.go change together; other.go and cmd/main.go change on their own."""
    p = init_repo(tmp_path / "r")
    t = T0
    n = 0

    def bump(*names):
        nonlocal t, n
        t += DAY
        n += 1
        return commit(p, dict.fromkeys(names, f"package x // {n}\n"), f"change {n}", t)

    for _ in range(6):
        bump("pkg/store.go", "pkg/store_test.go")
        bump("pkg/other.go")
    bump("cmd/main.go", "pkg/other.go")
    return p, bump


def test_touched_test_is_evidence_for_its_code(go_repo):
    p, bump = go_repo
    sha = bump("pkg/store_test.go", "pkg/other.go")
    ex = analyse(p, sha)
    [f] = kinds(ex, "coupling.missing_partner")
    assert f["path"] == "pkg/store_test.go"  # anchored on the touched file the evidence comes from
    assert f["message"] == "pkg/store.go is not part of this change but changed together in 6 of 6 changes to `pkg/store_test.go`"
    blind = analyse(p, sha, settings=CouplingSettings(ranking=partners.RankSettings(tests_as_evidence=False)))
    assert kinds(blind, "coupling.missing_partner") == []


def test_usual_test_left_out_is_its_own_finding(go_repo):
    p, bump = go_repo
    sha = bump("pkg/store.go", "cmd/main.go")
    ex = analyse(p, sha)
    assert kinds(ex, "coupling.missing_partner") == []  # a test is never a missing partner of code
    [f] = kinds(ex, "coupling.missing_test")
    assert f["path"] == "pkg/store.go" and f["severity"] == "warning"
    assert f["message"] == ("pkg/store.go changed but its usual test pkg/store_test.go did not: "
                            "changed together in 6 of 6 changes to `pkg/store.go`")
    assert ex.signals["coupling"]["missing_partners"][-1]["test"] is True
    # a change to tests alone does not call for more tests
    alone = analyse(p, bump("pkg/store_test.go"))
    assert kinds(alone, "coupling.missing_test") == [] and kinds(alone, "coupling.missing_partner") != []


def test_tests_that_change_together_propose_each_other_when_code_changed(tmp_path):
    p = init_repo(tmp_path / "r")
    t = T0
    commit(p, {"lib/other.py": "x = 0\n"}, "other", t)
    for i in range(5):
        t += DAY
        commit(p, {"lib/a.py": f"x = {i}\n", "tests/test_a.py": f"x = {i}\n", "tests/conftest.py": f"x = {i}\n"}, "a", t)
    t += DAY
    sha = commit(p, {"tests/test_a.py": "x = 9\n", "lib/other.py": "x = 9\n"}, "test and other", t)
    ex = analyse(p, sha)
    [partner] = kinds(ex, "coupling.missing_partner")
    assert partner["message"].startswith("lib/a.py is not part of this change but changed together in 5 of 5 changes")
    [test] = kinds(ex, "coupling.missing_test")
    assert test["path"] == "tests/test_a.py"
    assert test["message"] == ("tests/conftest.py is not part of this change but changed together in 5 of 5 changes "
                               "to `tests/test_a.py`")
    t += DAY
    only_tests = commit(p, {"tests/test_a.py": "x = 10\n"}, "test only", t)
    assert kinds(analyse(p, only_tests), "coupling.missing_test") == []


def test_score_diff_cli_reports_the_missing_partner_and_test(go_repo, tmp_path):
    """The path the benchmark measures: ``mergeguard score --diff … --repo … --base …`` on a work-tree diff."""
    import json
    import subprocess
    import sys

    from .gitrepo import git

    p, _ = go_repo

    def score(*names):
        for n in names:
            (p / n).write_text("package x // edited\n")
        diff = tmp_path / "change.diff"
        diff.write_text(git(p, "diff", "HEAD"))
        git(p, "checkout", "--", ".")
        out = subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", "--diff", str(diff), "--repo", str(p),
                              "--base", "HEAD", "--format", "json"], capture_output=True, timeout=300)
        assert out.returncode == 0, out.stderr.decode()
        return {(f["kind"], f["path"]): f["message"] for f in json.loads(out.stdout)["findings"]
                if f["kind"] in ("coupling.missing_partner", "coupling.missing_test")}

    assert score("pkg/store_test.go", "pkg/other.go") == {
        ("coupling.missing_partner", "pkg/store_test.go"):
            "pkg/store.go is not part of this change but changed together in 6 of 6 changes to `pkg/store_test.go`"}
    assert list(score("pkg/store.go", "pkg/other.go")) == [("coupling.missing_test", "pkg/store.go")]
    assert score("pkg/store.go", "pkg/store_test.go") == {}


def test_rules_from_several_touched_files_beat_single_files(tmp_path):
    """a+b always bring d; a alone mostly brings c: the change to a and b is missing d, not c."""
    from mergeguard.sources import history_at

    p = init_repo(tmp_path / "r")
    t = T0
    for i in range(4):
        t += DAY
        commit(p, {"a.py": f"x = {i}\n", "b.py": f"x = {i}\n", "d.py": f"x = {i}\n"}, "abd", t)
    for i in range(6):
        t += DAY
        commit(p, {"a.py": f"y = {i}\n", "c.py": f"x = {i}\n"}, "ac", t)
    for i in range(4):
        t += DAY
        commit(p, {"b.py": f"y = {i}\n", "e.py": f"x = {i}\n"}, "be", t)
    index = history_at(GitRepo(p), "HEAD")
    ranked = partners.rank(index, ["a.py", "b.py"])
    assert [c.path for c in ranked][:1] == ["d.py"]
    top = ranked[0]
    assert (top.together, top.changes, top.antecedent) == (4, 4, ("a.py", "b.py"))
    assert top.evidence() == "changed together in 4 of 4 changes to `a.py`, `b.py` together"
    # plain rules take the best single antecedent: c.py, 6 of a.py's 10 changes
    assert [c.path for c in partners.baseline(index, ["a.py", "b.py"])][:1] == ["c.py"]
    assert [c.path for c in partners.rank(index, ["a.py", "b.py"], partners.RankSettings(multi=False, combine=False))][:1] == ["c.py"]
    # recency: with a window of a.py's last 6 changes, d.py (4 changes ago and older) drops out of a.py's rules
    recent = partners.rank(index, ["a.py"], partners.RankSettings(window=6))
    assert [c.path for c in recent] == ["c.py"]
    assert recent[0].evidence(window=6) == "changed together in 6 of the last 6 changes to `a.py`"


def test_a_change_of_more_than_30_files_is_not_ranked(cochange_repo):
    """History skips commits of over 30 files as coupling evidence; a change that size gets no ranking."""
    from mergeguard.sources import history_at

    p, _, _ = cochange_repo
    index = history_at(GitRepo(p), "HEAD")
    assert [c.path for c in partners.rank(index, ["src/api.py"])][:2] == ["CHANGES.md", "src/schema.py"]
    many = ["src/api.py"] + [f"gen/f{i}.py" for i in range(29)]
    assert partners.rank(index, many) != []  # 30 files: still ranked
    assert partners.rank(index, many + ["src/extra.py"]) == []


def test_history_index_transactions_follow_renames_and_deletes():
    from mergeguard.git import CommitRecord, FileStat

    def rec(i, *stats):
        return CommitRecord(f"{i:040x}", (), "A", "a@x", T0 + i, T0 + i, "m", tuple(stats))

    idx = HistoryIndex()
    for i in range(6):
        idx.observe(rec(i, FileStat("a.py", None, 1, 0), FileStat("b.py", None, 1, 0)))
    idx.observe(rec(6, FileStat("a.py", None, 1, 0)))
    [p] = partners.baseline(idx, ["a.py"])
    assert (p.path, p.together, p.changes) == ("b.py", 6, 7)
    assert p.confidence == pytest.approx(6 / 7)
    idx.observe(rec(7, FileStat("c.py", "b.py", 0, 0, status="renamed")))
    assert [q.path for q in partners.baseline(idx, ["a.py"])] == ["c.py"]  # b.py's history goes with it
    assert partners.baseline(idx, ["c.py"])[0].path == "a.py" and "b.py" not in idx.file_ids
    idx.observe(rec(8, FileStat("c.py", None, 0, 1, status="deleted")))
    assert partners.baseline(idx, ["a.py"]) == [] and "c.py" not in idx.file_ids
    idx.observe(rec(9, FileStat("c.py", None, 1, 0, status="added"), FileStat("a.py", None, 1, 0)))
    [again] = partners.baseline(idx, ["a.py"])  # a new file of the old name starts a new history
    assert (again.path, again.together) == ("c.py", 1)
    big = HistoryIndex(max_changeset_size=3)
    big.observe(rec(10, *(FileStat(f"f{i}", None, 1, 0) for i in range(4))))
    assert big.transactions == [] and big.revisions("f0") == 1


def test_no_history_means_unknown_partners(tmp_path):
    p = init_repo(tmp_path / "r")
    commit(p, {"a.py": "x = 1\n"}, "init", T0)
    sha = commit(p, {"a.py": "x = 2\n"}, "two", T0 + DAY)
    repo = GitRepo(p)
    rec = next(r for r in repo.log([sha]) if r.sha == sha)
    ex = extract(change_from_commit(repo, rec, Limits()), Context())  # a plain Context works too
    assert ex.features["missing_partners"] is None and ex.features["max_partner_rate"] is None
    assert ex.features["service_roots_touched"] is None and ex.features["api_references"] is None
    assert ex.features["api_changes"] == 0


JS_SERVER = """'use strict'

const http = require('node:http')

function createServer (options) {
  return http.createServer(options)
}

const listen = async (server, port) => {
  await new Promise((resolve) => server.listen(port, resolve))
  return server.address()
}

function helper () {}

module.exports = { createServer, listen }
"""


def test_javascript_function_and_arrow_signatures(tmp_path):
    p = init_repo(tmp_path / "r")
    caller = "const { createServer, listen } = require('./server')\n\nlisten(createServer({}), 3000)\n"
    commit(p, {"lib/server.js": JS_SERVER, "lib/main.js": caller}, "init", T0)
    body_only = JS_SERVER.replace("return server.address()", "return server.address().port")
    sha1 = commit(p, {"lib/server.js": body_only}, "port only", T0 + DAY)
    assert kinds(analyse(p, sha1), "coupling.api_change") == []
    changed = body_only.replace("function createServer (options) {", "function createServer (options, handler) {")
    changed = changed.replace("const listen = async (server, port) => {", "const listen = async (server, port, host = '0.0.0.0') => {")
    sha2 = commit(p, {"lib/server.js": changed}, "handler and host", T0 + 2 * DAY)
    ex = analyse(p, sha2)
    found = {f["message"].split("`")[1]: f for f in kinds(ex, "coupling.api_change")}
    assert set(found) == {"createServer", "listen"}  # exported through module.exports: public
    assert all(f["severity"] == "warning" for f in found.values())
    assert "adds parameter `handler`" in found["createServer"]["message"]
    assert "adds parameter `host = '0.0.0.0'`" in found["listen"]["message"]
    refs = {c["name"]: c["references"] for c in ex.signals["coupling"]["api_changes"]}
    # main.js twice each; in server.js the exports line and one use each (http.createServer, server.listen)
    assert refs == {"createServer": 4, "listen": 4}
