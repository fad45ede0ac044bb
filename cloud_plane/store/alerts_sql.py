"""The alert calls of the SQL store (``AlertStore``), mixed into ``SqlStore``.

Concurrency follows ``sql.py``: writes take their lock first. Idempotency keys
are inserted first with ``ON CONFLICT DO NOTHING``, so of concurrent raisers of
one key exactly one goes on; grouping locks the group's row; claiming uses
``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's single writer serialises
claims anyway), so two workers never lease the same delivery.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, false, or_, select, update
from sqlalchemy.engine import Connection

from cloud_plane.alerts.rules import joins_group
from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.store.alerts_base import (
    AlertQuery,
    AlertRaised,
    AttemptResult,
    NewAlert,
    NewDelivery,
    StoredAlert,
    StoredAttempt,
    StoredDelivery,
    StoredRecipient,
    Subscription,
)
from cloud_plane.store.base import Page, decode_cursor, encode_cursor, iter_chunks
from cloud_plane.store.rows import from_row
from cloud_plane.store.secret_box import SecretBox
from cloud_plane.store.tables import (
    AlertGroupRow,
    AlertKeyRow,
    AlertRow,
    DeliveryAttemptRow,
    DeliveryRow,
    RecipientRow,
    SubscriptionRow,
)

INSERT_CHUNK = 500
_LIVE = ("pending", "in_flight")


class AlertSqlMixin:
    """``AlertStore`` over the alert tables; needs ``_tx`` and ``_insert`` of ``SqlStore``."""

    secret_box: SecretBox  # seals webhook secrets at rest (set by SqlStore)

    def _tx(self, *, write: bool = False) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # pragma: no cover - provided by SqlStore

    def _insert(self, conn: Connection, table: Any) -> Any:
        raise NotImplementedError  # pragma: no cover - provided by SqlStore

    # --- alerts --------------------------------------------------------------------------
    def raise_alert(self, alert: NewAlert, *, group_window: timedelta) -> AlertRaised:
        """Create the alert unless its dedup, open or group key says otherwise."""
        with self._tx(write=True) as conn:
            if alert.dedup_key is not None:
                claimed = conn.execute(
                    self._insert(conn, AlertKeyRow)
                    .values(dedup_key=alert.dedup_key, alert_id=alert.alert_id)
                    .on_conflict_do_nothing()
                    .returning(AlertKeyRow.dedup_key)
                ).first()
                if claimed is None:
                    owner = conn.execute(
                        select(AlertKeyRow.alert_id).where(AlertKeyRow.dedup_key == alert.dedup_key)
                    ).scalar_one()
                    return AlertRaised("duplicate", self._alert(conn, owner))
            if alert.open_key is not None:
                existing = self._open_alert(conn, alert.open_key)
                if existing is not None:
                    return AlertRaised("already_open", self._seen(conn, existing, alert))
            if alert.group_key is not None:
                joined = self._join_group(conn, alert, group_window)
                if joined is not None:
                    return AlertRaised("grouped", joined)
            inserted = conn.execute(
                self._insert(conn, AlertRow)
                .values(_alert_row(alert))
                .on_conflict_do_nothing()
                .returning(AlertRow.alert_id)
            ).first()
            if inserted is None and alert.open_key is not None:
                # A concurrent raiser opened the same problem first.
                existing = self._open_alert(conn, alert.open_key)
                if existing is not None:
                    return AlertRaised("already_open", existing)
            if alert.group_key is not None:
                conn.execute(
                    update(AlertGroupRow)
                    .where(AlertGroupRow.group_key == alert.group_key)
                    .values(alert_id=alert.alert_id, first_seen=alert.occurred_at)
                )
            return AlertRaised("created", self._alert(conn, alert.alert_id))

    def _join_group(
        self, conn: Connection, alert: NewAlert, window: timedelta
    ) -> StoredAlert | None:
        conn.execute(
            self._insert(conn, AlertGroupRow)
            .values(group_key=alert.group_key, alert_id=None, first_seen=None)
            .on_conflict_do_nothing()
        )
        group = conn.execute(
            select(AlertGroupRow)
            .where(AlertGroupRow.group_key == alert.group_key)
            .with_for_update()
        ).one()
        if group.alert_id is None or not joins_group(group.first_seen, alert.occurred_at, window):
            return None
        current = self._alert(conn, group.alert_id)
        conn.execute(
            update(AlertRow)
            .where(AlertRow.alert_id == current.alert_id)
            .values(
                count=AlertRow.count + 1,
                last_seen=max(current.last_seen, alert.occurred_at),
                first_seen=min(current.first_seen, alert.occurred_at),
            )
        )
        if alert.dedup_key is not None:
            conn.execute(
                update(AlertKeyRow)
                .where(AlertKeyRow.dedup_key == alert.dedup_key)
                .values(alert_id=current.alert_id)
            )
        return self._alert(conn, current.alert_id)

    def _open_alert(self, conn: Connection, open_key: str) -> StoredAlert | None:
        row = conn.execute(
            select(AlertRow).where(AlertRow.open_key == open_key).with_for_update()
        ).first()
        return None if row is None else _stored_alert(row._mapping)

    def _seen(self, conn: Connection, existing: StoredAlert, alert: NewAlert) -> StoredAlert:
        if alert.occurred_at <= existing.last_seen:
            return existing
        conn.execute(
            update(AlertRow)
            .where(AlertRow.alert_id == existing.alert_id)
            .values(last_seen=alert.occurred_at, reason=alert.reason)
        )
        return self._alert(conn, existing.alert_id)

    def _alert(self, conn: Connection, alert_id: str) -> StoredAlert:
        row = conn.execute(select(AlertRow).where(AlertRow.alert_id == alert_id)).first()
        if row is None:
            raise NotFound(f"no alert {alert_id!r}")
        return _stored_alert(row._mapping)

    def get_alert(self, alert_id: str) -> StoredAlert:
        """Return the alert; raise NotFound."""
        with self._tx() as conn:
            return self._alert(conn, alert_id)

    def list_alerts(self, query: AlertQuery) -> Page[StoredAlert]:
        """Return alerts newest first by (created_at, alert_id)."""
        a = AlertRow
        stmt = select(AlertRow).order_by(a.created_at.desc(), a.alert_id.desc())
        if query.cursor:
            at, alert_id = decode_cursor(query.cursor, 2)
            at = _cursor_time(at)
            stmt = stmt.where(
                or_(a.created_at < at, and_(a.created_at == at, a.alert_id < str(alert_id)))
            )
        if query.site_ids is not None:
            stmt = stmt.where(a.site_id.in_(list(query.site_ids)) if query.site_ids else false())
        if query.status is not None:
            stmt = stmt.where(a.status == query.status)
        if query.kind is not None:
            stmt = stmt.where(a.kind == query.kind)
        with self._tx() as conn:
            rows = conn.execute(stmt.limit(query.limit + 1)).mappings()
            items = [_stored_alert(r) for r in rows]
        if len(items) > query.limit:
            last = items[query.limit - 1]
            cursor = encode_cursor((last.created_at.isoformat(), last.alert_id))
            return Page(items[: query.limit], cursor)
        return Page(items, None)

    def open_problems(self, site_id: str | None = None) -> list[StoredAlert]:
        """Return unresolved alerts holding an open key (optionally of one site)."""
        stmt = select(AlertRow).where(AlertRow.open_key.is_not(None)).order_by(AlertRow.open_key)
        if site_id is not None:
            stmt = stmt.where(AlertRow.site_id == site_id)
        with self._tx() as conn:
            return [_stored_alert(r) for r in conn.execute(stmt).mappings()]

    def resolve_alert(self, alert_id: str, *, now: datetime) -> StoredAlert:
        """Mark the alert resolved (first time stays) and free its open key."""
        with self._tx(write=True) as conn:
            conn.execute(
                update(AlertRow)
                .where(AlertRow.alert_id == alert_id, AlertRow.resolved_at.is_(None))
                .values(status="resolved", resolved_at=now, open_key=None, next_escalation_at=None)
            )
            return self._alert(conn, alert_id)

    def ack_alert(self, alert_id: str, *, by: str, now: datetime) -> StoredAlert:
        """Acknowledge the alert (first who/when stay) and stop its escalation."""
        with self._tx(write=True) as conn:
            conn.execute(
                update(AlertRow)
                .where(AlertRow.alert_id == alert_id, AlertRow.acked_at.is_(None))
                .values(acked_by=by, acked_at=now, next_escalation_at=None)
            )
            conn.execute(
                update(AlertRow)
                .where(AlertRow.alert_id == alert_id, AlertRow.status == "open")
                .values(status="acked")
            )
            return self._alert(conn, alert_id)

    def due_escalations(self, now: datetime, limit: int = 100) -> list[StoredAlert]:
        """Return unacknowledged, unresolved alerts due to escalate, oldest due first."""
        stmt = (
            select(AlertRow)
            .where(
                AlertRow.next_escalation_at <= now,
                AlertRow.acked_at.is_(None),
                AlertRow.resolved_at.is_(None),
            )
            .order_by(AlertRow.next_escalation_at)
            .limit(limit)
        )
        with self._tx() as conn:
            return [_stored_alert(r) for r in conn.execute(stmt).mappings()]

    def escalate_alert(
        self, alert_id: str, *, from_tier: int, next_at: datetime | None
    ) -> StoredAlert | None:
        """Move the alert one tier on, if it is still unacknowledged at ``from_tier``."""
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(AlertRow)
                .where(
                    AlertRow.alert_id == alert_id,
                    AlertRow.escalation_tier == from_tier,
                    AlertRow.acked_at.is_(None),
                    AlertRow.resolved_at.is_(None),
                )
                .values(escalation_tier=from_tier + 1, next_escalation_at=next_at)
            )
            return self._alert(conn, alert_id) if result.rowcount == 1 else None

    # --- recipients and subscriptions ------------------------------------------------------
    def put_recipient(self, recipient: StoredRecipient) -> StoredRecipient:
        """Create or replace a recipient (an existing one keeps its ``created_at``)."""
        row = {
            "recipient_id": recipient.recipient_id,
            "name": recipient.name,
            "phone": recipient.phone,
            "email": recipient.email,
            "webhook_url": recipient.webhook_url,
            "webhook_secret": self.secret_box.seal(recipient.webhook_secret),
            "created_at": recipient.created_at,
            "updated_at": recipient.updated_at,
        }
        changed = {k: v for k, v in row.items() if k not in ("recipient_id", "created_at")}
        with self._tx(write=True) as conn:
            conn.execute(
                self._insert(conn, RecipientRow)
                .values(row)
                .on_conflict_do_update(index_elements=["recipient_id"], set_=changed)
            )
            return self._recipient(conn, recipient.recipient_id)

    def _recipient(self, conn: Connection, recipient_id: str) -> StoredRecipient:
        row = conn.execute(
            select(RecipientRow).where(RecipientRow.recipient_id == recipient_id)
        ).first()
        if row is None:
            raise NotFound(f"no recipient {recipient_id!r}")
        return _stored_recipient(row._mapping, self.secret_box)

    def get_recipient(self, recipient_id: str) -> StoredRecipient:
        """Return the recipient; raise NotFound."""
        with self._tx() as conn:
            return self._recipient(conn, recipient_id)

    def list_recipients(self) -> list[StoredRecipient]:
        """Return every recipient by name."""
        stmt = select(RecipientRow).order_by(RecipientRow.name, RecipientRow.recipient_id)
        with self._tx() as conn:
            return [_stored_recipient(r, self.secret_box) for r in conn.execute(stmt).mappings()]

    def delete_recipient(self, recipient_id: str) -> None:
        """Delete the recipient and its subscriptions; raise NotFound."""
        with self._tx(write=True) as conn:
            conn.execute(
                delete(SubscriptionRow).where(SubscriptionRow.recipient_id == recipient_id)
            )
            result = conn.execute(
                delete(RecipientRow).where(RecipientRow.recipient_id == recipient_id)
            )
            if result.rowcount == 0:
                raise NotFound(f"no recipient {recipient_id!r}")

    def put_subscription(self, subscription: Subscription) -> Subscription:
        """Create or replace a subscription; raise NotFound for an unknown recipient."""
        s = subscription
        row = {
            "subscription_id": s.subscription_id,
            "recipient_id": s.recipient_id,
            "site_id": s.site_id,
            "lists_json": json.dumps(sorted(s.lists)),
            "min_priority": s.min_priority,
            "kinds_json": json.dumps(sorted(s.kinds)),
            "channels_json": json.dumps(list(s.channels)),
            "quiet_start": s.quiet_start,
            "quiet_end": s.quiet_end,
            "quiet_zone": s.quiet_zone,
            "quiet_below_priority": s.quiet_below_priority,
            "tier": s.tier,
            "created_at": s.created_at,
        }
        changed = {k: v for k, v in row.items() if k not in ("subscription_id", "created_at")}
        with self._tx(write=True) as conn:
            self._recipient(conn, s.recipient_id)
            conn.execute(
                self._insert(conn, SubscriptionRow)
                .values(row)
                .on_conflict_do_update(index_elements=["subscription_id"], set_=changed)
            )
            stored = conn.execute(
                select(SubscriptionRow).where(SubscriptionRow.subscription_id == s.subscription_id)
            ).one()
            return _subscription(stored._mapping)

    def list_subscriptions(self, recipient_id: str | None = None) -> list[Subscription]:
        """Return subscriptions (of one recipient if given) by (recipient, id)."""
        stmt = select(SubscriptionRow).order_by(
            SubscriptionRow.recipient_id, SubscriptionRow.subscription_id
        )
        if recipient_id is not None:
            stmt = stmt.where(SubscriptionRow.recipient_id == recipient_id)
        with self._tx() as conn:
            return [_subscription(r) for r in conn.execute(stmt).mappings()]

    def delete_subscription(self, subscription_id: str) -> None:
        """Delete the subscription; raise NotFound."""
        with self._tx(write=True) as conn:
            result = conn.execute(
                delete(SubscriptionRow).where(SubscriptionRow.subscription_id == subscription_id)
            )
            if result.rowcount == 0:
                raise NotFound(f"no subscription {subscription_id!r}")

    # --- the delivery queue and its ledger ---------------------------------------------------
    def enqueue_deliveries(self, deliveries: Sequence[NewDelivery]) -> int:
        """Queue deliveries; an existing (alert, recipient, channel) is kept."""
        new = 0
        with self._tx(write=True) as conn:
            for chunk in iter_chunks(deliveries, INSERT_CHUNK):
                rows = [_delivery_row(d) for d in chunk]
                inserted = conn.execute(
                    self._insert(conn, DeliveryRow)
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
        with self._tx() as conn:
            # An idle queue is the common case: answer it without taking the write lock.
            if conn.execute(due).first() is None:
                return []
        with self._tx(write=True) as conn:
            ids = list(
                conn.execute(
                    select(d.delivery_id)
                    .where(d.status.in_(_LIVE), d.next_at <= now)
                    .order_by(d.next_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                ).scalars()
            )
            if not ids:
                return []
            until = now + lease
            conn.execute(
                update(d)
                .where(d.delivery_id.in_(ids))
                .values(
                    status="in_flight",
                    leased_by=worker,
                    lease_until=until,
                    next_at=until,
                    updated_at=now,
                )
            )
            rows = conn.execute(select(d).where(d.delivery_id.in_(ids)).order_by(d.lease_until))
            return [_stored_delivery(r) for r in rows.mappings()]

    def defer_delivery(self, delivery_id: str, *, worker: str, until: datetime) -> bool:
        """Return a leased delivery to pending until ``until`` (no attempt counted)."""
        d = DeliveryRow
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(d)
                .where(d.delivery_id == delivery_id, d.leased_by == worker, d.status == "in_flight")
                .values(status="pending", next_at=until, lease_until=None, leased_by=None)
            )
            return result.rowcount == 1

    def begin_attempts(
        self, delivery_ids: Sequence[str], *, worker: str, now: datetime
    ) -> list[StoredDelivery]:
        """Count an attempt and write its (unfinished) ledger row for each delivery still ours."""
        if not delivery_ids:
            return []
        d = DeliveryRow
        mine = (
            d.delivery_id.in_(list(delivery_ids)),
            d.leased_by == worker,
            d.status == "in_flight",
        )
        with self._tx(write=True) as conn:
            conn.execute(update(d).where(*mine).values(attempt=d.attempt + 1, updated_at=now))
            started = [_stored_delivery(r) for r in conn.execute(select(d).where(*mine)).mappings()]
            if started:
                conn.execute(
                    self._insert(conn, DeliveryAttemptRow).values(
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

    def finish_attempt(
        self, delivery_id: str, attempt: int, result: AttemptResult, *, now: datetime
    ) -> StoredDelivery:
        """Complete the ledger row; move the delivery on if ``attempt`` is still its latest."""
        d = DeliveryRow
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
        with self._tx(write=True) as conn:
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
        with self._tx() as conn:
            return [_stored_delivery(r) for r in conn.execute(stmt).mappings()]

    def list_attempts(self, alert_id: str) -> list[StoredAttempt]:
        """Return the alert's ledger by (started_at, delivery, attempt)."""
        a = DeliveryAttemptRow
        stmt = (
            select(a).where(a.alert_id == alert_id).order_by(a.started_at, a.delivery_id, a.attempt)
        )
        with self._tx() as conn:
            return [_stored_attempt(r) for r in conn.execute(stmt).mappings()]


