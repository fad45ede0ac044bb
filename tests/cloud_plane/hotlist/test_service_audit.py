"""Staff hotlist edits write their audit entries (add, update, remove), on every store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cloud_plane.errors import InvalidInput
from cloud_plane.hotlist import service
from cloud_plane.records.audit import AuditQuery
from cloud_plane.store.base import CloudStore
from sync_protocol.audit import AuditRecord
from tests.cloud_plane.store.contracts.builders import NOW


def upsert(store: CloudStore, reason: str = "stolen car", minutes: int = 0) -> None:
    service.staff_upsert(
        store,
        list_name="stolen",
        plate="ab12 cde",
        reason=reason,
        priority=80,
        expires_at=None,
        by="ann@example.com",
        now=NOW + timedelta(minutes=minutes),
        source="api",
    )


def entries(store: CloudStore, action: str) -> list[AuditRecord]:
    return store.audit.list(AuditQuery(action=action)).items


def test_a_new_entry_is_audited_as_an_add_by_the_staff_member(shared_store: CloudStore) -> None:
    upsert(shared_store)
    [entry] = entries(shared_store, "hotlist.add")
    assert (entry.actor, entry.target, entry.source, entry.site_id) == (
        "user:ann@example.com",
        "stolen/AB12CDE",
        "api",
        None,
    )
    assert entry.detail["reason"] == "stolen car" and entry.detail["priority"] == 80


def test_a_change_to_a_live_entry_is_audited_as_an_update(shared_store: CloudStore) -> None:
    upsert(shared_store)
    upsert(shared_store, reason="found: watch only", minutes=1)
    [entry] = entries(shared_store, "hotlist.update")
    assert entry.detail["reason"] == "found: watch only"


def test_a_removal_is_audited(shared_store: CloudStore) -> None:
    upsert(shared_store)
    service.staff_delete(
        shared_store,
        list_name="stolen",
        plate="AB12CDE",
        by="ann@example.com",
        now=NOW + timedelta(minutes=1),
    )
    [entry] = entries(shared_store, "hotlist.remove")
    assert (entry.actor, entry.target) == ("user:ann@example.com", "stolen/AB12CDE")


def test_a_refused_edit_is_not_audited(shared_store: CloudStore) -> None:
    with pytest.raises(InvalidInput):
        service.staff_upsert(
            shared_store,
            list_name="no such list!",
            plate="AB12CDE",
            reason="",
            priority=1,
            expires_at=None,
            by="ann@example.com",
            now=NOW,
        )
    assert shared_store.audit.list(AuditQuery()).items == []
