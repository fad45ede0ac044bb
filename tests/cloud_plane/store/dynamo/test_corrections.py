"""DynamoDB read corrections beyond the contract: where the read's items end up."""

from __future__ import annotations

from cloud_plane.store import keys
from cloud_plane.store.dynamo import DynamoStore
from cloud_plane.store.dynamo.detection_items import chunk_rows
from sync_protocol.plate_rules import confusion_key
from tests.cloud_plane.store.contracts.builders import NOW, records
from tests.cloud_plane.store.contracts.test_corrections import NEW, OLD, correction


def _partition(store: DynamoStore, pk: str) -> list[dict]:
    return list(store.db.table.query("pk = :pk", values={":pk": pk}, consistent=True))


def _chunks(store: DynamoStore) -> list[dict]:
    day = keys.time_text(NOW)[:10]
    return _partition(store, keys.detection_chunk_partition("s", day))


def test_the_plate_item_moves_to_the_new_plates_partition(store: DynamoStore) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 1, OLD), received_at=NOW)
    store.detections.apply_correction("s", correction(1), applied_at=NOW)
    assert _partition(store, keys.plate_partition(confusion_key(OLD))) == []
    [item] = _partition(store, keys.plate_partition(confusion_key(NEW)))
    assert item["sk"] == keys.time_sort_key(records("st", 1, 1)[0].received_at, "s", "st", 1)
    assert "expires_at" in item  # the read's retention goes with it


def test_every_chunk_holding_the_read_is_rewritten(store: DynamoStore) -> None:
    # Given a read in two chunks (a batch whose cursor update was lost, resent cut otherwise),
    store.detections._write_items("s", "st", records("st", 1, 2, OLD), NOW)
    store.detections.put_batch("s", "st", records("st", 1, 4, OLD), received_at=NOW)
    assert sum(row.data["seq"] == 2 for c in _chunks(store) for row in chunk_rows(c)) == 2
    # when it is corrected, then both copies say the new plate and revision.
    store.detections.apply_correction("s", correction(2), applied_at=NOW)
    copies = [row for c in _chunks(store) for row in chunk_rows(c) if row.data["seq"] == 2]
    assert [(r.plate_norm, r.stored().revision) for r in copies] == [(NEW, 2), (NEW, 2)]
