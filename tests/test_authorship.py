"""AI authorship on real commits: explicit evidence per marker family, and a style score blind to metadata."""

from __future__ import annotations

import pytest

from mergeguard.change import Limits
from mergeguard.features import Context
from mergeguard.features.authorship import FEATURES, explicit_evidence, extract, style_score, style_statistics
from mergeguard.git import GitRepo
from mergeguard.sources import change_from_commit, change_from_range

from .benchscripts import load
from .gitrepo import commit, git, init_repo

T0 = 1_750_000_000
DAY = 86400
HUMAN = ("Dana Reyes", "dana@example.com")

RETRY_PY = '''import time


def fetch_with_retry(fetch, attempts=3):
    for i in range(attempts):
        try:
            return fetch()
        except IOError:
            time.sleep(2 ** i)
    raise RuntimeError("gave up")
'''


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    p = init_repo(tmp_path_factory.mktemp("ai") / "r")
    commit(p, {"src/app.py": "VERSION = 1\n"}, "init", T0, HUMAN)
    return p


def change_of(repo_path, message: str, author=HUMAN, files=None, *, when=T0 + DAY):
    sha = commit(repo_path, files or {"src/app.py": f"VERSION = {abs(hash(message)) % 10_000}\n"}, message, when, author)
    repo = GitRepo(repo_path)
    rec = next(r for r in repo.log([sha]) if r.sha == sha)
    return change_from_commit(repo, rec, Limits())


