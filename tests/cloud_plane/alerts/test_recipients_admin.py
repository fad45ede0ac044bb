"""A recipient's webhook secret set, replaced or dropped is an audited key change (never the
secret itself), on every store."""

from __future__ import annotations

import json

from cloud_plane.alerts.recipients_admin import save_recipient
from cloud_plane.records.audit import Actor, AuditQuery
from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import NOW

BY = Actor("user:root@example.com", NOW, "api")
URL = "https://hooks.example.com/edgesync"
SECRET = "s3cret-webhook-value-0123456789"


def save(store: CloudStore, url: str | None, secret: str | None) -> None:
    save_recipient(
        store,
        "r1",
        name="Ops",
        phone=None,
        email="ops@example.com",
        webhook_url=url,
        webhook_secret=secret,
        now=NOW,
        by=BY,
    )


def actions(store: CloudStore) -> list[str]:
    """Every entry's action (the saves share one instant: their order is the store's)."""
    return [str(e.action) for e in store.audit.list(AuditQuery()).items]


def test_a_new_webhook_secret_is_a_new_key_without_its_value(shared_store: CloudStore) -> None:
    save(shared_store, URL, SECRET)
    [entry] = shared_store.audit.list(AuditQuery()).items
    assert (entry.action, entry.target) == ("key.create", "recipient:r1")
    assert SECRET not in json.dumps(entry.detail) and SECRET not in (entry.target or "")


def test_a_replaced_secret_is_a_rotation_and_a_kept_one_no_change(
    shared_store: CloudStore,
) -> None:
    save(shared_store, URL, SECRET)
    save(shared_store, URL, None)  # kept: nothing to record
    save(shared_store, URL, SECRET + "-2")
    assert sorted(actions(shared_store)) == ["key.create", "key.rotate"]  # same instant


def test_dropping_the_webhook_drops_its_secret_as_a_revocation(shared_store: CloudStore) -> None:
    save(shared_store, URL, SECRET)
    save(shared_store, None, None)
    assert sorted(actions(shared_store)) == ["key.create", "key.revoke"]
