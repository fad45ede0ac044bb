"""``RecipientStore`` on SQL: recipients (webhook secrets sealed) and their subscriptions."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from cloud_plane.errors import NotFound
from cloud_plane.records.recipients import StoredRecipient, Subscription
from cloud_plane.store.rows import from_row
from cloud_plane.store.secret_box import SecretBox
from cloud_plane.store.sql.database import SqlDatabase
from cloud_plane.store.tables import RecipientRow, SubscriptionRow


class SqlRecipients:
    """``RecipientStore`` over the recipient and subscription tables."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def put_recipient(self, recipient: StoredRecipient) -> StoredRecipient:
        """Create or replace a recipient (an existing one keeps its ``created_at``)."""
        row = {
            "recipient_id": recipient.recipient_id,
            "name": recipient.name,
            "phone": recipient.phone,
            "email": recipient.email,
            "webhook_url": recipient.webhook_url,
            "webhook_secret": self._db.secret_box.seal(recipient.webhook_secret),
            "created_at": recipient.created_at,
            "updated_at": recipient.updated_at,
        }
        changed = {k: v for k, v in row.items() if k not in ("recipient_id", "created_at")}
        with self._db.tx(write=True) as conn:
            conn.execute(
                self._db.insert(conn, RecipientRow)
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
        return _stored_recipient(row._mapping, self._db.secret_box)

    def get_recipient(self, recipient_id: str) -> StoredRecipient:
        """Return the recipient; raise NotFound."""
        with self._db.tx() as conn:
            return self._recipient(conn, recipient_id)

    def list_recipients(self) -> list[StoredRecipient]:
        """Return every recipient by name."""
        stmt = select(RecipientRow).order_by(RecipientRow.name, RecipientRow.recipient_id)
        with self._db.tx() as conn:
            return [
                _stored_recipient(r, self._db.secret_box) for r in conn.execute(stmt).mappings()
            ]

    def delete_recipient(self, recipient_id: str) -> None:
        """Delete the recipient and its subscriptions; raise NotFound."""
        with self._db.tx(write=True) as conn:
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
        with self._db.tx(write=True) as conn:
            self._recipient(conn, s.recipient_id)
            conn.execute(
                self._db.insert(conn, SubscriptionRow)
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
        with self._db.tx() as conn:
            return [_subscription(r) for r in conn.execute(stmt).mappings()]

    def delete_subscription(self, subscription_id: str) -> None:
        """Delete the subscription; raise NotFound."""
        with self._db.tx(write=True) as conn:
            result = conn.execute(
                delete(SubscriptionRow).where(SubscriptionRow.subscription_id == subscription_id)
            )
            if result.rowcount == 0:
                raise NotFound(f"no subscription {subscription_id!r}")


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