@pytest.mark.parametrize(
    ("message", "author", "tool", "found"),
    [
        ("Add retry\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
         HUMAN, "claude", "Co-Authored-By: Claude <noreply@anthropic.com>"),
        ("Fix parser\n\nCo-Authored-By: Claude Opus 4.6 (1M context) <noreply@anthropic.com>", HUMAN, "claude",
         "Co-Authored-By: Claude Opus 4.6 (1M context) <noreply@anthropic.com>"),
        ("Tidy\n\nClaude-Session: https://claude.ai/code/session_01Y1SqgPEDo1gytPt3KB7czh", HUMAN, "claude", "Claude-Session:"),
        ("Add ECH support", ("Claude", "noreply@anthropic.com"), "claude", "Claude <noreply@anthropic.com>"),
        ("Apply suggestion\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>", HUMAN, "copilot",
         "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>"),
        ("Potential fix for code scanning alert\n\nCo-authored-by: Copilot Autofix powered by AI <62310815+github-advanced-security[bot]@users.noreply.github.com>",
         HUMAN, "copilot", "Copilot Autofix powered by AI"),
        ("Initial plan", ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"), "copilot", "copilot-swe-agent[bot]"),
        ("Fix flaky test\n\nCo-Authored-By: GitHub Copilot <copilot@github.com>", HUMAN, "copilot", "GitHub Copilot"),
        ("Refactor pool\n\nCo-authored-by: Cursor <cursoragent@cursor.com>", HUMAN, "cursor", "Cursor <cursoragent@cursor.com>"),
        ("Use context managers", ("Codex", "codex@openai.com"), "codex", "Codex <codex@openai.com>"),
        ("Port to v2\n\nhttps://chatgpt.com/codex/tasks/task_e_68a1b2c3", HUMAN, "codex", "chatgpt.com/codex/tasks/task_e_68a1b2c3"),
        ("Bump timeouts\n\nLink to Devin run: https://app.devin.ai/sessions/4f1c2a\n\nCo-Authored-By: Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
         HUMAN, "devin", "app.devin.ai/sessions/4f1c2a"),
        ("Fix typo", ("devin-ai-integration[bot]", "158243242+devin-ai-integration[bot]@users.noreply.github.com"), "devin", "devin-ai-integration[bot]"),
        ("aider: Added retry with exponential backoff", HUMAN, "aider", "aider: Added retry"),
        ("Add retry", ("Dana Reyes (aider)", "dana@example.com"), "aider", "Dana Reyes (aider)"),
        ("Apply review\n\nCo-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>",
         HUMAN, "gemini", "gemini-code-assist[bot]"),
        ("Speed up", ("Gemini", "gemini@google.com"), "gemini", "Gemini <gemini@google.com>"),
        ("Upgrade deps", ("google-labs-jules[bot]", "161369871+google-labs-jules[bot]@users.noreply.github.com"), "jules", "google-labs-jules[bot]"),
        ("Rename module\n\nCo-authored-by: Windsurf <windsurf@codeium.com>", HUMAN, "windsurf", "Windsurf <windsurf@codeium.com>"),
        ("Add handler\n\nCo-authored-by: Amazon Q Developer <amazon-q-developer[bot]@users.noreply.github.com>", HUMAN, "amazon-q", "Amazon Q Developer"),
        ("Validate input\n\nCo-authored-by: coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>", HUMAN, "coderabbit", "coderabbitai[bot]"),
        ("Fix bug\n\nCo-authored-by: openhands <openhands@all-hands.dev>", HUMAN, "openhands", "openhands <openhands@all-hands.dev>"),
        ("Add tests\n\n🤖 Generated with Codebuff", HUMAN, "other-ai", "🤖 Generated with Codebuff"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "",
)
def test_explicit_marker_families(repo, message, author, tool, found):
    change = change_of(repo, message, author)
    ex = extract(change, Context())
    ai = ex.signals["ai_authorship"]
    assert ai["explicit"] is True and ex.features["ai_explicit"] == 1.0
    assert tool in ai["tools"]
    assert any(found in e for e in ai["evidence"]), ai["evidence"]


@pytest.mark.parametrize(
    ("message", "author"),
    [
        ("Fix retry loop\n\nCo-authored-by: Claude Martin <claude.martin@example.org>", HUMAN),
        ("Pair on parser\n\nCo-authored-by: Devin Smith <devin@example.com>", HUMAN),
        ("Claude asked for this; the cursor position was off by one in codex.py", HUMAN),
        ("Fix flaky test", ("Claude", "claude@perso.fr")),
        ("Fix the bug generated by the C implementation", HUMAN),
        ("Add AI review docs: written with care", HUMAN),
    ],
    ids=["human-claude", "human-devin", "tool-names-in-prose", "person-named-claude", "generated-by-code", "prose"],
)
def test_human_names_and_prose_are_not_evidence(repo, message, author):
    ai = extract(change_of(repo, message, author), Context()).signals["ai_authorship"]
    assert ai["explicit"] is False and ai["evidence"] == []


def test_automation_bots_are_bots_not_ai(repo):
    ex = extract(change_of(repo, "Bump idna from 3.18 to 3.19", ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")), Context())
    ai = ex.signals["ai_authorship"]
    assert ai["explicit"] is False and ai["bots"] == ["dependabot[bot]"]
    ex = extract(change_of(repo, "chore(deps): update\n\nCo-authored-by: renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>"), Context())
    assert ex.signals["ai_authorship"]["explicit"] is False and ex.signals["ai_authorship"]["bots"] == ["renovate[bot]"]


def test_bot_accounts_github_names_are_evidence_or_automation(repo):
    change = change_of(repo, "Fix the retry loop")
    assert extract(change, Context()).signals["ai_authorship"]["explicit"] is False
    change.accounts = {"pull request": "Copilot", "author of 0123456789ab": "copilot-swe-agent[bot]"}
    ai = extract(change, Context()).signals["ai_authorship"]
    assert ai["explicit"] and ai["tools"] == ["copilot"]
    assert ai["sources"] == ["pull request", "author of 0123456789ab"]
    assert ai["evidence"] == ["GitHub account Copilot", "GitHub account copilot-swe-agent[bot]"]
    change.accounts = {"pull request": "dependabot[bot]"}
    ai = extract(change, Context()).signals["ai_authorship"]
    assert ai["explicit"] is False and ai["bots"] == ["dependabot[bot]"]


def test_branch_and_description_markers(tmp_path):
    p = init_repo(tmp_path / "r")
    base = commit(p, {"src/app.py": "VERSION = 1\n"}, "init", T0, HUMAN)
    repo = GitRepo(p)
    for branch, tool in (("copilot/fix-retry-loop", "copilot"), ("claude/issue-42-20260101", "claude"), ("codex/port-v2", "codex"),
                         ("cursor/fix-timeout-3a1f", "cursor"), ("devin/1735689600-retry", "devin")):
        git(p, "checkout", "-q", "-b", branch, base)
        head = commit(p, {"src/app.py": f"VERSION = '{branch}'\n"}, "Fix retry loop", T0 + DAY, HUMAN)
        change = change_from_range(repo, base, head, Limits())
        change.branch = branch
        ai = extract(change, Context()).signals["ai_authorship"]
        assert ai["explicit"] and ai["tools"] == [tool] and ai["evidence"] == [branch] and ai["sources"] == ["branch"]
    for branch in ("feature/claude-integration", "fix/copilot-docs", "main"):
        change.branch = branch
        assert extract(change, Context()).signals["ai_authorship"]["explicit"] is False
    change.branch = "fix/retry"
    for description, tool in (
        ("Fixes the retry loop.\n\n🤖 Generated with [Claude Code](https://claude.ai/code)", "claude"),
        ("<!-- START COPILOT CODING AGENT SUFFIX -->\nFixes #12", "copilot"),
        ("Requested by @dana\n\nLink to Devin run: https://app.devin.ai/sessions/abc", "devin"),
        ('<a href="https://cursor.com/background-agent?bcId=bc-1">Open in Cursor</a>', "cursor"),
    ):
        change.description = description
        ai = extract(change, Context()).signals["ai_authorship"]
        assert ai["explicit"] and tool in ai["tools"] and ai["sources"] == ["description"]
    change.description = "Fixes the retry loop. Reviewed the Copilot suggestion and rejected it."
    assert extract(change, Context()).signals["ai_authorship"]["explicit"] is False


def test_marker_comment_in_added_code(repo):
    code = "# This function was generated by ChatGPT and reviewed by me\n" + RETRY_PY
    ai = extract(change_of(repo, "Add retry helper", files={"src/retry.py": code}), Context()).signals["ai_authorship"]
    assert ai["explicit"] and ai["sources"] == ["code in src/retry.py"]
    plain = "# Generated by protoc; do not edit\n" + RETRY_PY.replace("retry", "retry2")
    assert extract(change_of(repo, "Add retry2", files={"src/retry2.py": plain}), Context()).signals["ai_authorship"]["explicit"] is False


# -- style score -------------------------------------------------------------------------------

AI_STYLE_PY = '''from __future__ import annotations

import logging
from typing import Callable, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


def fetch_with_retry(fetch: Callable[[], T], attempts: int = 3, base_delay: float = 0.5) -> T:
    """Call ``fetch`` until it succeeds, backing off exponentially between attempts.

    Args:
        fetch: The operation to perform.
        attempts: How many times to try before giving up.
        base_delay: The delay before the second attempt, in seconds.

    Returns:
        Whatever ``fetch`` returns on its first success.
    """
    # Validate the input parameters — a non-positive count would never call fetch.
    if attempts <= 0:
        raise ValueError(f"attempts must be positive, got {attempts}")

    last_error: Exception | None = None
    for attempt in range(attempts):
        try:
            # Attempt the operation and return immediately on success.
            return fetch()
        except Exception as exc:  # noqa: BLE001 - we re-raise below
            # Log the failure so that operators can see transient errors.
            logger.warning("Attempt %d/%d failed: %s", attempt + 1, attempts, exc)
            last_error = exc

    # All attempts failed — surface the last error to the caller.
    raise RuntimeError(f"Operation failed after {attempts} attempts") from last_error
'''

TERSE_PY = '''import time

def retry(f, n=3):
    for i in range(n):
        try: return f()
        except IOError: time.sleep(2**i)
    raise RuntimeError("gave up")

def chunks(xs, k):
    return [xs[i:i+k] for i in range(0, len(xs), k)]

def clamp(x, lo, hi): return max(lo, min(hi, x))
'''


def test_style_score_is_blind_to_metadata(tmp_path):
    scores = set()
    evidence = []
    for i, (message, author, branch, description) in enumerate([
        ("Add retry helper", HUMAN, None, ""),
        ("Add retry helper\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
         ("Claude", "noreply@anthropic.com"), "claude/add-retry", "🤖 Generated with [Claude Code]"),
        ("wip", ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"), "copilot/fix-1", "Copilot coding agent"),
    ]):
        p = init_repo(tmp_path / f"r{i}")
        commit(p, {"README.md": "# x\n"}, "init", T0, HUMAN)
        change = change_of(p, message, author, files={"src/retry.py": AI_STYLE_PY})
        change.branch, change.description = branch, description
        ex = extract(change, Context())
        scores.add(ex.features["ai_style_score"])
        evidence.append(ex.signals["ai_authorship"]["explicit"])
    assert len(scores) == 1 and evidence == [False, True, True]
    [score] = scores
    assert 0.0 <= score <= 1.0


def test_style_score_range_and_direction(repo):
    ai = style_score(change_of(repo, "a", files={"src/ai_retry.py": AI_STYLE_PY}))
    terse = style_score(change_of(repo, "b", files={"src/terse.py": TERSE_PY}))
    assert 0.0 < terse < ai < 1.0


def test_style_statistics_by_hand(repo):
    code = '''def area(width: float, height: float) -> float:
    """Area of a rectangle."""
    # Multiply the sides.
    return width * height


def perimeter(w, h):
    return 2 * (w + h)
'''
    stats, n = style_statistics(change_of(repo, "shapes", files={"src/shapes.py": code}))
    assert n == 6
    assert stats["comment_ratio"] == pytest.approx(1 / 6)
    assert stats["doc_ratio"] == pytest.approx(1 / 2)  # area has a docstring, perimeter does not
    assert stats["blank_ratio"] == pytest.approx(2 / 8)
    assert stats["type_hint_ratio"] == pytest.approx(3 / 6)  # width, height, return of 3; none of w, h, return
    assert stats["imperative_comments"] == 0.0 and stats["comment_capitalised"] == 1.0


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("web/src/retry.ts", """/**
 * Retry an async operation with exponential backoff.
 * @param op - the operation to run
 */
export async function retry<T>(op: () => Promise<T>, attempts: number = 3): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await op();
    } catch (err) {
      // Remember the error and wait before the next attempt.
      lastError = err;
      await new Promise((r) => setTimeout(r, 2 ** i * 100));
    }
  }
  throw lastError;
}
"""),
        ("pkg/retry/retry.go", """package retry

import "time"

// Do calls fn until it succeeds or attempts run out.
func Do(attempts int, fn func() error) error {
	var err error
	for i := 0; i < attempts; i++ {
		if err = fn(); err == nil {
			return nil
		}
		time.Sleep(time.Duration(1<<i) * 100 * time.Millisecond)
	}
	return err
}
"""),
        ("src/main/java/shop/Retry.java", """package shop;

/** Retries a call with exponential backoff. */
public final class Retry {
    public static <T> T call(java.util.concurrent.Callable<T> op, int attempts) throws Exception {
        Exception last = null;
        for (int i = 0; i < attempts; i++) {
            try {
                return op.call();
            } catch (Exception e) {
                last = e;
                Thread.sleep(100L << i);
            }
        }
        throw last;
    }
}
"""),
    ],
)
def test_style_score_per_language(repo, path, code):
    change = change_of(repo, f"add {path}", files={path: code})
    stats, n = style_statistics(change)
    assert n > 10 and stats["comment_ratio"] > 0
    assert stats["doc_ratio"] == (0.5 if path.endswith(".java") else 1.0)  # the Java method has no Javadoc
    assert 0.0 < style_score(change) < 1.0


def test_no_code_no_style_score(repo):
    ex = extract(change_of(repo, "docs", files={"docs/guide.md": "# Guide\n\nSome words.\n"}), Context())
    assert ex.features["ai_style_score"] is None and ex.signals["ai_authorship"]["style_score"] is None
    assert set(ex.features) == set(FEATURES)


def test_generated_and_vendored_code_is_ignored(repo):
    change = change_of(repo, "vendor", files={"vendor/lib/x.go": "package x\n\nfunc X() {}\n", "api/v1/svc.pb.go": "package v1\n\nvar x = 1\n"})
    assert style_score(change) is None
    assert explicit_evidence(change).explicit is False


# -- the catalogue (features/ai_markers.py): one case per family and tool, and the negatives --------

from mergeguard.change import Change, CommitMeta  # noqa: E402
from mergeguard.features import ai_markers  # noqa: E402


def _meta(message: str, author=HUMAN, *, branch=None, description="") -> Change:
    return Change(id="c", files=[], commits=[CommitMeta("0123456789abcdef", author[0], author[1], T0, message)],
                  branch=branch, description=description)


# (message, author, tool, family, source prefix): every tool in the catalogue appears at least once
CATALOGUE_CASES = [
    # trailers naming an identity, a model, a tool
    ("Fix\n\nCo-developed-by: Claude <noreply@anthropic.com>", HUMAN, "claude", "trailer", "message"),
    ("Fix\n\nAssisted-by: Claude:claude-opus-4-7", HUMAN, "claude", "trailer", "message"),
    ("Fix\n\nAssisted-by: Claude Code", HUMAN, "claude", "trailer", "message"),
    ("Fix\n\nCo-authored-by: openai:gpt-5.1", HUMAN, "openai", "trailer", "message"),
    ("Fix\n\nAssisted-by: Codex:GPT-5.5", HUMAN, "codex", "trailer", "message"),
    ("Fix\n\nGenerated-by: Gemini 2.5 Pro", HUMAN, "gemini", "trailer", "message"),
    ("Fix\n\nCo-authored-by: gemini-2.5-pro", HUMAN, "gemini", "trailer", "message"),
    ("Fix\n\nAssisted-by: Mistral Vibe (devstral-2)", HUMAN, "mistral", "trailer", "message"),
    ("Fix\n\nAssisted-by: Amazon Q Developer", HUMAN, "amazon-q", "trailer", "message"),
    ("Fix\n\nAssisted-by: Jules", HUMAN, "jules", "trailer", "message"),
    ("Fix\n\nAssisted-by: Devin", HUMAN, "devin", "trailer", "message"),
    ("Fix\n\nAssisted-by: OpenHands", HUMAN, "openhands", "trailer", "message"),
    ("Fix\n\nAssisted-by: aider", HUMAN, "aider", "trailer", "message"),
    ("Fix\n\nAssisted-by: Kimi-K2-Thinking via Crush <crush@charm.land>", HUMAN, "crush", "trailer", "message"),
    ("Fix\n\nAssisted-by: Qwen3-Coder", HUMAN, "other-ai", "trailer", "message"),
    ("Fix\n\nMade-with: Cursor", HUMAN, "cursor", "trailer", "message"),
    ("Fix\n\nCo-authored-by: Cursor Agent <agent@cursor.com>", HUMAN, "cursor", "trailer", "message"),
    ("Fix\n\nCo-authored-by: Amp <amp@ampcode.com>", HUMAN, "amp", "trailer", "message"),
    ("Fix\n\nCo-authored-by: factory-droid[bot] <138933559+factory-droid[bot]@users.noreply.github.com>", HUMAN, "factory", "trailer", "message"),
    ("Fix\n\nCo-authored-by: sweep-ai[bot] <128439645+sweep-ai[bot]@users.noreply.github.com>", HUMAN, "sweep", "trailer", "message"),
    ("Fix\n\nCo-authored-by: codeflash-ai[bot] <148906541+codeflash-ai[bot]@users.noreply.github.com>", HUMAN, "codeflash", "trailer", "message"),
    ("Fix\n\nCo-authored-by: Crush <crush@charm.land>", HUMAN, "crush", "trailer", "message"),
    ("Fix\n\nCo-Authored-By: goose <goose@aaif.ai>", HUMAN, "goose", "trailer", "message"),
    ("Fix\n\nCo-Authored-By: Warp <agent@warp.dev>", HUMAN, "warp", "trailer", "message"),
    ("Fix\n\nCo-authored-by: Continue <noreply@continue.dev>", HUMAN, "continue", "trailer", "message"),
    ("Fix\n\nCo-authored-by: ChatGPT", HUMAN, "openai", "trailer", "message"),
    ("Fix\n\nCo-authored-by: Qwen-Coder <qwen-coder@alibabacloud.com>", HUMAN, "other-ai", "trailer", "message"),
    ("Fix", ("sourcery-ai[bot]", "58596630+sourcery-ai[bot]@users.noreply.github.com"), "sourcery", "identity", "author"),
    ("Fix", ("ellipsis-dev[bot]", "65095814+ellipsis-dev[bot]@users.noreply.github.com"), "ellipsis", "identity", "author"),
    ("Fix", ("Claude (sandbox)", "claude@sandbox.local"), "claude", "identity", "author"),
    ("Fix\n\nCo-authored-by: Windsurf <windsurf@codeium.com>", HUMAN, "windsurf", "trailer", "message"),
    ("Fix\n\nCo-authored-by: coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>", HUMAN, "coderabbit", "trailer", "message"),
    ("Fix\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>", HUMAN, "copilot", "trailer", "message"),
    ("Fix\n\nCo-authored-by: Kiro", HUMAN, "other-ai", "trailer", "message"),
    # CRLF line ends and odd spacing
    ("Fix\r\n\r\nCo-Authored-By: Claude <noreply@anthropic.com>\r\n", HUMAN, "claude", "trailer", "message"),
    ("Fix\n\n   co-authored-by :   Copilot   <175728472+Copilot@users.noreply.github.com>  ", HUMAN, "copilot", "trailer", "message"),
    ("Fix\n\nCo-Authored-By:Claude <noreply@anthropic.com>", HUMAN, "claude", "trailer", "message"),
    ("Fix\n\nCo-authored-by:\tDevin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>", HUMAN, "devin", "trailer", "message"),
    # "Generated with/by X" anywhere
    ("Add cache\n\nThis was generated with Claude Code, reviewed by me.", HUMAN, "claude", "generated-line", "message"),
    ("Add cache\n\n💘 Generated with Crush", HUMAN, "crush", "generated-line", "message"),
    ("Add cache (written using ChatGPT)", HUMAN, "openai", "generated-line", "message"),
    ("Add cache\n\nGenerated by GitHub Copilot", HUMAN, "copilot", "generated-line", "message"),
    # identities as authors
    ("Fix", ("Claude", "noreply@anthropic.com"), "claude", "identity", "author"),
    ("Fix", ("Codex", "noreply@openai.com"), "codex", "identity", "author"),
    ("Fix", ("cursoragent", "cursoragent@cursor.com"), "cursor", "identity", "author"),
    ("Fix", ("openhands", "openhands@all-hands.dev"), "openhands", "identity", "author"),
    ("Fix", ("Jules", "161369871+google-labs-jules[bot]@users.noreply.github.com"), "jules", "identity", "author"),
    ("Fix", ("gemini-code-assist[bot]", "176961590+gemini-code-assist[bot]@users.noreply.github.com"), "gemini", "identity", "author"),
    ("Fix", ("Amazon Q Developer", "amazon-q-developer[bot]@users.noreply.github.com"), "amazon-q", "identity", "author"),
    ("Fix", ("Dana Reyes (aider)", "dana@example.com"), "aider", "identity", "author"),
]


@pytest.mark.parametrize(("message", "author", "tool", "family", "source"), CATALOGUE_CASES,
                         ids=[f"{c[2]}-{c[3]}-{i}" for i, c in enumerate(CATALOGUE_CASES)])
def test_catalogue_family(message, author, tool, family, source):
    ev = explicit_evidence(_meta(message, author))
    assert ev.explicit, message
    assert any(i["tool"] == tool and i["family"] == family and i["source"].startswith(source) for i in ev.items), ev.items


def test_every_tool_in_the_catalogue_is_tested():
    tested = {c[2] for c in CATALOGUE_CASES}
    catalogue = {i.tool for i in ai_markers.IDENTITIES} | {w.tool for w in ai_markers.TOOL_WORDS}
    assert catalogue - tested == set()
    # and every identity entry is used by at least one case (as author or trailer)
    for ident in ai_markers.IDENTITIES:
        assert any(ident.name_re.fullmatch(n) or (ident.email_re and ident.email_re.fullmatch(e))
                   for n, e in [c[1] for c in CATALOGUE_CASES] + [_trailer_identity(c[0]) for c in CATALOGUE_CASES]
                   + [("Claude Opus 4.6", ""), ("copilot-swe-agent[bot]", ""), ("Devin AI", ""), ("google-labs-jules[bot]", ""),
                      ("Gemini", "gemini@google.com"), ("Cursor", "cursoragent@cursor.com"), ("Codex", "codex@openai.com")]), ident


def _trailer_identity(message: str) -> tuple[str, str]:
    import re

    m = re.search(r"by\s*:\s*([^<\n]*?)\s*(?:<([^>]*)>)?\s*$", message.replace("\r", ""), re.I | re.M)
    return (m.group(1), m.group(2) or "") if m else ("", "")


@pytest.mark.parametrize("branch,tool", [("copilot/fix-retry", "copilot"), ("refs/heads/codex/add-tests", "codex"),
                                         ("claude/issue-12-20260101", "claude"), ("cursor/bc-3f2a", "cursor"),
                                         ("devin/1718000000-fix", "devin"), ("jules/refactor", "jules"),
                                         ("origin/openhands/fix-123", "openhands")])
def test_agent_branches(branch, tool):
    ev = explicit_evidence(_meta("Fix", branch=branch))
    assert ev.items == [{"tool": tool, "family": "branch", "source": "branch", "text": branch}]


@pytest.mark.parametrize("branch", ["feature/copilot-support", "fix/claude-typo", "main", "codexfix/x", "users/devin/fix"])
def test_branches_that_only_mention_a_tool(branch):
    assert not explicit_evidence(_meta("Fix", branch=branch)).explicit


def test_description_evidence_names_its_source():
    ev = explicit_evidence(_meta("Fix", description="Summary\r\n\r\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\r\n"))
    assert ev.explicit and {i["source"] for i in ev.items} == {"description"} and ev.tools == ["claude"]


@pytest.mark.parametrize(
    ("message", "author"),
    [
        # people at AI companies are people
        ("Fix retry", ("Jane Doe", "jane@anthropic.com")),
        ("Fix retry", ("Sam Lee", "sam@openai.com")),
        ("Fix retry", ("Ana Li", "ana@cursor.com")),
        ("Fix retry\n\nCo-authored-by: Jane Doe <jane@anthropic.com>", HUMAN),
        ("Fix retry\n\nCo-authored-by: Sam Lee <sam@openai.com>", HUMAN),
        ("Fix retry\n\nAssisted-by: Jane Doe <jane@anthropic.com>", HUMAN),
        ("Fix retry\n\nCo-authored-by: Max <max@all-hands.dev>", HUMAN),
        ("Fix retry", ("Claude Dupont", "claude@anthropic.com.example.org")),
        ("Fix retry", ("Claude", "4242+claudem@users.noreply.github.com")),
        ("Fix retry", ("Jules Verne", "jules@example.com")),
        ("Fix retry", ("Devin", "devin@example.com")),
        # tools in prose
        ("Fix Copilot integration", HUMAN),
        ("Support Claude and Gemini models in the client", HUMAN),
        ("Add OpenAI gpt-4o example to docs", HUMAN),
        ("Document the Cursor pagination API", HUMAN),
        ("Revert \"add aider config\"", HUMAN),
        ("Detect text generated by AI detection tools", HUMAN),
        # trailers that name no tool
        ("Fix\n\nAssisted-by: John Smith <john@example.com>", HUMAN),
        ("Fix\n\nGenerated-by: protoc 25.1", HUMAN),
        ("Fix\n\nCo-authored-by: Amp Lee <amp.lee@example.com>", HUMAN),
        ("Fix\n\nCo-authored-by: Goose <goose@example.com>", HUMAN),
        ("Fix\n\nCo-authored-by: Warp Smith <warp@example.com>", HUMAN),
        ("Fix retry", ("Continue", "continue@example.com")),
        ("Fix\n\nReviewed-by: Claude Martin <claude@example.fr>", HUMAN),
        ("Fix\n\nSigned-off-by: Devin Smith <devin@example.com>", HUMAN),
        ("Code generated by protoc-gen-go. DO NOT EDIT.", HUMAN),
    ],
)
def test_people_and_prose_are_not_ai(message, author):
    ev = explicit_evidence(_meta(message, author))
    assert not ev.explicit, ev.items


def test_automation_is_kept_apart():
    ev = explicit_evidence(_meta("Bump x\n\nCo-authored-by: renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
                                 ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")))
    assert not ev.explicit and ev.bots == ["dependabot[bot]", "renovate[bot]"]


# -- the style estimate users see: abstention and calibration --------------------------------------


def _python_lines(n: int) -> str:
    return "".join(f"value_{i} = compute(item_{i}, limit={i})\n" for i in range(n))


def test_style_estimate_abstains_on_small_changes(repo):
    from mergeguard.features.ai_style_model import MIN_LINES

    small = change_of(repo, "small", files={"src/small.py": _python_lines(MIN_LINES - 1)})
    ai = extract(small, Context()).signals["ai_authorship"]
    assert ai["style_score"] is None
    assert ai["style_reason"] == f"too little added code to judge its style ({MIN_LINES - 1} lines; at least {MIN_LINES} needed)"
    big = change_of(repo, "big", files={"src/big.py": _python_lines(MIN_LINES + 5)})
    ex = extract(big, Context())
    ai = ex.signals["ai_authorship"]
    assert 0.0 < ai["style_score"] < 1.0 and ai["style_reason"] == f"style of {MIN_LINES + 5} added code lines"
    # the signal is the refitted model's score, calibrated; the model feature keeps the frozen coefficients
    from mergeguard.features.ai_style_legacy import MODEL as LEGACY
    from mergeguard.features.ai_style_model import CALIBRATION, MODEL
    from mergeguard.features.authorship import calibrate, score_statistics

    stats, n = style_statistics(big)
    assert ai["style_score"] == pytest.approx(calibrate(score_statistics(stats, n, MODEL), CALIBRATION), abs=1e-4)
    assert ex.features["ai_style_score"] == pytest.approx(score_statistics(stats, n, LEGACY))
    assert MODEL["coefficients"] != LEGACY["coefficients"]  # two models: the comparison above can fail


def test_style_estimate_direction_and_blindness(tmp_path):
    """The estimate users see ranks commented, typed, documented code above terse code, whatever the metadata."""
    estimates = set()
    for i, (message, author) in enumerate([
        ("Add retry helper", HUMAN),
        ("Add retry helper\n\nCo-Authored-By: Claude <noreply@anthropic.com>", ("Claude", "noreply@anthropic.com")),
    ]):
        p = init_repo(tmp_path / f"r{i}")
        commit(p, {"README.md": "# x\n"}, "init", T0, HUMAN)
        ai = extract(change_of(p, message, author, files={"src/retry.py": AI_STYLE_PY}), Context()).signals["ai_authorship"]
        estimates.add(ai["style_score"])
    assert len(estimates) == 1
    [verbose] = estimates
    p = init_repo(tmp_path / "terse")
    commit(p, {"README.md": "# x\n"}, "init", T0, HUMAN)
    terse = extract(change_of(p, "Add helpers", files={"src/terse.py": TERSE_PY * 3}), Context()).signals["ai_authorship"]
    assert terse["style_score"] is not None and 0.0 < terse["style_score"] < verbose < 1.0


def test_benchmark_reads_what_the_product_reads(tmp_path):
    """The labelled-set benchmark rebuilds a commit from its diff alone and drops marker lines; on
    the same commit its statistics and score equal the product's, save the dropped marker line."""
    from mergeguard.change import parse_diff
    from mergeguard.features.ai_style_model import CALIBRATION, MODEL
    from mergeguard.features.authorship import calibrate, score_statistics, statistics_of

    mod = load("ai_style")
    p = init_repo(tmp_path / "r")
    commit(p, {"README.md": "# x\n"}, "init", T0, HUMAN)
    marked = "# Generated with Claude Code\n" + AI_STYLE_PY
    change = change_of(p, "Add retry helper", files={"src/retry.py": marked})
    raw = git(p, "show", "--format=", "--no-color", "-M", "--first-parent", change.head or "HEAD")
    files, _ = parse_diff(raw)
    per_file = mod.style_lines_without_markers("x", files, 4000)
    product_stats, product_n = style_statistics(change)
    stats, n = statistics_of(per_file)
    assert n == product_n - 1  # the marker line, and only it, is left out
    plain = change_of(p, "Plain", files={"src/plain.py": AI_STYLE_PY})
    raw = git(p, "show", "--format=", "--no-color", "-M", "--first-parent", plain.head or "HEAD")
    stats, n = statistics_of(mod.style_lines_without_markers("y", parse_diff(raw)[0], 4000))
    assert (stats, n) == style_statistics(plain)
    signal = extract(plain, Context()).signals["ai_authorship"]["style_score"]
    assert signal == pytest.approx(calibrate(score_statistics(stats, n, MODEL), CALIBRATION), abs=1e-4)


def test_calibration_recovers_probabilities_on_a_labelled_set():
    """Labels drawn (seeded) from known probabilities: after fitting, each bin's mean prediction is near its AI share."""
    import random

    from mergeguard.features.authorship import calibrate, fit_calibration

    rng = random.Random(15)
    truth = (0.4, -0.8)  # a weak, shifted signal, like the measured one
    raw = [rng.random() * 0.98 + 0.01 for _ in range(4000)]
    labels = [int(rng.random() < calibrate(r, truth)) for r in raw]
    a, b = fit_calibration(raw, labels)
    assert a == pytest.approx(truth[0], abs=0.15) and b == pytest.approx(truth[1], abs=0.15)
    predicted = [calibrate(r, (a, b)) for r in raw]
    order = sorted(range(len(raw)), key=predicted.__getitem__)
    for k in range(5):
        idx = order[k * 800:(k + 1) * 800]
        mean_p = sum(predicted[i] for i in idx) / len(idx)
        share = sum(labels[i] for i in idx) / len(idx)
        assert abs(mean_p - share) < 0.06, (k, mean_p, share)
    # uncalibrated raw scores are far off on the same set: the test can fail
    assert max(abs(sum(raw[i] for i in order[k * 800:(k + 1) * 800]) / 800 - sum(labels[i] for i in order[k * 800:(k + 1) * 800]) / 800)
               for k in range(5)) > 0.15


def test_shipped_calibration_is_monotone_and_modest():
    from mergeguard.features.ai_style_model import CALIBRATION
    from mergeguard.features.authorship import calibrate

    values = [calibrate(r / 20, CALIBRATION) for r in range(1, 20)]
    assert values == sorted(values) and CALIBRATION[0] > 0
    assert 0.05 < values[0] and values[-1] < 0.95  # a weak signal is not shown as certainty
