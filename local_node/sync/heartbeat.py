"""The heartbeat: node health, sync backlog and per-camera health, read from the node."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine, make_url

from local_node import __version__
from local_node.backups.health import BackupHealth, backup_health
from local_node.db import camera_errors
from local_node.db.tables import Camera, Detection
from local_node.sync import store
from sync_protocol.messages import MAX_CAMERAS, BackupState, CameraHealth, Heartbeat

OFFSET_SAMPLE = 50  # recent reads per camera for the clock offset median


def db_size_bytes(engine: Engine, conn: Connection) -> int:
    """Bytes of the database (SQLite: the file and its WAL; PostgreSQL: the database)."""
    if engine.dialect.name == "sqlite":
        path = Path(make_url(str(engine.url)).database or "")
        return sum(
            p.stat().st_size
            for p in (path, Path(f"{path}-wal"))
            if str(p) and p.exists() and p.is_file()
        )
    return int(conn.execute(select(func.pg_database_size(func.current_database()))).scalar_one())


def clock_offset(samples: list[tuple[datetime, datetime]]) -> float | None:
    """Camera clock minus node clock in seconds: the median of captured_at - received_at.

    Includes the delivery delay (a few ms to s); cameras buffering offline show as late.
    """
    if not samples:
        return None
    return round(statistics.median((c - r).total_seconds() for c, r in samples), 3)


def camera_health(
    conn: Connection,
    now: datetime,
    interval_s: float,
    errors: Mapping[str, Mapping[str, int]] | None = None,
) -> list[CameraHealth]:
    """Health of every enabled camera (most recently seen first, at most MAX_CAMERAS).

    ``errors``: camera id → reason → count (``camera_errors.window_counts``).
    """
    since = now - timedelta(seconds=interval_s)
    errors = errors or {}
    out = []
    enabled = select(Camera.id, Camera.name).where(
        Camera.disabled.is_(False), Camera.deleted_at.is_(None)
    )
    for cam, name in conn.execute(enabled).all():
        recent = conn.execute(
            select(Detection.captured_at, Detection.received_at)
            .where(Detection.camera_id == cam)
            .order_by(Detection.seq.desc())
            .limit(OFFSET_SAMPLE)
        ).all()
        count = conn.execute(
            select(func.count())
            .select_from(Detection)
            .where(Detection.camera_id == cam, Detection.received_at >= since)
        ).scalar_one()
        out.append(
            CameraHealth(
                camera_id=cam,
                name=name,
                last_seen=recent[0].received_at if recent else None,
                detections_last_interval=count,
                errors=sum(errors.get(cam, {}).values()),
                errors_by_reason=dict(errors.get(cam, {})),
                clock_offset_s=clock_offset([(r.captured_at, r.received_at) for r in recent]),
            )
        )
    out.sort(key=lambda c: (c.last_seen is None, -(c.last_seen.timestamp() if c.last_seen else 0)))
    return out[:MAX_CAMERAS]


def build_heartbeat(
    engine: Engine,
    *,
    now: datetime,
    started_at: float,
    data_dir: Path,
    interval_s: float,
) -> Heartbeat:
    """A heartbeat as of ``now``; ``started_at`` is the process's time.monotonic() at start."""
    usage = os.statvfs(data_dir) if data_dir.exists() else None
    total = usage.f_blocks * usage.f_frsize if usage else 0
    free = usage.f_bavail * usage.f_frsize if usage else 0
    with engine.connect() as conn:
        backlog = store.backlog(conn, now)
        errors = camera_errors.window_counts(conn, now)
        cameras = camera_health(conn, now, interval_s, errors)
        size = db_size_bytes(engine, conn)
        backup = backup_state(backup_health(conn))
    return Heartbeat(
        node_version=__version__,
        uptime_s=max(0.0, time.monotonic() - started_at),
        disk_used_bytes=max(0, total - free),
        disk_total_bytes=total,
        db_size_bytes=size,
        backlog_count=backlog.count,
        backlog_oldest_age_s=backlog.oldest_age_s,
        cameras=cameras,
        errors_window_s=camera_errors.WINDOW_S,
        unattributed_errors=errors.get(camera_errors.UNNAMED, {}),
        backup=backup,
    )


def backup_state(health: BackupHealth) -> BackupState | None:
    """The heartbeat's backup state (None: no backup has finished yet)."""
    if health.last_ok_at is None and health.last_failed_at is None:
        return None
    error = " ".join(health.error.split())[:500] if health.error else None  # one bounded line
    return BackupState(
        last_ok_at=health.last_ok_at, last_failed_at=health.last_failed_at, error=error
    )
