"""``mergeguard action``: score the change a GitHub Actions event describes, with the App's words.

The Action is a third face of the same review: :func:`mergeguard.review.review` scores and gates,
:func:`mergeguard.checkrun.content` decides what a check run says, and this module only carries
that to where Actions shows things:

* ``GITHUB_OUTPUT``: ``score``, ``level``, ``conclusion``, ``report`` (the JSON report's path);
* ``GITHUB_STEP_SUMMARY``: the check run's summary markdown, exactly the App's;
* workflow-command annotations (``::warning file=…::…``) within GitHub's per-step limits
  (10 of each kind per step, 50 per job), most severe first, the number left out said in the summary;
* a check run named ``mergeguard`` when the token may write checks. A read-only token (a pull
  request from a fork) is the normal case there, not a failure: summary and annotations remain.

The pure parts (event parsing, escaping, limits, output files, the ``fail-on`` rule) are small
functions with no I/O, so tests check them directly; :func:`run` is the edge that reads the
environment, talks to git and GitHub, and writes files.

Safety with ``pull_request_target``: the workspace is the base branch and the token may write. We
never check out or execute anything from the pull request's head; we fetch its git objects
(``refs/pull/N/head``) and read them as data (diffs, blobs parsed by tree-sitter). The gate's
configuration and CODEOWNERS are read at the base revision, so a pull request cannot relax its gate.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import CONCLUSIONS, LEVELS, Config, decode, loads
from .errors import MergeguardError
from .paths import written_under
from .runner_log import log_line

if TYPE_CHECKING:
    from .assessment import Review, Verdict
    from .checkrun import CheckRunContent
    from .git import Git, GitRepo
    from .github_api import GitHubClient
    from .labelling import LabelProvenance

ZERO_SHA = "0" * 40
EVENTS = ("pull_request", "pull_request_target", "push")
MODES = ("check-run", "annotations", "both")
#: GitHub shows at most this many annotations of each kind per step, and 50 per job.
PER_STEP_PER_KIND = 10
PER_JOB = 50
_COMMAND_OF_LEVEL = {"failure": "error", "warning": "warning", "notice": "notice"}
_KIND_RANK = {"error": 0, "warning": 1, "notice": 2}
DEFAULT_FETCH_TIMEOUT = 300.0


class ActionError(MergeguardError):
    """The Actions environment or event is unusable (exit 2, one line)."""


# -- the event ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What an event asks to score. ``skip`` says why there is nothing to score (a deleted branch).

    ``base`` None with ``head`` set means: score ``head`` against its first parent (a new branch
    whose fork point is unknown). ``refspecs`` are what to fetch if ``head``/``base`` are missing.
    """

    event: str
    head: str | None = None
    base: str | None = None
    number: int | None = None
    author: str | None = None
    author_is_bot: bool = False
    labels: tuple[str, ...] = ()
    description: str = ""
    draft: bool = False
    from_fork: bool = False
    new_branch: bool = False
    forced: bool = False
    default_branch: str | None = None
    refspecs: tuple[str, ...] = ()
    skip: str | None = None


def _sha(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) != 40 or any(c not in "0123456789abcdef" for c in value.lower()):
        raise ActionError(f"event payload: {what} is not a commit SHA: {value!r}")
    return value.lower()


