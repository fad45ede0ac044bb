"""``DetectionStore`` on SQL: contiguous batches per stream, search, and site heartbeats."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import false, select, tuple_, update
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
from cloud_plane.records.paging import (
    Page,
    cursor_int,
    cursor_text,
    cursor_time,
    decode_cursor,
    encode_cursor,
)
from cloud_plane.records.sites import BacklogSample
from cloud_plane.store.sql.database import SqlDatabase, before
from cloud_plane.store.sql.sites import load_site
from cloud_plane.store.tables import DetectionRow, ReadCountRow, SiteRow, StreamRow
from sync_protocol.detections import DetectionRecord
from sync_protocol.messages import Heartbeat
from sync_protocol.plate_rules import confusion_key, normalize_pattern
from sync_protocol.plate_search import fuzzy_keys, fuzzy_scan

FUZZY_SCAN_ROWS = 50_000  # rows one fuzzy page may scan before it returns what it has


class SqlDetections:
    """``DetectionStore`` over the stream and detection tables (heartbeats on the site row)."""

    def __init__(self, db: SqlDatabase, *, fuzzy_scan_rows: int = FUZZY_SCAN_ROWS) -> None:
        self._db = db
        self._fuzzy_scan_rows = fuzzy_scan_rows

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
                # One statement with a list of parameter sets (executemany): compiled once and
                # cached, where a multi-VALUES insert was rebuilt and compiled for every batch.
                conn.execute(
                    self._db.insert(conn, DetectionRow).on_conflict_do_nothing(),
                    [_detection_row(site_id, stream_id, r, received_at) for r in new],
                )
            if new:
                self._count(conn, site_id, new)
                mark = new[-1].seq
                conn.execute(
                    update(StreamRow)
                    .where(StreamRow.site_id == site_id, StreamRow.stream_id == stream_id)
                    .values(high_water=mark, updated_at=received_at)
                )
            return BatchOutcome(high_water=mark, stored=len(new))

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
        d = DetectionRow
        order = (d.received_at, d.site_id, d.stream_id, d.seq)
        stmt = select(DetectionRow).order_by(*(c.desc() for c in order))
        if query.cursor:
            at, site, stream, seq = decode_cursor(query.cursor, 4)
            position = (cursor_time(at), cursor_text(site), cursor_text(stream), cursor_int(seq))
            stmt = stmt.where(before(order, position))
        if query.site_ids is not None:
            # ``site_id || ''``: no index serves the filter, so the planner walks the order
            # index (which holds site_id) newest first and stops at the page's end, instead
            # of fetching and sorting every row of the sites through the primary key.
            site = d.site_id.op("||")("")
            stmt = stmt.where(site.in_(list(query.site_ids)) if query.site_ids else false())
        if query.camera_id is not None:
            stmt = stmt.where(d.camera_id == query.camera_id)
        if query.since:
            stmt = stmt.where(d.received_at >= query.since)
        if query.until:
            stmt = stmt.where(d.received_at < query.until)
        pattern = normalize_pattern(query.plate) if query.plate else ""
        with self._db.tx() as conn:
            keys = fuzzy_keys(pattern) if pattern and query.fuzzy else None
            if pattern and query.fuzzy and keys is None:  # a fuzzy wildcard: the bounded scan
                return self._fuzzy(conn, stmt, pattern, query.limit, self._fuzzy_scan_rows)
            if keys is not None:
                # A plain plate: the few hundred confusion keys it matches, by plate_key's index.
                stmt = stmt.where(d.plate_key.in_(sorted(keys)))
            elif pattern and ("*" in pattern or "?" in pattern):
                # Normalised patterns hold only A-Z, 0-9, * and ?: nothing to escape in LIKE.
                stmt = stmt.where(d.plate_norm.like(pattern.replace("*", "%").replace("?", "_")))
                head = _literal_head(pattern)
                if head:  # a range the plate index serves (LIKE alone scans every row)
                    stmt = stmt.where(d.plate_norm >= head, d.plate_norm < _next_text(head))
            elif pattern:
                stmt = stmt.where(d.plate_norm == pattern)
            rows = list(conn.execute(stmt.limit(query.limit + 1)).mappings())
        items = [_stored_detection(r) for r in rows]
        if len(items) > query.limit:
            return Page(items[: query.limit], _detection_cursor(items[query.limit - 1]))
        return Page(items, None)

    def _fuzzy(self, conn: Connection, stmt: Any, pattern: str, limit: int, bound: int) -> Page:
        # Scan only what the match and the cursor need; load whole rows for the matches alone.
        d = DetectionRow
        narrow = stmt.with_only_columns(
            d.received_at, d.site_id, d.stream_id, d.seq, d.plate_norm, d.plate_key
        )
        rows = conn.execute(narrow.execution_options(yield_per=5000)).mappings()
        try:
            page = fuzzy_scan(rows, pattern, limit, bound)
        finally:
            rows.close()
        keys = [(r["site_id"], r["stream_id"], r["seq"]) for r in page.items]
        full = {}
        if keys:
            found = conn.execute(
                select(DetectionRow).where(tuple_(d.site_id, d.stream_id, d.seq).in_(keys))
            ).mappings()
            full = {(r["site_id"], r["stream_id"], r["seq"]): _stored_detection(r) for r in found}
        after = page.resume_after
        cursor = None
        if after is not None:
            at = after["received_at"].isoformat()
            cursor = encode_cursor((at, after["site_id"], after["stream_id"], after["seq"]))
        return Page([full[k] for k in keys if k in full], cursor)

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


def _literal_head(pattern: str) -> str:
    """The characters of a pattern before its first wildcard."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    return pattern[:cut]


def _next_text(head: str) -> str:
    """The smallest string above every string starting with ``head`` (A-Z, 0-9 only)."""
    return head[:-1] + chr(ord(head[-1]) + 1)


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


def _stored_detection(row: Any) -> StoredDetection:
    vehicle = {k: row[f"vehicle_{k}"] for k in ("type", "make", "model", "color")}
    record = DetectionRecord.model_validate(
        {
            "id": uuid.UUID(row["id"]),
            "seq": row["seq"],
            "event_id": row["event_id"],
            "camera_id": row["camera_id"],
            "source_camera": row["source_camera"],
            "captured_at": row["captured_at"],
            "received_at": row["received_at"],
            "plate": row["plate"],
            "plate_norm": row["plate_norm"],
            "confidence": row["confidence"],
            "region": row["region"],
            "direction": row["direction"],
            "bbox": json.loads(row["bbox"]) if row["bbox"] else None,
            "vehicle": vehicle if any(v is not None for v in vehicle.values()) else None,
            "image_sha256": row["image_sha256"],
        }
    )
    return StoredDetection(
        site_id=row["site_id"],
        stream_id=row["stream_id"],
        ingested_at=row["ingested_at"],
        record=record,
    )


def _detection_cursor(d: StoredDetection) -> str:
    return encode_cursor((d.record.received_at.isoformat(), d.site_id, d.stream_id, d.record.seq))
