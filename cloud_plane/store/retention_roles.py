"""The store's retention role: delete a site's reads past a cutoff, and keep a record of runs.

The policy (which sites, which cutoff, why hits go with their reads) is pure and lives in
``records/retention.py``; the periodic job that drives this role in ``cloud_plane/retention``.

``delete_reads`` deletes a bounded batch per call, so no call holds a lock for long (SQL: one
short transaction each) and the job repeats it until a call deletes less than its limit. Two
callers at once (two workers, two monitor Lambdas) may race over the same batch: every read
and hit is deleted once and counted by the one call that deleted it, so the counts of the
callers add up to what went.

DynamoDB also expires the items by TTL, computed from the site's retention when they were
written; a call there deletes what TTL has not removed yet (after a retention was shortened,
or before DynamoDB got round to it: TTL deletes within days, not at the second).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from cloud_plane.records.retention import Deleted, RetentionRun


class ReadRetentionStore(Protocol):
    """Deleting a site's reads past a cutoff, and the record of each run that deleted some."""

    def delete_reads(self, site_id: str, cutoff: datetime, limit: int) -> Deleted:
        """Delete up to ``limit`` of the site's reads received before ``cutoff``, up to
        ``limit`` of its hits stored before it, and its read counts of hours ended by it.

        Return what this call deleted (read counts are not counted: they are not reads);
        nothing deleted: nothing is left before the cutoff (unless a racing caller is
        deleting it). Another site's data is never touched. DynamoDB deletes whole chunks of
        reads, so one chunk may take a call past ``limit``.
        """
        ...

    def record_run(self, run: RetentionRun) -> None:
        """Keep the record of one run at one site (the job calls it only if something went)."""
        ...

    def list_runs(self, *, site_id: str | None = None, limit: int = 50) -> list[RetentionRun]:
        """Return the recorded runs newest first (by start), only ``site_id``'s if given."""
        ...
