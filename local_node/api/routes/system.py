"""Health, status and metrics."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field
from sqlalchemy import select

from local_node import __version__
from local_node.auth import authenticate_token, presented_secret
from local_node.db import access
from local_node.deps import Services, ViewerAuth
from local_node.status import scrape_figures, site_status

router = APIRouter(tags=["system"])


class VendorStreamStatus(BaseModel):
    """A vendor agent's video stream posting as this camera (latest heartbeat, in memory)."""

    source_camera: str
    camera_name: str | None
    agent_uid: str | None
    agent_hostname: str | None
    agent_version: str | None
    fps: float | None
    is_streaming: bool | None
    last_update: datetime | None
    last_plate_read: datetime | None
    reported_at: datetime | None
    received_at: datetime


class CameraStatus(BaseModel):
    id: str
    name: str
    last_seen: datetime | None
    reads_last_hour: int
    vendor_streams: list[VendorStreamStatus] = []


class DiskStatus(BaseModel):
    total_bytes: int
    free_bytes: int
    image_bytes: int
    budget_bytes: int | None


class SyncStatus(BaseModel):
    cloud_url: str | None
    stream_id: str
    last_seq: int
    site_id: str | None = None
    backlog_count: int = 0
    backlog_oldest_age_s: float | None = None
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    cloud_reachable: bool = False
    hotlist_version: int = 0


class ImageCheckStatus(BaseModel):
    """Evidence of damaged images: the last check (at start or `node db check --images`)."""

    sync_mode: str
    filesystem: str
    last_check_scope: str | None = None
    last_check_at: datetime | None = None
    checked: int = 0
    damaged: int = 0
    damaged_ids: list[str] = []
    damaged_on_serve: list[str] = []


class BackupStatus(BaseModel):
    """The scheduled database backups: on or off, and the last success and failure."""

    enabled: bool
    schedule: str
    failing: bool = Field(description="the last finished backup failed")
    last_ok_at: datetime | None = None
    last_failed_at: datetime | None = None
    error: str | None = Field(default=None, description="why the last failed backup failed")
    failures: int = Field(default=0, description="failed backups recorded")


class NodeStatus(BaseModel):
    version: str
    uptime_s: float
    detections: int
    pending_writes: int
    cameras: list[CameraStatus]
    disk: DiskStatus
    sync: SyncStatus
    images: ImageCheckStatus
    backup: BackupStatus


@router.get("/healthz")
def healthz(services: Services) -> dict[str, str]:
    """Liveness and database reachability (no auth)."""
    with services.engine.connect() as conn:
        conn.execute(select(1))
    return {"status": "ok"}


@router.get("/metrics", response_class=Response)
def metrics(request: Request, services: Services) -> Response:
    """Prometheus text format (a viewer token unless metrics_public is set)."""
    if not services.settings.metrics_public:
        authenticate_token(services, presented_secret(request), "viewer")
    site = scrape_figures(
        services.engine,
        services.clock(),
        sync=services.settings.sync,
        retention=services.settings.retention,
        image_bytes=services.writer.image_bytes_total,
        volume=services.volume(),
        writer_pending=services.writer.pending,
    )
    services.metrics.observe_site(site)
    return Response(services.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/v1/status", response_model=NodeStatus)
def status(services: Services, _: ViewerAuth) -> NodeStatus:
    """Cameras, disk, and what the sync agent will need to report."""
    now = services.clock()
    site = site_status(
        services.engine,
        now,
        sync=services.settings.sync,
        retention=services.settings.retention,
        image_bytes=services.writer.image_bytes_total,
        volume=services.volume(),
    )
    cameras = [
        CameraStatus(
            id=item.camera.id,
            name=item.camera.name,
            last_seen=item.last_read_at,
            reads_last_hour=item.reads_today,
            vendor_streams=[
                VendorStreamStatus(**s.__dict__)
                for s in services.vendor_health.streams_of(item.camera.id)
            ],
        )
        # Index walks (not a GROUP BY over the whole log): fast at millions of reads.
        for item in access.camera_health(services.engine, now, since=now - timedelta(hours=1))
    ]
    return NodeStatus(
        version=__version__,
        uptime_s=round(time.monotonic() - services.started_at, 1),
        detections=site.detections,
        pending_writes=services.writer.pending,
        cameras=cameras,
        disk=DiskStatus(**site.disk.__dict__),
        sync=SyncStatus(stream_id=site.stream_id, last_seq=site.last_seq, **site.sync.__dict__),
        images=_image_status(services),
        backup=BackupStatus(
            enabled=services.settings.backup.enabled,
            schedule=services.settings.backup.schedule,
            failing=site.backup.failing,
            last_ok_at=site.backup.last_ok_at,
            last_failed_at=site.backup.last_failed_at,
            error=site.backup.error,
            failures=site.backup.failures,
        ),
    )


def _image_status(services: Services) -> ImageCheckStatus:
    health = services.image_health
    last = health.last_check() or {}
    return ImageCheckStatus(
        sync_mode=services.images.sync_mode,
        filesystem=services.images.fs_type,
        last_check_scope=last.get("scope"),
        last_check_at=last.get("finished_at"),
        checked=last.get("checked", 0),
        damaged=last.get("damaged", 0),
        damaged_ids=[d["detection_id"] for d in last.get("sample", [])],
        damaged_on_serve=health.damaged_on_serve()[:10],
    )
