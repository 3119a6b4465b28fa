"""The gate's edges: gather what the pure policy needs, then ask it for a verdict.

One object per run serves every face (CLI, Action, App): it reads the configuration and CODEOWNERS
*at the base revision* (never the head: a pull request must not relax its own gate), resolves
percentile thresholds by scoring the base's recent history with the very batch path ``score
--commits`` uses, fetches the error budget once, and reads the audit log. Everything is cached for
the run; the only thing written to disk is the score cache (``score_cache``, when given), so that
the next run at a later base pays for the history's scores at most once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import audit, budget as budget_mod, codeowners as co, policy
from .assessment import Assessment, Review, Verdict
from .config import CONFIG_PATH, DEFAULT_MIN_HISTORY, MAX_CONFIG_BYTES, Config, ConfigError, Problem, load_file, loads
from .change import Change
from .errors import MergeguardError
from .git import GitRepo
from .scorecache import ScoreCache, cache_key

#: Share of the history window that may be missing from the score cache and still be left unscored:
#: a base a few commits further along than the cached one reuses the cache (no history replay) and the
#: percentiles rest on the cached commits; beyond this share the missing commits are scored.
STALE_SHARE = 0.1

#: Scores commits of history for percentile thresholds: ``(shas, config) -> {sha: score}``, each commit
#: scored against its first parent with ``config.ignore`` dropped; -1 for a commit with nothing left to
#: score. The gate is given one (``mergeguard.review.history_scorer``) instead of importing the scorer.
HistoryScorer = Callable[[Sequence[str], Config], Mapping[str, float]]


def base_files(repo: GitRepo | None, base: str | None) -> dict[str, str | None]:
    """The gate's files at ``base`` (config and CODEOWNERS candidates), read in one ``cat-file``."""
    wanted = [CONFIG_PATH, *co.LOCATIONS]
    if repo is None or not base:
        return dict.fromkeys(wanted)
    # a blob a partial mirror lacks (over its size limit) is never asked for: reading it would start a
    # lazy fetch the mirror cannot make; read_config reports an absent config as too large
    absent = repo.absent_at(base, wanted)
    blobs = repo.read_blobs([f"{base}:{p}" for p in wanted if p not in absent])
    return {p: (b.decode("utf-8", "replace") if (b := blobs.get(f"{base}:{p}")) is not None else None) for p in wanted}


def read_config(repo: GitRepo | None, base: str | None, config_path: str | None = None,
                files: Mapping[str, str | None] | None = None) -> Config:
    """``config_path`` if given, else ``.github/mergeguard.yml`` at ``base``, else the defaults.

    What reads the gate's config without deciding a verdict (the App's team look-ups and acceptances,
    ``mergeguard accept``) calls this; no model is needed. ``files`` are :func:`base_files` already read.
    """
    if config_path:
        return load_file(config_path)
    if repo is not None and base and repo.absent_at(base, [CONFIG_PATH]):
        # over the mirror's blob size limit (1 MB), so far over the config's cap
        raise ConfigError([Problem(f"{base[:12]}:{CONFIG_PATH}", 1, 1, "",
                                   f"larger than {MAX_CONFIG_BYTES:,} bytes, the limit for a configuration file")])
    text = (files if files is not None else base_files(repo, base)).get(CONFIG_PATH)
    return loads(text, f"{base[:12]}:{CONFIG_PATH}") if text is not None and base else Config()


def read_codeowners(repo: GitRepo | None, base: str | None,
                    files: Mapping[str, str | None] | None = None) -> co.CodeOwners | None:
    """The CODEOWNERS file at ``base`` (None without a repository or base, or when there is none)."""
    if repo is None or not base:
        return None
    found = files if files is not None else base_files(repo, base)
    return co.find(lambda path: found.get(path))


