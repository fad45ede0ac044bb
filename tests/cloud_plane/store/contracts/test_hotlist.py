"""The ``HotlistStore`` contract: versioned last-writer-wins edits."""

from __future__ import annotations

from datetime import timedelta

from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import NOW, op

ROLE = "hotlist"


def test_hotlist_ops_version_and_resolve_by_last_writer_wins(store: CloudStore) -> None:
    assert (store.hotlist.current_version(), store.hotlist.oldest_retained_version()) == (0, 1)
    first = op(at=NOW)
    assert store.hotlist.apply_op(first, "s", received_at=NOW) == (
        1,
        store.hotlist.apply_op(first, "s", received_at=NOW)[1],
    )
    older = op("delete", at=NOW - timedelta(seconds=5))
    version, result = store.hotlist.apply_op(older, "s", received_at=NOW)
    assert (version, result.status, result.version) == (1, "superseded", 1)
    newer = op("delete", at=NOW + timedelta(seconds=5))
    version, result = store.hotlist.apply_op(newer, None, received_at=NOW + timedelta(seconds=10))
    assert (version, result.status, result.version) == (2, "applied", 2)
    entry = store.hotlist.get_entry("stolen", "AB12CDE")
    assert entry.deleted and entry.version == 2 and entry.op_id == newer.op_id
    assert store.hotlist.list_entries() == []
    assert [e.version for e in store.hotlist.list_entries(include_deleted=True)] == [2]
    assert [e.version for e in store.hotlist.changes_since(0, 10)] == [2]
    assert store.hotlist.changes_since(2, 10) == []


def test_hotlist_ops_from_the_future_are_clamped(store: CloudStore) -> None:
    future = op(at=NOW + timedelta(days=1))
    store.hotlist.apply_op(future, "s", received_at=NOW)
    assert store.hotlist.get_entry("stolen", "AB12CDE").updated_at == NOW
    _, result = store.hotlist.apply_op(
        op("delete", at=NOW + timedelta(seconds=1)), None, received_at=NOW + timedelta(seconds=1)
    )
    assert result.status == "applied"
