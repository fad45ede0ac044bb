"""``RecipientStore`` on DynamoDB: recipients (webhook secrets sealed) and their subscriptions.

Recipients live in one ``RECIPIENTS`` partition and subscriptions in one ``SUBS``
partition (``alert_keys.py``): there are tens of each, every reader wants all of them
(the dispatcher matches every subscription against each alert), so one Query each is
the cheapest read and sorting happens here. Webhook secrets are sealed with the store's
``SecretBox`` exactly as the SQL store seals them, so a copied table (or backup) alone
does not reveal them. No TTL: recipients are kept until deleted.
"""

from __future__ import annotations

from typing import Any

from cloud_plane.errors import NotFound
from cloud_plane.records.recipients import StoredRecipient, Subscription
from cloud_plane.store import alert_keys as k
from cloud_plane.store.dynamo.alert_items import (
    Action,
    commit,
    from_item,
    to_attributes,
    update_expression,
)
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.secret_box import SecretBox

NO_BOX = "the DynamoDB store has no secret box (EDGESYNC_CLOUD_SECRET_KEY) to seal webhook secrets"


class DynamoRecipients:
    """``RecipientStore`` over the ``RECIPIENTS`` and ``SUBS`` partitions."""

    def __init__(self, db: DynamoDb) -> None:
        self._db = db

    def _box(self) -> SecretBox:
        if self._db.secret_box is None:
            raise RuntimeError(NO_BOX)
        return self._db.secret_box

    def put_recipient(self, recipient: StoredRecipient) -> StoredRecipient:
        """Create or replace a recipient (an existing one keeps its ``created_at``)."""
        r = recipient
        secret = self._box().seal(r.webhook_secret) if r.webhook_secret is not None else None
        changes = {
            "recipient_id": r.recipient_id,
            "name": r.name,
            "phone": r.phone,
            "email": r.email,
            "webhook_url": r.webhook_url,
            "webhook_secret": secret,
            "updated_at": r.updated_at,
        }
        expr, names, values = update_expression(changes)
        # created_at is set only by the first put: the update keeps an existing one.
        expr = expr.replace("SET ", "SET #created = if_not_exists(#created, :created), ", 1)
        item = self._db.table.update(
            k.recipient(r.recipient_id),
            expr,
            names={**names, "#created": "created_at"},
            values={**values, ":created": to_attributes(r)["created_at"]},
        )
        assert item is not None  # no condition: the update always applies
        return self._stored(item)

    def _stored(self, item: dict[str, Any]) -> StoredRecipient:
        sealed = item.get("webhook_secret")
        secret = self._box().open(sealed) if sealed is not None else None
        return from_item(StoredRecipient, item, webhook_secret=secret)

    def get_recipient(self, recipient_id: str) -> StoredRecipient:
        """Return the recipient; raise NotFound."""
        item = self._db.table.get(_recipient_key(recipient_id))
        if item is None:
            raise NotFound(f"no recipient {recipient_id!r}")
        return self._stored(item)

    def list_recipients(self) -> list[StoredRecipient]:
        """Return every recipient by name."""
        items = self._db.table.query("pk = :p", values={":p": k.RECIPIENTS}, consistent=True)
        recipients = [self._stored(i) for i in items]
        return sorted(recipients, key=lambda r: (r.name, r.recipient_id))

    def delete_recipient(self, recipient_id: str) -> None:
        """Delete the recipient and its subscriptions; raise NotFound."""
        key = _recipient_key(recipient_id)
        if self._db.table.get(key) is None:
            raise NotFound(f"no recipient {recipient_id!r}")
        # Subscriptions first: a crash in between leaves a recipient without subscriptions
        # (nothing sent), never subscriptions of a recipient that is gone.
        self._delete_subscriptions_of(recipient_id)
        if self._db.table.delete(key, condition="attribute_exists(pk)") is None:
            raise NotFound(f"no recipient {recipient_id!r}")
        # A subscription put racing the delete passed its recipient check before it: sweep.
        self._delete_subscriptions_of(recipient_id)

    def _delete_subscriptions_of(self, recipient_id: str) -> None:
        subs = self.list_subscriptions(recipient_id)
        if subs:
            self._db.table.batch_write(deletes=[k.subscription(s.subscription_id) for s in subs])

    def put_subscription(self, subscription: Subscription) -> Subscription:
        """Create or replace a subscription; raise NotFound for an unknown recipient."""
        s = subscription
        item = {
            **k.subscription(s.subscription_id),
            **to_attributes(s),
            "lists": sorted(s.lists),
            "kinds": sorted(s.kinds),
            "channels": list(s.channels),
        }
        previous = self._db.table.get(k.subscription(s.subscription_id))
        if previous is not None:
            item["created_at"] = previous["created_at"]  # a replaced subscription keeps it
        recipient_there = Action(
            "ConditionCheck",
            key=_recipient_key(s.recipient_id),
            condition="attribute_exists(pk)",
        )
        if not commit(self._db.table, [recipient_there, Action("Put", item=item)]):
            raise NotFound(f"no recipient {s.recipient_id!r}")
        return _subscription(item)

    def list_subscriptions(self, recipient_id: str | None = None) -> list[Subscription]:
        """Return subscriptions (of one recipient if given) by (recipient, id)."""
        items = self._db.table.query("pk = :p", values={":p": k.SUBSCRIPTIONS}, consistent=True)
        subs = [
            _subscription(i)
            for i in items
            if recipient_id is None or i["recipient_id"] == recipient_id
        ]
        return sorted(subs, key=lambda s: (s.recipient_id, s.subscription_id))

    def delete_subscription(self, subscription_id: str) -> None:
        """Delete the subscription; raise NotFound."""
        try:
            key = k.subscription(subscription_id)
        except ValueError:
            raise NotFound(f"no subscription {subscription_id!r}") from None
        if self._db.table.delete(key, condition="attribute_exists(pk)") is None:
            raise NotFound(f"no subscription {subscription_id!r}")


def _recipient_key(recipient_id: str) -> dict[str, str]:
    """Return the recipient's key; an id no recipient can have is NotFound, not a crash."""
    try:
        return k.recipient(recipient_id)
    except ValueError:
        raise NotFound(f"no recipient {recipient_id!r}") from None


def _subscription(item: dict[str, Any]) -> Subscription:
    return from_item(
        Subscription,
        item,
        lists=frozenset(item.get("lists", ())),
        kinds=frozenset(item.get("kinds", ())),
        channels=tuple(item.get("channels", ())),
    )