@dataclass
class Gate:
    """Decides verdicts for assessments of one repository in one run.

    ``config_path`` (``--config``) overrides the repository's own file. ``facts`` are the pull
    request's facts without CODEOWNERS and acceptances, which the gate adds per base revision.
    """

    repo: GitRepo | None
    model: Any  # RiskModel: its thresholds and its name and version (the score cache's key)
    #: scores the base's history for percentile thresholds; None: percentiles cannot be resolved
    scorer: HistoryScorer | None = None
    config_path: str | None = None
    #: the configuration itself, already read (the Action's ``config`` input, read from git at the
    #: base); takes the place of ``config_path`` and of the repository's file
    config: Config | None = None
    facts: policy.PullRequestFacts = field(default_factory=policy.PullRequestFacts)
    audit_log: str | None = None
    limits: Any = None
    shallow: bool = False
    #: acceptances from the caller's own store (the App's database); None reads ``audit_log``
    acceptance_entries: tuple[audit.Acceptance, ...] | None = None
    #: where error-budget sources may be read from; None: the CLI's and the Action's rule (any
    #: http(s) URL, files inside the repository's work tree). The App passes its operator's allow-list.
    budget_access: budget_mod.SourceAccess | None = None
    #: a directory keeping the scores of history between runs (App: its data dir; Action: a cached dir)
    score_cache: str | None = None
    _score_caches: dict[str, ScoreCache] = field(default_factory=dict, repr=False)
    _configs: dict[str | None, Config] = field(default_factory=dict, repr=False)
    _owners: dict[str | None, co.CodeOwners | None] = field(default_factory=dict, repr=False)
    _thresholds: dict[tuple[str | None, str], policy.Thresholds] = field(default_factory=dict, repr=False)
    _budgets: dict[Any, budget_mod.BudgetStatus] = field(default_factory=dict, repr=False)
    _acceptances: tuple[tuple[audit.Acceptance, ...], tuple[str, ...]] | None = field(default=None, repr=False)
    _files: dict[str, dict[str, str | None]] = field(default_factory=dict, repr=False)
    _windows: dict[tuple[str, int], list[str]] = field(default_factory=dict, repr=False)

    # -- inputs at a base revision --------------------------------------------------------------

    def config_at(self, base: str | None) -> Config:
        """``config`` or ``--config`` if given, else ``.github/mergeguard.yml`` at ``base``, else the defaults."""
        if self.config is not None:
            return self.config
        if self.config_path:
            base = None
        if base not in self._configs:
            self._configs[base] = read_config(self.repo, base, self.config_path,
                                              files=None if self.config_path else self._files_at(base))
        return self._configs[base]

    def codeowners_at(self, base: str | None) -> co.CodeOwners | None:
        if base not in self._owners:
            self._owners[base] = read_codeowners(self.repo, base, self._files_at(base))
        return self._owners[base]

    def _files_at(self, base: str | None) -> dict[str, str | None]:
        key = base or ""
        if key not in self._files:
            self._files[key] = base_files(self.repo, base)
        return self._files[key]

    def thresholds_at(self, base: str | None, config: Config) -> policy.Thresholds:
        key = (base, config.source)
        if key not in self._thresholds:
            scores = None
            available = None
            if config.uses_percentiles and self.repo is not None and base and self.scorer is not None:
                scores, available = history_scores(self.repo, base, self.scorer, config,
                                                   cache=self.scores_for(config),
                                                   window=self.history_window(base, config))
                self.scores_for(config).save()
            thresholds = policy.resolve_thresholds(config, self.model.thresholds, scores, available=available)
            if config.thresholds is not None and config.uses_percentiles and (self.repo is None or not base):
                thresholds = policy.Thresholds(
                    thresholds.base, thresholds.base_source, thresholds.ai, thresholds.budget,
                    thresholds.notes + ("percentile thresholds need a repository (--repo) with history at the base",))
            self._thresholds[key] = thresholds
        return self._thresholds[key]

    def history_window(self, base: str, config: Config, parents: Mapping[str, Sequence[str]] | None = None) -> list[str]:
        """The newest ``config.history_commits`` non-merge commits reachable from ``base`` (newest first),
        listed once per run: ``score --commits`` asks for them before scoring, to score them in its replay.

        ``parents`` (commit -> its parents, where known) saves the ``rev-list``: for a commit with one
        parent whose window is listed already, ``rev-list`` pops the commit and then walks from that
        parent alone, so the window is the commit followed by its parent's window, cut to length.
        """
        assert self.repo is not None
        n = config.history_commits
        if (base, n) not in self._windows:
            above = (parents or {}).get(base)
            below = self._windows.get((above[0], n)) if above is not None and len(above) == 1 else None
            self._windows[(base, n)] = [base, *below][:n] if below is not None else history_window(self.repo, base, config)
        return self._windows[(base, n)]

    def windows_to_score(self, bases: Sequence[str | None],
                         parents: Mapping[str, Sequence[str]] | None = None) -> tuple[Config, list[str]] | None:
        """What the percentile windows of ``bases`` will need scored beyond the score cache, when one
        ignore list (hence one score cache) serves them all: a config with it and the commits, newest first.

        None when there is nothing to plan (no percentiles, no history scorer, a config that cannot
        be read, or bases whose ignore lists differ): the gate then scores each window as it comes.
        ``parents`` see :meth:`history_window`; the windows are listed oldest base first (``bases``
        newest first, as ``rev-list`` gives them) so that most are derived rather than listed.
        """
        if self.repo is None or self.scorer is None:
            return None
        configs: dict[str, Config] = {}
        windows: dict[str, list[str]] = {}
        for base in reversed(list(dict.fromkeys(b for b in bases if b))):
            try:
                config = self.config_at(base)
            except (MergeguardError, OSError):  # the gate says so when it decides that verdict
                return None
            if not config.uses_percentiles:
                continue
            configs.setdefault(repr(config.ignore), config)  # a window's scores depend on its ignore list alone
            window = self.history_window(base, config, parents)
            if not _too_short(config, len(window)):
                windows[base] = window
        shas = dict.fromkeys(s for b in dict.fromkeys(bases) if b in windows for s in windows[b])
        if len(configs) != 1 or not shas:
            return None
        [config] = configs.values()
        known = self.scores_for(config).get(list(shas))
        return config, [s for s in shas if s not in known]

    def window_calls(self, bases: Sequence[str | None]) -> list[list[str]]:
        """The commits the history scorer will be asked to score, call by call, when the verdicts at
        ``bases`` are decided in that order: a guess for listing their orders ahead
        (:meth:`~mergeguard.sources.LogMemo.prefetch`). It follows :meth:`thresholds_at` and
        :func:`history_scores` with the score cache as it stands and every score still to come counted
        as usable; where it guesses wrong (a window whose fresh scores are trivial, a config that cannot
        be read) the scorer lists that order itself, so the guess can cost time, never change an output."""
        calls: list[list[str]] = []
        seen: set[tuple[str, str]] = set()
        coming: set[str] = set()
        for base in bases:
            try:
                config = self.config_at(base)
            except (MergeguardError, OSError):
                continue
            if not (config.uses_percentiles and base and self.repo is not None and self.scorer is not None) \
                    or (base, config.source) in seen:
                continue
            seen.add((base, config.source))
            shas = self.history_window(base, config)
            if _too_short(config, len(shas)):
                continue
            known = self.scores_for(config).get(shas)
            missing = [s for s in shas if s not in known and s not in coming]
            usable = sum(1 for v in known.values() if v >= 0) + sum(1 for s in shas if s in coming and s not in known)
            if _must_score(len(missing), len(shas), usable):
                calls.append(missing)
                coming.update(missing)
        return calls

    def scores_for(self, config: Config) -> ScoreCache:
        """The score cache for this model and the config's ignore list (in memory without ``score_cache``)."""
        key = cache_key(str(getattr(self.model, "name", "")), str(getattr(self.model, "version", "")), config.ignore)
        if key not in self._score_caches:
            self._score_caches[key] = ScoreCache(self.score_cache, key)
        return self._score_caches[key]

    def remember(self, assessments: Mapping[str, Assessment], config: Config) -> None:
        """Keep scores the caller computed anyway (``score --commits``) for later percentile windows."""
        self.scores_for(config).put({sha: cache_value(a) for sha, a in assessments.items()})

    def access(self) -> budget_mod.SourceAccess:
        """The budget access rule of this run (see :attr:`budget_access`)."""
        if self.budget_access is not None:
            return self.budget_access
        root = self._work_tree()
        return budget_mod.SourceAccess.local(root) if root is not None else budget_mod.SourceAccess(files_under=None)

    def _work_tree(self) -> str | None:
        """The repository's work tree (None for a bare repository), or the current directory without one."""
        if self.repo is None:
            return "."
        if self.repo.is_bare:
            return None
        return self.repo.run("rev-parse", "--show-toplevel").decode("utf-8", "replace").strip() or None

    def budget_for(self, config: Config, base: str | None = None) -> budget_mod.BudgetStatus | None:
        """The error budget, fetched once per source and base.

        A ``file:`` source inside the work tree is what the *base* has, as for the config: a file the
        base tracks is read from git at ``base``; one git tracks in the work tree but the base does
        not (a pull request adding its own "budget is fine" document) is refused; an untracked file
        (written by an earlier workflow step) is read from disk.
        """
        if config.error_budget is None:
            return None
        source = config.error_budget.source
        key = (source, base if source.file else None)
        if key not in self._budgets:
            access = self.access()
            document: bytes | None = None
            if source.file and self.repo is not None and base and access.files_under is not None:
                # the name as written, not the file a symlink in the (change's) work tree points to
                rel = access.written_path(source.file)
                path = access.file_path(source.file) if rel is None else None
                if isinstance(path, Path):
                    rel = path.relative_to(access.files_under).as_posix()
                if rel is not None:
                    spec = f"{base}:{rel}"
                    document = self.repo.read_blobs([spec]).get(spec)
                    if document is None and self._tracked(rel):
                        self._budgets[key] = budget_mod.BudgetStatus(
                            source.describe(), error=f"error budget source unavailable ({source.file} is not at the "
                                                     "base revision: a change cannot bring its own budget)")
                        return self._budgets[key]
            self._budgets[key] = budget_mod.fetch(source, access, document=document)
        return self._budgets[key]

    def _tracked(self, rel: str) -> bool:
        """Whether git tracks ``rel`` in the work tree's index or its checked-out commit."""
        assert self.repo is not None
        if self.repo.run("ls-files", "--", f":(literal){rel}", check=False).strip():
            return True
        return bool(self.repo.run("rev-parse", "--verify", "--quiet", f"HEAD:{rel}", check=False).strip())

    def acceptances(self) -> tuple[tuple[audit.Acceptance, ...], tuple[str, ...]]:
        if self._acceptances is None:
            if self.acceptance_entries is not None:
                self._acceptances = (self.acceptance_entries, ())
            elif self.audit_log:
                entries, problems = audit.read(self.audit_log)
                self._acceptances = (tuple(entries), tuple(problems))
            else:
                self._acceptances = ((), ())
        return self._acceptances

    # -- the decision ---------------------------------------------------------------------------

    def review(self, assessment: Assessment) -> Review:
        """The assessment with its verdict, decided at the assessment's ``gate_base``."""
        return Review(assessment, self.verdict(assessment))

    def verdict(self, assessment: Assessment, base: str | None = None) -> Verdict:
        """The verdict for ``assessment`` of a change based on ``base`` (by default its ``gate_base``)."""
        base = base if base is not None else assessment.change.gate_base
        config = self.config_at(base)
        entries, problems = self.acceptances()
        facts = replace(self.facts, codeowners=self.codeowners_at(base), acceptances=entries)
        notes = list(problems) + list(self.facts.notes)
        ignored = list(assessment.change.ignored)
        if ignored:
            shown = ", ".join(ignored[:5]) + (f" and {len(ignored) - 5} more" if len(ignored) > 5 else "")
            notes.append(f"{len(ignored)} path{'s' if len(ignored) != 1 else ''} ignored by the config: {shown}")
        if config.source == "defaults":
            notes.append("Config: defaults (" + ("no .github/mergeguard.yml at the base revision)" if base else
                                                 "no repository base revision to read .github/mergeguard.yml from)"))
        else:
            notes.append(f"Config: {config.source}")
        return policy.decide(assessment, config, self.budget_for(config, base), facts,
                             self.thresholds_at(base, config), extra_notes=notes)


