"""Strings the pull request chose, through every output GitHub shows or executes.

A file path, a branch name, a config key, a finding's message: each reaches the step's log (which the
Actions runner scans for workflow commands), the job summary and the check run (which GitHub renders
as markdown, then links mentions and URLs in), and SARIF (whose plain-text messages may embed links).
These tests send hostile strings through the real entry points -- ``mergeguard action`` against the
local GitHub stand-in, ``mergeguard score``, the App's Accept-risk handler -- and read the result the
way the consumer does: the runner's two command syntaxes ported line for line from actions/runner
(``ActionCommand.TryParseV2`` and the legacy ``TryParse``), GitHub's own markdown library
(cmark-gfm, with its extensions) for the summaries, and SARIF's embedded-link syntax.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from mergeguard.assessment import Review
from mergeguard.checkrun import content
from mergeguard.render.markdown import GITHUB_SUMMARY_LIMIT

from .ghstub import GitHubStub
from .gitrepo import commit, git, init_repo
from .test_action import API, API2, PR, REPO, TOKEN, pr_event, run_action

# -- the runner, as actions/runner reads a step's output ------------------------------------------------

#: every command the runner registers (its command extensions, plus stop-commands)
REGISTERED = {"set-env", "set-output", "save-state", "add-mask", "add-path", "add-matcher", "remove-matcher",
              "debug", "warning", "error", "notice", "group", "endgroup", "echo", "stop-commands"}
OURS = {"warning", "notice", "error", "debug", "group", "endgroup"}


def _unescape(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for escaped, plain in pairs:
        text = text.replace(escaped, plain)
    return text


_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


def runner_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """(command, properties, data) the runner executes for one line, or None.

    First ``::name k=v,…::data`` at the start after leading white space; failing that, the legacy
    ``##[name k=v;…]data`` *anywhere* in the line.
    """
    message = line.lstrip()
    if message.startswith("::") and (end := message.find("::", 2)) >= 0:
        name, _, props = message[2:end].partition(" ")
        if name.lower() in REGISTERED:
            found = {}
            for part in props.strip().split(","):
                key, _, value = part.partition("=")
                if key and value:
                    found[key] = _unescape(value, _PROPERTY)
            return name.lower(), found, _unescape(message[end + 2:], _DATA)
    if (start := line.find("##[")) >= 0 and (close := line.find("]", start)) >= 0:
        name = line[start + 3:close].split(" ", 1)[0]
        if name.lower() in REGISTERED:
            return name.lower(), {}, line[close + 1:]
    return None


def runner_commands(*streams: str) -> list[tuple[str, dict[str, str], str]]:
    """Every command in stdout and stderr; the runner splits lines at CR, LF and CRLF (.NET ReadLine)."""
    lines = [line for text in streams for line in re.split(r"\r\n|\r|\n", text)]
    return [c for line in lines if (c := runner_command(line)) is not None]


# -- GitHub's markdown ------------------------------------------------------------------------------

#: what our own markdown may produce; anything else (a link, an image, a comment) came from the input
OUR_TAGS = {"h3", "p", "strong", "em", "code", "table", "thead", "tbody", "tr", "th", "td", "details", "summary",
            "sub", "br", "ul", "li", "input", "hr", "blockquote"}
#: GitHub links (and notifies) ``@login`` / ``@org/team`` in rendered text outside code and links
MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
#: GitHub links ``#12``, ``GH-12`` and ``owner/repo#12`` in rendered text (and cross-references the issue)
REFERENCE = re.compile(r"(?<![\w`])(?:[\w.-]+/[\w.-]+)?#[0-9]|(?i:\bgh-[0-9])")


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.comments: list[str] = []
        self.text: list[str] = []  # text outside code spans
        self.code: list[str] = []
        self.rows: list[list[int]] = [[]]  # cells per row, per table
        self._in_code = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_code += tag == "code"
        if tag == "table":
            self.rows.append([])
        if tag == "tr":
            self.rows[-1].append(0)
        if tag in ("td", "th"):
            self.rows[-1][-1] += 1

    def handle_endtag(self, tag):
        self._in_code -= tag == "code"

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_data(self, data):
        (self.code if self._in_code else self.text).append(data)


def github_html(markdown: str) -> _Html:
    """``markdown`` rendered by cmark-gfm with GitHub's extensions (tables, autolinks, task lists,
    strikethrough, tag filter), raw HTML let through so that any the input smuggled in shows."""
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    parsed = _Html()
    parsed.feed(html)
    return parsed


def assert_renders_inert(markdown: str) -> _Html:
    parsed = github_html(markdown)
    assert set(parsed.tags) <= OUR_TAGS, set(parsed.tags) - OUR_TAGS  # no <a>, <img>, <script>, ...
    assert parsed.comments == []  # no <!-- --> hides what follows
    text = "".join(parsed.text)
    assert not MENTION.search(text), MENTION.search(text)
    assert not REFERENCE.search(text), REFERENCE.search(text)
    for table in parsed.rows[1:]:
        assert len(set(table)) <= 1, table  # every row has the header's cells: no pipe split one
    return parsed


# -- the Action with a hostile file name --------------------------------------------------------------

#: a file whose name tries every sink at once: a team mention, issue references, an autolink, HTML, a comment, a table
#: cell's end, a code span's end, a workflow command on its own line (LF and CR), the legacy syntax,
#: and the characters GitHub's escaping must encode (% , :)
HOSTILE = ("svc/@octo-org/all fixes #1 GH-2 octo/svc#3 www.evil.example <img src=x onerror=alert(1)> <!-- hide --> a|b `tick`"
           " 100%0A a,b:c\n::add-mask::SECRET ##[stop-commands]tok\r::set-output name=level::low.py")


@pytest.fixture
def hostile_work(tmp_path):
    """main: the hostile file with 14 public functions; feat: changes their signatures (14 findings on it)."""
    w = init_repo(tmp_path / "origin")
    commit(w, {HOSTILE: API, "README.md": "svc\n"}, "base", when=1_700_000_000)
    git(w, "checkout", "-q", "-b", "feat")
    commit(w, {HOSTILE: API2}, "feat: strict handlers", when=1_700_000_500, author=("Erin", "erin@example.com"))
    git(w, "checkout", "-q", "main")
    git(w, "update-ref", f"refs/pull/{PR}/head", "feat")
    return w


@pytest.fixture
def hostile_stub(hostile_work):
    with GitHubStub(github_token=TOKEN) as s:
        s.add_repo(REPO, hostile_work)
        s.add_pull(REPO, PR, head="feat", author="erin", labels=["db"])
        yield s


def test_a_hostile_file_name_is_one_annotation_and_inert_markdown_in_the_action(tmp_path, hostile_work, hostile_stub):
    r = run_action(tmp_path, hostile_work, pr_event(hostile_work), api=hostile_stub.url)
    assert r.code == 0, r.stderr
    commands = runner_commands(r.stdout, r.stderr)
    assert {name for name, _, _ in commands} <= OURS, commands
    annotations = [(props, data) for name, props, data in commands if "file" in props]
    assert len(annotations) == 10  # GitHub's per-step limit; each is one command, whole
    assert {props["file"] for props, _ in annotations} == {HOSTILE}
    assert all(props["title"] == "coupling.api_change" for props, _ in annotations)

    assert set(r.outputs) == {"score", "level", "conclusion", "report"}  # GITHUB_OUTPUT: ours, no more
    (run,) = hostile_stub.check_runs.values()
    assert [a["path"] for a in run.annotations] == [HOSTILE] * 14
    assert hostile_stub.violations == []
    for doc in (r.summary, run.data["output"]["summary"], run.data["output"]["text"]):
        assert_renders_inert(doc)
    shown = github_html(r.summary)
    assert shown.tags[0] == "h3" and "risk" in shown.text[0]  # the verdict heads the summary
    # the name is still there to read: in code spans, or as text whose zero-width space breaks the link
    everything = "".join(shown.code + shown.text).replace("\u200b", "")
    assert "www.evil.example <img src=x onerror=alert(1)> <!-- hide -->" in everything


def test_a_hostile_config_key_in_the_actions_error_line_runs_no_command(tmp_path, hostile_work, hostile_stub):
    """The base's config is whoever can push's; its problem is printed twice, as an ``::error``
    command and as the CLI's plain line on stderr, where ``##[`` anywhere was a command."""
    key = "x ##[add-mask]SECRET ##[stop-commands]tok"
    git(hostile_work, "checkout", "-q", "main")
    commit(hostile_work, {".github/mergeguard.yml": json.dumps({key: 1}) + "\n"}, "config", when=1_700_000_100)
    git(hostile_work, "checkout", "-q", "feat")
    git(hostile_work, "rebase", "-q", "main")
    git(hostile_work, "checkout", "-q", "main")
    git(hostile_work, "update-ref", f"refs/pull/{PR}/head", "feat")
    r = run_action(tmp_path, hostile_work, pr_event(hostile_work), api=hostile_stub.url)
    assert r.code == 2, r.stderr
    assert "unknown key" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    commands = runner_commands(r.stdout, r.stderr)
    assert [name for name, _, _ in commands] == ["error"], commands
    assert "##[add-mask]SECRET" in commands[0][2]  # the command's data says it as it is


