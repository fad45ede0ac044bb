"""``HitStore`` on SQL: hits deduplicated by (detection, list, plate), newest first."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import false, select, update

from cloud_plane.records.hits import HISTORICAL_MARK, StoredHit
from cloud_plane.records.paging import (
    Page,
    cursor_text,
    cursor_time,
    decode_cursor,
    encode_cursor,
)
from cloud_plane.store.rows import from_row
from cloud_plane.store.sql.database import SqlDatabase, before
from cloud_plane.store.tables import HitRow, MetaRow


class SqlHits:
    """``HitStore`` over the hit table."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def put_hit(self, hit: StoredHit) -> bool:
        """Store a hit once per (detection_id, list_name, plate_norm); return True if new."""
        row = {
            "detection_id": str(hit.detection_id),
            "list_name": hit.list_name,
            "plate_norm": hit.plate_norm,
            "site_id": hit.site_id,
            "stream_id": hit.stream_id,
            "seq": hit.seq,
            "match_kind": hit.match_kind,
            "source": hit.source,
            "plate": hit.plate,
            "camera_id": hit.camera_id,
            "captured_at": hit.captured_at,
            "hotlist_version": hit.hotlist_version,
            "created_at": hit.created_at,
            "image_sha256": hit.image_sha256,
            "historical": hit.historical,
        }
        with self._db.tx(write=True) as conn:
            inserted = conn.execute(
                self._db.insert(conn, HitRow)
                .values(row)
                .on_conflict_do_nothing()
                .returning(HitRow.detection_id)
            ).first()
            return inserted is not None

    def hit_detections(self, detection_ids: Collection[str]) -> set[str]:
        """Return which of these detections have at least one hit (one indexed lookup)."""
        if not detection_ids:
            return set()
        stmt = select(HitRow.detection_id).where(HitRow.detection_id.in_(list(detection_ids)))
        with self._db.tx() as conn:
            return set(conn.execute(stmt.distinct()).scalars())

    def list_hits(
        self,
        *,
        site_ids: Collection[str] | None = None,
        since: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[StoredHit]:
        """Return hits newest first by cloud receive time."""
        h = HitRow
        order = (h.created_at, h.detection_id, h.list_name, h.plate_norm)
        stmt = select(HitRow).order_by(*(c.desc() for c in order)).limit(limit + 1)
        if cursor:
            at, det, list_name, plate = decode_cursor(cursor, 4)
            texts = (cursor_text(det), cursor_text(list_name), cursor_text(plate))
            stmt = stmt.where(before(order, (cursor_time(at), *texts)))
        if site_ids is not None:
            stmt = stmt.where(h.site_id.in_(list(site_ids)) if site_ids else false())
        if since:
            stmt = stmt.where(h.created_at >= since)
        with self._db.tx() as conn:
            items = [_stored_hit(r) for r in conn.execute(stmt).mappings()]
        if len(items) > limit:
            last = items[limit - 1]
            position = (last.created_at, str(last.detection_id), last.list_name, last.plate_norm)
            return Page(items[:limit], encode_cursor(position))
        return Page(items, None)

    def list_entry_hits(
        self, list_name: str, plate_norm: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[StoredHit]:
        """Return one entry's hits, newest read first (the (list, plate) index)."""
        h = HitRow
        order = (h.captured_at, h.detection_id)
        stmt = (
            select(HitRow)
            .where(h.list_name == list_name, h.plate_norm == plate_norm)
            .order_by(*(c.desc() for c in order))
            .limit(limit + 1)
        )
        if cursor:
            at, det = decode_cursor(cursor, 2)
            stmt = stmt.where(before(order, (cursor_time(at), cursor_text(det))))
        with self._db.tx() as conn:
            items = [_stored_hit(r) for r in conn.execute(stmt).mappings()]
        if len(items) > limit:
            last = items[limit - 1]
            return Page(items[:limit], encode_cursor((last.captured_at, str(last.detection_id))))
        return Page(items, None)

    def historical_mark(self) -> int | None:
        """Return the hotlist version scanned for past reads so far (None: never set)."""
        with self._db.tx() as conn:
            value = conn.execute(
                select(MetaRow.int_value).where(MetaRow.name == HISTORICAL_MARK)
            ).scalar_one_or_none()
        return None if value is None else int(value)

    def set_historical_mark(self, version: int) -> None:
        """Raise the mark to ``version`` (a lower value leaves it)."""
        with self._db.tx(write=True) as conn:
            conn.execute(
                self._db.insert(conn, MetaRow)
                .values(name=HISTORICAL_MARK, int_value=0)
                .on_conflict_do_nothing()
            )
            conn.execute(
                update(MetaRow)
                .where(MetaRow.name == HISTORICAL_MARK, MetaRow.int_value < version)
                .values(int_value=version)
            )


def _stored_hit(row: Any) -> StoredHit:
    return from_row(StoredHit, row, detection_id=uuid.UUID(row["detection_id"]))
