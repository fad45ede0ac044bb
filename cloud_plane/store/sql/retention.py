"""``ReadRetentionStore`` on SQL: batched deletes of a site's old reads, and the run records.

Each ``delete_reads`` is one short write transaction per kind: select up to ``limit`` keys
past the cutoff, then delete exactly those keys, still past the cutoff, counting the rows
really removed. Racing callers never take the same rows: on PostgreSQL the select locks its
rows and skips rows another caller has locked (``FOR UPDATE SKIP LOCKED``: no waiting on
each other, no deadlock over rows locked in different orders, the second caller takes the
next batch); SQLite's writers take turns (``BEGIN IMMEDIATE``). So each read is counted once,
and taken off the plate dictionary once (``plate_dictionary.forget_reads``, same transaction).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from cloud_plane.records.retention import Deleted, RetentionRun
from cloud_plane.store.sql.database import SqlDatabase
from cloud_plane.store.sql.plate_dictionary import forget_reads
from cloud_plane.store.tables import DetectionRow, HitRow, ReadCountRow, RetentionRunRow

HOUR = timedelta(hours=1)


class SqlRetention:
    """``ReadRetentionStore`` over the detection, hit, read-count and run tables."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def delete_reads(self, site_id: str, cutoff: datetime, limit: int) -> Deleted:
        """Delete up to ``limit`` reads and hits of the site from before ``cutoff``."""
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        reads = self._delete_batch(
            (DetectionRow.site_id, DetectionRow.stream_id, DetectionRow.seq),
            DetectionRow.received_at,
            (DetectionRow.site_id == site_id, DetectionRow.received_at < cutoff),
            limit,
            forget_plates_of=site_id,
        )
        hits = self._delete_batch(
            (HitRow.detection_id, HitRow.list_name, HitRow.plate_norm),
            HitRow.created_at,
            (HitRow.site_id == site_id, HitRow.created_at < cutoff),
            limit,
        )
        # Counts of hours that ended by the cutoff: the charts then show what is still held.
        self._delete_batch(
            (ReadCountRow.site_id, ReadCountRow.hour, ReadCountRow.camera_id),
            ReadCountRow.hour,
            (ReadCountRow.site_id == site_id, ReadCountRow.hour <= cutoff - HOUR),
            limit,
        )
        return Deleted(reads=reads, hits=hits)

    def _delete_batch(
        self,
        key: tuple[Any, ...],
        order: Any,
        where: tuple[ColumnElement[bool], ...],
        limit: int,
        *,
        forget_plates_of: str | None = None,
    ) -> int:
        """Delete up to ``limit`` rows; with ``forget_plates_of`` (reads of that site), take the
        deleted reads off the plate dictionary in the same transaction."""
        with self._db.tx(write=True) as conn:
            found = conn.execute(
                select(*key)
                .where(*where)
                .order_by(order)
                .limit(limit)
                .with_for_update(skip_locked=True)  # PostgreSQL; SQLite writers take turns
            )
            keys = [tuple(r) for r in found]
            if not keys:
                return 0
            gone = delete(key[0].table).where(tuple_(*key).in_(keys), *where)
            if forget_plates_of is None:
                return int(conn.execute(gone).rowcount)
            plates = list(conn.execute(gone.returning(DetectionRow.plate_norm)).scalars())
            forget_reads(conn, forget_plates_of, plates)
            return len(plates)

    def record_run(self, run: RetentionRun) -> None:
        """Keep the record of one run at one site."""
        with self._db.tx(write=True) as conn:
            conn.execute(
                self._db.insert(conn, RetentionRunRow).values(
                    site_id=run.site_id,
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    cutoff=run.cutoff,
                    reads_deleted=run.reads_deleted,
                    hits_deleted=run.hits_deleted,
                )
            )

    def list_runs(self, *, site_id: str | None = None, limit: int = 50) -> list[RetentionRun]:
        """Return the recorded runs newest first, only ``site_id``'s if given."""
        stmt = select(RetentionRunRow).order_by(
            RetentionRunRow.started_at.desc(), RetentionRunRow.id.desc()
        )
        if site_id is not None:
            stmt = stmt.where(RetentionRunRow.site_id == site_id)
        with self._db.tx() as conn:
            return [
                RetentionRun(
                    site_id=r["site_id"],
                    started_at=r["started_at"],
                    finished_at=r["finished_at"],
                    cutoff=r["cutoff"],
                    reads_deleted=r["reads_deleted"],
                    hits_deleted=r["hits_deleted"],
                )
                for r in conn.execute(stmt.limit(limit)).mappings()
            ]
