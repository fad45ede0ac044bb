"""Saving recipients and subscriptions: one rule for the API and the dashboard.

A recipient saved without a webhook secret keeps the stored one (secrets are never shown
back); without a webhook URL it has no secret. A subscription id names one recipient's
subscription only. Errors: InvalidInput (with what was wrong), NotFound.
A webhook secret set, replaced or dropped is a key change for the audit log (``key.create``,
``key.rotate``, ``key.revoke`` on the recipient; never the secret itself).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError

from cloud_plane.alerts.model import Recipient
from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.records.audit import Actor
from cloud_plane.records.recipients import StoredRecipient, Subscription
from cloud_plane.store.base import CloudStore
from sync_protocol.audit import AuditAction


def save_recipient(
    store: CloudStore,
    recipient_id: str,
    *,
    name: str,
    phone: str | None,
    email: str | None,
    webhook_url: str | None,
    webhook_secret: str | None,
    now: datetime,
    by: Actor,
) -> StoredRecipient:
    """Create or replace a recipient (checked as the dispatcher will use it)."""
    try:
        existing: StoredRecipient | None = store.recipients.get_recipient(recipient_id)
    except NotFound:
        existing = None
    secret = webhook_secret
    if secret is None and webhook_url and existing is not None:
        secret = existing.webhook_secret
    if webhook_url is None:
        secret = None
    try:
        Recipient(
            id=recipient_id,
            name=name,
            phone=phone,
            email=email,
            webhook_url=webhook_url,
            webhook_secret=secret,
        )
    except ValidationError as exc:
        raise InvalidInput("; ".join(e["msg"] for e in exc.errors())) from None
    had = existing is not None and existing.webhook_secret is not None
    with store.meta.atomic():
        stored = store.recipients.put_recipient(
            StoredRecipient(
                recipient_id=recipient_id,
                name=name,
                created_at=now,
                updated_at=now,
                phone=phone,
                email=email,
                webhook_url=webhook_url,
                webhook_secret=secret,
            )
        )
        action = _secret_change(had, webhook_secret is not None, secret is not None)
        if action is not None:
            detail = {"what": "webhook secret"}
            store.audit.append(by.record(action, target=f"recipient:{recipient_id}", detail=detail))
    return stored


def _secret_change(had: bool, given: bool, has: bool) -> AuditAction | None:
    """The key change a save made to the webhook secret, if any."""
    if given and has:
        return AuditAction.KEY_ROTATE if had else AuditAction.KEY_CREATE
    if had and not has:
        return AuditAction.KEY_REVOKE
    return None


def save_subscription(store: CloudStore, subscription: Subscription) -> Subscription:
    """Create or replace a subscription; InvalidInput if its id is another recipient's."""
    existing = {s.subscription_id: s for s in store.recipients.list_subscriptions()}
    other = existing.get(subscription.subscription_id)
    if other is not None and other.recipient_id != subscription.recipient_id:
        raise InvalidInput(
            f"subscription {subscription.subscription_id!r} belongs to another recipient"
        )
    return store.recipients.put_subscription(subscription)


def delete_subscription(store: CloudStore, recipient_id: str, subscription_id: str) -> None:
    """Delete one of the recipient's subscriptions; NotFound if it is not theirs."""
    mine = {s.subscription_id for s in store.recipients.list_subscriptions(recipient_id)}
    if subscription_id not in mine:
        raise NotFound(f"no subscription {subscription_id!r} of {recipient_id!r}")
    store.recipients.delete_subscription(subscription_id)
