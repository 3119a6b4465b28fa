"""Size, diffusion and purpose of a change, from the diff alone (Kamei's NS, ND, NF, Entropy, LA, LD, FIX).

These need no repository, so they are the only signal available when a bare diff is piped in.
Definitions (Kamei et al., "A large-scale empirical study of just-in-time quality assurance", 2013):

- ``ns``: subsystems touched (top-level directories; files at the root count as one subsystem)
- ``nd``: directories touched
- ``nf``: files touched
- ``entropy``: spread of the modified lines over files, -sum(p_k log2 p_k), normalised by log2(nf)
  so it lies in 0..1 (0 with one file; 1 when every file changed equally)
- ``la`` / ``ld``: lines added / deleted
- ``fix``: 1 when the commit messages say the change fixes a defect (see ``mergeguard.messages``)

Added here: ``tests_changed`` (tests changed alongside code), ``code_files``, ``doc_only``,
``files_added``, ``files_deleted``, ``files_renamed``, ``binary_files``, ``mode_changes``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from mergeguard import messages, paths
from mergeguard.assessment import Finding, Severity
from mergeguard.change import Change, FileChange, files_left_out

from . import Context, Extraction
from .contract import DetectorSpec

FEATURES = [
    "ns", "nd", "nf", "entropy", "la", "ld", "fix", "tests_changed", "code_files", "doc_only",
    "files_added", "files_deleted", "files_renamed", "binary_files", "mode_changes",
]

#: what this detector owns (``features.contract``)
SPEC = DetectorSpec("diffstat", tuple(FEATURES), finding_kinds=("diff.truncated",), signals=("diff",), core=True)


def entropy(changed_lines: list[int]) -> float:
    total = sum(changed_lines)
    n = len(changed_lines)
    if n <= 1 or total == 0:
        return 0.0
    h = -sum((c / total) * math.log2(c / total) for c in changed_lines if c)
    return h / math.log2(n)


#: a CR that ends no line for git (a hunk line's own LF is stripped: its CRLF leaves one CR at the end)
_LONE_CR = re.compile(r"\r(?!\Z)")
#: line ends of JavaScript, TypeScript and C# besides LF and CR
_UNICODE_LINE_END = re.compile("[\u2028\u2029]")
_UNICODE_LINE_END_LANGUAGES = frozenset({"javascript", "typescript", "tsx", "csharp"})


def _counts_as_code(path: str) -> bool:
    """Code the detectors would read: not a test, a document, or a generated or vendored file."""
    return paths.is_code(path) and not paths.is_generated(path)


def _changed_texts(f: FileChange) -> Iterator[str]:
    """The text of every line ``f``'s hunks add or remove."""
    return (t for h in f.hunks for lines in (h.added, h.removed) for _, t in lines)


def one_line_to_git(change: Change) -> list[str]:
    """The code files whose changed lines hold line ends git does not split at but their language
    does: a lone CR (Python, JavaScript, Java, Kotlin, C#...) and, in JavaScript, TypeScript and C#,
    U+2028 and U+2029.

    Why: git (and so the line counts, the hunks and the detectors' line maps) splits at LF alone. A
    module saved with CR line ends is one line to git: 280 added lines of JavaScript retry loops counted
    1 and the change passed, and in Python the retry findings were lost. Such a file is not read line by
    line, whatever was parsed of it: it counts with what the caps left unread (:func:`unread_code`).
    """
    out = []
    for f in change.files:
        if not _counts_as_code(f.path):
            continue
        unicode_ends = paths.language(f.path) in _UNICODE_LINE_END_LANGUAGES
        if any(_LONE_CR.search(t) or (unicode_ends and _UNICODE_LINE_END.search(t)) for t in _changed_texts(f)):
            out.append(f.path)
    return out


#: what the diff of a submodule says (its commit; ``-dirty`` from a work tree with changes in it)
_SUBPROJECT = re.compile(r"Subproject commit [0-9a-f]{40}(?:[0-9a-f]{24})?(?:-dirty)?")


def moved_submodules(change: Change) -> list[str]:
    """The submodules the change adds or points at another commit (generated and vendored names aside).

    Why: a submodule is one line to the diff, and the code it points at is another repository's, which
    mergeguard never fetches: replacing ``svc/`` by a submodule holding an unbounded retry loop passed
    as low risk without a word. It counts with the code the caps left unread (:func:`unread_code`).
    """
    return [f.path for f in change.files if f.status != "deleted" and not paths.is_generated(f.path)
            and any(_SUBPROJECT.fullmatch(t) for h in f.hunks for _, t in h.added)]


def code_symlinks(change: Change) -> list[str]:
    """The code paths the change makes symlinks (a new file of mode 120000; a file made a link is
    deleted and added).

    Why: a link's blob is its target's name, and ``import svc.client`` runs whatever file the link points
    at, which may be no code file by its name (``lib/impl.txt``) and so read by no detector. It counts
    with the code the caps left unread (:func:`unread_code`).
    """
    return list(dict.fromkeys(f.path for f in change.files if f.new_mode == "120000" and _counts_as_code(f.path)))


