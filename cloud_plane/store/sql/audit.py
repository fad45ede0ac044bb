"""``AuditLog`` on SQL: rows of ``cloud_audit_log``, which a trigger keeps append-only."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import false, insert, select

from cloud_plane.records.audit import AuditQuery
from cloud_plane.records.paging import (
    Page,
    cursor_int,
    cursor_time,
    decode_cursor,
    encode_cursor,
)
from cloud_plane.store.sql.database import SqlDatabase, before
from cloud_plane.store.tables import AuditRow
from sync_protocol.audit import AuditRecord, bounded, detail_json


class SqlAudit:
    """``AuditLog`` over the audit table (newest first by ``at``, then id)."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def append(self, record: AuditRecord) -> AuditRecord:
        """Insert the bounded record; return it with its row id."""
        entry = bounded(record)
        row = {
            "at": entry.at,
            "actor": entry.actor,
            "action": str(entry.action),
            "site_id": entry.site_id,
            "target": entry.target,
            "reason": entry.reason,
            "source": entry.source,
            "detail_json": detail_json(entry.detail),
        }
        with self._db.tx(write=True) as conn:
            new_id = conn.execute(insert(AuditRow).values(row).returning(AuditRow.id)).scalar_one()
        return replace(entry, id=new_id)

    def list(self, query: AuditQuery) -> Page[AuditRecord]:
        """One page newest first; InvalidInput for a cursor not ours."""
        a = AuditRow
        order = (a.at, a.id)
        stmt = select(AuditRow).order_by(a.at.desc(), a.id.desc()).limit(query.limit + 1)
        if query.cursor:
            at, row_id = decode_cursor(query.cursor, 2)
            stmt = stmt.where(before(order, (cursor_time(at), cursor_int(row_id))))
        if query.since is not None:
            stmt = stmt.where(a.at >= query.since)
        if query.until is not None:
            stmt = stmt.where(a.at < query.until)
        if query.actor:
            stmt = stmt.where(a.actor == query.actor)
        if query.action:
            stmt = stmt.where(a.action == query.action)
        if query.site_ids is not None:
            ids = sorted(query.site_ids)
            stmt = stmt.where(a.site_id.in_(ids) if ids else false())
        with self._db.tx() as conn:
            items = [_record(r) for r in conn.execute(stmt).mappings()]
        if len(items) > query.limit:
            last = items[query.limit - 1]
            return Page(items[: query.limit], encode_cursor((last.at.isoformat(), last.id)))
        return Page(items, None)


def _record(row: Any) -> AuditRecord:
    return AuditRecord(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        site_id=row["site_id"],
        target=row["target"],
        reason=row["reason"],
        source=row["source"],
        detail=json.loads(row["detail_json"]) if row["detail_json"] else {},
    )
