"""Alerts: what to raise, what is stored, what raising did, and the grouping window rule.

``joins_group`` lives here, below the store, rather than being passed in by the use case:
it is one fixed pure rule every backend must apply under its group lock (the store's
contract names it), so importing it downward is simpler than threading a callable
through ``raise_alert``; ``alerts/rules.py`` replays the same rule over lists of reads.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

AlertStatus = Literal["open", "acked", "resolved"]
ALERT_STATUSES: tuple[AlertStatus, ...] = ("open", "acked", "resolved")
RaiseResult = Literal["created", "grouped", "duplicate", "already_open"]


@dataclass(frozen=True)
class NewAlert:
    """An alert to raise; at most one of the keys decides whether it is new.

    ``dedup_key``: one alert per key, ever (a hit: its detection and entry).
    ``group_key``: hits of one plate at one site on one list within the group
    window join the group's current alert (count + 1) instead of making one.
    ``open_key``: one *open* alert per problem (health); resolving frees it.
    """

    alert_id: str
    kind: str
    priority: int
    site_id: str
    occurred_at: datetime
    created_at: datetime
    reason: str = ""
    camera_id: str | None = None
    plate: str | None = None
    plate_norm: str | None = None
    list_name: str | None = None
    confidence: float | None = None
    detection_id: str | None = None
    link: str | None = None
    dedup_key: str | None = None
    group_key: str | None = None
    open_key: str | None = None
    next_escalation_at: datetime | None = None


@dataclass(frozen=True)
class StoredAlert:
    """An alert as stored: its group count, acknowledgement and escalation state."""

    alert_id: str
    kind: str
    priority: int
    site_id: str
    status: AlertStatus
    first_seen: datetime
    last_seen: datetime
    count: int
    created_at: datetime
    reason: str = ""
    camera_id: str | None = None
    plate: str | None = None
    plate_norm: str | None = None
    list_name: str | None = None
    confidence: float | None = None
    detection_id: str | None = None
    link: str | None = None
    group_key: str | None = None
    open_key: str | None = None
    acked_by: str | None = None
    acked_at: datetime | None = None
    resolved_at: datetime | None = None
    escalation_tier: int = 0
    next_escalation_at: datetime | None = None
    resolution: str | None = None  # why it resolved ("heartbeats again after 14 min")


@dataclass(frozen=True)
class AlertRaised:
    """What ``raise_alert`` did, and the alert it concerns (new, grouped into, or existing)."""

    result: RaiseResult
    alert: StoredAlert

    @property
    def created(self) -> bool:
        """Return True if a new alert was made (it then needs its deliveries)."""
        return self.result == "created"


@dataclass(frozen=True)
class AlertQuery:
    """Alerts newest first (by creation); None filters mean any; empty ``site_ids`` means none."""

    site_ids: Collection[str] | None = None
    status: AlertStatus | None = None
    kind: str | None = None
    limit: int = 50
    cursor: str | None = None


def joins_group(first_seen: datetime, occurred_at: datetime, window: timedelta) -> bool:
    """Return True if a read at ``occurred_at`` belongs to a group that began at ``first_seen``.

    The window is anchored at the group's first read (not sliding), so a plate
    read all day makes one alert per window rather than one alert forever; a
    read that arrives late but happened within the window still joins.
    """
    return abs(occurred_at - first_seen) < window
