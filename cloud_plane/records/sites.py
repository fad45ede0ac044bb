"""Sites (one per local node) and the refusal of an enrolment code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cloud_plane.errors import Forbidden
from sync_protocol.messages import Heartbeat
from sync_protocol.zones import known_zone


class EnrollmentRefused(Forbidden):
    """An enrolment code that is unknown, already used, expired, or of a revoked site."""


@dataclass(frozen=True)
class BacklogSample:
    """What one heartbeat said of the sync backlog, and when it was received."""

    at: datetime
    count: int
    oldest_age_s: float | None = None


@dataclass(frozen=True)
class Site:
    """A site (one local node) as the cloud knows it."""

    site_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None = None
    enrolled_at: datetime | None = None
    last_heartbeat_at: datetime | None = None
    heartbeat: Heartbeat | None = None
    archived_at: datetime | None = None
    hotlist_version: int | None = None  # what its node said it holds at its last exchange
    hotlist_seen_at: datetime | None = None
    # issue 18: the site's IANA time zone (None: the cloud's ``alert_timezone``), and the
    # backlog its recent heartbeats reported, oldest first (the trend alert reads them).
    timezone: str | None = None
    backlog_samples: tuple[BacklogSample, ...] = ()
    # issue 13: days the cloud keeps this site's reads (None: ``detection_retention_days``).
    read_retention_days: int | None = None

    @property
    def archived(self) -> bool:
        """Return True once the site was archived (revoked, kept for its data, out of lists)."""
        return self.archived_at is not None

    @property
    def revoked(self) -> bool:
        """Return True once the site was revoked (its keys no longer sync)."""
        return self.revoked_at is not None


SiteStatus = Literal["online", "offline", "never_seen", "revoked"]


def status_of(site: Site, now: datetime, offline_after_s: float) -> SiteStatus:
    """Return online/offline by heartbeat age; never_seen or revoked otherwise."""
    if site.revoked:
        return "revoked"
    if site.last_heartbeat_at is None:
        return "never_seen"
    age = (now - site.last_heartbeat_at).total_seconds()
    return "online" if age <= offline_after_s else "offline"


def site_zone(site: Site | None, default: str) -> str:
    """The IANA zone of the site's times: its own, else ``default`` (the cloud's
    ``alert_timezone``), also when its own is unknown to this host's zone database."""
    if site is not None and site.timezone and known_zone(site.timezone):
        return site.timezone
    return default
