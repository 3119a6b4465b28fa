"""Hypothesis strategies for hostile input, shared by tests/test_fuzz.py (bounded, in CI) and
benchmarks/fuzz.py (the long run that reports counts).

Three surfaces an outsider writes to: webhook deliveries (mutations of GitHub's own published
payload examples, ``@octokit/webhooks-examples``, per handled event), unified diffs (mutations of
real ``git diff`` output, plus constructs that target the parser), and gate configs (mutations of
the README's full config, plus YAML's sharp edges). Each mutation aims at what the code reads:
ids, numbers, names, SHAs, hunk headers, nesting, encodings.

The checks themselves live here too (``check_delivery``, ``check_score_diff``, ``check_config``),
so the test and the benchmark assert the same things; each returns an outcome label for counting.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import itertools
import json
import re
import uuid
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from .npm_fixtures import webhook_examples

SECRET = "fuzz-secret"

#: (event, action) pairs the App acts on (app/events.py), with GitHub's examples of each
HANDLED = [("pull_request", "opened"), ("pull_request", "synchronize"), ("pull_request", "reopened"),
           ("pull_request", "ready_for_review"), ("pull_request", "labeled"), ("pull_request", "unlabeled"),
           ("pull_request_review", "submitted"), ("pull_request_review", "dismissed"),
           ("check_run", "rerequested"), ("check_run", "requested_action"), ("check_suite", "rerequested"),
           ("installation", "created"), ("installation", "deleted"), ("installation", "suspend"),
           ("installation_repositories", "added"), ("installation_repositories", "removed")]

#: fields the router and the handlers read: mutated more often than the rest
HOT_KEYS = ("number", "full_name", "head_sha", "sha", "ref", "id", "installation", "pull_requests",
            "repository", "pull_request", "head", "base", "login", "sender", "app", "requested_action",
            "identifier", "repositories", "repositories_added", "repositories_removed", "account", "action")

_EDGE_INTS = st.sampled_from([0, -1, 1, 2**31 - 1, 2**31, 2**53, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30])
_EDGE_STRS = st.sampled_from(["", "a", "a/b", "a/b/c", "/", "owner/", "/name", "x" * 300, "0" * 40, "g" * 40,
                              "D6FDE92930D4715A2B49857D24B940956B26D2D3", "\ud800", "a\udcffb", "nul\x00byte",
                              "é/ü", "../../etc/passwd", "main\nrefs", "refs/heads/main", "🙂/🙂"])
_SCALARS = st.one_of(st.none(), st.booleans(), _EDGE_INTS, st.integers(),
                     st.floats(allow_nan=False, allow_infinity=False), _EDGE_STRS, st.text(max_size=40))
JSON_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                             st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                           max_leaves=12)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:5]):
            out += _paths(v, prefix + (i,))
    return out


def _apply(payload: Any, path: tuple, op: str, new: Any) -> Any:
    if not path:
        return new if op == "set" else payload
    node = payload
    for key in path[:-1]:
        node = node[key]
    last = path[-1]
    if op == "delete" and isinstance(node, dict):
        del node[last]
    elif op == "delete" and isinstance(node, list):
        node.pop(last)
    else:
        node[last] = new
    return payload


@st.composite
def payload_mutation(draw, payload: Any) -> Any:
    """One change somewhere in ``payload``: a field set to a hostile value, deleted, or wrapped."""
    paths = _paths(payload)
    hot = [p for p in paths if p and isinstance(p[-1], str) and p[-1] in HOT_KEYS]
    path = draw(st.sampled_from(hot)) if hot and draw(st.integers(0, 3)) else draw(st.sampled_from(paths))
    op = draw(st.sampled_from(["set", "set", "set", "delete", "wrap"])) if path else "set"
    if op == "wrap":
        node = payload
        for key in path:
            node = node[key]
        return _apply(payload, path, "set", draw(st.sampled_from([[node], {"v": node}, str(node)[:100]])))
    return _apply(payload, path, op, draw(JSON_VALUES) if op == "set" else None)


@st.composite
def deliveries(draw) -> tuple[str, bytes, dict[str, str]]:
    """(event, body, headers): a real example of a handled event, mutated, usually signed correctly."""
    event, action = draw(st.sampled_from(HANDLED))
    examples = webhook_examples(event, action)
    payload = examples[draw(st.integers(0, len(examples) - 1))]
    for _ in range(draw(st.integers(0, 4))):
        payload = draw(payload_mutation(payload))
    kind = draw(st.sampled_from(["json"] * 8 + ["bytes", "deep", "constant", "bigint", "ensure_ascii_off"]))
    if kind == "ensure_ascii_off":
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass")
    else:
        body = json.dumps(payload).encode()
    if kind == "bytes":  # flip, cut or insert raw bytes: not JSON any more, or other JSON
        pos = draw(st.integers(0, max(0, len(body) - 1)))
        body = body[:pos] + draw(st.binary(max_size=8)) + body[pos + draw(st.integers(0, 8)):]
    elif kind == "deep":
        depth = draw(st.sampled_from([50, 999, 5000, 100_000]))
        body = body[:-1] + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"
    elif kind == "constant":
        body = body.replace(b'"id": ', b'"id": ' + draw(st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b"1e999"])) + b", \"x\": ", 1)
    elif kind == "bigint":
        body = body.replace(b'"number": ', b'"number": ' + b"9" * draw(st.sampled_from([19, 4301, 10000])) + b", \"y\": ", 1)
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()), "Content-Type": "application/json",
               "X-Hub-Signature-256": signature}
    header_fault = draw(st.sampled_from([None] * 12 + ["signature", "event", "delivery", "missing"]))
    if header_fault == "signature":
        headers["X-Hub-Signature-256"] = draw(st.sampled_from(["sha256=" + "é" * 64, "sha256=", "sha1=abc", "x" * 500,
                                                               signature.upper(), signature[:-1] + "\u00ff"]))
    elif header_fault == "event":
        headers["X-GitHub-Event"] = draw(st.sampled_from(["", "PULL_REQUEST", "pull_request\u00e9", "x" * 100, event + " "]))
    elif header_fault == "delivery":
        headers["X-GitHub-Delivery"] = draw(st.sampled_from(["", "x" * 65, "a b", "\u00e9\u00e9", "../../x"]))
    elif header_fault == "missing":
        del headers[draw(st.sampled_from(["X-GitHub-Event", "X-GitHub-Delivery", "X-Hub-Signature-256"]))]
    return event, body, {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}


_SHA = re.compile(r"[0-9a-f]{40}")
_FULL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")


def malformed_job(job: dict[str, Any]) -> str | None:
    """Why a queued job could not be handled, or None: what "nothing malformed queued" means."""
    p = job["payload"]
    if job["kind"] not in ("score", "reevaluate", "accept"):
        return f"kind {job['kind']!r}"
    if not isinstance(job["repo"], str) or not _FULL_NAME.fullmatch(job["repo"]):
        return f"repo {job['repo']!r}"
    repo = p.get("repository") or {}
    if repo.get("full_name") != job["repo"]:
        return "payload repository differs from the job's"
    number = p.get("number")
    if number is not None and not (type(number) is int and 1 <= number < 2**31):
        return f"number {number!r}"
    if job["pr_number"] != number:
        return "pr_number differs from payload number"
    if not (isinstance(p.get("head_sha"), str) and _SHA.fullmatch(p["head_sha"])):
        return f"head_sha {p.get('head_sha')!r}"[:80]
    if job["kind"] != "accept" and number is None and job["kind"] != "score":
        return "a re-decision without a pull request"
    inst = job["installation"]
    if inst is not None and not (type(inst) is int and 1 <= inst < 2**63):
        return f"installation {inst!r}"
    return None


def check_delivery(client, store, event: str, body: bytes, headers: dict[str, str]) -> str:
    """POST one delivery; assert the App's promises; return the outcome ("202", "400", ...)."""
    before = store.counts()
    resp = client.post("/webhook", data=body, headers=headers)
    assert resp.status_code < 500, f"{resp.status_code} for {event}: {resp.get_data()[:300]!r}"
    assert resp.status_code in (200, 202, 204, 400, 401, 413), resp.status_code
    after = store.counts()
    if resp.status_code in (400, 401, 413):
        assert after == before, f"{resp.status_code} but something was stored"
        assert len(resp.get_data()) < 1000, "a short body"
    for job in store.all_jobs()[before["jobs"]:]:
        problem = malformed_job(job)
        assert problem is None, f"malformed job queued from {event}: {problem}"
    return str(resp.status_code)


