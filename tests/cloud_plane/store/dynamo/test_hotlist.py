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
