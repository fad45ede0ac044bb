"""Each site at a glance, worst first: status (with degraded), cameras, backlog, hotlist, alerts.

Pure: the page gathers sites, counts and settings and hands them here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cloud_plane.alerts.backlog_trend import sustained_growth
from cloud_plane.alerts.health import BACKUP_STALE_S, backup_problem
from cloud_plane.config import HealthSettings
from cloud_plane.records.sites import Site, status_of
from sync_protocol.messages import CameraErrorReason, CameraHealth

# Worst first; revoked (archived) sites are history, at the end.
STATUS_ORDER = {"offline": 0, "degraded": 1, "never_seen": 2, "online": 3, "revoked": 4}


@dataclass(frozen=True)
class CameraView:
    """One camera as its node last reported it."""

    camera_id: str
    name: str
    up: bool
    last_seen: datetime | None
    clock_offset_s: float | None
    errors: int
    reads_today: int = 0
    errors_by_reason: dict[CameraErrorReason, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SiteCard:
    """One site's row on the overview."""

    site: Site
    status: str
    problems: list[str]
    cameras: list[CameraView]
    reads_today: int
    open_alerts: int
    hotlist_behind: int | None
    backlog_count: int | None = None
    backlog_age_s: float | None = None
    # Camera errors (issue 18): over what window, and the refused posts that named no camera.
    errors_window_s: float | None = None
    unattributed_errors: dict[CameraErrorReason, int] = field(default_factory=dict)
    cameras_up: int = field(init=False)
    cameras_silent: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cameras_up", sum(c.up for c in self.cameras))
        object.__setattr__(self, "cameras_silent", sum(not c.up for c in self.cameras))


def camera_views(
    cameras: list[CameraHealth], now: datetime, silent_after_s: float, reads: dict[str, int]
) -> list[CameraView]:
    """The heartbeat's cameras with up/silent decided, by name."""
    views = [
        CameraView(
            camera_id=c.camera_id,
            name=c.name or c.camera_id,
            up=c.last_seen is not None and (now - c.last_seen).total_seconds() <= silent_after_s,
            last_seen=c.last_seen,
            clock_offset_s=c.clock_offset_s,
            errors=c.errors,
            reads_today=reads.get(c.camera_id, 0),
            errors_by_reason=dict(c.errors_by_reason),
        )
        for c in cameras
    ]
    return sorted(views, key=lambda v: (v.up, v.name))


def site_card(
    site: Site,
    *,
    now: datetime,
    health: HealthSettings,
    camera_reads: dict[str, int],
    open_alerts: int,
    hotlist_current: int,
) -> SiteCard:
    """One site's card: degraded when online but a camera is silent, sync lags, disk fills or
    backups fail."""
    status: str = status_of(site, now, health.offline_after_s)
    hb = site.heartbeat
    cameras = (
        camera_views(hb.cameras, now, health.camera_silent_after_s, camera_reads) if hb else []
    )
    problems = []
    if hb is not None:
        silent = [c.name for c in cameras if not c.up]
        if silent:
            problems.append(f"{len(silent)} camera(s) silent")
        if (hb.backlog_oldest_age_s or 0) > health.backlog_age_s:
            problems.append("sync is falling behind")
        elif hb.backlog_count > health.backlog_count:
            problems.append("sync backlog is large")
        elif sustained_growth(
            site.backlog_samples,
            growth_s=health.backlog_growth_s,
            min_rise=health.backlog_growth_min,
        ):
            problems.append("sync backlog is growing")
        if (
            hb.disk_total_bytes
            and hb.disk_used_bytes / hb.disk_total_bytes >= health.disk_full_ratio
        ):
            problems.append("disk nearly full")
        if backup_problem(hb.backup, now, BACKUP_STALE_S):
            problems.append("backup failing")
    if status == "online" and problems:
        status = "degraded"
    held = site.hotlist_version
    return SiteCard(
        site=site,
        status=status,
        problems=problems,
        cameras=cameras,
        reads_today=sum(camera_reads.values()),
        open_alerts=open_alerts,
        hotlist_behind=None if held is None else max(0, hotlist_current - held),
        backlog_count=hb.backlog_count if hb else None,
        backlog_age_s=hb.backlog_oldest_age_s if hb else None,
        errors_window_s=hb.errors_window_s if hb else None,
        unattributed_errors=dict(hb.unattributed_errors) if hb else {},
    )


def worst_first(cards: list[SiteCard]) -> list[SiteCard]:
    """Offline, then degraded, never seen, online, revoked; more open alerts first; by name."""
    return sorted(cards, key=lambda c: (STATUS_ORDER[c.status], -c.open_alerts, c.site.name))
