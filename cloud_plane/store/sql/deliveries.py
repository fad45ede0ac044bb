"""``DeliveryQueue`` on SQL: the delivery queue with leases, and the attempt ledger.

Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's single writer
serialises claims anyway), so two workers never lease the same delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection

from cloud_plane.errors import NotFound
from cloud_plane.records.deliveries import (
    AttemptResult,
    NewDelivery,
    StoredAttempt,
    StoredDelivery,
    attempt_end_changes,
)
from cloud_plane.records.paging import iter_chunks
from cloud_plane.store.rows import from_row
from cloud_plane.store.sql.database import SqlDatabase
from cloud_plane.store.tables import AlertRow, DeliveryAttemptRow, DeliveryRow

INSERT_CHUNK = 500
_LIVE = ("pending", "in_flight")


class SqlDeliveries:
    """``DeliveryQueue`` over the delivery and delivery attempt tables."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def enqueue_deliveries(self, deliveries: Sequence[NewDelivery]) -> int:
        """Queue deliveries; an existing (alert, recipient, channel, purpose) is kept."""
        new = 0
        with self._db.tx(write=True) as conn:
            for chunk in iter_chunks(deliveries, INSERT_CHUNK):
                rows = [_delivery_row(d) for d in chunk]
                inserted = conn.execute(
                    self._db.insert(conn, DeliveryRow)
                    .values(rows)
                    .on_conflict_do_nothing()
                    .returning(DeliveryRow.delivery_id)
                ).all()
                new += len(inserted)
        return new

    def claim_deliveries(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[StoredDelivery]:
        """Lease up to ``limit`` due deliveries, oldest due first."""
        d = DeliveryRow
        due = select(d.delivery_id).where(d.status.in_(_LIVE), d.next_at <= now).limit(1)
        with self._db.tx() as conn:
            # An idle queue is the common case: answer it without taking the write lock.
            if conn.execute(due).first() is None:
                return []
        with self._db.tx(write=True) as conn:
            ids = list(
                conn.execute(
                    select(d.delivery_id)
                    .where(d.status.in_(_LIVE), d.next_at <= now)
                    .order_by(d.next_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                ).scalars()
            )
            return _lease(conn, ids, worker=worker, now=now, lease=lease)

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
        """Lease the recipient's resolution deliveries on ``channel`` due by ``due_by``."""
        d = DeliveryRow
        with self._db.tx(write=True) as conn:
            ids = list(
                conn.execute(
                    select(d.delivery_id)
                    .where(
                        d.recipient_id == recipient_id,
                        d.channel == channel,
                        d.purpose == "resolution",
                        or_(
                            and_(d.status == "pending", d.next_at <= due_by),
                            # Only an expired lease: a live one is another worker's send.
                            and_(d.status == "in_flight", d.next_at <= now),
                        ),
                    )
                    .order_by(d.next_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                ).scalars()
            )
            return _lease(conn, ids, worker=worker, now=now, lease=lease)

    def cancel_unsent(self, alert_id: str, *, now: datetime) -> list[StoredDelivery]:
        """Cancel the alert's deliveries (purpose alert) whose send never began."""
        d, a = DeliveryRow, DeliveryAttemptRow
        with self._db.tx(write=True) as conn:
            # Locking the rows first orders this after a begin_attempts in progress (its
            # ledger row is then visible) or before it (its WHERE then misses "cancelled").
            live = conn.execute(
                select(d.delivery_id, d.attempt)
                .where(d.alert_id == alert_id, d.purpose == "alert", d.status.in_(_LIVE))
                .with_for_update()
            ).all()
            begun = {
                (delivery_id, attempt)
                for delivery_id, attempt in conn.execute(
                    select(a.delivery_id, a.attempt).where(
                        a.alert_id == alert_id, a.finished_at.is_(None)
                    )
                )
            }
            ids = [i for i, n in live if n == 0 or (i, n) not in begun]
            if not ids:
                return []
            conn.execute(
                update(d)
                .where(d.delivery_id.in_(ids))
                .values(
                    status="cancelled",
                    next_at=None,
                    lease_until=None,
                    leased_by=None,
                    updated_at=now,
                )
            )
            rows = conn.execute(select(d).where(d.delivery_id.in_(ids)).order_by(d.delivery_id))
            return [_stored_delivery(r) for r in rows.mappings()]

    def claim_delivery(
        self, delivery_id: str, *, worker: str, now: datetime, lease: timedelta
    ) -> StoredDelivery | None:
        """Lease this delivery if it is due now; None if it is not (or is unknown)."""
        d = DeliveryRow
        with self._db.tx(write=True) as conn:
            # The due test is in the UPDATE's WHERE, so the row lock decides between racers.
            result = conn.execute(
                update(d)
                .where(d.delivery_id == delivery_id, d.status.in_(_LIVE), d.next_at <= now)
                .values(_leased(worker, now, lease))
            )
            if result.rowcount != 1:
                return None
            row = conn.execute(select(d).where(d.delivery_id == delivery_id)).one()
            return _stored_delivery(row._mapping)

    def defer_delivery(self, delivery_id: str, *, worker: str, until: datetime) -> bool:
        """Return a leased delivery to pending until ``until`` (no attempt counted)."""
        d = DeliveryRow
        with self._db.tx(write=True) as conn:
            result = conn.execute(
                update(d)
                .where(d.delivery_id == delivery_id, d.leased_by == worker, d.status == "in_flight")
                .values(status="pending", next_at=until, lease_until=None, leased_by=None)
            )
            return result.rowcount == 1

    def begin_attempts(
        self, delivery_ids: Sequence[str], *, worker: str, now: datetime
    ) -> list[StoredDelivery]:
        """Count an attempt and write its (unfinished) ledger row for each delivery still ours.

        A delivery of an escalation tier whose alert is acknowledged is cancelled instead.
        """
        if not delivery_ids:
            return []
        d = DeliveryRow
        mine = (
            d.delivery_id.in_(list(delivery_ids)),
            d.leased_by == worker,
            d.status == "in_flight",
        )
        with self._db.tx(write=True) as conn:
            refused = self._acked_escalations(conn, mine)
            if refused:
                conn.execute(
                    update(d).where(*mine, d.delivery_id.in_(refused)).values(_cancelled(now))
                )
            conn.execute(update(d).where(*mine).values(attempt=d.attempt + 1, updated_at=now))
            started = [_stored_delivery(r) for r in conn.execute(select(d).where(*mine)).mappings()]
            if started:
                conn.execute(
                    self._db.insert(conn, DeliveryAttemptRow).values(
                        [
                            {
                                "delivery_id": s.delivery_id,
                                "attempt": s.attempt,
                                "alert_id": s.alert_id,
                                "recipient_id": s.recipient_id,
                                "channel": s.channel,
                                "worker": worker,
                                "started_at": now,
                            }
                            for s in started
                        ]
                    )
                )
        order = {delivery_id: i for i, delivery_id in enumerate(delivery_ids)}
        return sorted(started, key=lambda s: order[s.delivery_id])

    def _acked_escalations(self, conn: Connection, mine: tuple[Any, ...]) -> list[str]:
        """Return which of these escalation-tier deliveries belong to an acked or resolved alert.

        Their alerts' rows are read ``FOR SHARE`` (PostgreSQL; SQLite has one writer): an ack
        (an UPDATE of the alert row) waits for this transaction, or this read waits for the
        ack's commit and sees it. So an attempt either began before the ack committed (and
        the ack's ``cancel_escalations`` sees it under way) or is refused.
        """
        d, a = DeliveryRow, AlertRow
        escalations = conn.execute(select(d.delivery_id, d.alert_id).where(*mine, d.tier > 0)).all()
        if not escalations:
            return []
        alert_ids = sorted({alert_id for _, alert_id in escalations})
        rows = conn.execute(
            select(a.alert_id, a.acked_at, a.resolved_at)
            .where(a.alert_id.in_(alert_ids))
            .order_by(a.alert_id)  # one lock order for every locker: no deadlock between them
            .with_for_update(read=True)
        ).all()
        # A resolved alert escalates no more either (its tier may have been queued just before).
        acked = {alert_id for alert_id, acked_at, resolved_at in rows if acked_at or resolved_at}
        return [delivery_id for delivery_id, alert_id in escalations if alert_id in acked]

    def cancel_escalations(self, alert_id: str, *, now: datetime) -> int:
        """Cancel the alert's escalation-tier deliveries that no attempt is under way for."""
        d, at = DeliveryRow, DeliveryAttemptRow
        under_way = (
            select(at.delivery_id)
            .where(
                at.delivery_id == d.delivery_id,
                at.attempt == d.attempt,
                at.finished_at.is_(None),
            )
            .exists()
        )
        with self._db.tx(write=True) as conn:
            result = conn.execute(
                update(d)
                .where(
                    d.alert_id == alert_id,
                    d.tier > 0,
                    or_(d.status == "pending", and_(d.status == "in_flight", ~under_way)),
                )
                .values(_cancelled(now))
            )
            return int(result.rowcount)

    def finish_attempt(
        self, delivery_id: str, attempt: int, result: AttemptResult, *, now: datetime
    ) -> StoredDelivery:
        """Complete the ledger row; move the delivery on if ``attempt`` is still its latest."""
        d = DeliveryRow
        changes = attempt_end_changes(result, now)
        with self._db.tx(write=True) as conn:
            conn.execute(
                update(DeliveryAttemptRow)
                .where(
                    DeliveryAttemptRow.delivery_id == delivery_id,
                    DeliveryAttemptRow.attempt == attempt,
                )
                .values(
                    finished_at=now,
                    outcome="sent" if result.ok else "failed",
                    provider_message_id=result.provider_message_id,
                    error=result.error,
                )
            )
            conn.execute(
                update(d)
                .where(
                    d.delivery_id == delivery_id,
                    d.attempt == attempt,
                    d.status.in_(_LIVE),
                )
                .values(changes)
            )
            row = conn.execute(select(d).where(d.delivery_id == delivery_id)).first()
            if row is None:
                raise NotFound(f"no delivery {delivery_id!r}")
            return _stored_delivery(row._mapping)

    def list_deliveries(self, alert_id: str) -> list[StoredDelivery]:
        """Return the alert's deliveries by (created, recipient, channel)."""
        d = DeliveryRow
        stmt = (
            select(d)
            .where(d.alert_id == alert_id)
            .order_by(d.created_at, d.recipient_id, d.channel)
        )
        with self._db.tx() as conn:
            return [_stored_delivery(r) for r in conn.execute(stmt).mappings()]

    def list_attempts(self, alert_id: str) -> list[StoredAttempt]:
        """Return the alert's ledger by (started_at, delivery, attempt)."""
        a = DeliveryAttemptRow
        stmt = (
            select(a).where(a.alert_id == alert_id).order_by(a.started_at, a.delivery_id, a.attempt)
        )
        with self._db.tx() as conn:
            return [_stored_attempt(r) for r in conn.execute(stmt).mappings()]


def _cancelled(now: datetime) -> dict[str, Any]:
    """The changes that cancel a delivery (a holder of its lease then finds it not in flight)."""
    return {
        "status": "cancelled",
        "next_at": None,
        "lease_until": None,
        "leased_by": None,
        "updated_at": now,
    }


def _delivery_row(d: NewDelivery) -> dict[str, Any]:
    by_node = d.source == "node"  # delivered by the node's offline fallback: a record only
    return {
        "delivery_id": d.delivery_id,
        "alert_id": d.alert_id,
        "recipient_id": d.recipient_id,
        "channel": d.channel,
        "status": "sent" if by_node else "pending",
        "attempt": 1 if by_node else 0,
        "next_at": None if by_node else d.next_at,
        "tier": d.tier,
        "source": d.source,
        "created_at": d.created_at,
        "updated_at": d.created_at,
        "sent_at": d.sent_at if by_node else None,
        "provider_message_id": d.provider_message_id,
        "purpose": d.purpose,
    }


def _lease(
    conn: Connection, ids: list[str], *, worker: str, now: datetime, lease: timedelta
) -> list[StoredDelivery]:
    """Lease the (locked) deliveries ``ids`` to ``worker``; return them by lease."""
    if not ids:
        return []
    d = DeliveryRow
    conn.execute(update(d).where(d.delivery_id.in_(ids)).values(_leased(worker, now, lease)))
    rows = conn.execute(select(d).where(d.delivery_id.in_(ids)).order_by(d.lease_until))
    return [_stored_delivery(r) for r in rows.mappings()]


def _stored_delivery(row: Any) -> StoredDelivery:
    return from_row(StoredDelivery, row)


def _stored_attempt(row: Any) -> StoredAttempt:
    return from_row(StoredAttempt, row)


def _leased(worker: str, now: datetime, lease: timedelta) -> dict[str, Any]:
    """Return a claim's changes: in flight, leased to ``worker``, due again when it ends."""
    until = now + lease
    return {
        "status": "in_flight",
        "leased_by": worker,
        "lease_until": until,
        "next_at": until,
        "updated_at": now,
    }
