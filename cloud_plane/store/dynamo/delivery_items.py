"""DynamoDB items of the delivery queue: the conditions its writes take, the item of a new
delivery, a ledger row, how an attempt's end changes a delivery, and the cancelling write.

Kept apart from ``deliveries.py`` (the queue's operations) so that each module holds one
concept: what the items look like, and what the queue does with them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cloud_plane.records.deliveries import (
    AttemptResult,
    NewDelivery,
    StoredDelivery,
    attempt_end_changes,
)
from cloud_plane.store import alert_keys as k
from cloud_plane.store.dynamo.alert_items import (
    from_item,
    to_attributes,
    to_value,
    update_expression,
)
from cloud_plane.store.dynamo.table import DynamoTable

# A claim is taken only if the item itself says it is due now: pending and due, or in
# flight with its lease (= next_at) over.
DUE = "#st IN (:pending, :in_flight) AND #next <= :now"
DUE_BY = "(#st = :pending AND #next <= :due_by) OR (#st = :in_flight AND #next <= :now)"
MINE = "#st = :in_flight AND #by = :worker"
LIVE = "#st IN (:pending, :in_flight)"
FIRST_TIER = "(attribute_not_exists(#tier) OR #tier = :zero)"
# DynamoDB refuses names and values an expression does not use: one set per condition.
DUE_NAMES = {"#st": "status", "#next": "next_at"}
MINE_NAMES = {"#st": "status", "#by": "leased_by"}
STATES = {":pending": "pending", ":in_flight": "in_flight"}
LEAVE_DUE_INDEX = {"gsi1pk": None, "gsi1sk": None}
NOT_ACKED_OR_RESOLVED = "attribute_not_exists(acked_at) AND attribute_not_exists(resolved_at)"


def cancel_item(
    table: DynamoTable,
    delivery_id: str,
    condition: str,
    *,
    now: datetime,
    names: dict[str, str],
    values: dict[str, Any],
) -> bool:
    """Cancel the delivery if ``condition`` holds (it leaves the due index)."""
    expr, update_names, update_values = update_expression(
        {
            "status": "cancelled",
            "next_at": None,
            "lease_until": None,
            "leased_by": None,
            "updated_at": now,
            **LEAVE_DUE_INDEX,
        }
    )
    item = table.update(
        k.delivery(delivery_id),
        expr,
        condition=condition,
        names={**update_names, **names, "#attempt": "attempt"},
        values={**update_values, **values},
    )
    return item is not None


def delivery_item(d: NewDelivery) -> dict[str, Any]:
    """Return the item of a new delivery; a node's (already sent) one is a record only."""
    by_node = d.source == "node"
    stored = StoredDelivery(
        delivery_id=d.delivery_id,
        alert_id=d.alert_id,
        recipient_id=d.recipient_id,
        channel=d.channel,
        status="sent" if by_node else "pending",
        attempt=1 if by_node else 0,
        next_at=None if by_node else d.next_at,
        created_at=d.created_at,
        updated_at=d.created_at,
        tier=d.tier,
        source=d.source,
        sent_at=d.sent_at if by_node else None,
        provider_message_id=d.provider_message_id,
        purpose=d.purpose,
    )
    item = {**k.delivery(d.delivery_id), **to_attributes(stored)}
    if not by_node:
        item.update(k.due_index(d.next_at, d.delivery_id))
    return item


def ledger_row(started: StoredDelivery, worker: str, now: datetime) -> dict[str, Any]:
    """Return the unfinished ledger row of the attempt ``started`` has just begun."""
    return {
        **k.attempt(started.alert_id, started.delivery_id, started.attempt),
        "delivery_id": started.delivery_id,
        "attempt": started.attempt,
        "alert_id": started.alert_id,
        "recipient_id": started.recipient_id,
        "channel": started.channel,
        "worker": worker,
        "started_at": to_value(now),
    }


def finished_changes(result: AttemptResult, delivery_id: str, now: datetime) -> dict[str, Any]:
    """Return the delivery's changes for how its attempt ended, with its place in the due index
    (``records.deliveries.attempt_end_changes``: the rule the SQL store applies too)."""
    changes = attempt_end_changes(result, now)
    if result.retry_at is not None and changes["status"] == "pending":
        changes.update(k.due_index(result.retry_at, delivery_id))
    else:
        changes.update(LEAVE_DUE_INDEX)
    return changes


def stored_delivery(item: dict[str, Any]) -> StoredDelivery:
    """Return the delivery an item holds."""
    return from_item(StoredDelivery, item)
