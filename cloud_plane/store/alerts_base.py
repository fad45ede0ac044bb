"""The alert part of the store's contract: alerts, recipients, subscriptions, the delivery queue.

Shaped by the dispatcher's access patterns, each one a key a DynamoDB table can
serve directly (no joins, no scans of unbounded tables):

====================================  ==============================================
access                                key
====================================  ==============================================
alert by id                           ``ALERT#<id>``
one alert per hit (idempotency)       ``ALERTKEY#<dedup_key>`` (conditional put)
current alert of a plate's group      ``ALERTGROUP#<group_key>`` (conditional update)
the one open alert of a problem       ``ALERTOPEN#<open_key>`` (deleted on resolve)
alerts newest first / due escalation  time-ordered secondary indexes (sparse)
recipients, subscriptions             ``RECIPIENTS`` / ``SUBS`` partitions (small)
deliveries of an alert                ``ALERT#<id>`` / ``DELIVERY#<recipient>#<channel>``
due deliveries                        sparse index on ``next_at`` (pending, in flight)
attempt ledger of an alert            ``ALERT#<id>`` / ``ATTEMPT#<delivery>#<n>``
====================================  ==============================================

Delivery lifecycle (the queue)::

    pending ──claim──▶ in_flight ──finish ok──▶ sent
       ▲                  │  └──finish, retry──▶ pending (next_at = backoff)
       │                  │  └──finish, give up──▶ gave_up (gave_up_reason)
       └──defer (rate)────┘  lease_until passed: claimable again (a killed worker)

``begin_attempts`` writes the ledger row *before* the send and
``finish_attempt`` completes it, so a crash mid-send leaves an unfinished row:
the ledger shows "maybe sent" and the repeat that followed it.

Errors: NotFound (alert, recipient, subscription); nothing else is raised for data.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:  # base imports this module (CloudStore extends AlertStore)
    from cloud_plane.store.base import Page

AlertStatus = Literal["open", "acked", "resolved"]
ALERT_STATUSES: tuple[AlertStatus, ...] = ("open", "acked", "resolved")
DeliveryStatus = Literal["pending", "in_flight", "sent", "gave_up"]
DeliverySource = Literal["cloud", "node"]
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
    None: any priority. ``kinds`` empty: every kind. Quiet hours (``HH:MM`` in
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


@dataclass(frozen=True)
class NewDelivery:
    """One (alert, recipient, channel) to send; unique, so enqueueing twice adds nothing."""

    delivery_id: str
    alert_id: str
    recipient_id: str
    channel: str
    next_at: datetime
    created_at: datetime
    tier: int = 0
    source: DeliverySource = "cloud"
    # Set for source="node": the node's offline fallback already delivered it (recorded as
    # sent, never queued for sending).
    sent_at: datetime | None = None
    provider_message_id: str | None = None


@dataclass(frozen=True)
class StoredDelivery:
    """A delivery in the queue, with its lease and the latest outcome."""

    delivery_id: str
    alert_id: str
    recipient_id: str
    channel: str
    status: DeliveryStatus
    attempt: int
    next_at: datetime | None
    created_at: datetime
    updated_at: datetime
    tier: int = 0
    source: DeliverySource = "cloud"
    lease_until: datetime | None = None
    leased_by: str | None = None
    provider_message_id: str | None = None
    last_error: str | None = None
    gave_up_reason: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True)
class AttemptResult:
    """How an attempt ended: ``ok``; or failed and retried at ``retry_at``; or given up."""

    ok: bool
    provider_message_id: str | None = None
    error: str | None = None
    retry_at: datetime | None = None
    give_up_reason: str | None = None


@dataclass(frozen=True)
class StoredAttempt:
    """One row of the append-only ledger; ``outcome`` None means it never finished."""

    delivery_id: str
    attempt: int
    alert_id: str
    recipient_id: str
    channel: str
    worker: str
    started_at: datetime
    finished_at: datetime | None = None
    outcome: Literal["sent", "failed"] | None = None
    provider_message_id: str | None = None
    error: str | None = None


class AlertStore(Protocol):
    """The alert calls of ``CloudStore`` (see the module docstring for the keys behind them)."""

    # --- alerts --------------------------------------------------------------------------
    def raise_alert(self, alert: NewAlert, *, group_window: timedelta) -> AlertRaised:
        """Create the alert unless its keys say it exists; return what happened.

        In order: a known ``dedup_key`` → ``duplicate``; an open alert under
        ``open_key`` → ``already_open`` (its ``last_seen`` moves on); a group
        alert that ``rules.joins_group`` accepts → ``grouped`` (count + 1,
        ``last_seen`` = the later one, and the dedup key recorded so the same
        hit never counts twice); otherwise ``created``. Concurrent calls with
        the same keys make one alert.
        """
        ...

    def get_alert(self, alert_id: str) -> StoredAlert:
        """Return the alert; raise NotFound."""
        ...

    def list_alerts(self, query: AlertQuery) -> Page[StoredAlert]:
        """Return alerts newest first; raise InvalidInput for a bad cursor."""
        ...

    def open_problems(self, site_id: str | None = None) -> list[StoredAlert]:
        """Return the unresolved alerts that hold an ``open_key`` (optionally of one site)."""
        ...

    def resolve_alert(self, alert_id: str, *, now: datetime) -> StoredAlert:
        """Mark resolved (idempotent: the first time stays), free its open key; raise NotFound."""
        ...

    def ack_alert(self, alert_id: str, *, by: str, now: datetime) -> StoredAlert:
        """Acknowledge (idempotent: the first who/when stay) and stop escalation; raise NotFound."""
        ...

    def due_escalations(self, now: datetime, limit: int = 100) -> list[StoredAlert]:
        """Return unacknowledged, unresolved alerts whose ``next_escalation_at`` ≤ ``now``."""
        ...

    def escalate_alert(
        self, alert_id: str, *, from_tier: int, next_at: datetime | None
    ) -> StoredAlert | None:
        """Move the alert from ``from_tier`` to the next tier; None if acked or moved already."""
        ...

    # --- recipients and subscriptions ------------------------------------------------------
    def put_recipient(self, recipient: StoredRecipient) -> StoredRecipient:
        """Create or replace a recipient (``created_at`` of an existing one stays)."""
        ...

    def get_recipient(self, recipient_id: str) -> StoredRecipient:
        """Return the recipient; raise NotFound."""
        ...

    def list_recipients(self) -> list[StoredRecipient]:
        """Return every recipient by name."""
        ...

    def delete_recipient(self, recipient_id: str) -> None:
        """Delete the recipient and its subscriptions; raise NotFound."""
        ...

    def put_subscription(self, subscription: Subscription) -> Subscription:
        """Create or replace a subscription; raise NotFound for an unknown recipient."""
        ...

    def list_subscriptions(self, recipient_id: str | None = None) -> list[Subscription]:
        """Return subscriptions (of one recipient if given) by (recipient, id)."""
        ...

    def delete_subscription(self, subscription_id: str) -> None:
        """Delete the subscription; raise NotFound."""
        ...

    # --- the delivery queue and its ledger ---------------------------------------------------
    def enqueue_deliveries(self, deliveries: Sequence[NewDelivery]) -> int:
        """Queue deliveries (an existing alert/recipient/channel is kept); return how many new."""
        ...

    def claim_deliveries(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[StoredDelivery]:
        """Lease up to ``limit`` due deliveries (pending with ``next_at`` ≤ now, or in flight
        with an expired lease), oldest due first; concurrent workers never get the same one."""
        ...

    def defer_delivery(self, delivery_id: str, *, worker: str, until: datetime) -> bool:
        """Put a leased delivery back to pending until ``until`` without counting an attempt."""
        ...

    def begin_attempts(
        self, delivery_ids: Sequence[str], *, worker: str, now: datetime
    ) -> list[StoredDelivery]:
        """Count an attempt and write its ledger row, for each delivery ``worker`` still leases.

        Return those deliveries with their new ``attempt`` (others were lost to an expired lease).
        """
        ...

    def finish_attempt(
        self, delivery_id: str, attempt: int, result: AttemptResult, *, now: datetime
    ) -> StoredDelivery:
        """Complete the ledger row and move the delivery to sent, pending (retry) or gave_up.

        The delivery changes only if ``attempt`` is still its latest attempt; the ledger
        row is completed either way. Raise NotFound for an unknown delivery.
        """
        ...

    def list_deliveries(self, alert_id: str) -> list[StoredDelivery]:
        """Return the alert's deliveries by (created, recipient, channel)."""
        ...

    def list_attempts(self, alert_id: str) -> list[StoredAttempt]:
        """Return the alert's ledger, by (started_at, delivery, attempt)."""
        ...
