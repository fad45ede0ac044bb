"""Reading the audit log: a filtered page newest first (paged by id), or every match in order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from local_node.db.tables import AuditEntry
from sync_protocol.audit import AuditRecord

EXPORT_BATCH = 1000


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: at or after ``since``, before ``until``, this actor, this action."""

    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    action: str | None = None


def _where(f: AuditFilter) -> list:
    table = AuditEntry.__table__.c  # type: ignore[attr-defined]
    where = []
    if f.since is not None:
        where.append(table.at >= f.since)
    if f.until is not None:
        where.append(table.at < f.until)
    if f.actor:
        where.append(table.actor == f.actor)
    if f.action:
        where.append(table.action == f.action)
    return where


def _record(row) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        target=row.target,
        reason=row.reason,
        source=row.source,
        detail=json.loads(row.detail_json) if row.detail_json else {},
    )


def page(
    engine: Engine, f: AuditFilter, *, before_id: int | None = None, limit: int = 50
) -> tuple[list[AuditRecord], int | None]:
    """Up to ``limit`` entries newest first (ids below ``before_id``), and the next page's id."""
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    stmt = select(table).where(*_where(f)).order_by(table.c.id.desc()).limit(limit + 1)
    if before_id is not None:
        stmt = stmt.where(table.c.id < before_id)
    with engine.connect() as conn:
        rows = [_record(r) for r in conn.execute(stmt)]
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, int(rows[-1].id or 0)
    return rows, None


def every(engine: Engine, f: AuditFilter) -> Iterator[AuditRecord]:
    """Every matching entry oldest first, read in batches (no connection held between them).

    For exports: constant memory, and a long download never holds a transaction open.
    """
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    after = 0
    while True:
        stmt = (
            select(table)
            .where(*_where(f), table.c.id > after)
            .order_by(table.c.id)
            .limit(EXPORT_BATCH)
        )
        with engine.connect() as conn:
            batch = [_record(r) for r in conn.execute(stmt)]
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        after = int(batch[-1].id or 0)
