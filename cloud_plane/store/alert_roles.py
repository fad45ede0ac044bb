"""The store's alert roles: alerts, recipients with subscriptions, the delivery queue.

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
a delivery (every by-id queue call)   ``DELIVERY#<delivery_id>``
deliveries of an alert (one per       ``ALERT#<id>`` / ``DELIVERY#<recipient>#<channel>``
recipient and channel)                (holds the delivery's id)
due deliveries                        sparse index on ``next_at`` (pending, in flight)
attempt ledger of an alert            ``ALERT#<id>`` / ``ATTEMPT#<delivery>#<n>``
====================================  ==============================================

(The DynamoDB store's exact keys: ``store/alert_keys.py``.)

Delivery lifecycle (the queue)::

    pending ──claim──▶ in_flight ──finish ok──▶ sent
       ▲                  │  └──finish, retry──▶ pending (next_at = backoff)
       │                  │  └──finish, give up──▶ gave_up (gave_up_reason)
       └──defer (rate)────┘  lease_until passed: claimable again (a killed worker)
    pending / in_flight, no send begun ──cancel_unsent──▶ cancelled (the alert resolved)

A delivery has a ``purpose``: ``alert`` (the alert itself) or ``resolution`` (the message
that it resolved); (alert, recipient, channel, purpose) is one delivery.

    pending / in_flight (tier > 0, no attempt under way) ──alert acked──▶ cancelled

Claiming takes the due deliveries oldest first (``claim_deliveries``: a polling
dispatcher) or the one delivery a queue message names (``claim_delivery``: a worker fed
by SQS); either way of two concurrent claimers at most one gets a delivery.

``begin_attempts`` writes the ledger row *before* the send and
``finish_attempt`` completes it, so a crash mid-send leaves an unfinished row:
the ledger shows "maybe sent" and the repeat that followed it.

Acknowledgement against escalation: ``begin_attempts`` refuses (and cancels) a delivery
of an escalation tier (tier > 0) whose alert is acknowledged, decided atomically with the
ack, so **no escalation attempt begins after an ack is committed**; one that began before
may complete. ``cancel_escalations``, called with the ack, cancels the rest at once so the
alert's deliveries show it. Tier 0 (the alert itself) is never cancelled by an ack.

Errors (``cloud_plane.errors``): NotFound (alert, recipient, subscription, delivery);
InvalidInput for a cursor this store did not hand out; nothing else is raised for data.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from cloud_plane.records.alerts import AlertQuery, AlertRaised, NewAlert, StoredAlert
from cloud_plane.records.deliveries import (
    AttemptResult,
    NewDelivery,
    StoredAttempt,
    StoredDelivery,
)
from cloud_plane.records.paging import Page
from cloud_plane.records.recipients import StoredRecipient, Subscription


class AlertStore(Protocol):
    """Alerts: raising with dedup / open / group keys, listing, acknowledgement, escalation."""

    def raise_alert(self, alert: NewAlert, *, group_window: timedelta) -> AlertRaised:
        """Create the alert unless its keys say it exists; return what happened.

        In order: a known ``dedup_key`` → ``duplicate``; an open alert under
        ``open_key`` → ``already_open`` (its ``last_seen`` moves on); a group
        alert that ``records.alerts.joins_group`` accepts → ``grouped`` (count + 1,
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

    def open_counts(self, site_ids: Collection[str] | None) -> dict[str, int]:
        """Return the number of open alerts per site (sites without any are left out)."""
        ...

    def daily_counts(self, site_ids: Collection[str] | None, *, since: datetime) -> dict[str, int]:
        """Return alerts created per UTC day (``YYYY-MM-DD``) at or after ``since``."""
        ...

    def open_problems(self, site_id: str | None = None) -> list[StoredAlert]:
        """Return the unresolved alerts that hold an ``open_key`` (optionally of one site)."""
        ...

    def resolve_alert(
        self, alert_id: str, *, now: datetime, reason: str | None = None
    ) -> StoredAlert:
        """Mark resolved with why (``resolution``), free its open key; raise NotFound.

        Idempotent: the first time and reason stay.
        """
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


class RecipientStore(Protocol):
    """Recipients (webhook secrets sealed at rest) and their subscriptions."""

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


class DeliveryQueue(Protocol):
    """The delivery queue (leases, retries, give-ups) and its append-only attempt ledger."""

    def enqueue_deliveries(self, deliveries: Sequence[NewDelivery]) -> int:
        """Queue deliveries (an existing alert/recipient/channel/purpose is kept); return how
        many new."""
        ...

    def claim_resolutions(
        self,
        recipient_id: str,
        channel: str,
        *,
        worker: str,
        now: datetime,
        due_by: datetime,
        lease: timedelta,
        limit: int = 100,
    ) -> list[StoredDelivery]:
        """Lease the resolution deliveries (``purpose="resolution"``) of one recipient on one
        channel that are pending with ``next_at`` ≤ ``due_by``, or in flight with an expired
        lease (≤ ``now``); oldest due first. The dispatcher sends them as one message.
        Concurrent claimers never get the same delivery (as ``claim_deliveries``)."""
        ...

    def cancel_unsent(self, alert_id: str, *, now: datetime) -> list[StoredDelivery]:
        """Move the alert's own deliveries (purpose ``alert``) that were never sent to
        ``cancelled``; return them. Never sent: pending or in flight, and no attempt begun
        and unfinished (``attempt`` 0, or its latest ledger row finished). One whose send
        has begun is left to finish (it may have gone out); one that ``begin_attempts``
        takes at the same moment is either cancelled (and never begun) or left."""
        ...

    def claim_deliveries(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[StoredDelivery]:
        """Lease up to ``limit`` due deliveries (pending with ``next_at`` ≤ now, or in flight
        with an expired lease), oldest due first; concurrent workers never get the same one."""
        ...

    def claim_delivery(
        self, delivery_id: str, *, worker: str, now: datetime, lease: timedelta
    ) -> StoredDelivery | None:
        """Lease this one delivery if it is due (pending with ``next_at`` ≤ now, or in flight
        with an expired lease); None if it is not (sent, given up, not due yet, leased by
        someone else) or unknown. For a worker told which delivery to send (a queue message);
        of concurrent callers at most one gets it."""
        ...

    def defer_delivery(self, delivery_id: str, *, worker: str, until: datetime) -> bool:
        """Put a leased delivery back to pending until ``until`` without counting an attempt."""
        ...

    def begin_attempts(
        self, delivery_ids: Sequence[str], *, worker: str, now: datetime
    ) -> list[StoredDelivery]:
        """Count an attempt and write its ledger row, for each delivery ``worker`` still leases.

        Return those deliveries with their new ``attempt`` (others were lost to an expired
        lease). A delivery of tier > 0 whose alert is acknowledged is refused and cancelled,
        atomically with the ack: none begins once the ack is committed.
        """
        ...

    def cancel_escalations(self, alert_id: str, *, now: datetime) -> int:
        """Cancel the alert's tier > 0 deliveries that no attempt is under way for; how many.

        Pending ones, and in-flight ones whose latest attempt is finished or never began.
        Called after the alert's ack (begin_attempts refuses the rest from then on).
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
