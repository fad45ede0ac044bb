"""Purging hotlist tombstones past the retention window: the periodic job and its batches.

A deleted entry stays as a tombstone so that nodes get the deletion in their delta. Once it
is older than the retention window (``EDGESYNC_CLOUD_HOTLIST_TOMBSTONE_RETENTION_DAYS``) it
goes, and the store's purge mark rises past it: a node that has not synced since (its
version below the mark) gets a snapshot instead of a delta, which is always safe.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cloud_plane.clock import Clock
from cloud_plane.store.roles import HotlistStore

log = logging.getLogger(__name__)

PURGE_BATCH = 500  # tombstones per store call: one short transaction (SQL) each
MAX_BATCHES = 20  # per run: bounded work; what is left waits for the next run
PURGE_EVERY = timedelta(hours=1)


def purge_tombstones(
    hotlist: HotlistStore,
    *,
    deleted_before: datetime,
    batch: int = PURGE_BATCH,
    max_batches: int = MAX_BATCHES,
) -> int:
    """Purge tombstones deleted before ``deleted_before`` in batches; return how many went."""
    if batch < 1 or max_batches < 1:
        raise ValueError(f"need batch >= 1 and max_batches >= 1, got {batch}, {max_batches}")
    total = 0
    for _ in range(max_batches):
        removed = hotlist.purge_tombstones(deleted_before, batch)
        total += removed
        if removed:
            log.info(
                "hotlist tombstones purged: %d (%d so far this run); nodes below version %d "
                "now get a snapshot",
                removed,
                total,
                hotlist.oldest_retained_version() - 1,
            )
        if removed < batch:
            break
    else:
        log.info("hotlist purge stopped after %d batches; the rest goes next run", max_batches)
    return total


@dataclass
class TombstonePurger:
    """The periodic job: purge tombstones older than ``retention``, at most once per ``every``."""

    hotlist: HotlistStore
    clock: Clock
    retention: timedelta
    every: timedelta = PURGE_EVERY
    _last_run: datetime | None = field(default=None, init=False)

    def run(self) -> int:
        """Purge now; return how many tombstones went."""
        now = self.clock()
        self._last_run = now
        return purge_tombstones(self.hotlist, deleted_before=now - self.retention)

    def run_if_due(self) -> int:
        """Purge if ``every`` has passed since the last run (or none ran); return how many went.

        Called as often as the other periodic jobs (each health check, each monitor Lambda
        run); the clock decides. A new process (a cold Lambda) runs it at once: purging is
        idempotent, and cheap when nothing is due.
        """
        if self._last_run is not None and self.clock() - self._last_run < self.every:
            return 0
        return self.run()
