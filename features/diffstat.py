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

from mergeguard import messages, paths
from mergeguard.assessment import Finding, Severity
from mergeguard.change import Change, files_left_out

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


def unread_code(change: Change) -> tuple[list[str], bool]:
    """The code files the diff caps left unread in whole or in part, and whether files the caps left
    out could not be named (a bare diff: nothing but the diff lists its files).

    Why: the caps (``Limits``) keep a pathological diff cheap, and a pull request reaches them on
    purpose: filler files sorted before its code, or filler lines above it in the same file, left an
    unbounded retry loop unread and the change was scored on the filler alone. The gate reads this
    (``signals.diff.unread_code``) and does not let such a change through on the part that was read.
    Generated and vendored files are left out, as the detectors leave them out anyway.
    """
    def counts(path: str) -> bool:
        return paths.is_code(path) and not paths.is_generated(path)

    names = [f.path for f in change.files if f.truncated and counts(f.path)]
    if change.all_paths is None:
        return names, files_left_out(change.truncated)
    read = {p for f in change.files for p in (f.path, f.old_path) if p}
    return names + [p for p in change.all_paths if p not in read and counts(p)], False


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
    if unread or unnamed:
        signals["unread_code"] = unread
        signals["unread_unnamed"] = unnamed
        shown = ", ".join(unread[:5]) + (f" and {len(unread) - 5} more" if len(unread) > 5 else "")
        if unread:
            change.warnings.append(f"{len(unread)} code file{'s were' if len(unread) != 1 else ' was'} not read in full "
                                   f"(the diff caps): {shown}")
        if unnamed:
            change.warnings.append("files past the diff caps were not read, and a bare diff cannot name them: "
                                   "any code among them is unknown")
    skipped = [f.path for f in files if f.status == "added" and paths.is_code(f.path) and paths.is_generated(f.path)]
    if skipped:
        # the change chose these names: what the detectors leave out because of them is said, never silent
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        change.warnings.append(f"{len(skipped)} code file{'s' if len(skipped) != 1 else ''} the change adds "
                               f"{'are' if len(skipped) != 1 else 'is'} taken as generated or vendored by "
                               f"{'their names' if len(skipped) != 1 else 'its name'}, and the detectors did not read "
                               f"{'them' if len(skipped) != 1 else 'it'}: {shown}")
    return Extraction(feats, findings, {"diff": signals})
