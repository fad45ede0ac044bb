"""The ``RecipientStore`` contract: recipients and subscriptions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cloud_plane.errors import NotFound
from cloud_plane.records.recipients import StoredRecipient, Subscription
from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import NOW

ROLE = "recipients"


def recipient(rid: str = "r1", **kw) -> StoredRecipient:
    fields = {"recipient_id": rid, "name": "Duty", "created_at": NOW, "updated_at": NOW}
    fields.update(kw)
    return StoredRecipient(**fields)


def test_recipients_and_subscriptions_round_trip(store: CloudStore) -> None:
    store.recipients.put_recipient(recipient(phone="+447700900123"))
    updated = store.recipients.put_recipient(
        recipient(
            email="d@example.com", created_at=NOW + timedelta(1), updated_at=NOW + timedelta(1)
        )
    )
    assert updated.created_at == NOW and updated.email == "d@example.com" and updated.phone is None
    sub = Subscription(
        subscription_id="s1",
        recipient_id="r1",
        channels=("sms", "email"),
        created_at=NOW,
        lists=frozenset({"stolen"}),
        kinds=frozenset({"hit"}),
        quiet_start="22:00",
        quiet_end="07:00",
        quiet_zone="Europe/London",
        tier=1,
    )
    assert store.recipients.put_subscription(sub) == sub
    assert (
        store.recipients.list_subscriptions("r1") == [sub]
        and store.recipients.list_subscriptions("other") == []
    )
    with pytest.raises(NotFound):
        store.recipients.put_subscription(Subscription("s2", "ghost", ("sms",), NOW))
    store.recipients.delete_recipient("r1")
    assert store.recipients.list_subscriptions() == [] and store.recipients.list_recipients() == []
    with pytest.raises(NotFound):
        store.recipients.delete_recipient("r1")
    with pytest.raises(NotFound):
        store.recipients.delete_subscription("s1")


def test_a_webhook_secret_round_trips_and_can_be_cleared(store: CloudStore) -> None:
    stored = store.recipients.put_recipient(
        recipient(webhook_url="https://example.com/hook", webhook_secret="s3cret")
    )
    assert stored.webhook_secret == "s3cret"
    assert store.recipients.get_recipient("r1").webhook_secret == "s3cret"
    cleared = store.recipients.put_recipient(recipient(webhook_url="https://example.com/hook"))
    assert cleared.webhook_secret is None


def test_recipients_are_listed_by_name(store: CloudStore) -> None:
    for rid, name in (("r1", "Zed"), ("r2", "Ann"), ("r3", "Max")):
        store.recipients.put_recipient(recipient(rid, name=name))
    assert [r.name for r in store.recipients.list_recipients()] == ["Ann", "Max", "Zed"]


def test_replacing_a_subscription_keeps_its_creation_time(store: CloudStore) -> None:
    store.recipients.put_recipient(recipient())
    store.recipients.put_subscription(Subscription("s1", "r1", ("sms",), NOW))
    later = NOW + timedelta(days=1)
    replaced = store.recipients.put_subscription(
        Subscription("s1", "r1", ("email",), later, min_priority=50)
    )
    assert (replaced.created_at, replaced.channels, replaced.min_priority) == (
        NOW,
        ("email",),
        50,
    )
    assert store.recipients.list_subscriptions() == [replaced]


def test_unknown_recipients_are_not_found(store: CloudStore) -> None:
    with pytest.raises(NotFound):
        store.recipients.get_recipient("ghost")