def _text(value: Any, what: str) -> str | None:
    """An optional string field of the payload: None when absent, ActionError when of another type
    (a login that is a number or a list would otherwise reach the gate's comparisons as it is)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ActionError(f"event payload: {what} is not a string")
    return value


def _get(payload: Mapping[str, Any], *keys: str) -> Any:
    cur: Any = payload
    for k in keys:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(k)
    return cur


def parse_event(name: str, payload: Any) -> Target:
    """The :class:`Target` of a ``GITHUB_EVENT_NAME`` and its payload; ActionError if unusable."""
    if name not in EVENTS:
        raise ActionError(f"unsupported event {name!r}: mergeguard action runs on {', '.join(EVENTS)}")
    if not isinstance(payload, Mapping):
        raise ActionError("event payload is not a JSON object")
    if name == "push":
        return _parse_push(payload)
    pr = payload.get("pull_request")
    if not isinstance(pr, Mapping):
        raise ActionError(f"{name} event payload has no pull_request object")
    number = pr.get("number", payload.get("number"))
    if type(number) is not int or not 1 <= number <= 2**31 - 1:
        raise ActionError(f"{name} event payload: pull_request.number missing or not a pull request number")
    head_repo = _get(pr, "head", "repo", "full_name")
    base_repo = _get(pr, "base", "repo", "full_name")
    raw_labels = pr.get("labels") or []
    if not isinstance(raw_labels, list):
        raise ActionError(f"{name} event payload: pull_request.labels is not a list")
    labels = tuple(label for lb in raw_labels if isinstance(lb, Mapping)
                   and (label := _text(lb.get("name"), "pull_request.labels[].name")))
    return Target(
        event=name, head=_sha(_get(pr, "head", "sha"), "pull_request.head.sha"),
        base=_sha(_get(pr, "base", "sha"), "pull_request.base.sha"), number=number,
        author=_text(_get(pr, "user", "login"), "pull_request.user.login"),
        author_is_bot=_get(pr, "user", "type") == "Bot",
        labels=labels, description=_text(pr.get("body"), "pull_request.body") or "",
        draft=pr.get("draft") is True, from_fork=bool(head_repo and base_repo and head_repo != base_repo),
        default_branch=_text(_get(payload, "repository", "default_branch"), "repository.default_branch"),
        refspecs=(f"+refs/pull/{number}/head:refs/remotes/pull/{number}/head",),
    )


def _parse_push(payload: Mapping[str, Any]) -> Target:
    ref = _text(payload.get("ref"), "ref") or ""
    if any(c < " " or c == "\x7f" for c in ref):  # git allows no control characters in a ref name
        raise ActionError("event payload: ref is not a ref name")
    default = _text(_get(payload, "repository", "default_branch"), "repository.default_branch")
    if payload.get("deleted") is True:
        return Target(event="push", skip=f"{ref or 'the ref'} was deleted: nothing to score")
    after = _sha(payload.get("after"), "after")
    before = _sha(payload.get("before") or ZERO_SHA, "before")
    author = (_text(_get(payload, "sender", "login"), "sender.login")
              or _text(_get(payload, "pusher", "name"), "pusher.name"))
    refspecs = (f"+{ref}:refs/remotes/mergeguard/pushed",) if ref.startswith("refs/") else ()
    message = _text(_get(payload, "head_commit", "message"), "head_commit.message") or ""
    common: dict[str, Any] = {"event": "push", "head": after, "author": author, "description": message,
                              "forced": payload.get("forced") is True, "default_branch": default}
    if payload.get("created") is True or before == ZERO_SHA:
        return Target(**common, base=None, new_branch=True, refspecs=refspecs)
    return Target(**common, base=before, refspecs=refspecs)


# -- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailOn:
    """When the step fails: on a conclusion at least as severe, or on a level at least as high.

    ``fail-on`` accepts a check-run conclusion (``neutral``, ``action_required``, ``failure``,
    compared with the verdict's conclusion, as ``score --fail-on``) or a risk level (``medium``,
    ``high``, ``critical``, compared with the verdict's level), or ``never``.
    """

    kind: str  # "conclusion" | "level" | "never"
    value: str = ""

    def fails(self, verdict: Verdict) -> bool:
        if self.kind == "conclusion":
            got = verdict.conclusion
            return got in CONCLUSIONS and CONCLUSIONS.index(got) >= CONCLUSIONS.index(self.value)
        if self.kind == "level":
            got = verdict.level
            return got in LEVELS and LEVELS.index(got) >= LEVELS.index(self.value)
        return False


FAIL_ON_CHOICES = ("never", *CONCLUSIONS[1:], *LEVELS[1:])


def parse_fail_on(text: str | None) -> FailOn:
    value = (text or "").strip().lower().replace("-", "_")
    if value in ("", "never", "none", "false"):
        return FailOn("never")
    if value in CONCLUSIONS[1:]:
        return FailOn("conclusion", value)
    if value in LEVELS[1:]:
        return FailOn("level", value)
    raise ActionError(f"fail-on must be one of {', '.join(FAIL_ON_CHOICES)}; got {text!r}")


@dataclass(frozen=True)
class Options:
    """The Action's inputs, from the command line or from ``INPUT_*`` variables (command line wins)."""

    token: str | None = None
    config: str | None = None
    fail_on: FailOn = FailOn("never")
    mode: str = "both"
    model: str | None = None
    report: str | None = None
    repo: str = "."
    #: directory keeping the scores of the base's history between runs (restore/save it with actions/cache)
    score_cache: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], **given: str | None) -> Options:
        def pick(name: str, var: str) -> str | None:
            value = given.get(name)
            if value is None:
                value = env.get(var)
            return value.strip() if isinstance(value, str) and value.strip() else None

        mode = (pick("mode", "INPUT_MODE") or "both").lower()
        if mode not in MODES:
            raise ActionError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        return cls(
            token=pick("token", "INPUT_GITHUB_TOKEN") or env.get("GITHUB_TOKEN") or None,
            config=pick("config", "INPUT_CONFIG"), fail_on=parse_fail_on(pick("fail_on", "INPUT_FAIL_ON")),
            mode=mode, model=pick("model", "INPUT_MODEL"), report=pick("report", "INPUT_REPORT"),
            repo=pick("repo", "GITHUB_WORKSPACE") or ".",
            score_cache=pick("score_cache", "INPUT_SCORE_CACHE"),
        )


