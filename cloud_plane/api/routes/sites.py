"""Sites: list and detail (health from the last heartbeat), scoped to the caller."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from cloud_plane.deps import Services, StaffAuth
from cloud_plane.errors import NotFound
from cloud_plane.records.sites import Site

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])


class CameraOut(BaseModel):
    camera_id: str
    name: str | None = None  # from the node's heartbeat (older nodes send none)
    last_seen: datetime | None
    detections_last_interval: int
    errors: int
    clock_offset_s: float | None


class BacklogOut(BaseModel):
    count: int
    oldest_age_s: float | None


class SiteOut(BaseModel):
    site_id: str
    name: str
    status: str  # online, offline, never_seen, revoked
    created_at: datetime
    enrolled_at: datetime | None
    revoked_at: datetime | None
    archived_at: datetime | None = None
    last_heartbeat_at: datetime | None


class SiteDetailOut(SiteOut):
    node_version: str | None
    uptime_s: float | None
    disk_used_bytes: int | None
    disk_total_bytes: int | None
    db_size_bytes: int | None
    backlog: BacklogOut | None
    cameras: list[CameraOut]


def status_of(site: Site, now: datetime, offline_after_s: float) -> str:
    """Return online/offline by heartbeat age; never_seen or revoked otherwise."""
    if site.revoked:
        return "revoked"
    if site.last_heartbeat_at is None:
        return "never_seen"
    age = (now - site.last_heartbeat_at).total_seconds()
    return "online" if age <= offline_after_s else "offline"


def _out(site: Site, services: Services) -> dict:
    return {
        "site_id": site.site_id,
        "name": site.name,
        "status": status_of(site, services.clock(), services.settings.health.offline_after_s),
        "created_at": site.created_at,
        "enrolled_at": site.enrolled_at,
        "revoked_at": site.revoked_at,
        "archived_at": site.archived_at,
        "last_heartbeat_at": site.last_heartbeat_at,
    }


@router.get("", response_model=list[SiteOut])
def list_sites(services: Services, staff: StaffAuth) -> list[SiteOut]:
    """Return the sites the caller may see."""
    return [SiteOut(**_out(s, services)) for s in services.store.sites.list_sites(staff.sites)]


@router.get("/{site_id}", response_model=SiteDetailOut)
def get_site(site_id: str, services: Services, staff: StaffAuth) -> SiteDetailOut:
    """Return one site's health: last heartbeat, status, cameras, sync backlog."""
    if not staff.can_see(site_id):
        raise NotFound(f"no site {site_id!r}")  # out of scope looks like absent
    site = services.store.sites.get_site(site_id)
    hb = site.heartbeat
    return SiteDetailOut(
        **_out(site, services),
        node_version=hb.node_version if hb else None,
        uptime_s=hb.uptime_s if hb else None,
        disk_used_bytes=hb.disk_used_bytes if hb else None,
        disk_total_bytes=hb.disk_total_bytes if hb else None,
        db_size_bytes=hb.db_size_bytes if hb else None,
        backlog=BacklogOut(count=hb.backlog_count, oldest_age_s=hb.backlog_oldest_age_s)
        if hb
        else None,
        cameras=[CameraOut(**c.model_dump()) for c in hb.cameras] if hb else [],
    )
