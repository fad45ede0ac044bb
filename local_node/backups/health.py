"""The node's backup health, read from ``backup_runs``: the last success, the last failure.

One reading for `/api/v1/status`, `/metrics`, the heartbeat and `node backup list`, so they
cannot disagree; the runs may be made by another process (the agent's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row
from sqlmodel import col

from local_node.db.tables import BackupRun


@dataclass(frozen=True)
class BackupHealth:
    """When backups last succeeded and failed, the last failure's error, failures so far."""

    last_ok_at: datetime | None
    last_failed_at: datetime | None
    error: str | None
    failures: int

    @property
    def failing(self) -> bool:
        """Whether the latest finished backup failed."""
        if self.last_failed_at is None:
            return False
        return self.last_ok_at is None or self.last_failed_at > self.last_ok_at


def backup_health(conn: Connection) -> BackupHealth:
    """Return the backup health recorded in ``backup_runs``."""
    status, started = col(BackupRun.status), col(BackupRun.started_at)
    last_ok = conn.execute(select(func.max(started)).where(status == "ok")).scalar()
    failed = conn.execute(
        select(started, col(BackupRun.error))
        .where(status == "failed")
        .order_by(started.desc(), col(BackupRun.id).desc())
        .limit(1)
    ).first()
    failures = conn.execute(
        select(func.count()).select_from(BackupRun).where(status == "failed")
    ).scalar_one()
    return BackupHealth(
        last_ok_at=last_ok,
        last_failed_at=failed.started_at if failed else None,
        error=failed.error if failed else None,
        failures=int(failures),
    )


def recent_runs(conn: Connection, limit: int = 20) -> list[Row[Any]]:
    """Return the newest backup runs (rows of ``backup_runs``), newest first."""
    newest_first = (col(BackupRun.started_at).desc(), col(BackupRun.id).desc())
    return list(conn.execute(select(BackupRun).order_by(*newest_first).limit(limit)).all())
