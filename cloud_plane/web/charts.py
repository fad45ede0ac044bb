"""The dashboard's chart data: hourly and daily buckets from the store's counts (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cloud_plane.records.detections import HourlyReads, hour_of

HOURS = 24
DAYS = 14


def last_hours(now: datetime, hours: int = HOURS) -> list[datetime]:
    """The starts of the last ``hours`` hours, oldest first, ending with the current one."""
    current = hour_of(now)
    return [current - timedelta(hours=n) for n in range(hours - 1, -1, -1)]


def hour_label(at: datetime, zone: str | None = None) -> str:
    """``13:00`` on the clock of ``zone`` (None: UTC; the chart's title says which)."""
    return (at if zone is None else at.astimezone(ZoneInfo(zone))).strftime("%H:%M")


def reads_per_hour(
    rows: Iterable[HourlyReads], hours: list[datetime], names: Mapping[str, str]
) -> dict[str, list[float]]:
    """One series per site (by name, every site in ``names``), reads in each hour."""
    index = {h: i for i, h in enumerate(hours)}
    series: dict[str, list[float]] = {names[s]: [0.0] * len(hours) for s in names}
    for row in rows:
        i = index.get(row.hour)
        if i is not None and row.site_id in names:
            series[names[row.site_id]][i] += row.reads
    return series


def reads_per_hour_total(rows: Iterable[HourlyReads], hours: list[datetime]) -> list[float]:
    """All the given rows' reads in each hour (one site's chart)."""
    index = {h: i for i, h in enumerate(hours)}
    totals = [0.0] * len(hours)
    for row in rows:
        i = index.get(row.hour)
        if i is not None:
            totals[i] += row.reads
    return totals


def reads_since(
    rows: Iterable[HourlyReads], since: Mapping[str, datetime]
) -> dict[str, dict[str, int]]:
    """Reads per site and camera in the hours from the site's own ``since`` on (each site's
    day starts at its own midnight); sites without a ``since`` are left out."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        start = since.get(row.site_id)
        if start is not None and row.hour >= start:
            out[row.site_id][row.camera_id] += row.reads
    return {site: dict(cams) for site, cams in out.items()}


def last_days(now: datetime, days: int = DAYS) -> list[str]:
    """The last ``days`` UTC dates as ``YYYY-MM-DD``, oldest first."""
    today = now.date()
    return [(today - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


def per_day(counts: Mapping[str, int], days: list[str]) -> list[tuple[str, float]]:
    """(``MM-DD``, count) for each day, zero where nothing happened."""
    return [(day[5:], float(counts.get(day, 0))) for day in days]
