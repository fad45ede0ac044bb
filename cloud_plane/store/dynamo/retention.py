"""``ReadRetentionStore`` on DynamoDB: what TTL has not deleted yet, and the run records.

TTL does most of the work for free: every read, hit and counter item carries ``expires_at``
from its site's retention when it was written (``db.py``), and DynamoDB deletes it some time
after (typically within days; it records nothing per deletion, and readers hide the item
meanwhile). What TTL cannot do is follow a retention shortened after the items were written
(or set on a site whose items were written to be kept). So the retention job also runs here,
and ``delete_reads`` deletes only what TTL would not remove by now: items past the cutoff
with no ``expires_at`` or one still in the future. An item whose TTL is due is left to TTL
(free; a DeleteItem costs a write unit, as much as writing the read did), so on DynamoDB a
run's record counts what the job deleted, not what TTL deleted. Each delete is one
DeleteItem returning the old item, so that exactly one racing caller counts it:

- the site's chunks whose newest read is before the cutoff, walking its day partitions from
  the ``DETSITES`` first day up to the cutoff's day, and each of their reads' plate items. A
  chunk holding reads on both sides of the cutoff stays until its newest read passes: its
  older reads are already hidden from searches (readers skip reads past the site's current
  retention) and go at a later run or by TTL. Once every day before the cutoff's is walked,
  the site's first day moves up to it, so later runs and searches start there;
- the site's hits created before the cutoff (its ``HITSITE`` index partition) and their
  "has a hit" markers;
- the site's hourly counters of hours ended by the cutoff (not counted as reads).

A run record is an item in the one ``RETENTIONRUNS`` partition (runs are rare: one per site per
run that deleted something), listed newest first by a descending Query.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from cloud_plane.records.retention import Deleted, RetentionRun
from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.detection_items import chunk_rows
from sync_protocol.plate_rules import confusion_key

HOUR = timedelta(hours=1)
PAGE = 100  # items a Query page evaluates (items TTL is due to delete are read and skipped)


class DynamoRetention:
    """``ReadRetentionStore`` over the single table."""

    def __init__(self, db: DynamoDb) -> None:
        self._db = db
        self._table = db.table

    def delete_reads(self, site_id: str, cutoff: datetime, limit: int) -> Deleted:
        """Delete up to ``limit`` reads and hits of the site from before ``cutoff``."""
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        self._delete_counters(site_id, cutoff, limit)
        reads = self._delete_chunks(site_id, cutoff, limit)
        return Deleted(reads=reads, hits=self._delete_hits(site_id, cutoff, limit))

    def _delete_chunks(self, site_id: str, cutoff: datetime, limit: int) -> int:
        site = self._table.get(keys.detection_site(site_id))
        if site is None or "first_day" not in site:
            return 0
        cut = keys.time_text(cutoff)
        first, last = date.fromisoformat(site["first_day"]), date.fromisoformat(cut[:10])
        deleted = examined = 0
        now = self._now()
        day = first
        while day <= last:
            partition = keys.detection_chunk_partition(site_id, day.isoformat())
            for chunk in self._table.query(
                "pk = :pk AND sk < :cut", values={":pk": partition, ":cut": cut}, consistent=True
            ):
                if ttl_due(chunk, now):  # its reads' plate items are due too (never later)
                    continue
                rows = chunk_rows(chunk)
                if examined and examined + len(rows) > limit:
                    return deleted  # the next chunk waits for the next call
                for row in rows:
                    at, _, stream_id, seq = keys.parse_time_sort_key(row.key)
                    key = confusion_key(row.plate_norm)
                    plate = keys.plate_detection(key, at, site_id, stream_id, seq)
                    deleted += self._table.delete(plate) is not None
                    examined += 1
                self._table.delete({"pk": chunk["pk"], "sk": chunk["sk"]})
            day += timedelta(days=1)
        if first < last:  # every day before the cutoff's is empty now: start there next time
            self._table.update(
                keys.detection_site(site_id),
                "SET first_day = :d",
                condition="first_day < :d",
                values={":d": last.isoformat()},
            )
        return deleted

    def _delete_hits(self, site_id: str, cutoff: datetime, limit: int) -> int:
        deleted = 0
        hits = self._not_due(
            "gsi2pk = :p AND gsi2sk < :cut",
            {":p": keys.hits_of_site(site_id), ":cut": keys.time_text(cutoff)},
            index="gsi2",
        )
        for item in itertools.islice(hits, limit):
            deleted += self._table.delete({"pk": item["pk"], "sk": item["sk"]}) is not None
            self._table.delete(keys.hit_marker(str(item["detection_id"])))
        return deleted

    def _delete_counters(self, site_id: str, cutoff: datetime, limit: int) -> None:
        partition = keys.hourly_reads(site_id, cutoff)["pk"]
        old = self._not_due(
            "pk = :pk AND sk <= :last",
            {":pk": partition, ":last": keys.time_text(cutoff - HOUR)},
        )
        self._table.batch_write(
            deletes=[{"pk": i["pk"], "sk": i["sk"]} for i in itertools.islice(old, limit)]
        )

    def _not_due(
        self, condition: str, values: dict[str, Any], *, index: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield the Query's items that TTL is not due to delete (oldest first)."""
        now = self._now()
        items = self._table.query(condition, values=values, index=index, page_size=PAGE)
        return (item for item in items if not ttl_due(item, now))

    def _now(self) -> int:
        return int(self._db.clock().timestamp())

    def record_run(self, run: RetentionRun) -> None:
        """Keep the record of one run at one site."""
        item: dict[str, Any] = {
            **keys.retention_run(run.started_at, run.site_id, uuid.uuid4().hex),
            "site_id": run.site_id,
            "started_at": keys.time_text(run.started_at),
            "finished_at": keys.time_text(run.finished_at),
            "cutoff": keys.time_text(run.cutoff),
            "reads_deleted": run.reads_deleted,
            "hits_deleted": run.hits_deleted,
        }
        self._table.put(item)

    def list_runs(self, *, site_id: str | None = None, limit: int = 50) -> list[RetentionRun]:
        """Return the recorded runs newest first, only ``site_id``'s if given."""
        runs: list[RetentionRun] = []
        for item in self._table.query(
            "pk = :pk", values={":pk": keys.RETENTION_RUNS}, forward=False, page_size=100
        ):
            if site_id is not None and item["site_id"] != site_id:
                continue
            runs.append(
                RetentionRun(
                    site_id=str(item["site_id"]),
                    started_at=keys.parse_time_text(item["started_at"]),
                    finished_at=keys.parse_time_text(item["finished_at"]),
                    cutoff=keys.parse_time_text(item["cutoff"]),
                    reads_deleted=int(item["reads_deleted"]),
                    hits_deleted=int(item["hits_deleted"]),
                )
            )
            if len(runs) >= limit:
                break
        return runs


def ttl_due(item: dict[str, Any], now: int) -> bool:
    """Return True if DynamoDB's TTL is due to delete ``item`` (its ``expires_at`` passed)."""
    expires = item.get("expires_at")
    return expires is not None and int(expires) <= now
