"""Who put a pull request's labels there: the evidence a ``label`` validation is decided on.

A label is a human sign-off ("qa-passed") only if someone other than the author put it there, and
only someone the repository let in: anyone with triage access can label, the author included, and a
workflow the pull request changes can label through ``github-actions[bot]``. So the gate counts a
label by its **latest** ``labeled`` event (GitHub's issue events), and only when that event's actor is
not the author, is a person (not a bot or App account), and has triage, write, maintain or admin
permission on the repository now. A label the author re-added after a maintainer is the author's.

Pure: the edges list the events and look the permissions up (``mergeguard.github_api``); this module
decides from what they found. When the events cannot be read, :class:`LabelProvenance` carries the
reason and no label counts: an unreadable trail must not open the gate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .codeowners import is_author

#: repository roles that can label a pull request (GitHub's triage and above)
LABELLING_ROLES = ("triage", "write", "maintain", "admin")
_NO_EVENT = "has no event adding it in GitHub's listing, so whoever added it is unknown"


@dataclass(frozen=True)
class LabelEvent:
    """One ``labeled``/``unlabeled`` event of an issue events listing (ids grow with time)."""

    id: int
    event: str  # "labeled" | "unlabeled"
    label: str
    actor: str | None  # None: a deleted account ("ghost")
    actor_type: str = "User"  # GitHub's account type: "Bot" for an App or github-actions


@dataclass(frozen=True)
class LabelAdder:
    """Who last added a label and whether that counts; ``why`` says why it does not."""

    login: str | None
    counts: bool
    why: str = ""


@dataclass(frozen=True)
class LabelProvenance:
    """Who last added each label the gate asked about (by lower-cased name), or why nobody can tell.

    ``error`` set: the events could not be read (or not all of them), and no label counts.
    A label absent from ``adders`` had no ``labeled`` event in the listing: it does not count either.
    """

    adders: Mapping[str, LabelAdder] = field(default_factory=dict)
    error: str | None = None

    def adder(self, label: str) -> LabelAdder:
        """The verdict on ``label``: counted, or not with a reason fit for the check run."""
        if self.error:
            return LabelAdder(None, False, f"cannot be traced to whoever added it ({self.error})")
        found = self.adders.get(label.strip().lower())
        if found is None:
            return LabelAdder(None, False, _NO_EVENT)
        return found


def latest_labelling(events: Iterable[LabelEvent], wanted: Iterable[str]) -> dict[str, LabelEvent]:
    """The latest ``labeled``/``unlabeled`` event of each ``wanted`` label (lower-cased keys).

    Latest by event id, not by listing order: the caller may read pages newest first.
    """
    names = {w.strip().lower() for w in wanted}
    latest: dict[str, LabelEvent] = {}
    for e in events:
        key = e.label.strip().lower()
        if key in names and e.event in ("labeled", "unlabeled") and (key not in latest or e.id > latest[key].id):
            latest[key] = e
    return latest


def judge(event: LabelEvent | None, author: str | None, permission: str | None) -> LabelAdder:
    """Whether the label ``event`` added counts, given the pull request's ``author`` and the actor's
    repository ``permission`` (None when it was not looked up: a bot, the author, a ghost)."""
    if event is None or event.event != "labeled":
        return LabelAdder(None, False, _NO_EVENT)
    who = event.actor
    if not who:
        return LabelAdder(None, False, "was added by a deleted account")
    if is_author(who, author):
        return LabelAdder(who, False, "was added by the author")
    if event.actor_type != "User":
        return LabelAdder(who, False, f"was added by @{who}, an App or bot account (a workflow can label)")
    if permission not in LABELLING_ROLES:
        return LabelAdder(who, False, f"was added by @{who}, who has no triage access to the repository "
                                      f"(GitHub reports {permission or 'none'!r})")
    return LabelAdder(who, True, f"added by @{who}")


def needs_permission(event: LabelEvent | None, author: str | None) -> bool:
    """Whether :func:`judge` needs the actor's permission: a person other than the author added it."""
    return (event is not None and event.event == "labeled" and bool(event.actor) and event.actor_type == "User"
            and not is_author(event.actor or "", author))