# -- the CLI in a workflow's run: step ------------------------------------------------------------------

COMMAND_NAME = "::error title=x::pwned ##[add-mask]S ##[stop-commands]tok.py"


@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "output-file"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "sarif"])
def test_score_on_stdout_runs_no_workflow_command_in_any_format(tmp_path, fmt, to_file):
    """``mergeguard score`` in a ``run:`` step: the text format printed the path at the start of a
    line (an ``::error`` annotation of the author's) and every format carried ``##[`` (the legacy
    syntax, read anywhere in a line). JSON and SARIF still hold the exact name. A report written with
    ``--output`` is read the same way when a later step ``cat``s it."""
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"README.md": "x\n"}, "base")
    diff = tmp_path / "change.diff"
    diff.write_text(_added(COMMAND_NAME))
    report = tmp_path / "report.out"
    proc = subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", "--diff", str(diff), "--format", fmt,
                           *(["--output", str(report)] if to_file else [])],
                          cwd=repo, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = report.read_text(encoding="utf-8") if to_file else proc.stdout
    assert "pwned" in out
    assert runner_commands(out, proc.stderr) == []
    if fmt == "json":
        assert {f["path"] for f in json.loads(out)["findings"]} == {COMMAND_NAME}
    if fmt == "sarif":
        uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
                for r in json.loads(out)["runs"][0]["results"] for loc in r["locations"]}
        assert {urllib.parse.unquote(u) for u in uris} == {COMMAND_NAME}


