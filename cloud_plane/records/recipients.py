"""Recipients of alerts and their subscriptions (which alerts, how, at which tier)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class StoredRecipient:
    """A person or system alerts go to; the webhook secret never leaves the cloud's API."""

    recipient_id: str
    name: str
    created_at: datetime
    updated_at: datetime
    phone: str | None = None
    email: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Subscription:
    """Which alerts a recipient gets, how, and at which escalation tier.

    ``site_id`` None: every site. ``lists`` empty: any list. ``min_priority``
    None: any priority. ``kinds`` empty: every kind but the opt-in ones (``historical_hit``
    must be named). Quiet hours (``HH:MM`` in
    ``quiet_zone``; start > end spans midnight) hold alerts below
    ``quiet_below_priority`` until they end. ``tier`` 0 is told at once; tier n
    after n escalation periods without an acknowledgement.
    """

    subscription_id: str
    recipient_id: str
    channels: tuple[str, ...]
    created_at: datetime
    site_id: str | None = None
    lists: frozenset[str] = frozenset()
    min_priority: int | None = None
    kinds: frozenset[str] = frozenset()
    quiet_start: str | None = None
    quiet_end: str | None = None
    quiet_zone: str = "UTC"
    quiet_below_priority: int = 70
    tier: int = 0
