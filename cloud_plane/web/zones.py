"""A site's times on the dashboard, in the site's own zone (pure).

Every time that belongs to a site (its heartbeat, its cameras' reads, its alerts) is shown on
the site's clock with the zone's abbreviation, so a list across sites shows each row in its
own site's zone: ``2026-12-04 23:05:00 JST`` beside ``2026-12-04 15:05:00 CET``. Such times
are rendered here rather than by the viewer's browser (``data-local``), and carry the UTC
instant in ``datetime`` and as the tooltip. Times that belong to no site (hotlist entries'
changes and expiries) stay in the viewer's zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup

from cloud_plane.records.detections import hour_of
from cloud_plane.records.sites import Site, site_zone
from sync_protocol.zones import abbreviation


@dataclass(frozen=True)
class SiteZones:
    """The zone of each site's times (``default``, the cloud's alert_timezone, for the rest)."""

    default: str
    own: Mapping[str, str] = field(default_factory=dict)

    def of(self, site_id: str | None) -> str:
        """The zone of the site's times."""
        return self.own.get(site_id or "", self.default)


def site_zones(sites: Iterable[Site], default: str) -> SiteZones:
    """The zones of ``sites`` (each its own, else ``default``)."""
    return SiteZones(default, {s.site_id: site_zone(s, default) for s in sites})


def in_zone(at: datetime, zone: str) -> datetime:
    """``at`` on the clock of ``zone``."""
    return at.astimezone(ZoneInfo(zone))


def site_time(at: datetime | None, zone: str) -> Markup:
    """``<time>`` showing ``at`` in ``zone`` with its abbreviation (— for no time)."""
    if at is None:
        return Markup("—")
    local = in_zone(at, zone)
    utc = at.astimezone(UTC)
    return Markup('<time datetime="{}" title="{}">{} {}</time>').format(
        utc.isoformat(),
        f"{utc:%Y-%m-%d %H:%M:%S} UTC ({zone})",
        f"{local:%Y-%m-%d %H:%M:%S}",
        abbreviation(local),
    )


def local_day_start(now: datetime, zone: str) -> datetime:
    """The start, in UTC, of the hour holding midnight of ``now``'s day on the zone's clock.

    Read counts are kept per UTC hour, so a zone whose offset is not whole hours (India,
    +05:30) has its day counted from the hour bucket its midnight falls in.
    """
    local = in_zone(now, zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return hour_of(midnight.astimezone(UTC))


def earliest_day_start(now: datetime) -> datetime:
    """An hour no site's day can have started before (the lower bound of "today" queries)."""
    return hour_of(now - timedelta(hours=25))  # the day summer time ends lasts 25 hours