def test_config_check_problems_run_no_workflow_command(tmp_path):
    config = tmp_path / "mergeguard.yml"
    config.write_text(json.dumps({"x ##[add-mask]SECRET": 1, "y ##[stop-commands]tok": 2}) + "\n")
    for args in (["config", "check", str(config)], ["score", "--diff", "-", "--config", str(config)]):
        proc = subprocess.run([sys.executable, "-m", "mergeguard.cli", *args], cwd=tmp_path, capture_output=True,
                              text=True, input="", timeout=300)
        assert proc.returncode == 2 and "unknown key" in proc.stderr, proc.stderr
        assert runner_commands(proc.stdout, proc.stderr) == [], proc.stderr


# -- SARIF ------------------------------------------------------------------------------------------

_RETRY = ["import time, requests", "", "def fetch(u):", "    while True:", "        try:",
          "            return requests.get(u)", "        except Exception:", "            time.sleep(1)"]
_EMBEDDED_LINK = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*(?<!\\)\]\(")


def _added(name: str) -> str:
    return "\n".join([f"diff --git a/{name} b/{name}", "new file mode 100644", "--- /dev/null", f"+++ b/{name}",
                      f"@@ -0,0 +1,{len(_RETRY)} @@", *("+" + line for line in _RETRY)]) + "\n"


@pytest.mark.parametrize("name", ["../../etc/evil.py", "/abs/evil.py", "//server/evil.py", "file:/etc/passwd.py",
                                  "[fix](https:evil.example)/a.py", "c/[x]\\[y](1) **b** <img src=x>.py"])
def test_sarif_locations_stay_in_the_repository_and_messages_embed_no_link(tmp_path, name):
    """A ``--diff`` names whatever it likes. ``/abs/evil.py`` also looped for ever in the coupling
    extractor (``dirname('/')`` is ``/``)."""
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"README.md": "x\n"}, "base")
    diff = tmp_path / "change.diff"
    diff.write_text(_added(name))
    proc = subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", "--diff", str(diff), "--format", "sarif"],
                          cwd=repo, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"retry.without_limit", "mergeguard.risk"}
    for result in results:
        for location in result["locations"]:
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            parts = urllib.parse.urlsplit(uri)
            assert not parts.scheme and not parts.netloc and not uri.startswith("/"), uri
            assert ".." not in urllib.parse.unquote(uri).split("/"), uri
            assert urllib.parse.unquote(uri).endswith(name.replace("\\", "/").rsplit("/", 1)[-1])  # \\ is a separator
        text = result["message"]["text"]
        assert "markdown" not in result["message"]
        assert not _EMBEDDED_LINK.search(text), text
    (risk,) = [r for r in results if r["ruleId"] == "mergeguard.risk"]
    unescaped = re.sub(r"\\([\\\[\]])", r"\1", risk["message"]["text"])
    assert name.lstrip("/") in unescaped or name in unescaped  # the path is still named, as text