def _cursor_time(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("cursor is not one this API returned") from None
    if parsed.tzinfo is None:
        raise InvalidInput("cursor is not one this API returned")
    return parsed


def _alert_row(alert: NewAlert) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "kind": alert.kind,
        "priority": alert.priority,
        "site_id": alert.site_id,
        "status": "open",
        "first_seen": alert.occurred_at,
        "last_seen": alert.occurred_at,
        "count": 1,
        "created_at": alert.created_at,
        "reason": alert.reason,
        "camera_id": alert.camera_id,
        "plate": alert.plate,
        "plate_norm": alert.plate_norm,
        "list_name": alert.list_name,
        "confidence": alert.confidence,
        "detection_id": alert.detection_id,
        "link": alert.link,
        "group_key": alert.group_key,
        "open_key": alert.open_key,
        "escalation_tier": 0,
        "next_escalation_at": alert.next_escalation_at,
    }


def _stored_alert(row: Any) -> StoredAlert:
    return from_row(StoredAlert, row)


def _stored_recipient(row: Any, box: SecretBox) -> StoredRecipient:
    return from_row(StoredRecipient, row, webhook_secret=box.open(row["webhook_secret"]))


def _subscription(row: Any) -> Subscription:
    return Subscription(
        subscription_id=row["subscription_id"],
        recipient_id=row["recipient_id"],
        channels=tuple(json.loads(row["channels_json"])),
        created_at=row["created_at"],
        site_id=row["site_id"],
        lists=frozenset(json.loads(row["lists_json"])),
        min_priority=row["min_priority"],
        kinds=frozenset(json.loads(row["kinds_json"])),
        quiet_start=row["quiet_start"],
        quiet_end=row["quiet_end"],
        quiet_zone=row["quiet_zone"],
        quiet_below_priority=row["quiet_below_priority"],
        tier=row["tier"],
    )


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
    }


def _stored_delivery(row: Any) -> StoredDelivery:
    return from_row(StoredDelivery, row)


def _stored_attempt(row: Any) -> StoredAttempt:
    return from_row(StoredAttempt, row)
