"""Deliveries of alerts (the queue's items) and the attempts of the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

DeliveryStatus = Literal["pending", "in_flight", "sent", "gave_up", "cancelled"]
"""``cancelled``: never sent, and never will be: its alert was acknowledged before an
escalation tier's send began, or resolved before the alert was sent (issue 18)."""
DeliverySource = Literal["cloud", "node"]
DeliveryPurpose = Literal["alert", "resolution"]
"""``alert``: the alert itself; ``resolution``: the message that it resolved."""


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
    purpose: DeliveryPurpose = "alert"


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
    purpose: DeliveryPurpose = "alert"


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


def attempt_end_changes(result: AttemptResult, now: datetime) -> dict[str, Any]:
    """Return the fields of a delivery that change when its latest attempt ends as ``result``.

    One rule for every store: sent; pending again at ``retry_at``; or given up. The lease ends
    in each case.
    """
    if result.ok:
        changes: dict[str, Any] = {
            "status": "sent",
            "sent_at": now,
            "provider_message_id": result.provider_message_id,
            "next_at": None,
        }
    elif result.retry_at is not None:
        changes = {"status": "pending", "next_at": result.retry_at, "last_error": result.error}
    else:
        changes = {
            "status": "gave_up",
            "next_at": None,
            "last_error": result.error,
            "gave_up_reason": result.give_up_reason or result.error,
        }
    changes.update(updated_at=now, lease_until=None, leased_by=None)
    return changes
