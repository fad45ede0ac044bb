"""``DeliveryQueue`` on DynamoDB: the delivery queue with leases, and the attempt ledger.

Items (``alert_keys.py``):

- the delivery at ``DELIVERY#<id>``: every by-id call (claim, defer, attempt, finish —
  the worker's hot path) is one conditional write on its own key, with no lookup first;
- its slot ``ALERT#<alert>`` / ``DELIVERY#<recipient>#<channel>[#<purpose>]`` holding the
  id: written with the delivery in one transaction whose conditions make (alert, recipient,
  channel, purpose) one delivery, and the way ``list_deliveries`` finds an alert's deliveries;
- ledger rows ``ALERT#<alert>`` / ``ATTEMPT#<delivery>#<n>``: an alert's ledger is one Query.

Due deliveries are in the sparse ``gsi1`` partition ``DELIVERYDUE`` sorted by
``<next_at>#<id>`` while pending or in flight (claiming sets ``next_at`` to the lease's
end, as SQL does, so an expired lease is simply due again); sent and given-up deliveries
leave it. Claiming walks that index oldest first and takes each candidate with a
conditional update (``status`` live and ``next_at`` ≤ now): the index is eventually
consistent and may offer a delivery another worker just took, but the condition is
checked on the item itself, so of two workers exactly one wins it.

``begin_attempts`` counts the attempt on the delivery (conditional on this worker's
lease), then writes the unfinished ledger rows, and returns only after both: the send
that follows is always preceded by its ledger row. A crash between the two leaves a
counted attempt without a row — and without a send. ``finish_attempt`` completes the row
first, then moves the delivery on (if the attempt is still its latest).

An escalation-tier delivery (tier > 0) begins differently: one TransactWriteItems counts
the attempt, checks the alert item has no ``acked_at`` (ConditionCheck) and writes the
ledger row, so no such attempt begins after an ack; one refused because of the ack is
cancelled. Tier 0 stays one write: an ack never stops the alert itself.

No TTL: deliveries and the ledger are kept with their alert (the audit trail).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from cloud_plane.errors import NotFound
from cloud_plane.records.deliveries import (
    AttemptResult,
    NewDelivery,
    StoredAttempt,
    StoredDelivery,
)
from cloud_plane.store import alert_keys as k
from cloud_plane.store.dynamo.alert_items import (
    Action,
    commit,
    from_item,
    to_value,
    update_expression,
)
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.delivery_items import (
    DUE,
    DUE_BY,
    DUE_NAMES,
    FIRST_TIER,
    LEAVE_DUE_INDEX,
    LIVE,
    MINE,
    MINE_NAMES,
    NOT_ACKED_OR_RESOLVED,
    STATES,
    cancel_item,
    delivery_item,
    finished_changes,
    ledger_row,
    stored_delivery,
)


class DynamoDeliveries:
    """``DeliveryQueue`` over delivery items, their slots and the ledger rows."""

    def __init__(self, db: DynamoDb) -> None:
        self._db = db

    def enqueue_deliveries(self, deliveries: Sequence[NewDelivery]) -> int:
        """Queue deliveries; an existing (alert, recipient, channel, purpose) is kept."""
        new = 0
        for d in deliveries:
            slot = {
                **k.delivery_slot(d.alert_id, d.recipient_id, d.channel, d.purpose),
                "delivery_id": d.delivery_id,
            }
            actions = [
                Action("Put", item=slot, condition="attribute_not_exists(pk)"),
                Action("Put", item=delivery_item(d), condition="attribute_not_exists(pk)"),
            ]
            if commit(self._db.table, actions):
                new += 1
        return new

    def claim_deliveries(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[StoredDelivery]:
        """Lease up to ``limit`` due deliveries, oldest due first."""
        if limit <= 0:
            return []
        candidates = self._db.table.query(
            "gsi1pk = :p AND gsi1sk < :r",
            values={":p": k.DELIVERIES_DUE, ":r": k.until(now)},
            index="gsi1",
            page_size=max(limit, 25),
        )
        claimed: list[StoredDelivery] = []
        for candidate in candidates:
            taken = self.claim_delivery(
                candidate["delivery_id"], worker=worker, now=now, lease=lease
            )
            if taken is not None:
                claimed.append(taken)
                if len(claimed) >= limit:
                    break
        return claimed

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
        """Lease the recipient's resolution deliveries on ``channel`` due by ``due_by``.

        Walks the due index up to ``due_by`` (only live deliveries are in it: a short walk)
        and takes each match with the same conditional update as ``claim_delivery``.
        """
        if limit <= 0:
            return []
        candidates = self._db.table.query(
            "gsi1pk = :p AND gsi1sk < :r",
            values={
                ":p": k.DELIVERIES_DUE,
                ":r": k.until(due_by),
                ":rid": recipient_id,
                ":ch": channel,
                ":res": "resolution",
            },
            names={"#rid": "recipient_id", "#ch": "channel", "#pu": "purpose"},
            filter="#rid = :rid AND #ch = :ch AND #pu = :res",
            index="gsi1",
        )
        claimed: list[StoredDelivery] = []
        for candidate in candidates:
            taken = self._claim(
                candidate["delivery_id"], worker=worker, now=now, lease=lease, due_by=due_by
            )
            if taken is not None:
                claimed.append(taken)
                if len(claimed) >= limit:
                    break
        return claimed

    def cancel_unsent(self, alert_id: str, *, now: datetime) -> list[StoredDelivery]:
        """Cancel the alert's deliveries (purpose alert) whose send never began."""
        cancelled: list[StoredDelivery] = []
        for d in self.list_deliveries(alert_id):
            if d.purpose != "alert" or d.status not in ("pending", "in_flight"):
                continue
            if d.attempt > 0:
                row = self._db.table.get(k.attempt(alert_id, d.delivery_id, d.attempt))
                # No row yet: begin_attempts counted the attempt and is writing it (a send
                # follows), so only a finished row says the latest attempt is over.
                if row is None or "finished_at" not in row:
                    continue
            expr, names, values = update_expression(
                {
                    "status": "cancelled",
                    "next_at": None,
                    "lease_until": None,
                    "leased_by": None,
                    "updated_at": now,
                    **LEAVE_DUE_INDEX,
                }
            )
            # The attempt must not have moved since it was read: a begin in between wins.
            item = self._db.table.update(
                k.delivery(d.delivery_id),
                expr,
                condition=f"#attempt = :attempt AND {LIVE}",
                names={**names, "#st": "status", "#attempt": "attempt"},
                values={**values, **STATES, ":attempt": d.attempt},
            )
            if item is not None:
                cancelled.append(stored_delivery(item))
        return sorted(cancelled, key=lambda d: d.delivery_id)

    def claim_delivery(
        self, delivery_id: str, *, worker: str, now: datetime, lease: timedelta
    ) -> StoredDelivery | None:
        """Lease this delivery if it is due now; None if it is not (or is unknown)."""
        return self._claim(delivery_id, worker=worker, now=now, lease=lease, due_by=None)

    def _claim(
        self,
        delivery_id: str,
        *,
        worker: str,
        now: datetime,
        lease: timedelta,
        due_by: datetime | None,
    ) -> StoredDelivery | None:
        """Lease the delivery if due (``due_by``: a pending one due by then counts too)."""
        try:
            key = k.delivery(delivery_id)
        except ValueError:
            return None  # no delivery can have this id
        until = now + lease
        expr, names, values = update_expression(
            {
                "status": "in_flight",
                "leased_by": worker,
                "lease_until": until,
                "next_at": until,
                "updated_at": now,
                **k.due_index(until, delivery_id),
            }
        )
        condition, extra = DUE, {":now": to_value(now)}
        if due_by is not None:
            # A pending one due by `due_by` (pulled forward into a group), or an expired
            # lease; a live lease is another worker's send and is never taken.
            condition = DUE_BY
            extra = {**extra, ":due_by": to_value(due_by)}
        item = self._db.table.update(
            key,
            expr,
            condition=condition,
            names={**names, **DUE_NAMES},
            values={**values, **STATES, **extra},
        )
        return None if item is None else stored_delivery(item)

    def defer_delivery(self, delivery_id: str, *, worker: str, until: datetime) -> bool:
        """Return a leased delivery to pending until ``until`` (no attempt counted)."""
        expr, names, values = update_expression(
            {
                "status": "pending",
                "next_at": until,
                "lease_until": None,
                "leased_by": None,
                **k.due_index(until, delivery_id),
            }
        )
        item = self._db.table.update(
            k.delivery(delivery_id),
            expr,
            condition=MINE,
            names={**names, **MINE_NAMES},
            values={**values, ":in_flight": "in_flight", ":worker": worker},
        )
        return item is not None

    def begin_attempts(
        self, delivery_ids: Sequence[str], *, worker: str, now: datetime
    ) -> list[StoredDelivery]:
        """Count an attempt and write its (unfinished) ledger row for each delivery still ours.

        A delivery of an escalation tier whose alert is acknowledged is cancelled instead.
        """
        started: list[StoredDelivery] = []
        first_tier: list[StoredDelivery] = []  # their ledger rows are written together below
        for delivery_id in delivery_ids:
            # The common case (tier 0: never refused) is one conditional write, no read.
            expr, names, values = update_expression({"updated_at": now}, add={"attempt": 1})
            item = self._db.table.update(
                k.delivery(delivery_id),
                expr,
                condition=f"{MINE} AND {FIRST_TIER}",
                names={**names, **MINE_NAMES, "#tier": "tier"},
                values={**values, ":in_flight": "in_flight", ":worker": worker, ":zero": 0},
            )
            if item is not None:
                first_tier.append(stored_delivery(item))
                started.append(first_tier[-1])
                continue
            escalation = self._begin_escalation(delivery_id, worker=worker, now=now)
            if escalation is not None:
                started.append(escalation)
        if first_tier:
            self._db.table.batch_write(puts=[ledger_row(s, worker, now) for s in first_tier])
        return started

    def _begin_escalation(
        self, delivery_id: str, *, worker: str, now: datetime
    ) -> StoredDelivery | None:
        """Begin an escalation-tier attempt unless its alert is acknowledged (then cancel it).

        One transaction: the attempt counted on the delivery (still this worker's, attempt
        as read), a ConditionCheck that the alert has no ``acked_at``, and the ledger row. An
        ack is an UpdateItem of the alert item, so it lands either before the transaction
        (refused) or after it (the ack's ``cancel_escalations`` then sees the attempt under
        way, with its ledger row).
        """
        item = self._db.table.get(k.delivery(delivery_id))
        if item is None:
            return None
        current = stored_delivery(item)
        if current.status != "in_flight" or current.leased_by != worker or current.tier == 0:
            return None  # lost to an expired lease (or a tier-0 one: the first write said so)
        begun = replace(current, attempt=current.attempt + 1, updated_at=now)
        expr, names, values = update_expression({"attempt": begun.attempt, "updated_at": now})
        began = commit(
            self._db.table,
            [
                Action(
                    "Update",
                    key=k.delivery(delivery_id),
                    update=expr,
                    condition=f"{MINE} AND #attempt = :seen",
                    names={**names, **MINE_NAMES, "#attempt": "attempt"},
                    values={
                        **values,
                        ":in_flight": "in_flight",
                        ":worker": worker,
                        ":seen": current.attempt,
                    },
                ),
                Action(
                    "ConditionCheck",
                    key=k.alert(current.alert_id),
                    # resolved: escalates no more (its tier may have been queued just before)
                    condition=NOT_ACKED_OR_RESOLVED,
                ),
                Action("Put", item=ledger_row(begun, worker, now)),
            ],
        )
        if began:
            return begun
        alert = self._db.table.get(k.alert(current.alert_id))
        if alert is not None and ("acked_at" in alert or "resolved_at" in alert):
            cancel_item(
                self._db.table,
                delivery_id,
                f"{MINE} AND #attempt = :seen",
                now=now,
                values={":in_flight": "in_flight", ":worker": worker, ":seen": current.attempt},
                names=dict(MINE_NAMES),
            )
        return None

    def cancel_escalations(self, alert_id: str, *, now: datetime) -> int:
        """Cancel the alert's escalation-tier deliveries that no attempt is under way for.

        Read after the ack: no escalation attempt can begin any more (``_begin_escalation``
        checks the alert), so the attempts seen under way are all there will be, and each
        cancellation is conditional on the delivery's attempt count as read.
        """
        live = [
            d
            for d in self.list_deliveries(alert_id)
            if d.tier > 0 and d.status in ("pending", "in_flight")
        ]
        if not live:
            return 0
        # Every attempt with a ledger row, finished or not: ``finish_attempt`` completes the
        # row before it moves the delivery, so a row already finished may be a message that
        # went out whose delivery is not marked sent yet. A failed one goes back to pending
        # and its next begin is refused and cancelled (the alert is acked).
        under_way = {(a.delivery_id, a.attempt) for a in self.list_attempts(alert_id)}
        cancelled = 0
        for d in live:
            if d.status == "in_flight" and (d.delivery_id, d.attempt) in under_way:
                continue  # began before the ack: it may complete
            if cancel_item(
                self._db.table,
                d.delivery_id,
                f"{LIVE} AND #attempt = :seen",
                now=now,
                names={"#st": "status"},
                values={**STATES, ":seen": d.attempt},
            ):
                cancelled += 1
        return cancelled

    def finish_attempt(
        self, delivery_id: str, attempt: int, result: AttemptResult, *, now: datetime
    ) -> StoredDelivery:
        """Complete the ledger row; move the delivery on if ``attempt`` is still its latest."""
        key = k.delivery(delivery_id)
        current = self._db.table.get(key)
        if current is None:
            raise NotFound(f"no delivery {delivery_id!r}")
        expr, names, values = update_expression(
            {
                "finished_at": now,
                "outcome": "sent" if result.ok else "failed",
                "provider_message_id": result.provider_message_id,
                "error": result.error,
            }
        )
        # Only a row begin_attempts wrote is completed (an update would create a missing one).
        self._db.table.update(
            k.attempt(current["alert_id"], delivery_id, attempt),
            expr,
            condition="attribute_exists(pk)",
            names=names,
            values=values,
        )
        expr, names, values = update_expression(finished_changes(result, delivery_id, now))
        item = self._db.table.update(
            key,
            expr,
            condition=f"#attempt = :attempt AND {LIVE}",
            names={**names, "#st": "status", "#attempt": "attempt"},
            values={**values, **STATES, ":attempt": attempt},
        )
        return stored_delivery(item if item is not None else current)

    def list_deliveries(self, alert_id: str) -> list[StoredDelivery]:
        """Return the alert's deliveries by (created, recipient, channel)."""
        try:
            partition = k.alert(alert_id)["pk"]
        except ValueError:
            return []
        slots = self._db.table.query(
            "pk = :p AND begins_with(sk, :s)",
            values={":p": partition, ":s": k.DELIVERY_SLOT_PREFIX},
            consistent=True,
        )
        keys = [k.delivery(slot["delivery_id"]) for slot in slots]
        found = [stored_delivery(i) for i in self._db.table.batch_get(keys, consistent=True)]
        return sorted(found, key=lambda d: (d.created_at, d.recipient_id, d.channel))

    def list_attempts(self, alert_id: str) -> list[StoredAttempt]:
        """Return the alert's ledger by (started_at, delivery, attempt)."""
        try:
            partition = k.alert(alert_id)["pk"]
        except ValueError:
            return []
        rows = self._db.table.query(
            "pk = :p AND begins_with(sk, :s)",
            values={":p": partition, ":s": k.ATTEMPT_PREFIX},
            consistent=True,
        )
        attempts = [from_item(StoredAttempt, row) for row in rows]
        return sorted(attempts, key=lambda a: (a.started_at, a.delivery_id, a.attempt))
