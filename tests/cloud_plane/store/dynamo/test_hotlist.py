"""The DynamoDB hotlist never answers past a version it cannot see yet.

A Query is read-committed per item only: a transaction's counter may show before its
change item does. moto applies a transaction at once, so the lag is made by hand: the
change item of a committed version is held back, as DynamoDB might for a moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import boto3
import pytest
from moto import mock_aws

from cloud_plane.store import keys
from cloud_plane.store.dynamo import DynamoStore
from cloud_plane.store.dynamo import hotlist as hotlist_module
from cloud_plane.store.dynamo.schema import create_table
from cloud_plane.store.dynamo.table import Contended
from tests.cloud_plane.store.contracts.builders import NOW, STAFF, op


@pytest.fixture
def store(aws_credentials: None) -> Iterator[DynamoStore]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        create_table(client, "t")
        yield DynamoStore.open("t", client=client)


def hold_back(store: DynamoStore, version: int) -> dict:
    """Remove the change item of ``version`` (committed, not visible yet); return it."""
    held = store.db.table.delete(keys.hotlist_change(version))
    assert held is not None
    return held


def test_a_change_not_visible_yet_is_waited_for(
    store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for plate in ("AA1", "BB2", "CC3"):
        store.hotlist.apply_op(op(plate=plate), STAFF, received_at=NOW)
    held = hold_back(store, 2)
    # The held item shows during the first wait, as a lagging item would.
    monkeypatch.setattr(hotlist_module.time, "sleep", lambda _: store.db.table.put(held))
    assert [e.version for e in store.hotlist.changes_since(0, 10)] == [1, 2, 3]


def test_a_change_that_stays_invisible_is_never_skipped(
    store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for plate in ("AA1", "BB2", "CC3"):
        store.hotlist.apply_op(op(plate=plate), STAFF, received_at=NOW)
    hold_back(store, 2)
    monkeypatch.setattr(hotlist_module.time, "sleep", lambda _: None)
    with pytest.raises(Contended, match="no change was skipped"):
        store.hotlist.changes_since(0, 10)
    assert [e.version for e in store.hotlist.changes_since(2, 10)] == [3]  # past the gap: fine


def test_the_newest_version_not_visible_yet_is_waited_for_too(
    store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for plate in ("AA1", "BB2"):
        store.hotlist.apply_op(op(plate=plate), STAFF, received_at=NOW)
    hold_back(store, 2)
    monkeypatch.setattr(hotlist_module.time, "sleep", lambda _: None)
    with pytest.raises(Contended):
        store.hotlist.changes_since(0, 10)


def test_replaced_states_stay_in_the_log_but_are_not_answered(store: DynamoStore) -> None:
    store.hotlist.apply_op(op(plate="AA1"), STAFF, received_at=NOW)
    later = NOW + timedelta(seconds=1)
    store.hotlist.apply_op(op("delete", at=later, plate="AA1"), STAFF, received_at=later)
    first = store.db.table.get(keys.hotlist_change(1))
    assert first is not None and first["superseded_by"] == 2
    assert [(e.version, e.deleted) for e in store.hotlist.changes_since(0, 10)] == [(2, True)]


OLD = NOW - timedelta(days=40)


def tombstone(store: DynamoStore, plate: str) -> int:
    """Put and delete ``plate`` 40 days ago; return the tombstone's version."""
    store.hotlist.apply_op(op(at=OLD, plate=plate), STAFF, received_at=OLD)
    later = OLD + timedelta(seconds=1)
    return store.hotlist.apply_op(op("delete", at=later, plate=plate), STAFF, received_at=later)[0]


def test_a_purge_during_a_read_is_seen_on_the_next_round_not_taken_for_a_gap(
    store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark = tombstone(store, "AA1")
    store.hotlist.apply_op(op(plate="BB2"), STAFF, received_at=NOW)
    # The reader has read the mark (0); the purge then raises it and deletes versions 1..2,
    # so the reader's Query meets holes. Its next round reads the raised mark.
    hold_back(store, 1)
    monkeypatch.setattr(
        hotlist_module.time, "sleep", lambda _: store.hotlist.purge_tombstones(NOW, 10)
    )
    assert [e.plate_norm for e in store.hotlist.changes_since(0, 10)] == ["BB2"]
    assert store.hotlist.oldest_retained_version() == mark + 1


def test_a_tombstone_put_again_after_the_purge_chose_it_stays_put(
    store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    tombstone(store, "AA1")
    table = store.db.table
    read_op_items = table.batch_get

    def put_again_meanwhile(*args, **kwargs):  # between choosing and deleting
        found = read_op_items(*args, **kwargs)
        monkeypatch.setattr(table, "batch_get", read_op_items)
        store.hotlist.apply_op(op(plate="AA1"), STAFF, received_at=NOW)
        return found

    monkeypatch.setattr(table, "batch_get", put_again_meanwhile)
    assert store.hotlist.purge_tombstones(NOW - timedelta(days=30), 10) == 0
    entry = store.hotlist.get_entry("stolen", "AA1")
    assert not entry.deleted and entry.version == 3
    assert [e.version for e in store.hotlist.changes_since(2, 10)] == [3]


def test_a_purge_sweeps_the_replaced_states_at_or_below_its_mark(store: DynamoStore) -> None:
    store.hotlist.apply_op(op(at=OLD, plate="KEEP"), STAFF, received_at=OLD)
    tombstone(store, "AA1")  # versions 2, 3
    later = NOW - timedelta(days=1)
    store.hotlist.apply_op(op(at=later, plate="KEEP"), STAFF, received_at=later)  # replaces 1
    assert store.hotlist.purge_tombstones(NOW - timedelta(days=30), 10) == 1
    log = store.db.table.query("pk = :pk", values={":pk": keys.HOTLIST_CHANGES}, consistent=True)
    assert [i["version"] for i in log] == [4]
