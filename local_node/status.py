"""What the node reports of itself: its stream, reads stored, sync agent, disk and backups.

One computation for `/api/v1/status` and the web app's Sync page, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from local_node.backups.health import BackupHealth, backup_health
from local_node.config import RetentionSettings, SyncSettings
from local_node.db import access
from local_node.db.camera_errors import window_counts
from local_node.db.tables import Detection, NodeState
from local_node.metrics import CameraFigures, SiteFigures
from local_node.sync.status import SyncSummary, summary


@dataclass(frozen=True)
class DiskUse:
    """The data volume and the image store's share of it."""

    total_bytes: int
    free_bytes: int
    image_bytes: int
    budget_bytes: int | None


@dataclass(frozen=True)
class SiteStatus:
    """The node's stream, how many reads it holds, its sync agent and its disk."""

    stream_id: str
    last_seq: int
    detections: int
    sync: SyncSummary
    disk: DiskUse
    backup: BackupHealth


def _agent(conn: Connection, now: datetime, sync: SyncSettings) -> SyncSummary:
    """The agent's state; the cloud counts as reachable for three heartbeats after a success."""
    return summary(
        conn, now, fresh_s=3 * sync.heartbeat_interval_s, default_cloud_url=sync.cloud_url
    )


def site_status(
    engine: Engine,
    now: datetime,
    *,
    sync: SyncSettings,
    retention: RetentionSettings,
    image_bytes: int,
    volume: tuple[int, int],
) -> SiteStatus:
    """The node's status; ``volume`` is the data volume's (total, free) bytes."""
    with engine.connect() as conn:
        state = conn.execute(select(NodeState).where(NodeState.id == 1)).one()
        agent = _agent(conn, now, sync)
        total = conn.execute(select(func.count()).select_from(Detection)).scalar_one()
        backups = backup_health(conn)
    return SiteStatus(
        stream_id=state.stream_id,
        last_seq=state.next_seq - 1,
        detections=total,
        sync=agent,
        disk=DiskUse(
            total_bytes=volume[0],
            free_bytes=volume[1],
            image_bytes=image_bytes,
            budget_bytes=retention.disk_budget_bytes,
        ),
        backup=backups,
    )


def scrape_figures(
    engine: Engine,
    now: datetime,
    *,
    sync: SyncSettings,
    retention: RetentionSettings,
    image_bytes: int,
    volume: tuple[int, int],
    writer_pending: int,
) -> SiteFigures:
    """What a Prometheus scrape reports of the site (no count over the whole read log: a
    scrape every 15 s must stay cheap at millions of reads)."""
    cameras = access.camera_health(engine, now, since=now - timedelta(hours=1))
    with engine.connect() as conn:
        agent = _agent(conn, now, sync)
        errors = window_counts(conn, now)
        backups = backup_health(conn)  # the agent's process records the runs
    return SiteFigures(
        backlog_records=agent.backlog_count,
        backlog_oldest_age_s=agent.backlog_oldest_age_s,
        last_sync_success_at=agent.last_success_at,
        disk_total_bytes=volume[0],
        disk_free_bytes=volume[1],
        image_bytes=image_bytes,
        image_budget_bytes=retention.disk_budget_bytes,
        writer_pending=writer_pending,
        cameras=[
            CameraFigures(c.camera.id, c.camera.name, c.last_read_at, c.reads_today)
            for c in cameras
        ],
        camera_errors=errors,
        backup_last_ok_at=backups.last_ok_at,
        backup_failures=backups.failures,
    )