# -- diffs -------------------------------------------------------------------------------------------

_DIFF_LINES = st.sampled_from([
    "diff --git a/x.py b/x.py", "--- a/x.py", "+++ b/x.py", "--- /dev/null", "+++ /dev/null", "@@ -1 +1 @@",
    "@@ -1,3 +1,4 @@ def f():", "@@ -0,0 +1,99999999 @@", "@@ -18446744073709551616 +1 @@", "@@ -1," + "9" * 4400 + " +1 @@", "@@ @@", "@@ -a +b @@",
    "+", "-", " ", "", "\\ No newline at end of file", "+added line", "-removed line", " context",
    "new file mode 100644", "deleted file mode 100755", "old mode 100644", "new mode 100755",
    "rename from a.py", "rename to b.py", "similarity index 90%", "Binary files a/x.png and b/x.png differ",
    "GIT binary patch", "literal 0", "index 0000000..1111111 100644", 'diff --git "a/sp ace" "b/sp ace"',
    "diff --git a/ b/", "+++ b/\t2020-01-01", "-- ", "2.40.0", "\t", "\r", "+\r", "+\x00", "+\udcff",
])


@st.composite
def diffs(draw, seeds: list[bytes]) -> bytes:
    """A real diff with lines inserted, deleted, duplicated or replaced; or diff-like lines alone."""
    if seeds and draw(st.integers(0, 4)):
        lines = draw(st.sampled_from(seeds)).split(b"\n")
        for _ in range(draw(st.integers(1, 6))):
            i = draw(st.integers(0, max(0, len(lines) - 1)))
            op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "bytes", "cut"]))
            new = draw(_DIFF_LINES).encode("utf-8", "surrogateescape")
            if op == "insert":
                lines.insert(i, new)
            elif op == "delete" and lines:
                lines.pop(i)
            elif op == "replace" and lines:
                lines[i] = new
            elif op == "duplicate" and lines:
                lines[i:i] = [lines[i]] * draw(st.integers(1, 50))
            elif op == "bytes" and lines:
                lines[i] = lines[i] + draw(st.binary(max_size=6))
            elif op == "cut":
                lines = lines[:i]
        return b"\n".join(lines)
    return "\n".join(draw(st.lists(_DIFF_LINES, max_size=40))).encode("utf-8", "surrogateescape")


