"""How detections become DynamoDB items: compact, small enough for one write unit, lossless."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from cloud_plane.store import keys
from cloud_plane.store.dynamo.capacity import item_size
from cloud_plane.store.dynamo.detection_items import (
    CHUNK_RECORDS,
    CHUNK_SPAN,
    chunk_item,
    chunk_rows,
    counter_cameras,
    counter_update,
    decode_record,
    encode_record,
    hour_counts,
    plate_item,
    plate_row,
    split_chunks,
)
from sync_protocol.detections import DetectionRecord, Vehicle
from tests.cloud_plane.store.contracts.builders import NOW, records


def _full(seq: int = 7) -> DetectionRecord:
    """A read with every field the node can send, ids and digests at full length."""
    return records("st", seq, 1)[0].model_copy(
        update={
            "event_id": "1234567",
            "camera_id": "9d72bb1a46d54a92ad17c1f9ceeedaf7",
            "source_camera": "vendor-cam-01",
            "confidence": 0.934,
            "region": "gb",
            "direction": "approaching",
            "bbox": (812, 640, 152, 33),
            "vehicle": Vehicle(type="car", make="Volkswagen", model="Golf", color="silver"),
            "image_sha256": "ab" * 32,
        }
    )


def test_a_record_round_trips_and_its_derived_id_is_left_out() -> None:
    record = _full()
    data = encode_record(record, "st")
    assert "id" not in data and decode_record(data, "st") == record
    other = record.model_copy(update={"id": uuid.uuid4()})
    assert decode_record(encode_record(other, "st"), "st") == other


def test_a_full_plate_item_costs_one_write_unit() -> None:
    site, stream = uuid.uuid4().hex, uuid.uuid4().hex
    item = plate_item(site, stream, _full(), ingested_at=NOW, expires_at=1_800_000_000)
    assert item_size(item) <= 1024
    row = plate_row(item)
    assert (row.site_id, row.stream_id, row.stored().record) == (site, stream, _full())


def test_chunks_are_cut_by_span_and_count() -> None:
    batch = [  # a backlog's batch: many reads within the span
        r.model_copy(update={"received_at": NOW + timedelta(milliseconds=r.seq)})
        for r in records("st", 1, CHUNK_RECORDS + 10)
    ]
    assert [len(c) for c in split_chunks(batch)] == [CHUNK_RECORDS, 10]
    late = batch[1].model_copy(update={"received_at": NOW + CHUNK_SPAN * 2})
    assert [len(c) for c in split_chunks([batch[0], late])] == [1, 1]


def test_a_chunk_round_trips_under_the_key_of_its_newest_read() -> None:
    batch = [_full(s) for s in (1, 2, 3)]
    batch[0] = batch[0].model_copy(update={"received_at": NOW + timedelta(seconds=30)})
    item = chunk_item("site", "st", batch, ingested_at=NOW, expires_at=None)
    assert item["sk"].startswith(keys.time_text(NOW + timedelta(seconds=30)))
    rows = chunk_rows(item)
    assert [r.stored().record for r in rows] == batch
    assert {r.site_id for r in rows} == {"site"}


def test_hour_counters_add_every_camera_in_one_update() -> None:
    batch = records("st", 1, 3) + [
        r.model_copy(update={"camera_id": "cam2"}) for r in records("st", 4, 2)
    ]
    counts = hour_counts(batch)
    assert counts == {NOW: Counter({"cam": 3, "cam2": 2})}
    update = counter_update(counts[NOW], 99)
    assert update["expression"] == "SET expires_at = :exp ADD #c0 :c0, #c1 :c1"
    assert update["names"] == {"#c0": "cam#cam", "#c1": "cam#cam2"}
    assert counter_cameras({"pk": "x", "cam#cam": 3, "cam#cam2": 2}) == {"cam": 3, "cam2": 2}
