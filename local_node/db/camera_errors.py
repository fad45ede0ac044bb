"""Camera error counts in the node database: added to by the API, summed for the heartbeat.

Counts live per (camera, reason, ``SLOT_S`` slot); the heartbeat sums the slots of the last
``WINDOW_S``, so what the cloud shows is a rolling hour, the same however often the node
heartbeats and whether or not an exchange was lost. Slots older than the window are deleted
whenever counts are added, so the table holds at most cameras × reasons × 13 rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from local_node.db.tables import CameraErrorCount

SLOT_S = 300
"""Counts are kept per five minutes."""
WINDOW_S = 3600.0
"""The heartbeat reports the errors of the last hour (the slots starting within it)."""
UNNAMED = ""
"""The ``camera_id`` of refused posts that named no camera (a missing or unknown key)."""

TABLE: Table = CameraErrorCount.__table__  # type: ignore[attr-defined]

ErrorKey = tuple[str, str, datetime]
"""(camera id or ``UNNAMED``, reason, slot start)."""


def slot_of(at: datetime) -> datetime:
    """Return the start of the slot ``at`` falls in."""
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % SLOT_S, UTC)


def add_counts(engine: Engine, counts: Mapping[ErrorKey, int], now: datetime) -> None:
    """Add ``counts`` to the stored ones (one transaction) and drop slots past the window."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    with engine.begin() as conn:
        for (camera_id, reason, slot_start), n in counts.items():
            stmt = dialect.insert(TABLE).values(
                camera_id=camera_id, reason=reason, slot_start=slot_start, count=n
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["camera_id", "reason", "slot_start"],
                    set_={"count": TABLE.c.count + stmt.excluded.count},
                )
            )
        cutoff = now - timedelta(seconds=WINDOW_S + SLOT_S)
        conn.execute(delete(TABLE).where(TABLE.c.slot_start < cutoff))


def window_counts(conn: Connection, now: datetime) -> dict[str, dict[str, int]]:
    """Return camera id (``UNNAMED`` for none) → reason → errors within the last ``WINDOW_S``."""
    since = slot_of(now - timedelta(seconds=WINDOW_S - SLOT_S))
    rows = conn.execute(
        select(TABLE.c.camera_id, TABLE.c.reason, func.sum(TABLE.c.count))
        .where(TABLE.c.slot_start >= since)
        .group_by(TABLE.c.camera_id, TABLE.c.reason)
    ).all()
    out: dict[str, dict[str, int]] = {}
    for camera_id, reason, total in rows:
        if total:
            out.setdefault(camera_id, {})[reason] = int(total)
    return out