def check_score_diff(path: Path) -> str:
    """``mergeguard score --diff`` in-process: exit 0 or 2, never an exception (a traceback)."""
    from mergeguard.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["score", "--diff", str(path), "--format", "json"])
    assert code in (0, 2), code
    if code == 2:
        lines = err.getvalue().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("mergeguard: error: "), err.getvalue()[:500]
    else:
        json.loads(out.getvalue())
    return f"exit {code}"


# -- configs -----------------------------------------------------------------------------------------

_YAML_BITS = st.sampled_from([
    "thresholds: {high: 0.4}", "thresholds:\n  mode: percentile\n  high: 99", "version: 2", "history_commits: -1",
    "history_commits: " + "9" * 4400, "thresholds: {high: 1e999}", "thresholds: {high: .nan}", "ignore: [1, 2]",
    "require: {high: [{approvals: 1000000000000000000000}]}", "a: &a [1, 2]\nb: *a", "<<: {x: 1}", "!!python/object:os.system x",
    "? [a, b]\n: c", "key: !!binary aGVsbG8=", "\t- tab", "x: " + "[" * 200 + "]" * 200, "x: " + "{a: " * 40 + "1" + "}" * 40,
    "error_budget: {json: {url: 'http://169.254.169.254/latest', field: x}}", "risk_acceptance: {allowed: ['@']}",
    "require: {high: [{rollout_note: {pattern: '(a+)+$'}}]}", "conclusions: {critical: explode}", "\ufeffversion: 1",
    "version: 1\n---\nversion: 2", "%YAML 1.1\n---\nversion: 1", "'unterminated", "- just\n- a\n- list", "~", "''",
    "thresholds: {high: 0.4, high: 0.5}", "ignore:\n" + "  - x\n" * 10, "\x00", "\udcff: 1",
])


