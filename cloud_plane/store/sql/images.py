"""``ImageRequestStore`` on SQL: the ``cloud_image_requests`` rows and reads by their id."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from cloud_plane.records.images import ImageRequest, ReadHint, ReadRef
from cloud_plane.store.investigation_tables import ImageRequestRow
from cloud_plane.store.sql.database import SqlDatabase
from cloud_plane.store.tables import DetectionRow

T = ImageRequestRow


class SqlImages:
    """``ImageRequestStore`` over ``cloud_image_requests`` and ``cloud_detections``."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def find_read(
        self,
        detection_id: str,
        site_ids: Collection[str] | None,
        near: ReadHint | None = None,
    ) -> ReadRef | None:
        """Return the read by its id (indexed), only among ``site_ids`` if given (``near``
        is not needed here)."""
        stmt = select(DetectionRow.site_id, DetectionRow.image_sha256).where(
            DetectionRow.id == detection_id
        )
        if site_ids is not None:
            stmt = stmt.where(DetectionRow.site_id.in_(list(site_ids)))
        with self._db.tx() as conn:
            row = conn.execute(stmt.limit(1)).first()
        return None if row is None else ReadRef(detection_id, row.site_id, row.image_sha256)

    def put(self, request: ImageRequest) -> None:
        """Insert the request or replace every column of the one with its id."""
        values = asdict(request)
        with self._db.tx(write=True) as conn:
            stmt = self._db.insert(conn, T).values(**values)
            changes = {k: v for k, v in values.items() if k != "request_id"}
            conn.execute(stmt.on_conflict_do_update(index_elements=["request_id"], set_=changes))

    def get(self, request_id: str) -> ImageRequest | None:
        """Return the request, or None."""
        return self._one(select(T).where(T.request_id == request_id))

    def newest_for(self, detection_id: str) -> ImageRequest | None:
        """Return the read's newest request, or None."""
        stmt = select(T).where(T.detection_id == detection_id)
        return self._one(stmt.order_by(T.requested_at.desc(), T.request_id.desc()).limit(1))

    def waiting(self, site_id: str, *, resend_before: datetime, limit: int) -> list[ImageRequest]:
        """Return the site's pending requests and those sent before ``resend_before``."""
        stmt = (
            select(T)
            .where(
                T.site_id == site_id,
                or_(T.status == "pending", and_(T.status == "sent", T.sent_at < resend_before)),
            )
            .order_by(T.requested_at, T.request_id)
            .limit(limit)
        )
        return self._all(stmt)

    def stored_before(self, cutoff: datetime, limit: int) -> list[ImageRequest]:
        """Return stored requests that expire before ``cutoff``, soonest first."""
        stmt = (
            select(T)
            .where(T.status == "stored", T.expires_at < cutoff)
            .order_by(T.expires_at)
            .limit(limit)
        )
        return self._all(stmt)

    def _one(self, stmt: Any) -> ImageRequest | None:
        found = self._all(stmt)
        return found[0] if found else None

    def _all(self, stmt: Any) -> list[ImageRequest]:
        with self._db.tx() as conn:
            return [ImageRequest(**dict(r)) for r in conn.execute(stmt).mappings()]