# -- workflow commands ------------------------------------------------------------------------------


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped, so it stays one command on one line."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as data, plus ``:`` and ``,`` which end a property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **props: Any) -> str:
    """``::name k=v,…::message`` with GitHub's escaping; None-valued properties are left out."""
    shown = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{name}{' ' + shown if shown else ''}::{escape_data(message)}"


def annotation_commands(annotations: Sequence[Mapping[str, Any]], *, reserved: Mapping[str, int] | None = None,
                        per_kind: int = PER_STEP_PER_KIND, per_job: int = PER_JOB) -> tuple[list[str], int]:
    """Workflow commands for check-run annotations, within GitHub's limits; and how many were left out.

    ``reserved`` counts the commands of each kind the step prints besides these (our own warnings and
    notices), which use up the same limits. Errors go first, then warnings, then notices, so what
    GitHub drops is never the most severe.
    """
    reserved = dict(reserved or {})
    room = {kind: max(0, per_kind - reserved.get(kind, 0)) for kind in _KIND_RANK}
    total = max(0, per_job - sum(reserved.values()))
    ordered = sorted(annotations, key=lambda a: _KIND_RANK[_COMMAND_OF_LEVEL.get(str(a.get("annotation_level")), "warning")])
    lines: list[str] = []
    for a in ordered:
        kind = _COMMAND_OF_LEVEL.get(str(a.get("annotation_level")), "warning")
        if room[kind] <= 0 or len(lines) >= total:
            continue
        room[kind] -= 1
        start = a.get("start_line")
        end = a.get("end_line")
        lines.append(command(kind, str(a.get("message") or ""), file=a.get("path"), line=start,
                             endLine=end if end not in (None, start) else None, title=a.get("title")))
    return lines, len(annotations) - len(lines)


# -- outputs --------------------------------------------------------------------------------------


def output_text(values: Mapping[str, str], delimiter: Callable[[], str] = lambda: f"ghadelimiter_{uuid.uuid4()}") -> str:
    """``GITHUB_OUTPUT`` lines: ``name=value``, or the heredoc form for a value with a line break.

    The delimiter is random so that no value can end the heredoc early and set other outputs.
    """
    out = []
    for name, value in values.items():
        value = "" if value is None else str(value)
        if "\n" in value or "\r" in value:
            d = delimiter()
            while d in value:
                d = delimiter()
            out.append(f"{name}<<{d}\n{value}\n{d}\n")
        else:
            out.append(f"{name}={value}\n")
    return "".join(out)


def summary_text(check_summary: str, *, left_out: int, notes: Iterable[str] = ()) -> str:
    """The job summary: the check run's summary, then what only the Action has to say."""
    extra = list(notes)
    if left_out:
        extra.append(f"{left_out} annotation{'s' if left_out != 1 else ''} not shown as workflow annotations "
                     f"(GitHub shows at most {PER_STEP_PER_KIND} of each kind per step); "
                     "all are in the JSON report")
    from .render.markdown import escape

    tail = "".join(f"\n\n> {escape(n)}" for n in extra)  # a warning may quote a path or GitHub's words
    return check_summary.rstrip("\n") + tail + "\n"


def score_outputs(done: Review, report: str) -> dict[str, str]:
    """The step's outputs: ``score`` (4 decimals), the gate's ``level`` and ``conclusion``, the report's path."""
    score = done.assessment.score
    return {"score": f"{score:.4f}", "level": done.verdict.level,
            "conclusion": done.verdict.conclusion, "report": report}


