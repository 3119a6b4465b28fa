"""CODEOWNERS: who owns a path, with GitHub's own pattern semantics.

GitHub reads the first of ``.github/CODEOWNERS``, ``CODEOWNERS`` and ``docs/CODEOWNERS`` that
exists on the pull request's *base* branch. Each line is a pattern and zero or more owners
(``@user``, ``@org/team`` or an e-mail address); the **last** matching line wins, and a matching line
without owners leaves the path unowned. Patterns follow gitignore with GitHub's differences:

* ``*`` matches within one path segment (never crosses ``/``); ``?`` one character of a segment;
* ``**`` matches any number of segments (``**/logs``, ``foo/**/bar``, ``docs/**``);
* a leading ``/`` anchors at the repository root; so does a slash in the middle (``docs/*``);
* a pattern without a slash (``apps``, ``*.js``) matches at any depth; a trailing ``/`` means
  "everything under this directory" (``apps/`` is ``**/apps/**``);
* a pattern naming a directory also owns everything under it, except that a final lone ``*``
  matches direct children only (``docs/*`` owns ``docs/a.md``, not ``docs/build/b.md``);
* ``!`` negation and ``[...]`` character classes are not supported by GitHub: such lines are
  reported and skipped, as GitHub skips lines with invalid syntax.

The reference for these rules is GitHub's "About code owners" page and its example file; the tests
check every example there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

#: Where GitHub looks for the file, in the order it looks.
LOCATIONS: tuple[str, ...] = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")

_USER = r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_TEAM = r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+"
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_OWNER_RE = re.compile(rf"^(?:{_TEAM}|{_USER}|{_EMAIL})$")


@dataclass(frozen=True)
class Rule:
    """One CODEOWNERS line: its pattern, owners (possibly none) and line number."""

    pattern: str
    owners: tuple[str, ...]
    line: int
    regex: re.Pattern[str] = field(compare=False, repr=False)

    def matches(self, path: str) -> bool:
        return self.regex.match(path.lstrip("/")) is not None


@dataclass(frozen=True)
class CodeOwners:
    """A parsed CODEOWNERS file: rules in file order and the lines that were skipped, with why."""

    rules: tuple[Rule, ...]
    source: str = "CODEOWNERS"
    errors: tuple[str, ...] = ()

    _index: PatternIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", PatternIndex([r.pattern for r in self.rules], [r.regex for r in self.rules]))

    def rule_for(self, path: str) -> Rule | None:
        """The last rule matching ``path`` (repository-relative), or ``None``."""
        i = self._index.last_match(path)
        return self.rules[i] if i is not None else None

    def owners(self, path: str) -> tuple[str, ...]:
        """The owners of ``path``; empty when no rule matches or the matching rule has no owners."""
        rule = self.rule_for(path)
        return rule.owners if rule else ()


def parse(text: str, source: str = "CODEOWNERS") -> CodeOwners:
    """Parse a CODEOWNERS file. Invalid lines are skipped and described in ``errors``."""
    rules: list[Rule] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens = _tokens(raw)
        if not tokens:
            continue
        pattern, owners = tokens[0], tokens[1:]
        problem = pattern_error(pattern)
        bad_owners = [o for o in owners if not _OWNER_RE.match(o)]
        if problem is None and bad_owners:
            problem = f"invalid owner {bad_owners[0]!r} (expected @user, @org/team or an e-mail address)"
        if problem is not None:
            errors.append(f"{source}:{number}: {problem}; line skipped")
            continue
        rules.append(Rule(pattern, tuple(owners), number, compile_pattern(pattern)))
    return CodeOwners(tuple(rules), source, tuple(errors))


def find(read: Callable[[str], str | None]) -> CodeOwners | None:
    """The first CODEOWNERS file that exists, GitHub's order; ``read(path)`` returns text or None."""
    for location in LOCATIONS:
        text = read(location)
        if text is not None:
            return parse(text, location)
    return None