def test_a_batchs_not_scored_records_render_inert(tmp_path):
    """``score --commits`` reports a commit it could not score by its reason, which may quote the
    config at that commit's base, written by whoever pushed it: in markdown the reason sat in a
    single-backtick code span that its own backtick closed; in SARIF it was a notification text."""
    key = "`<img src=x>` @octo-org/all [fix](https:evil.example) ##[add-mask]S"
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"README.md": "x\n"}, "c1")
    commit(repo, {".github/mergeguard.yml": json.dumps({key: 1}) + "\n"}, "c2", when=1_700_000_100)
    commit(repo, {"x.py": "def f(a):\n    return a\n"}, "c3", when=1_700_000_200)
    commit(repo, {"x.py": "def f(a, b):\n    return a\n"}, "c4", when=1_700_000_300)
    shas = tmp_path / "shas.txt"
    shas.write_text(git(repo, "rev-parse", "HEAD", "HEAD~1"))
    out = {}
    for fmt in ("markdown", "sarif"):
        proc = subprocess.run([sys.executable, "-m", "mergeguard.cli", "score", "--commits", str(shas), "--format", fmt],
                              cwd=repo, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert runner_commands(proc.stdout, proc.stderr) == []
        out[fmt] = proc.stdout
    parsed = assert_renders_inert(out["markdown"])
    assert sum("not scored" in t for t in parsed.code) == 2  # each reason whole, in its code span
    notes = json.loads(out["sarif"])["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == 2 and all("unknown key" in n["message"]["text"] for n in notes)
    assert not any(_EMBEDDED_LINK.search(n["message"]["text"]) for n in notes)


# -- the App's Accept-risk note ------------------------------------------------------------------------


def test_an_accept_risk_note_is_escaped_and_fits_above_a_full_summary(tmp_path, hostile_work, hostile_stub):
    """The refusal note names the pull request's base branch (``<img/src=x>@team`` is a valid ref
    name) and was put above the summary unescaped and uncut: a summary near GitHub's 65,535 limit
    plus the note was a 422, and the refusal was never shown."""
    r = run_action(tmp_path, hostile_work, pr_event(hostile_work), api=hostile_stub.url)
    review = Review.from_json(json.loads(Path(r.outputs["report"]).read_text()))
    c = content(review)
    full = dataclasses.replace(c, summary=c.summary + "\n\n" + "x" * (GITHUB_SUMMARY_LIMIT - len(c.summary) - 2))
    assert len(full.summary) == GITHUB_SUMMARY_LIMIT
    branch = "rel/<img/src=x>@octo-org/all<!--"
    note = (f"@alice asked to accept the risk scored against 'main', but the pull request now targets "
            f"'{branch}' and is scored again; accept its new verdict.")
    from mergeguard.checkrun import with_note

    output = with_note(full, note)
    assert len(output["summary"]) <= GITHUB_SUMMARY_LIMIT
    assert output["summary"].startswith("> **Accept risk refused:** ")
    assert c.summary.split("\n", 1)[0] in output["summary"]  # the verdict's heading is kept
    parsed = assert_renders_inert(output["summary"])
    assert branch in "".join(parsed.text).replace("\u200b", "")
