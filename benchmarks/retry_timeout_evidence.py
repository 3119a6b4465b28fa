"""Commit-level evidence about retry and timeout changes, and a logistic regression over it, as data.

Why: the hand-written rules (``features/retry_timeout.py``) decide per construct; they were written
from the dev commits of the corpus and generalise to other repositories less well than they fit their
own (a 14-21 point precision gap). A learned commit-level decision over generic evidence was measured
as an alternative (``retry_timeout_decision.py``, leave-one-repository-out): this module turns one
change into that evidence (the rules' findings by kind and shape, retry- and timeout-named words on
changed code lines, numbers and duration units beside them, the size and make-up of the change; never
a repository, path or project name) and fits one logistic regression per label whose coefficients
are plain data (``DecisionModel.to_json``).

It lives in ``benchmarks/`` because the measurement said not to ship it (``docs/retry_timeout.md``,
"A learned decision layer, measured"): the product does not import it. Everything here is pure:
:func:`commit_features` reads a change's hunks and the findings, ``LabelModel.probability`` is a dot
product.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mergeguard import paths
from mergeguard.change import Change
from mergeguard.features.resilience import settings

LABELS = ("retry", "timeout")

#: a string with a space in it is prose (a message, a help text): its words decide nothing
_PROSE = re.compile(r'"(?:[^"\\\n]|\\.)*\s(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\s(?:[^\'\\\n]|\\.)*\'|`[^`\n]*\s[^`\n]*`')
#: a comment to the end of the line, after code or alone
_COMMENT = re.compile(r"(^|(?<=\s))(//|#(?=\s|$)|/\*).*$")
#: a line that is all comment (a block comment's inner line, a docstring's star)
_COMMENT_LINE = re.compile(r"^\s*(\*|//|#|/\*|\"\"\"|''')")
_WORD = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"(?<![\w.])\d[\d_]*(?:\.\d+)?(?:e\d+)?\b")
#: how code writes a duration: Go's time units, Java's Duration/TimeUnit, ms/seconds suffixes, 30e3
_DURATION = re.compile(r"time\.(?:Nano|Micro|Milli)?[Ss]econds?\b|time\.(?:Minute|Hour)\b|Duration\.(?:of|from)\w*"
                       r"|TimeUnit\.\w+|\bof(?:Millis|Seconds|Minutes)\b|\w+(?:_ms|Ms|Millis|_seconds|Seconds|_secs)\b"
                       r"|\b\d+e3\b|\b\d+\s*\*\s*1000\b|\b\d+(?:ms|s|m)\b")
#: waiting between attempts, whatever it is called
_WAIT = re.compile(r"\b(?:sleep|Sleep|setTimeout|After|delay|Delay|backoff|Backoff|jitter|Jitter|wait|Wait)\w*")


def _code_part(text: str) -> str:
    """A changed line without its prose strings and comments (``""`` when the line is all comment)."""
    if _COMMENT_LINE.match(text):
        return ""
    return _COMMENT.sub("", _PROSE.sub('""', text))


def _test_like(path: str) -> bool:
    return paths.is_test(path) or bool(re.search(r"(^|/)(examples?|samples?|docs?|benchmarks?|testdata|testutils?)/",
                                                 path, re.I))


_LANGS = {"python": (".py",), "go": (".go",), "js": (".js", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".jsx"),
          "jvm": (".java", ".kt", ".kts")}


def _language(path: str) -> str | None:
    for name, exts in _LANGS.items():
        if path.endswith(exts):
            return name
    return None


def feature_names() -> list[str]:
    names = []
    for k in LABELS:
        names += [f"{k}_added", f"{k}_removed", f"{k}_changed", f"{k}_logic", f"{k}_setting", f"{k}_data",
                  f"{k}_in_tests", f"{k}_files", f"{k}_any", f"{k}_anti",
                  f"{k}_tok_add", f"{k}_tok_del", f"{k}_lines_add", f"{k}_lines_del", f"{k}_num_lines",
                  f"{k}_value_pairs", f"{k}_tok_tests", f"{k}_tok_prose", f"{k}_tok_other_files"]
    names += ["duration_lines", "wait_lines", "code_lines_add", "code_lines_del", "code_files", "test_share",
              "noncode_share", *(f"lang_{lang}" for lang in _LANGS)]
    return names


@dataclass(frozen=True)
class Evidence:
    """One finding as the decision sees it (a :class:`mergeguard.assessment.Finding` or its JSON)."""

    kind: str
    path: str
    line: int | None
    message: str

    @classmethod
    def of(cls, f: Any) -> Evidence:
        if isinstance(f, Mapping):
            return cls(str(f.get("kind", "")), str(f.get("path", "")), f.get("line"), str(f.get("message", "")))
        return cls(f.kind, f.path, f.line, f.message)


def _log(n: float) -> float:
    return round(math.log1p(n), 6)


def commit_features(change: Change, findings: Iterable[Any]) -> dict[str, float]:
    """The decision's inputs for one change: pure over its hunks and the rules' findings."""
    ev = [Evidence.of(f) for f in findings]
    out = dict.fromkeys(feature_names(), 0.0)
    for k in LABELS:
        mine = [e for e in ev if e.kind in (f"{k}.added", f"{k}.removed", f"{k}.changed")]
        for e in mine:
            out[f"{k}_{e.kind.split('.')[1]}"] += 1
            if e.message.startswith(f"changes {k} logic"):
                out[f"{k}_logic"] += 1
            elif " setting " in e.message:
                out[f"{k}_setting"] += 1
            elif "held as data" in e.message:
                out[f"{k}_data"] += 1
            if _test_like(e.path):
                out[f"{k}_in_tests"] += 1
        out[f"{k}_files"] = len({e.path for e in mine})
        out[f"{k}_any"] = float(bool(mine))
        out[f"{k}_anti"] = sum(1 for e in ev if e.kind.startswith(f"{k}.") and e not in mine)
    changed_lines = {"test": 0, "noncode": 0, "code": 0}
    langs: dict[str, int] = {}
    for f in change.files:
        lang = _language(f.path)
        n = f.added + f.deleted
        if lang is not None and _test_like(f.path):  # before is_code, which says no to tests
            changed_lines["test"] += n
            side = "tests"
        elif lang is None or not paths.is_code(f.path):
            changed_lines["noncode"] += n
            side = "prose"
        else:
            changed_lines["code"] += n
            langs[lang] = langs.get(lang, 0) + n
            out["code_files"] += 1
            side = "code"
        per_side: dict[str, list[tuple[frozenset[str], tuple[str, ...]]]] = {"add": [], "del": []}
        for h in f.hunks:
            for which, lines in (("add", h.added), ("del", h.removed)):
                for _, text in lines:
                    code = _code_part(text) if side != "prose" else text
                    if not code.strip():
                        continue
                    if side == "code":
                        out[f"code_lines_{which}"] += 1
                    kinds = {settings.classify(w) for w in _WORD.findall(code)} - {None}
                    for k in kinds:
                        if side == "prose":
                            out[f"{k}_tok_prose"] += 1
                        elif side == "tests":
                            out[f"{k}_tok_tests"] += 1
                    if side != "code":
                        continue
                    words = _WORD.findall(code)
                    out["duration_lines"] += bool(_DURATION.search(code))
                    out["wait_lines"] += bool(_WAIT.search(code))
                    for k in LABELS:
                        hits = sum(1 for w in words if settings.classify(w) == k)
                        if not hits:
                            continue
                        out[f"{k}_tok_{which}"] += hits
                        out[f"{k}_lines_{which}"] += 1
                        nums = tuple(_NUMBER.findall(code))
                        if nums or _DURATION.search(code):
                            out[f"{k}_num_lines"] += 1
                        per_side[which].append((frozenset(w for w in words if settings.classify(w) == k), nums))
        # a retry/timeout name on a removed and an added line with different numbers: a value changed
        for _names_a, nums_a in per_side["del"]:
            for names_b, nums_b in per_side["add"]:
                if _names_a & names_b and nums_a != nums_b:
                    k = "retry" if any(settings.classify(w) == "retry" for w in names_b) else "timeout"
                    out[f"{k}_value_pairs"] += 1
                    break
    for k in LABELS:
        if out[f"{k}_tok_add"] + out[f"{k}_tok_del"] == 0 and (out[f"{k}_tok_tests"] or out[f"{k}_tok_prose"]):
            out[f"{k}_tok_other_files"] = 1.0  # the words only outside production code: a hard negative's shape
    total = sum(changed_lines.values()) or 1
    out["test_share"] = round(changed_lines["test"] / total, 6)
    out["noncode_share"] = round(changed_lines["noncode"] / total, 6)
    if langs:
        out[f"lang_{max(langs, key=lambda x: langs[x])}"] = 1.0
    for name in out:
        if not (name.endswith(("_any", "_share", "_other_files")) or name.startswith("lang_")):
            out[name] = _log(out[name])
    return out


@dataclass(frozen=True)
class LabelModel:
    """One label's logistic regression: standardisation, weights, and the threshold chosen by LORO."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, x: Mapping[str, float]) -> float:
        z = self.intercept + sum(c * ((x.get(n, 0.0) - m) / s)
                                 for n, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class DecisionModel:
    labels: Mapping[str, LabelModel]

    def to_json(self) -> dict[str, Any]:
        return {"kind": "mergeguard.retry_timeout_decision/1",
                "labels": {k: {"features": list(m.features), "mean": list(m.mean), "scale": list(m.scale),
                               "coef": list(m.coef), "intercept": m.intercept, "threshold": m.threshold}
                           for k, m in self.labels.items()}}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> DecisionModel:
        if doc.get("kind") != "mergeguard.retry_timeout_decision/1":
            raise ValueError("not a retry/timeout decision model")
        return cls({k: LabelModel(tuple(m["features"]), tuple(m["mean"]), tuple(m["scale"]), tuple(m["coef"]),
                                  float(m["intercept"]), float(m["threshold"])) for k, m in doc["labels"].items()})


def probabilities(model: DecisionModel, x: Mapping[str, float]) -> dict[str, float]:
    return {k: round(m.probability(x), 4) for k, m in model.labels.items()}


def fit_label(rows: Sequence[Mapping[str, float]], y: Sequence[int], *, c: float = 0.5,
              threshold: float = 0.5) -> LabelModel:
    """A standardised, L2-regularised logistic regression (scikit-learn's liblinear), as data."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    names = feature_names()
    x = np.array([[r.get(n, 0.0) for n in names] for r in rows], dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=1000)
    lr.fit((x - mean) / scale, np.asarray(y))
    return LabelModel(tuple(names), tuple(round(float(v), 6) for v in mean), tuple(round(float(v), 6) for v in scale),
                      tuple(round(float(v), 6) for v in lr.coef_[0]), round(float(lr.intercept_[0]), 6),
                      round(threshold, 4))