def _tokens(line: str) -> list[str]:
    """Split on unescaped whitespace, dropping a comment (``#`` at the start of a token)."""
    tokens: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            current.append(line[i: i + 2])
            i += 2
            continue
        if ch.isspace():
            if current:
                tokens.append("".join(current))
                current = []
        elif ch == "#" and not current:
            break
        else:
            current.append(ch)
        i += 1
    if current:
        tokens.append("".join(current))
    return [t.replace("\\ ", " ") if i == 0 else t for i, t in enumerate(tokens)]


def pattern_error(pattern: str) -> str | None:
    """Why GitHub would reject ``pattern``, or ``None`` if it is valid."""
    if not pattern:
        return "empty pattern"
    if pattern.startswith("!"):
        return f"negation is not supported in CODEOWNERS: {pattern!r}"
    if re.search(r"(?<!\\)[\[\]]", pattern):
        return f"character ranges are not supported in CODEOWNERS: {pattern!r}"
    if "***" in pattern:
        return f"three consecutive asterisks are not a pattern: {pattern!r}"
    return None


def _normalized(pattern: str) -> list[str]:
    """The pattern's segments as matched: ``**`` put in front of a pattern that matches at any depth
    and in place of a trailing slash."""
    segments = pattern.split("/")
    if segments[0] == "":
        segments = segments[1:]  # anchored at the root
    elif len(segments) == 1 or (len(segments) == 2 and segments[1] == ""):
        if segments[0] != "**":
            segments = ["**", *segments]  # no slash (but a trailing one): matches at any depth
    if len(segments) > 1 and segments[-1] == "":
        segments[-1] = "**"  # trailing slash: everything below
    return segments


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A regular expression matching repository-relative paths (no leading slash) owned by ``pattern``."""
    if pattern == "/":
        return re.compile(r"(?!)")
    segments = _normalized(pattern)
    last = len(segments) - 1
    out = []
    need_slash = False
    for i, seg in enumerate(segments):
        if seg == "**":
            if i == 0 and i == last:
                out.append(r".+")
            elif i == 0:
                out.append(r"(?:.+/)?")
                need_slash = False
            elif i == last:
                out.append(r"/.*")
            else:
                out.append(r"(?:/.+)?")
                need_slash = True
            continue
        if need_slash:
            out.append("/")
        if seg == "*":
            out.append(r"[^/]+")  # a lone final "*" owns direct children only
        else:
            out.append(_segment(seg))
            if i == last:
                out.append(r"(?:/.*)?")  # a named file, or a directory and everything below it
        need_slash = True
    return re.compile(r"\A" + "".join(out) + r"\Z", re.DOTALL)


def _key(pattern: str) -> tuple[str, str] | None:
    """Where :class:`PatternIndex` files a pattern: a fact every path it matches has, or None.

    Every segment of a pattern but ``**`` matches exactly one whole segment of a path (``*`` and ``?``
    never cross ``/``; ``**`` and the anchors sit at segment boundaries), so a pattern whose first
    segment is a plain name (``/docs/``, ``src/app``) matches only paths whose first segment is that
    name (``("first", name)``); one with a plain name elsewhere (``apps/``, ``**/logs/*``) only paths
    with a segment of that name (``("segment", name)``); one whose only names are globs ending in a
    dotted suffix (``*.js``, ``*.min.js``) only paths with a segment whose text after its last dot is
    the suffix's (``("suffix", "js")``). ``("never", "")`` for ``/``, which matches nothing.
    """
    if pattern == "/":
        return ("never", "")
    segments = _normalized(pattern)
    plain = [s for s in segments if s != "**" and not re.search(r"[*?\\]", s)]
    if segments[0] != "**" and plain and plain[0] == segments[0]:
        return ("first", segments[0])
    if plain:
        return ("segment", plain[0])
    for seg in segments:
        tail = re.split(r"[*?]", seg)[-1]
        if seg != "**" and "\\" not in seg and "." in tail:
            return ("suffix", tail.rsplit(".", 1)[1])
    return None


class PatternIndex:
    """The last of a list of CODEOWNERS-style patterns that matches a path, without trying them all.

    Why: matching every rule against every touched path costs rules x paths; a monorepo's CODEOWNERS
    of 5,000 folder rules after a catch-all, and a pull request touching 5,000 other files (the paths
    past the caps count too), made 25 M regular-expression matches. The patterns are filed by a fact
    every path they match has (:func:`_key`); a path is tried only against the patterns filed under
    its own first segment, segments and suffixes and those filed under nothing, last first, with the
    same regular expressions: the same answer, for a cost of the candidates instead of every rule.
    Patterns of nothing but globs without a dotted suffix (``*``, ``/*/build/``) are still tried for
    every path."""

    def __init__(self, patterns: Sequence[str], regexes: Sequence[re.Pattern[str]] | None = None) -> None:
        self.regexes = list(regexes) if regexes is not None else [compile_pattern(p) for p in patterns]
        self.anywhere: list[int] = []
        self.by_key: dict[tuple[str, str], list[int]] = {}
        for i, pattern in enumerate(patterns):
            key = _key(pattern)
            if key is None:
                self.anywhere.append(i)
            elif key[0] != "never":
                self.by_key.setdefault(key, []).append(i)

    def candidates(self, path: str) -> list[int]:
        """The positions of the patterns that may match ``path``, last first."""
        segments = path.lstrip("/").split("/")
        found = set(self.anywhere)
        keys = [("first", segments[0])] + [("segment", s) for s in segments]
        keys += [("suffix", s.rsplit(".", 1)[1]) for s in segments if "." in s]
        for key in keys:
            found.update(self.by_key.get(key, ()))
        return sorted(found, reverse=True)

    def last_match(self, path: str) -> int | None:
        """The position of the last pattern matching ``path`` (repository-relative), or None."""
        stripped = path.lstrip("/")
        for i in self.candidates(path):
            if self.regexes[i].match(stripped) is not None:
                return i
        return None


def _segment(seg: str) -> str:
    parts = []
    escaped = False
    for ch in seg:
        if escaped:
            parts.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "*":
            parts.append(r"[^/]*")
        elif ch == "?":
            parts.append(r"[^/]")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


# ------------------------------------------------------------------------- approval by code owners


@dataclass(frozen=True)
class OwnerApproval:
    """Which touched paths need a code owner's approval, and which still lack one."""

    owned: dict[str, tuple[str, ...]]  # path -> owners
    missing: dict[str, tuple[str, ...]]  # owned paths no owner has approved yet

    @property
    def satisfied(self) -> bool:
        return not self.missing