@st.composite
def configs(draw, seed: str) -> str:
    """The README's full config with lines replaced, inserted, re-indented or cut; or YAML edge cases."""
    if draw(st.integers(0, 3)):
        lines = seed.splitlines()
        for _ in range(draw(st.integers(1, 5))):
            i = draw(st.integers(0, max(0, len(lines) - 1)))
            op = draw(st.sampled_from(["insert", "replace", "indent", "dedent", "cut", "text"]))
            if op == "insert":
                lines.insert(i, draw(_YAML_BITS))
            elif op == "replace" and lines:
                lines[i] = draw(_YAML_BITS)
            elif op == "indent" and lines:
                lines[i] = " " * draw(st.integers(1, 5)) + lines[i]
            elif op == "dedent" and lines:
                lines[i] = lines[i].lstrip()
            elif op == "cut":
                lines = lines[:i]
            elif op == "text" and lines:
                lines[i] = lines[i] + draw(st.text(max_size=10))
        return "\n".join(lines) + "\n"
    return "\n".join(draw(st.lists(_YAML_BITS, max_size=6)))


def check_config(path: Path) -> str:
    """``mergeguard config check`` in-process: "ok" (exit 0), or problems, one a line, and exit 2."""
    from mergeguard.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["config", "check", str(path)])
    assert code in (0, 2), code
    lines = err.getvalue().strip().splitlines()
    if code == 0:
        assert out.getvalue().strip() == "ok" and not lines
        return "exit 0"
    assert lines and lines[-1].startswith("mergeguard: error: "), err.getvalue()[:500]
    assert "Traceback" not in err.getvalue()
    if len(lines) > 1:
        assert all(line.startswith(str(path)) for line in lines[:-1]), lines[:3]
    return "exit 2"


def seed_diffs(directory: Path) -> list[bytes]:
    """Real ``git diff`` output to mutate: edits, an added, a deleted, a renamed, a binary, a mode change,
    non-UTF-8 text and a missing final newline, from a repository built in ``directory``."""
    from mergeguard.git import GitRepo

    from .gitrepo import commit, git, init_repo

    path = init_repo(directory / "seed")
    commit(path, {"src/a.py": "def f():\n    return 1\n\n\nclass A:\n    pass\n", "old.txt": "x\ny\nz\n",
                  "run.sh": "echo\n", "img.bin": b"\x00\x01\x02", "gone.py": "print(1)\n"}, "init", when=1_700_000_000)
    git(path, "mv", "old.txt", "new.txt")
    (path / "new.txt").write_text("x\ny\nz\nw\n")
    (path / "run.sh").chmod(0o755)
    (path / "img.bin").write_bytes(b"\x00\x09\x09")
    (path / "latin.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    (path / "src/a.py").write_text("def f():\n    return 2\n\n\nclass A:\n    x = 1\n    pass")
    git(path, "rm", "-q", "gone.py")
    git(path, "add", "-A")
    commit(path, {}, "second", when=1_700_000_100)
    commit(path, {"src/b.py": "".join(f"v{i} = {i}\n" for i in range(40))}, "third", when=1_700_000_200)
    repo = GitRepo(path)
    shas = git(path, "rev-list", "--reverse", "HEAD").split()
    return [repo.diff(None, shas[0])] + [repo.diff(a, b) for a, b in itertools.pairwise(shas)]
