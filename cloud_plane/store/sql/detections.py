"""``DetectionStore`` on SQL: contiguous batches per stream (with the plate dictionary), search
(``detection_search``), and site heartbeats."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import false, select, update
from sqlalchemy.engine import Connection

from cloud_plane.records.backlog import add_sample, decode_samples, encode_samples
from cloud_plane.records.detections import (
    BatchOutcome,
    DetectionQuery,
    HourlyReads,
    StoredDetection,
    hour_of,
    require_contiguous,
)
from cloud_plane.records.paging import Page
from cloud_plane.records.sites import BacklogSample
from cloud_plane.store.sql.corrections import correct_read
from cloud_plane.store.sql.database import SqlDatabase
from cloud_plane.store.sql.detection_search import search_detections
from cloud_plane.store.sql.plate_dictionary import record_reads
from cloud_plane.store.sql.sites import load_site
from cloud_plane.store.tables import DetectionRow, ReadCountRow, SiteRow, StreamRow
from sync_protocol.corrections import ReadCorrection
from sync_protocol.detections import DetectionRecord
from sync_protocol.messages import Heartbeat
from sync_protocol.plate_rules import confusion_key


class SqlDetections:
    """``DetectionStore`` over the stream and detection tables (heartbeats on the site row)."""

    def __init__(self, db: SqlDatabase, *, walk_above: int | None = None) -> None:
        self._db = db
        self._walk_above = walk_above  # a wildcard's keys past which it walks (tests fix it)

    def put_batch(
        self,
        site_id: str,
        stream_id: str,
        records: Sequence[DetectionRecord],
        *,
        received_at: datetime,
    ) -> BatchOutcome:
        """Store a contiguous batch idempotently; refuse it whole past a gap."""
        require_contiguous(records)
        with self._db.tx(write=True) as conn:
            mark = self._lock_stream(conn, site_id, stream_id, received_at)
            if not records:
                return BatchOutcome(high_water=mark)
            if records[0].seq > mark + 1:
                return BatchOutcome(high_water=mark, gap=True)
            new = [r for r in records if r.seq > mark]
            if new:
                rows = [_detection_row(site_id, stream_id, r, received_at) for r in new]
                # One statement with a list of parameter sets (executemany): compiled once and
                # cached, where a multi-VALUES insert was rebuilt and compiled for every batch.
                conn.execute(self._db.insert(conn, DetectionRow).on_conflict_do_nothing(), rows)
                # Only reads past the high-water mark get here (the stream's row is locked):
                # each is new, so a resent batch adds nothing to the dictionary.
                record_reads(conn, site_id, rows)
                self._count(conn, site_id, new)
                mark = new[-1].seq
                conn.execute(
                    update(StreamRow)
                    .where(StreamRow.site_id == site_id, StreamRow.stream_id == stream_id)
                    .values(high_water=mark, updated_at=received_at)
                )
            return BatchOutcome(high_water=mark, stored=len(new))

    def apply_correction(
        self, site_id: str, correction: ReadCorrection, *, applied_at: datetime
    ) -> StoredDetection | None:
        """Update the read to the correction's values if its revision is newer; return it
        (``corrections.py``; ``applied_at`` is not kept: the row keeps when the read came)."""
        values = _detection_row(site_id, correction.stream_id, correction.record, applied_at)
        with self._db.tx(write=True) as conn:
            return correct_read(conn, site_id, correction, values)

    def _count(self, conn: Connection, site_id: str, new: Sequence[DetectionRecord]) -> None:
        """Add the batch to the per-hour counters (a handful of rows per batch)."""
        counts = Counter((hour_of(r.received_at), r.camera_id) for r in new)
        stmt = self._db.insert(conn, ReadCountRow)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["site_id", "hour", "camera_id"],
                set_={"reads": ReadCountRow.reads + stmt.excluded.reads},
            ),
            [
                {"site_id": site_id, "hour": hour, "camera_id": camera, "reads": n}
                for (hour, camera), n in sorted(counts.items())
            ],
        )

    def hourly_reads(
        self, site_ids: Collection[str] | None, *, since: datetime, until: datetime
    ) -> list[HourlyReads]:
        """Return reads per site, camera and hour in [since, until), by hour."""
        c = ReadCountRow
        stmt = (
            select(c.site_id, c.hour, c.camera_id, c.reads)
            .where(c.hour >= hour_of(since), c.hour < until)
            .order_by(c.hour, c.site_id, c.camera_id)
        )
        if site_ids is not None:
            stmt = stmt.where(c.site_id.in_(list(site_ids)) if site_ids else false())
        with self._db.tx() as conn:
            return [HourlyReads(*row) for row in conn.execute(stmt)]

    def _lock_stream(self, conn: Connection, site_id: str, stream_id: str, now: datetime) -> int:
        conn.execute(
            self._db.insert(conn, StreamRow)
            .values(site_id=site_id, stream_id=stream_id, high_water=0, updated_at=now)
            .on_conflict_do_nothing()
        )
        return conn.execute(
            select(StreamRow.high_water)
            .where(StreamRow.site_id == site_id, StreamRow.stream_id == stream_id)
            .with_for_update()
        ).scalar_one()

    def high_water(self, site_id: str, stream_id: str) -> int:
        """Return the contiguous high-water seq held for the stream (0: nothing)."""
        with self._db.tx() as conn:
            mark = conn.execute(
                select(StreamRow.high_water).where(
                    StreamRow.site_id == site_id, StreamRow.stream_id == stream_id
                )
            ).scalar_one_or_none()
        return mark or 0

    def search_detections(self, query: DetectionQuery) -> Page[StoredDetection]:
        """Return one page of detections, newest first by (received_at, site, stream, seq)."""
        with self._db.tx() as conn:
            return search_detections(conn, query, walk_above=self._walk_above)

    def record_heartbeat(self, site_id: str, heartbeat: Heartbeat, received_at: datetime) -> None:
        """Keep the site's latest heartbeat and add its backlog sample; raise NotFound."""
        with self._db.tx(write=True) as conn:
            # The row is locked while its samples are read, folded and written back, so two
            # heartbeats of one site never drop each other's sample (SQLite: one writer).
            row = conn.execute(
                select(SiteRow.last_heartbeat_at, SiteRow.backlog_json)
                .where(SiteRow.site_id == site_id)
                .with_for_update()
            ).first()
            if row is None:
                load_site(conn, site_id)  # raises NotFound
                return
            if row.last_heartbeat_at is not None and row.last_heartbeat_at > received_at:
                return  # an older heartbeat never replaces a newer one
            sample = BacklogSample(
                received_at, heartbeat.backlog_count, heartbeat.backlog_oldest_age_s
            )
            samples = add_sample(decode_samples(row.backlog_json), sample)
            conn.execute(
                update(SiteRow)
                .where(SiteRow.site_id == site_id)
                .values(
                    last_heartbeat_at=received_at,
                    heartbeat_json=heartbeat.model_dump_json(),
                    backlog_json=encode_samples(samples),
                )
            )


def _detection_row(
    site_id: str, stream_id: str, r: DetectionRecord, ingested_at: datetime
) -> dict[str, Any]:
    vehicle = r.vehicle
    return {
        "site_id": site_id,
        "stream_id": stream_id,
        "seq": r.seq,
        "id": str(r.id),
        "event_id": r.event_id,
        "camera_id": r.camera_id,
        "source_camera": r.source_camera,
        "captured_at": r.captured_at,
        "received_at": r.received_at,
        "ingested_at": ingested_at,
        "plate": r.plate,
        "plate_norm": r.plate_norm,
        "plate_key": confusion_key(r.plate_norm),
        "confidence": r.confidence,
        "region": r.region,
        "direction": r.direction,
        "bbox": json.dumps(list(r.bbox)) if r.bbox is not None else None,
        "vehicle_type": vehicle.type if vehicle else None,
        "vehicle_make": vehicle.make if vehicle else None,
        "vehicle_model": vehicle.model if vehicle else None,
        "vehicle_color": vehicle.color if vehicle else None,
        "image_sha256": r.image_sha256,
    }