# -- git: history the review needs -------------------------------------------------------------------
# Every command goes through the repository's :class:`~mergeguard.git.Git` interface (one subprocess
# implementation, its environment hardening and time limits); a fetch that fails is an answer here
# (a fork's read-only token, an offline runner), so these use the non-raising ``attempt``/``fetch``.


def ensure_history(repo: Git, target: Target, *, remote: str = "origin",
                   timeout: float = DEFAULT_FETCH_TIMEOUT, log: Callable[[str], None] = print) -> list[str]:
    """Fetch what scoring needs (missing commits, the history behind them); return warnings.

    A shallow checkout is unshallowed from ``remote`` when there is one (bounded by ``timeout``);
    if that fails the change is still scored, with history features marked degraded. A commit the
    event names that is still missing afterwards is an :class:`ActionError`.
    """
    warnings: list[str] = []
    has_remote = remote in repo.remotes()
    wanted = [s for s in (target.head, target.base) if s]
    missing = [s for s in wanted if not repo.has_commit(s)]
    if missing and has_remote:
        log(f"::group::fetching {len(missing)} missing commit(s) from {remote}")
        for spec in [*target.refspecs, *missing]:
            if not [s for s in wanted if not repo.has_commit(s)]:
                break
            done = repo.fetch(remote, spec, timeout=timeout)
            log(log_line(f"git fetch {remote} {spec}: {'ok' if done.ok else _tail(done.err)}"))
        log("::endgroup::")
    if repo.is_shallow and has_remote:
        done = repo.fetch(remote, options=["--unshallow"], timeout=timeout)
        if not done.ok:
            log(log_line(f"git fetch --unshallow {remote}: {_tail(done.err)}"))
            for depth in (100, 1000):  # at least reach the merge base, so the diff is right
                if _merge_base_known(repo, target):
                    break
                repo.fetch(remote, options=[f"--deepen={depth}"], timeout=timeout)
    if repo.is_shallow:
        warnings.append("shallow clone: history features (author experience, file churn, past fixes) are degraded; "
                        "check out with fetch-depth: 0" + ("" if has_remote else " (no remote to deepen from)"))
    # a force push's old head may be gone for good (rewritten away): then only the new head counts
    still = [s for s in wanted if not repo.has_commit(s) and not (target.forced and s == target.base)]
    if still:
        where = f"even after fetching from {remote}" if has_remote else f"and there is no remote {remote}"
        raise ActionError(f"commit {still[0][:12]} named by the {target.event} event is not in {repo.path} "
                          f"{where}; check out with fetch-depth: 0")
    return warnings


def _tail(stderr: str) -> str:
    """git's last words on one line: a log line must never start a workflow command of its own."""
    return escape_data(" | ".join(stderr.strip().splitlines()[-3:]))[-300:]


def _merge_base_known(repo: Git, target: Target) -> bool:
    if not (target.base and target.head and repo.has_commit(target.base) and repo.has_commit(target.head)):
        return False
    return repo.attempt("merge-base", target.base, target.head).ok


