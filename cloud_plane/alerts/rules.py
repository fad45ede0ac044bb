"""Pure alert rules: keys, grouping, who is told (subscriptions, quiet hours) and escalation.

No I/O, no clock: every time is passed in. The store applies ``joins_group``
(``records/alerts.py``) under its group lock, and ``group_reads`` replays the
same rule over a list of reads, so the property tests of grouping and the
store's contract tests check one definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from cloud_plane.alerts.model import OPT_IN_KINDS, AlertKind
from cloud_plane.records.alerts import StoredAlert, joins_group
from cloud_plane.records.recipients import Subscription

KEY_SEP = "|"

HEALTH_PRIORITY: dict[AlertKind, int] = {
    AlertKind.SITE_OFFLINE: 60,
    AlertKind.CAMERA_SILENT: 40,
    AlertKind.DISK_NEARLY_FULL: 50,
    AlertKind.SYNC_BACKLOG: 40,
    AlertKind.CLOCK_SKEW: 30,
    AlertKind.BACKUP_FAILING: 45,
    AlertKind.DELIVERY_FAILED: 70,
}
"""Priority of each non-hit kind (hits take their hotlist entry's priority)."""


# --- keys ------------------------------------------------------------------------------------
def hit_dedup_key(detection_id: str, list_name: str, plate_norm: str) -> str:
    """Return the idempotency key of a hit's alert: the hit's own dedup key."""
    return KEY_SEP.join(("hit", detection_id, list_name, plate_norm))


def hit_group_key(site_id: str, list_name: str, plate_norm: str, read_norm: str = "") -> str:
    """Return the group of a hit: one plate read, at one site, matching one entry of one list.

    The plate *as read* (normalised) is part of the key so that a fuzzy match of
    another read never swallows an exact read of the listed plate (the alert
    shows the plate it was read as); the list is part of it so a low-priority
    ``watch`` alert never swallows a ``stolen`` hit of the same read.
    """
    return KEY_SEP.join(("group", site_id, list_name, plate_norm, read_norm or plate_norm))


def problem_key(kind: AlertKind | str, site_id: str, camera_id: str | None = None) -> str:
    """Return the open-problem key of a health alert (one open alert per key)."""
    return KEY_SEP.join((str(kind), site_id, camera_id or ""))


def delivery_failed_key(delivery_id: str) -> str:
    """Return the idempotency key of the alert raised when a delivery gave up."""
    return KEY_SEP.join(("delivery_failed", delivery_id))


# --- grouping --------------------------------------------------------------------------------
# ``joins_group`` (the window rule) lives in ``records/alerts.py``: the store applies it too.


@dataclass(frozen=True)
class Read:
    """A hit as grouping sees it."""

    dedup_key: str
    group_key: str
    occurred_at: datetime


@dataclass
class Group:
    """An alert made of reads: the group's first read and every read it counts."""

    group_key: str
    first_seen: datetime
    reads: list[Read]

    @property
    def count(self) -> int:
        """Return how many distinct reads the alert counts."""
        return len(self.reads)


def group_reads(reads: Iterable[Read], window: timedelta) -> list[Group]:
    """Return the alerts that reads arriving in this order make (the store's algorithm)."""
    seen: set[str] = set()
    current: dict[str, Group] = {}
    groups: list[Group] = []
    for read in reads:
        if read.dedup_key in seen:
            continue
        seen.add(read.dedup_key)
        group = current.get(read.group_key)
        if group is not None and joins_group(group.first_seen, read.occurred_at, window):
            group.reads.append(read)
            continue
        group = Group(read.group_key, read.occurred_at, [read])
        current[read.group_key] = group
        groups.append(group)
    return groups


def historical_reason(reads: int, sites: int, lookback: timedelta) -> str:
    """Return a historical-hit alert's text: ``3 past reads at 2 sites in the last 30 days``."""
    noun = "read" if reads == 1 else "reads"
    where = "site" if sites == 1 else "sites"
    return f"{reads} past {noun} at {sites} {where} in the last {lookback.days} days"


def historical_dedup_key(list_name: str, plate_norm: str, version: int) -> str:
    """Return the key of an entry version's one historical-hit alert."""
    return KEY_SEP.join(("historical", list_name, plate_norm, str(version)))


# --- who is told -----------------------------------------------------------------------------
def parse_hhmm(text: str) -> time:
    """Return the time of ``HH:MM``; raise ValueError otherwise."""
    hours, sep, minutes = text.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2:
        raise ValueError(f"{text!r} is not HH:MM")
    return time(int(hours), int(minutes))


def subscription_matches(sub: Subscription, alert: StoredAlert) -> bool:
    """Return True if ``sub`` asks for ``alert`` (site, kind, list and priority)."""
    if sub.site_id is not None and sub.site_id != alert.site_id:
        return False
    if sub.kinds and alert.kind not in sub.kinds:
        return False
    if alert.kind in OPT_IN_KINDS and alert.kind not in sub.kinds:
        return False  # "every kind" (empty) does not include the opt-in ones
    listed = alert.kind in (AlertKind.HIT, AlertKind.HISTORICAL_HIT)
    if sub.lists and listed and alert.list_name not in sub.lists:
        return False
    return sub.min_priority is None or alert.priority >= sub.min_priority


def quiet_until(sub: Subscription, priority: int, now: datetime) -> datetime | None:
    """Return when ``sub``'s quiet hours end if they hold an alert of ``priority`` now, else None.

    Only alerts below ``sub.quiet_below_priority`` are held; they are delivered
    when the quiet hours end (held, never dropped).
    """
    if not (sub.quiet_start and sub.quiet_end) or priority >= sub.quiet_below_priority:
        return None
    start, end = parse_hhmm(sub.quiet_start), parse_hhmm(sub.quiet_end)
    if start == end:
        return None
    zone = ZoneInfo(sub.quiet_zone)
    local = now.astimezone(zone)
    at = local.time().replace(tzinfo=None)
    quiet = start <= at < end if start < end else (at >= start or at < end)
    if not quiet:
        return None
    day = local.date() if at < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(now.tzinfo)


@dataclass(frozen=True)
class Target:
    """One delivery to make: recipient, channel, tier, and when (later in quiet hours)."""

    recipient_id: str
    channel: str
    tier: int
    not_before: datetime


def targets_for(
    alert: StoredAlert,
    subscriptions: Sequence[Subscription],
    *,
    tier: int,
    now: datetime,
    channels: Iterable[str] | None = None,
) -> list[Target]:
    """Return the deliveries ``alert`` needs at ``tier``: one per (recipient, channel).

    ``channels`` limits them to the channels this cloud has configured (None: all).
    When several subscriptions of one recipient ask for one channel, the
    earliest time wins (one message, not one per subscription).
    """
    allowed = None if channels is None else set(channels)
    best: dict[tuple[str, str], Target] = {}
    for sub in subscriptions:
        if sub.tier != tier or not subscription_matches(sub, alert):
            continue
        at = quiet_until(sub, alert.priority, now) or now
        for channel in sub.channels:
            if allowed is not None and channel not in allowed:
                continue
            key = (sub.recipient_id, channel)
            if key not in best or at < best[key].not_before:
                best[key] = Target(sub.recipient_id, channel, tier, at)
    return sorted(best.values(), key=lambda t: (t.recipient_id, t.channel))


# --- escalation ------------------------------------------------------------------------------
@dataclass(frozen=True)
class EscalationPolicy:
    """Unacknowledged alerts of at least ``min_priority`` go one tier further every ``after``."""

    after: timedelta = timedelta(minutes=10)
    min_priority: int = 80

    def first_due(self, priority: int, created_at: datetime) -> datetime | None:
        """Return when a new alert of ``priority`` first escalates, or None if it never does."""
        return created_at + self.after if priority >= self.min_priority else None

    def next_due(
        self, alert: StoredAlert, tier: int, subscriptions: Sequence[Subscription], now: datetime
    ) -> datetime | None:
        """Return when ``alert``, now at ``tier``, escalates again (None: no higher tier asks)."""
        if any(s.tier > tier and subscription_matches(s, alert) for s in subscriptions):
            return now + self.after
        return None