def ignore_paths(change: Change, patterns: Iterable[str]) -> list[str]:
    """Drop files matching ``patterns`` from ``change`` (in place); return the paths dropped.

    A renamed file is dropped only when both its names are ignored: moving a file out of an
    ignored directory is a change like any other.
    """
    written = list(patterns)
    if not written:
        return []
    rules = co.PatternIndex(written)  # a path is tried against the patterns that may match it, not all

    def hit(path: str | None) -> bool:
        return path is None or rules.last_match(path) is not None

    kept, dropped = [], []
    for f in change.files:
        if hit(f.path) and hit(f.old_path if f.old_path != f.path else None):
            dropped.append(f.path)
        else:
            kept.append(f)
    change.files = kept
    if change.all_paths is not None:  # the paths past the caps: each name on its own
        listed = {f.path for f in kept} | {f.old_path for f in kept if f.old_path}
        change.all_paths = [p for p in change.all_paths if p in listed or not hit(p)]
    return dropped


def history_window(repo: GitRepo, base: str, config: Config) -> list[str]:
    """The newest ``config.history_commits`` non-merge commits reachable from ``base``, newest first."""
    return repo.run("rev-list", "--no-merges", f"--max-count={config.history_commits}", base).decode().split()


def history_scores(repo: GitRepo, base: str, scorer: HistoryScorer, config: Config, *,
                   cache: ScoreCache | None = None, window: Sequence[str] | None = None) -> tuple[list[float], int]:
    """Scores of the newest ``config.history_commits`` non-merge commits reachable from ``base``,
    and how many such commits there are.

    ``scorer`` scores them exactly as ``score --commits`` does (each against its first parent, with
    the history strictly before it, the config's ignored paths dropped). Scores come from ``cache``
    where it has them; the rest are scored in one call and added to it, unless at most
    :data:`STALE_SHARE` of the window is missing and the cached part is enough on its own. A
    history too short for any percentile (fewer commits than the default gate's minimum, when
    the config has no ``thresholds``) is not scored at all. ``window`` is :func:`history_window`
    already listed.
    """
    shas = list(window) if window is not None else history_window(repo, base, config)
    cache = cache if cache is not None else ScoreCache(None, "run")
    if _too_short(config, len(shas)):
        return [], len(shas)
    known = cache.get(shas)
    missing = [s for s in shas if s not in known]
    usable = [v for v in known.values() if v >= 0]
    if _must_score(len(missing), len(shas), len(usable)):
        fresh = dict(scorer(missing, config))
        cache.put(fresh)
        known.update(fresh)
    return [v for s in shas if (v := known.get(s)) is not None and v >= 0], len(shas)


def cache_value(assessment: Assessment) -> float:
    """A commit's score for the cache; -1 when nothing was left to score (not part of percentiles)."""
    return -1.0 if assessment.trivial else float(assessment.score)


def _too_short(config: Config, window: int) -> bool:
    """A history window too short for any percentile: not scored at all (see :func:`history_scores`)."""
    return config.thresholds is None and window < DEFAULT_MIN_HISTORY and not _other_percentiles(config)


def _must_score(missing: int, window: int, usable: int) -> bool:
    """Whether a window's ``missing`` scores are scored now: unless at most :data:`STALE_SHARE` of it is
    missing and its ``usable`` cached scores are enough on their own (see :func:`history_scores`)."""
    return missing > 0 and not (missing <= STALE_SHARE * window and usable >= DEFAULT_MIN_HISTORY)


def _other_percentiles(config: Config) -> bool:
    eb = config.error_budget.thresholds if config.error_budget else None
    return any(s is not None and s.mode == "percentile" for s in (config.ai_authored, eb))