def push_base(repo: Git, target: Target, *, remote: str = "origin",
              timeout: float = DEFAULT_FETCH_TIMEOUT) -> tuple[str | None, str | None]:
    """The revision a pushed head is scored against, and a notice saying what was chosen if not obvious.

    A new branch is scored against the default branch (its merge base); without the default branch,
    only the head commit is scored. A force push is scored against its merge base with the old head,
    or, if the old head is gone, as the head commit alone.
    """
    assert target.head is not None
    if target.new_branch:
        default = target.default_branch
        if default:
            ref = f"refs/remotes/{remote}/{default}"
            if not repo.attempt("rev-parse", "--verify", "--quiet", ref).ok:
                repo.fetch(remote, f"+refs/heads/{default}:{ref}", timeout=timeout)
            found = repo.attempt("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
            if found.ok and repo.attempt("merge-base", found.out.strip(), target.head).ok:
                return found.out.strip(), f"new branch: scored against {default}"
        return _parent(repo, target.head), "new branch without a known fork point: scored the head commit alone"
    assert target.base is not None
    if target.forced and (not repo.has_commit(target.base)
                          or not repo.attempt("merge-base", target.base, target.head).ok):
        return _parent(repo, target.head), ("force push whose old head is unavailable or unrelated: "
                                            "scored the head commit alone")
    return target.base, None


def _parent(repo: Git, sha: str) -> str | None:
    out = repo.attempt("rev-list", "--parents", "-n", "1", sha).out.split()
    return out[1] if len(out) > 1 else None


# -- the run --------------------------------------------------------------------------------------


@dataclass
class Env:
    """The parts of the Actions environment the command uses."""

    event_name: str
    event_path: str
    repository: str | None
    api_url: str
    output: str | None
    summary: str | None
    temp: str | None

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> Env:
        name, path = env.get("GITHUB_EVENT_NAME"), env.get("GITHUB_EVENT_PATH")
        if not name or not path:
            raise ActionError("GITHUB_EVENT_NAME and GITHUB_EVENT_PATH must be set (run this inside GitHub Actions)")
        api_url = env.get("GITHUB_API_URL") or "https://api.github.com"
        parts = urllib.parse.urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in api_url):
            raise ActionError(f"GITHUB_API_URL must be an http(s) URL, got {api_url!r}")
        return cls(event_name=name, event_path=path, repository=env.get("GITHUB_REPOSITORY"),
                   api_url=api_url, output=env.get("GITHUB_OUTPUT"),
                   summary=env.get("GITHUB_STEP_SUMMARY"), temp=env.get("RUNNER_TEMP"))