def wide_encoded(change: Change) -> list[str]:
    """The code files whose changed lines are UTF-16 or UTF-32 text (a NUL in every second or fourth
    character), which C#, Java and JavaScript compilers read but the diff, decoded as UTF-8, does not.

    Why: every parser and detector reads the lines with NULs between their letters, so a retry loop
    saved as UTF-16 is no loop to them; such a file counts with the code left unread (a stray NUL in
    UTF-8 code, which is read, does not make a quarter of the characters).
    """
    out = []
    for f in change.files:
        if not _counts_as_code(f.path):
            continue
        texts = list(_changed_texts(f))
        size = sum(len(t) for t in texts)
        if size and sum(t.count("\0") for t in texts) * 4 >= size:
            out.append(f.path)
    return out


def unread_code(change: Change) -> tuple[list[str], bool]:
    """The code files the diff caps left unread in whole or in part, and whether files the caps left
    out could not be named (a bare diff: nothing but the diff lists its files).

    Why: the caps (``Limits``) keep a pathological diff cheap, and a pull request reaches them on
    purpose: filler files sorted before its code, or filler lines above it in the same file, left an
    unbounded retry loop unread and the change was scored on the filler alone. The gate reads this
    (``signals.diff.unread_code``) and does not let such a change through on the part that was read.
    Generated and vendored files are left out, as the detectors leave them out anyway.
    """
    names = [f.path for f in change.files if f.truncated and _counts_as_code(f.path)]
    if change.all_paths is None:
        return names, files_left_out(change.truncated)
    read = {p for f in change.files for p in (f.path, f.old_path) if p}
    return names + [p for p in change.all_paths if p not in read and _counts_as_code(p)], False


def extract(change: Change, context: Context) -> Extraction:
    files = change.files
    code = [f for f in files if paths.is_code(f.path)]
    tests = [f for f in files if paths.is_test(f.path)]
    feats: dict[str, float | None] = {
        "ns": float(len({paths.subsystem(f.path) for f in files})),
        "nd": float(len({paths.directory(f.path) for f in files})),
        "nf": float(len(files)),
        "entropy": entropy([f.added + f.deleted for f in files]),
        "la": float(change.added),
        "ld": float(change.deleted),
        "fix": float(messages.is_fix(change.message)) if change.commits else None,
        "tests_changed": float(bool(tests)),
        "code_files": float(len(code)),
        "doc_only": float(bool(files) and all(paths.is_doc(f.path) for f in files)),
        "files_added": float(sum(f.status == "added" for f in files)),
        "files_deleted": float(sum(f.status == "deleted" for f in files)),
        "files_renamed": float(sum(f.status == "renamed" for f in files)),
        "binary_files": float(sum(f.binary for f in files)),
        "mode_changes": float(sum(f.mode_changed for f in files)),
    }
    findings = [
        Finding("diff.truncated", f.path, None, None, Severity.INFO,
                "file is too large to analyse in full; counts are exact, hunks were capped", category="input")
        for f in files
        if f.truncated
    ]
    signals: dict[str, object] = {"tests_changed": bool(tests), "code_changed": bool(code)}
    unread, unnamed = unread_code(change)
    one_line = [p for p in one_line_to_git(change) if p not in unread]
    wide = [p for p in wide_encoded(change) if p not in unread]
    submodules = [p for p in moved_submodules(change) if p not in unread]
    links = [p for p in code_symlinks(change) if p not in unread]
    if unread or unnamed or one_line or wide or submodules or links:
        signals["unread_code"] = unread + one_line + wide + submodules + links
        signals["unread_unnamed"] = unnamed
        if unread:
            change.warnings.append(f"{_files(unread)} not read in full (the diff caps): {_shown(unread)}")
        if unnamed:
            change.warnings.append("files past the diff caps were not read, and a bare diff cannot name them: "
                                   "any code among them is unknown")
        for names, why in (
                (one_line, "not read line by line: their line ends are not git's (a lone CR, or U+2028 in "
                           "JavaScript), so git counts many lines as one"),
                (wide, "not read as text: UTF-16 or UTF-32, which the diff and the detectors read as UTF-8"),
                (links, "made a symlink by the change: the file a link points at is read only if it is code by "
                        "its own name")):
            if names:
                change.warnings.append(f"{_files(names)} {why}: {_shown(names)}")
        if submodules:
            change.warnings.append(f"{len(submodules)} submodule{'s' if len(submodules) != 1 else ''} the change adds "
                                   f"or moves to another commit: the code {'they point' if len(submodules) != 1 else 'it points'}"
                                   f" at is another repository's and was not read: {_shown(submodules)}")
    skipped = [f.path for f in files if f.status == "added" and paths.is_code(f.path) and paths.is_generated(f.path)]
    if skipped:
        # the change chose these names: what the detectors leave out because of them is said, never silent
        change.warnings.append(f"{len(skipped)} code file{'s' if len(skipped) != 1 else ''} the change adds "
                               f"{'are' if len(skipped) != 1 else 'is'} taken as generated or vendored by "
                               f"{'their names' if len(skipped) != 1 else 'its name'}, and the detectors did not read "
                               f"{'them' if len(skipped) != 1 else 'it'}: {_shown(skipped)}")
    return Extraction(feats, findings, {"diff": signals})


def _files(names: list[str]) -> str:
    return f"{len(names)} code file{'s were' if len(names) != 1 else ' was'}"


def _shown(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
