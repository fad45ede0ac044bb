"""The ``MetaStore`` contract: the epoch, and transactions that span roles."""

from __future__ import annotations

import threading

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


def test_after_commit_outside_a_transaction_runs_at_once(store: CloudStore) -> None:
    ran: list[str] = []
    store.meta.after_commit(lambda: ran.append("now"))
    assert ran == ["now"]


def test_after_commit_runs_once_the_writes_are_visible_to_others(store: CloudStore) -> None:
    # What the callback announces (an SQS message) is read by another worker at once:
    # it must find the rows written before it, so the callback never runs before commit.
    seen: list[str] = []

    def look_from_another_thread() -> None:
        worker = threading.Thread(target=lambda: seen.append(store.meta.epoch()))
        worker.start()
        worker.join()

    with store.meta.atomic():
        epoch = store.meta.new_epoch()
        store.meta.after_commit(look_from_another_thread)
    assert seen == [epoch]


def test_after_commit_is_dropped_with_a_rolled_back_transaction(store: CloudStore) -> None:
    if isinstance(store, DynamoStore):
        pytest.skip("DynamoDB has no transaction to roll back: its writes are durable at once")
    ran: list[str] = []
    with pytest.raises(RuntimeError), store.meta.atomic():
        store.meta.after_commit(lambda: ran.append("announced"))
        raise RuntimeError("boom")
    assert ran == []


def test_a_failing_callback_does_not_undo_the_commit(store: CloudStore) -> None:
    def boom() -> None:
        raise RuntimeError("the queue is down")

    with store.meta.atomic():
        epoch = store.meta.new_epoch()
        store.meta.after_commit(boom)
    assert store.meta.epoch() == epoch
