"""What a commit message says: bug fix, revert, or neither.

The same rules label training data (SZZ starts from fix commits; reverts mark their target) and
compute the FIX feature at scoring time, so the model never sees two definitions of one thing.
"""

from __future__ import annotations

import re

FIX_RE = re.compile(
    r"\b(fix(e[sd]|ing)?|bug(s|fix(es)?)?|defects?|patch(ed)?|hotfix(es)?|regressions?|faults?|crash(es)?)\b",
    re.I,
)
# Fixes that repair no behaviour: SZZ must not blame the lines they touch.
TRIVIAL_RE = re.compile(
    r"\b(typos?|spelling|docs?|docstrings?|documentation|readme|changelog|lint(ing)?|flake8|pep8|mypy|"
    r"formatting|whitespace|style|ci|tests?|flaky|build|deps|dependencies|bump|coverage|warnings?)\b",
    re.I,
)
REVERT_RE = re.compile(r"This reverts commit ([0-9a-f]{7,40})", re.I)
_ISSUE_FIX_RE = re.compile(r"\b(fix(e[sd])?|close[sd]?|resolve[sd]?)\s+(#|gh-|[A-Z][A-Z0-9]+-)\d+", re.I)


def subject(message: str) -> str:
    return message.strip().split("\n", 1)[0]


def is_fix(message: str) -> bool:
    """Kamei's FIX: the message says the change repairs a defect."""
    return bool(FIX_RE.search(message) or _ISSUE_FIX_RE.search(message))


def is_bug_fix(message: str) -> bool:
    """A fix SZZ should trace back: a FIX whose subject is not about docs, style, CI or tests."""
    subj = subject(message)
    return is_fix(message) and not (TRIVIAL_RE.search(subj) and not _ISSUE_FIX_RE.search(message))


def reverted_shas(message: str) -> list[str]:
    """Commits this message says it reverts (``git revert`` writes 'This reverts commit <sha>.')."""
    return REVERT_RE.findall(message)
