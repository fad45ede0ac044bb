"""Per-site retention of reads in the cloud: the bounds, the cutoff, the plan of a run, a run.

Pure (no I/O): the store deletes and records, the job (``cloud_plane/retention``) drives it.

A site's reads (detections, their hits and the hourly read counts) are kept for the site's
``read_retention_days``, or the cloud-wide ``detection_retention_days`` when the site has
none; with neither, forever. A read is past the retention when the node received it before
``now - days`` (the cutoff); hits go by the time the cloud stored them, read counts by the
end of their hour.

Hits are evidence, so why do they go with the reads? What the cloud holds of a hit is a copy:
the read's image and the full read stay on the site's node under the node's own retention,
and the alert raised from the hit (plate, list, camera, times, who acknowledged it) is not
deleted by read retention at all. Keeping a hit's read longer than the site's setting would
keep plate data past what the operator chose to keep, which is the one thing a retention
promise must not do; a site that needs hits longer sets a longer retention.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cloud_plane.errors import InvalidInput

MIN_DAYS = 1
MAX_DAYS = 3650  # ten years: past that a typo (36500) is likelier than a wish
DEFAULT_WORDS = ("default",)  # what the CLI takes for "back to the cloud-wide setting"


def check_days(value: object, *, field: str = "read_retention_days") -> int | None:
    """Return ``value`` as a retention in days (None: the default); InvalidInput naming
    ``field`` when it is not a whole number of days in ``MIN_DAYS``..``MAX_DAYS``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be a whole number of days or null, got {value!r}")
    if not MIN_DAYS <= value <= MAX_DAYS:
        raise InvalidInput(
            f"{field} must be between {MIN_DAYS} and {MAX_DAYS} days (or null for the "
            f"cloud's default), got {value}"
        )
    return value


def parse_days(text: str) -> int | None:
    """Parse the CLI's DAYS argument: a number of days, or ``default``; InvalidInput else."""
    word = text.strip().lower()
    if word in DEFAULT_WORDS:
        return None
    try:
        days = int(word)
    except ValueError:
        raise InvalidInput(
            f"DAYS must be a number of days ({MIN_DAYS}..{MAX_DAYS}) or 'default', got {text!r}"
        ) from None
    return check_days(days, field="DAYS")


def effective_days(site_days: int | None, default_days: int | None) -> int | None:
    """Return the days a site's reads are kept: its own, else the default (None: forever)."""
    return site_days if site_days is not None else default_days


def cutoff(now: datetime, days: int | None) -> datetime | None:
    """Return the time before which reads are past a ``days`` retention (None: keep all)."""
    return None if days is None else now - timedelta(days=days)


@dataclass(frozen=True)
class SitePlan:
    """What one run does for one site: delete its reads received before ``cutoff``."""

    site_id: str
    days: int
    cutoff: datetime


def plan(
    sites: Iterable[tuple[str, int | None]], *, default_days: int | None, now: datetime
) -> list[SitePlan]:
    """Return the sites (id, own days) that have a retention, each with its cutoff, by id.

    Sites kept forever (no own days and no default) are left out: a run does nothing there.
    """
    plans = []
    for site_id, own in sites:
        days = effective_days(own, default_days)
        if days is not None:
            plans.append(SitePlan(site_id, days, now - timedelta(days=days)))
    return sorted(plans, key=lambda p: p.site_id)


@dataclass(frozen=True)
class Deleted:
    """What one store call deleted (each read and hit counted by the one call that deleted it)."""

    reads: int = 0
    hits: int = 0

    def __add__(self, other: Deleted) -> Deleted:
        return Deleted(self.reads + other.reads, self.hits + other.hits)

    @property
    def anything(self) -> bool:
        """Return True if a read or a hit was deleted."""
        return bool(self.reads or self.hits)


@dataclass(frozen=True)
class RetentionRun:
    """The record of one run at one site that deleted something."""

    site_id: str
    started_at: datetime
    finished_at: datetime
    cutoff: datetime
    reads_deleted: int
    hits_deleted: int
