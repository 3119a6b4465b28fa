"""Prometheus metrics for ``GET /metrics``.

Two sources, chosen per metric so that no multiprocess machinery (a shared directory of mmap files,
``PROMETHEUS_MULTIPROC_DIR``) is needed whatever ``--workers`` is:

* **from the database, at scrape time** -- ``mergeguard_deliveries_total`` (by event and outcome),
  ``mergeguard_jobs`` (by state), ``mergeguard_job_takeovers_total`` (jobs taken over from a worker
  that died), ``mergeguard_check_runs_open`` and ``mergeguard_check_run_open_oldest_seconds`` (check
  runs put in progress and not yet completed: a large age means runs the sweeper cannot complete).
  They are facts the database already holds, so every worker process reports the same numbers and
  they survive restarts.
* **per process, in memory** -- ``mergeguard_scoring_seconds`` (histogram), ``mergeguard_jobs_finished_total``,
  ``mergeguard_github_api_errors_total`` and ``mergeguard_scoring_processes_started_total``. They are
  observed where the work happens; with the default single worker process they are exact, with
  several each scrape sees one process (Prometheus sums counters across restarts and instances
  correctly as long as each process is its own target).
"""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from .store import Store

JOB_STATES = ("queued", "running", "done", "failed", "superseded")


class _DatabaseCollector(Collector):
    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self):
        deliveries = CounterMetricFamily("mergeguard_deliveries", "Webhook deliveries accepted, by event and outcome",
                                         labels=["event", "outcome"])
        for (event, outcome), n in sorted(self.store.deliveries_by_event().items()):
            deliveries.add_metric([event, outcome], n)
        yield deliveries
        states = self.store.jobs_by_state()
        jobs = GaugeMetricFamily("mergeguard_jobs", "Jobs in the queue, by state", labels=["state"])
        for state in sorted(set(JOB_STATES) | set(states)):
            jobs.add_metric([state], states.get(state, 0))
        yield jobs
        yield CounterMetricFamily("mergeguard_job_takeovers", "Job claims after the holder's lease expired "
                                  "(its worker died); not counted against the retry budget",
                                  value=self.store.job_takeovers())
        n, oldest = self.store.open_check_run_stats()
        yield GaugeMetricFamily("mergeguard_check_runs_open", "Check runs put in progress and not completed yet",
                                value=n)
        yield GaugeMetricFamily("mergeguard_check_run_open_oldest_seconds",
                                "Age of the oldest check run in progress (0 if none)",
                                value=max(0.0, time.time() - oldest) if oldest is not None else 0.0)


class _BudgetCollector(Collector):
    """A bounded resource's figures, read from ``stats()`` at scrape time: each family is
    (metric class, name, help, key of ``stats()``). The warm indexes and the mirrors share it."""

    def __init__(self, stats, families: tuple[tuple[type, str, str, str], ...]) -> None:
        self.stats, self.families = stats, families

    def collect(self):
        s = self.stats()
        for family, name, documentation, key in self.families:
            yield family(name, documentation, value=s[key])


#: the warm history indexes of this process's scorer (its children report with each reply)
_WARM_FAMILIES = (
    (GaugeMetricFamily, "mergeguard_warm_indexes", "Warm history indexes held", "indexes"),
    (GaugeMetricFamily, "mergeguard_warm_index_bytes", "Estimated memory of the warm history indexes", "bytes"),
    (GaugeMetricFamily, "mergeguard_warm_index_budget_bytes",
     "Memory budget of the warm history indexes (MERGEGUARD_WARM_INDEX_MB)", "budget_bytes"),
    (CounterMetricFamily, "mergeguard_warm_index_evictions",
     "Warm history indexes dropped to stay within the budget", "evicted"),
)

#: the mirrors of this server's data directory (measured after each sync)
_MIRROR_FAMILIES = (
    (GaugeMetricFamily, "mergeguard_mirror_bytes", "Disk used by the repository mirrors at the last sync", "bytes"),
    (GaugeMetricFamily, "mergeguard_mirror_budget_bytes",
     "Disk budget of the mirrors (MERGEGUARD_MIRROR_DISK_MB; 0: none)", "budget_bytes"),
    (CounterMetricFamily, "mergeguard_mirror_evictions",
     "Mirrors removed to stay within the disk budget (cloned again when needed)", "evicted"),
)


class _FunctionGauge(Collector):
    """A gauge read from ``value()`` at scrape time."""

    def __init__(self, name: str, documentation: str, value) -> None:
        self.name, self.documentation, self.value = name, documentation, value

    def collect(self):
        yield GaugeMetricFamily(self.name, self.documentation, value=self.value())


class Metrics:
    """One registry per app (not the global one), so that several apps in one test process do not clash."""

    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_DatabaseCollector(store))
        self.scoring_seconds = Histogram(
            "mergeguard_scoring_seconds", "Time to score a pull request and publish its check run",
            buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600), registry=self.registry)
        self.jobs_finished = Counter("mergeguard_jobs_finished", "Job attempts finished in this process, by outcome",
                                     ["kind", "outcome"], registry=self.registry)
        self.github_api_errors = Counter("mergeguard_github_api_errors", "GitHub API calls that failed, by status",
                                         ["status"], registry=self.registry)
        self.scoring_processes = Counter(
            "mergeguard_scoring_processes_started",
            "Scoring processes started: first, or replacement (after a crash, a kill or a timeout)",
            ["reason"], registry=self.registry)

    def job_finished(self, kind: str, outcome: str, seconds: float) -> None:
        self.jobs_finished.labels(kind, outcome).inc()
        if kind == "score" and outcome == "done":
            self.scoring_seconds.observe(seconds)

    def watch_warm(self, stats) -> None:
        """Expose a scorer's warm-index figures (``stats()`` -> indexes, bytes, budget_bytes, evicted)."""
        self.registry.register(_BudgetCollector(stats, _WARM_FAMILIES))

    def watch_mirrors(self, stats) -> None:
        """Expose the mirrors' disk figures (``stats()`` -> bytes, budget_bytes, evicted)."""
        self.registry.register(_BudgetCollector(stats, _MIRROR_FAMILIES))

    def watch_workers(self, live) -> None:
        """Expose the number of live job-working processes on the database (``live()`` -> int)."""
        self.registry.register(_FunctionGauge("mergeguard_workers_live", "Worker processes sharing the "
                                              "queue that sent a heartbeat within the TTL", live))

    def scoring_process_started(self, reason: str) -> None:
        self.scoring_processes.labels(reason).inc()

    def github_error(self, status: int | str | None) -> None:
        self.github_api_errors.labels(str(status or "network")).inc()

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
