"""How the read log is indexed by time on each database, and whether TimescaleDB is there.

``plan`` (pure) returns the SQL that migration 0011 runs; ``timescale_available`` asks the
server. The decision and its reasons are in the migration's docstring
(``migrations/versions/0011_detections_time_index.py``); in short: on PostgreSQL the time index
of ``detections`` is a BRIN index on ``received_at``, with or without TimescaleDB, and the table
does not become a hypertable.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

INDEX = "ix_detections_received_at"
"""One name on both databases: a B-tree on SQLite, BRIN on PostgreSQL (``tables.Detection``)."""

TIMESCALE = "timescaledb"


def timescale_available(conn: Connection) -> bool:
    """Whether the server could load TimescaleDB (installed, not necessarily created)."""
    if conn.dialect.name != "postgresql":
        return False
    found = conn.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = :name"), {"name": TIMESCALE}
    ).first()
    return found is not None


def plan(dialect: str, timescale_available: bool) -> list[str]:
    """The statements that give ``detections`` its time index on ``dialect``.

    ``timescale_available`` does not change them: ``detections`` cannot be a hypertable
    without giving up its global unique keys (see migration 0011); the BRIN index is what
    PostgreSQL gets either way.
    """
    if dialect != "postgresql":
        return []  # SQLite keeps its B-tree: BRIN is PostgreSQL's
    return [
        f"DROP INDEX IF EXISTS {INDEX}",
        # received_at only grows as rows are appended, so each block range covers a narrow
        # span of time: a range scan (retention, search, export, the last hour) reads few
        # blocks, from an index of kilobytes instead of a B-tree of gigabytes.
        f"CREATE INDEX {INDEX} ON detections USING brin (received_at)",
    ]


def undo_plan(dialect: str) -> list[str]:
    """The statements that put back the B-tree ``plan`` replaced."""
    if dialect != "postgresql":
        return []
    return [f"DROP INDEX IF EXISTS {INDEX}", f"CREATE INDEX {INDEX} ON detections (received_at)"]