def read_event(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ActionError(f"cannot read event payload {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ActionError(f"event payload {path} is not valid JSON: {str(exc).splitlines()[0]}") from None
    except RecursionError:  # nesting past the parser's recursion limit
        raise ActionError(f"event payload {path} is not valid JSON: nested too deeply") from None


def _append(path: str | None, text: str) -> None:
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise ActionError(f"cannot write {path}: {exc.strerror}") from None


def fetch_timeout(text: str | None) -> float:
    """``MERGEGUARD_FETCH_TIMEOUT``: seconds, more than 0 and at most a day; the default when unset."""
    if not text or not text.strip():
        return DEFAULT_FETCH_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= 86_400:  # NaN fails too
        raise ActionError(f"MERGEGUARD_FETCH_TIMEOUT must be seconds, more than 0 and at most 86400; got {text!r}")
    return seconds


def _client(options: Options, env: Env) -> GitHubClient | None:
    """The core's GitHub client (the App uses the same one), imported only when there is a token."""
    if not options.token or not env.repository:
        return None
    from .github_api import GitHubClient

    return GitHubClient(options.token, env.api_url)


def publish_check_run(client: Any, repository: str, head_sha: str, content: CheckRunContent) -> int:
    """Create and complete the ``mergeguard`` check run (App content, without the App's buttons).

    The requested actions (Accept risk, Re-score) are left out: their clicks go to the app that
    created the run, which for a workflow token is github-actions, where nothing would answer.
    """
    from .checkrun import CHECK_NAME

    run_id = client.create_check_run(repository, head_sha, CHECK_NAME, status="in_progress")
    client.complete_check_run(repository, run_id, content.conclusion, content.output(), content.annotations)
    return int(run_id)


def run(options: Options, env: Env, *, out: Callable[[str], None] = print) -> int:
    """Score the event's change, publish it, and return the exit code (1 when ``fail-on`` says so)."""
    from mergeguard.models.model import load

    from .checkrun import content
    from .gate import read_config
    from .git import GitRepo
    from .policy import PullRequestFacts
    from .render import render
    from .review import review

    target = parse_event(env.event_name, read_event(env.event_path))
    if target.skip:
        out(command("notice", f"mergeguard: {target.skip}", title="mergeguard"))
        _append(env.output, output_text({"score": "", "level": "", "conclusion": "skipped", "report": ""}))
        return 0
    repo_path = str(Path(options.repo).resolve())
    model_in_repo = _inside(options.model, Path(repo_path)) if options.model else None
    # a bad model outside the repository is the user's error before any git work; one inside it is
    # read at the base revision, once that is known (the workspace is the pull request's)
    model = load(options.model) if model_in_repo is None else None
    repo = GitRepo(repo_path)
    timeout = fetch_timeout(os.environ.get("MERGEGUARD_FETCH_TIMEOUT"))
    warnings = ensure_history(repo, target, timeout=timeout, log=out)
    notices: list[str] = []
    base: str | None = target.base
    if target.event == "push":
        base, why = push_base(repo, target, timeout=timeout)
        if why:
            notices.append(why)
    client = _client(options, env)
    approvals: tuple[str, ...] = ()
    if client is not None and env.repository and target.number is not None:
        try:
            approvals = client.approvals(env.repository, target.number, target.head or "")
        except MergeguardError as exc:  # approvals are optional: a token that cannot read reviews counts none
            out(command("debug", f"reviews unavailable: {exc}"))
    head = target.head
    assert head is not None
    if base is None:
        out(command("notice", f"mergeguard: {head[:12]} is a root commit: nothing to compare it with", title="mergeguard"))
        _append(env.output, output_text({"score": "", "level": "", "conclusion": "skipped", "report": ""}))
        return 0
    config_path, config = config_at_base(repo, options.config, base)
    facts = PullRequestFacts(author=target.author, labels=target.labels, approvals=approvals,
                             description=target.description,
                             accounts={"pull request": target.author} if target.author_is_bot and target.author else {},
                             label_provenance=label_provenance(
                                 client, env.repository, target,
                                 config if config is not None else read_config(repo, base, config_path)))
    model_warnings: list[str] = []
    if model is None:
        model_dir, why = model_at_base(repo, options.model, base, env.temp)
        model_warnings = [why] if why else []
        model = load(model_dir)
    done = review(repo, base, head, model=model, facts=facts, config_path=config_path, config=config,
                  shallow=bool(warnings) or None,
                  score_cache=os.path.expanduser(options.score_cache) if options.score_cache else None)
    warnings.extend(model_warnings)
    report = options.report or str(Path(env.temp or ".") / "mergeguard-report.json")
    try:
        Path(report).write_text(render(done, "json") + "\n", encoding="utf-8")
    except OSError as exc:
        raise ActionError(f"cannot write report {report}: {exc.strerror}") from None
    c = content(done)

    published = False
    if options.mode in ("check-run", "both"):
        published = _try_check_run(client, env, head, c, notices, warnings)
    for w in warnings:
        out(command("warning", w, title="mergeguard"))
    for n in notices:
        out(command("notice", n, title="mergeguard"))
    left_out = len(c.annotations)
    if options.mode in ("annotations", "both") or not published:
        lines, left_out = annotation_commands(c.annotations, reserved={"warning": len(warnings), "notice": len(notices)})
        for line in lines:
            out(line)
    elif published:
        left_out = 0  # every annotation is on the check run
    _append(env.summary, summary_text(c.summary, left_out=left_out, notes=[*warnings, *notices]))
    _append(env.output, output_text(score_outputs(done, report)))
    return 1 if options.fail_on.fails(done.verdict) else 0


def label_provenance(client: GitHubClient | None, repository: str | None, target: Target,
                     config: Config) -> LabelProvenance:
    """Who added the labels the config's validations ask for and the event's pull request carries:
    a label counts only when someone other than the author, let in by the repository, added it. The
    event payload says which labels are there, never who put them there; without a token to ask
    GitHub, none of them counts."""
    from .labelling import LabelProvenance
    from .policy import labels_to_trace

    asked = labels_to_trace(config, target.labels)
    if not asked:
        return LabelProvenance()
    if client is None or not repository or target.number is None:
        return LabelProvenance(error="no GitHub token and repository to read the pull request's events with")
    return client.label_provenance(repository, target.number, asked, target.author)


def _try_check_run(client: Any, env: Env, head: str, c: CheckRunContent, notices: list[str],
                   warnings: list[str]) -> bool:
    """Publish the check run; a token that may not, or a GitHub failure, leaves summary and annotations."""
    from .github_api import GitHubError, PermissionDenied

    if client is None or not env.repository:  # _client gives None without a repository
        notices.append("no token or GITHUB_REPOSITORY: no check run; results are in this summary and the annotations")
        return False
    try:
        publish_check_run(client, env.repository, head, c)
        return True
    except PermissionDenied:
        notices.append("the token may not write checks (a pull request from a fork gets a read-only token): "
                       "results are in this summary and the annotations")
    except GitHubError as exc:
        warnings.append(f"no check run: {exc}; results are in this summary and the annotations")
    return False


def config_at_base(repo: GitRepo, config: str | None, base: str) -> tuple[str | None, Config | None]:
    """The ``config`` input as the base revision has it, when it names a file of the repository.

    Returns ``(path, None)`` for a file the gate reads as it is, ``(None, config)`` for one read
    here, and ``(None, None)`` for the defaults (the repository's own ``.github/mergeguard.yml``).

    On ``pull_request`` the workspace is the merge commit: reading the file from it would let a pull
    request relax its own gate. A path inside the repository is therefore read from git at ``base``
    and parsed from that text (named ``<base>:<path>`` in problems); a file absent at the base means
    the defaults. A path outside the repository (another checkout, a runner file) is not the pull
    request's to change and is read as it is.
    """
    if not config:
        return None, None
    rel = _inside(config, repo.path)
    if rel is None:
        return config, None  # outside the repository
    spec = f"{base}:{rel.as_posix()}"
    blob = repo.read_blobs([spec]).get(spec)
    if blob is None:
        return None, None
    source = f"{base[:12]}:{rel.as_posix()}"
    return None, loads(decode(blob, source), source)


def _inside(path: str, repo: Path) -> Path | None:
    """``path`` relative to the repository's work tree, or None when it lies outside it.

    Decided on the path as written (made absolute, ``..`` folded), never by following symlinks in the
    work tree: on ``pull_request`` the work tree is the pull request's, and a symlink it puts where
    the workflow's file was (to ``/dev/null``, to a lenient file it adds) would otherwise choose what
    the gate reads. Only the work tree's own location is resolved (the runner's, not the PR's).
    """
    for root in (Path(os.path.abspath(repo)), repo.resolve()):
        if (rel := written_under(path, root)) is not None:
            return rel
    try:  # a path outside that leads into the work tree (a runner's link to it) is inside too
        return Path(path).resolve().relative_to(repo.resolve())
    except (ValueError, OSError):
        return None


def model_at_base(repo: GitRepo, model: str | None, base: str, temp: str | None) -> tuple[str | None, str | None]:
    """The ``model`` input as the base revision has it, and a warning when the base has none.

    The same rule as :func:`config_at_base`: on ``pull_request`` the workspace is the merge commit,
    so a model directory read from it would let a pull request ship its own thresholds and
    calibration. A directory inside the repository is therefore exported from ``base`` into a
    temporary directory; one the base does not have falls back to the shipped model, with a
    warning. A directory outside the repository (a runner cache, a downloaded artifact) is not
    the pull request's to change and is read as it is.
    """
    if not model:
        return None, None
    rel = _inside(model, repo.path)
    if rel is None:
        return model, None
    prefix = rel.as_posix().strip("/")
    listing = repo.run("ls-tree", "-r", "-z", "--full-tree", base, "--", prefix or ".").decode("utf-8", "replace")
    paths = [entry.split("\t", 1)[1] for entry in listing.split("\0")
             if "\t" in entry and entry.split(" ", 2)[1:2] == ["blob"]]
    blobs = repo.read_blobs([f"{base}:{p}" for p in paths])
    if (f"{prefix}/model.json" if prefix else "model.json") not in paths:
        return None, (f"model {prefix} is not at the base revision {base[:12]} (a pull request cannot bring its "
                      "own model): scored with the shipped model")
    out_dir = Path(tempfile.mkdtemp(prefix=f"mergeguard-model-{base[:12]}-", dir=temp or None))
    for p in paths:
        blob = blobs.get(f"{base}:{p}")
        target = (out_dir / Path(p).relative_to(prefix)) if prefix else out_dir / p
        if blob is None or out_dir.resolve() not in target.resolve().parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)
    return str(out_dir), None


def main_from_args(repo: str | None, fail_on: str | None, mode: str | None, config: str | None, model: str | None,
                   report: str | None, environ: Mapping[str, str] | None = None) -> int:
    """What ``mergeguard action`` runs: inputs from the arguments, else from ``INPUT_*``."""
    environ = os.environ if environ is None else environ
    try:
        options = Options.from_env(environ, repo=repo, fail_on=fail_on, mode=mode, config=config, model=model,
                                   report=report)
        return run(options, Env.from_environ(environ))
    except MergeguardError as exc:
        print(command("error", str(exc), title="mergeguard"), flush=True)
        raise
    finally:
        sys.stdout.flush()


__all__ = ["ActionError", "Target", "parse_event", "parse_fail_on", "FailOn", "Options", "escape_data",
           "escape_property", "log_line", "command", "annotation_commands", "output_text", "summary_text", "ensure_history",
           "push_base", "run"]
