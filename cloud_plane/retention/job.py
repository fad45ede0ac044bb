"""The read retention job: per site, delete reads past its retention in batches, record the run.

Runs where the cloud's periodic jobs run (the dispatcher worker of ``cloud serve``, the
monitor Lambda; ``alerts/wiring.py``) at most once per ``every``, and by hand with
``edgesync cloud retention run``. The policy is ``records/retention.py``; the deleting is the
store's ``retention`` role. Safe to run from two workers at once: each read is deleted and
counted once, so the two runs' records add up to what went.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cloud_plane.clock import Clock
from cloud_plane.records.retention import Deleted, RetentionRun, plan
from cloud_plane.store.retention_roles import ReadRetentionStore
from cloud_plane.store.roles import SiteStore

log = logging.getLogger(__name__)

DELETE_BATCH = 500  # reads (and hits) per store call: one short transaction (SQL) each
MAX_BATCHES = 200  # per site per run: bounded work; what is left goes next run
RUN_EVERY = timedelta(hours=1)
LAMBDA_BUDGET_S = 30.0  # the monitor Lambda's share of its 50 s timeout (cdk/monitor.py)


def run_retention(
    sites: SiteStore,
    retention: ReadRetentionStore,
    *,
    default_days: int | None,
    clock: Clock,
    batch: int = DELETE_BATCH,
    max_batches: int = MAX_BATCHES,
    budget_s: float | None = None,
    timer: Callable[[], float] = time.monotonic,
) -> list[RetentionRun]:
    """Run once over every site with a retention; return (and record) the runs that deleted.

    ``budget_s``: stop starting batches once the run has taken this long (a Lambda must
    finish, and record what it deleted, before its timeout); the rest goes next run.
    """
    if batch < 1 or max_batches < 1:
        raise ValueError(f"need batch >= 1 and max_batches >= 1, got {batch}, {max_batches}")
    began = timer()
    now = clock()
    site_days = [(s.site_id, s.read_retention_days) for s in sites.list_sites()]
    runs = []
    for site in plan(site_days, default_days=default_days, now=now):
        started = clock()
        total = Deleted()
        for _ in range(max_batches):
            got = retention.delete_reads(site.site_id, site.cutoff, batch)
            total += got
            # Until a call finds nothing: one that deleted less than a batch may have raced
            # another run over the same reads (which that run counted), not reached the end.
            if not got.anything:
                break
            if budget_s is not None and timer() - began >= budget_s:
                log.info("retention stopped at %s after %.0f s; the rest goes next run",
                         site.site_id, budget_s)  # fmt: skip
                break
        else:
            log.info("retention at %s stopped after %d batches", site.site_id, max_batches)
        if not total.anything:
            continue
        run = RetentionRun(
            site_id=site.site_id,
            started_at=started,
            finished_at=clock(),
            cutoff=site.cutoff,
            reads_deleted=total.reads,
            hits_deleted=total.hits,
        )
        retention.record_run(run)
        log.info(
            "retention at %s: %d reads and %d hits received before %s deleted (%d days)",
            site.site_id,
            total.reads,
            total.hits,
            site.cutoff.isoformat(),
            site.days,
        )
        runs.append(run)
        if budget_s is not None and timer() - began >= budget_s:
            break
    return runs


@dataclass
class ReadRetention:
    """The periodic job: run the retention at most once per ``every``."""

    sites: SiteStore
    retention: ReadRetentionStore
    clock: Clock
    default_days: int | None
    every: timedelta = RUN_EVERY
    budget_s: float | None = None  # see run_retention
    _last_run: datetime | None = field(default=None, init=False)

    def run(self) -> list[RetentionRun]:
        """Run now; return the runs recorded."""
        self._last_run = self.clock()
        return run_retention(
            self.sites,
            self.retention,
            default_days=self.default_days,
            clock=self.clock,
            budget_s=self.budget_s,
        )

    def run_if_due(self) -> int:
        """Run if ``every`` has passed since the last run (or none ran); return reads deleted.

        Called as often as the other periodic jobs; a new process (a cold Lambda) runs it at
        once: a run with nothing past its cutoff costs a query per site and records nothing.
        """
        if self._last_run is not None and self.clock() - self._last_run < self.every:
            return 0
        return sum(r.reads_deleted for r in self.run())
