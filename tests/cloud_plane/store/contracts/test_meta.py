"""The ``MetaStore`` contract: the epoch, and transactions that span roles."""

from __future__ import annotations

import pytest

from cloud_plane.store.base import CloudStore
from cloud_plane.store.dynamo import DynamoStore
from tests.cloud_plane.store.contracts.builders import NOW, op, records, site

ROLE = "meta"


def test_epoch_exists_and_changes_on_demand(store: CloudStore) -> None:
    first = store.meta.epoch()
    assert first and store.meta.epoch() == first
    assert store.meta.new_epoch() != first == first
    assert store.meta.epoch() != first


def test_atomic_rolls_back_everything_on_error(store: CloudStore) -> None:
    if isinstance(store, DynamoStore):
        pytest.skip(
            "DynamoDB has no transaction spanning calls (one per read would cost twice): each "
            "write is idempotent on its own and the ack cursor moves last (test_detections)"
        )
    with pytest.raises(RuntimeError), store.meta.atomic():
        store.detections.put_batch("s", "st", records("st", 1, 2), received_at=NOW)
        store.hotlist.apply_op(op(), site(), received_at=NOW)
        raise RuntimeError("boom")
    assert store.detections.high_water("s", "st") == 0
    assert store.hotlist.current_version() == 0