def owner_approval(codeowners: CodeOwners, paths: Iterable[str], approvers: Iterable[str], *,
                   author: str | None = None, teams: Mapping[str, Iterable[str]] | None = None) -> OwnerApproval:
    """For every touched path that has owners, has one of them (or a member of an owning team) approved?

    Approvals are GitHub logins, matched case-insensitively; the author's own approval never counts
    (a gate the author can satisfy alone is no gate). A team owner is satisfied by an approver
    listed as its member in ``teams`` (``{"@org/team": logins}``), an e-mail owner by an approver
    given as that e-mail address.
    """
    author_key = login_key(author) if author else None
    approved = {login_key(a) for a in approvers} - ({author_key} if author_key else set())
    members = {login_key(team): {login_key(m) for m in logins} for team, logins in (teams or {}).items()}
    owned: dict[str, tuple[str, ...]] = {}
    missing: dict[str, tuple[str, ...]] = {}
    for path in paths:
        owners = codeowners.owners(path)
        if not owners:
            continue
        owned[path] = owners
        if not any(login_key(o) in approved or (members.get(login_key(o), set()) & approved) for o in owners):
            missing[path] = owners
    return OwnerApproval(owned, missing)


def login_key(login: str) -> str:
    """A GitHub login or team as GitHub compares them: case-insensitive, with or without its ``@``."""
    return login.strip().lstrip("@").lower()


def is_author(login: str, author: str | None) -> bool:
    """Whether ``login`` is the pull request's ``author``: whose approval, acceptance or label never
    counts for their own change."""
    return bool(author) and login_key(login) == login_key(author or "")
