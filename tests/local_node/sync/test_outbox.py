"""Outbox arithmetic (pure): batches bounded by count and bytes, streams, marks, records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from local_node.sync.outbox import (
    StreamMark,
    acked_through,
    first_fitting,
    new_mark,
    plan_batch,
    stream_of,
    to_record,
)
from sync_protocol.detections import detection_uuid

T0 = datetime(2026, 1, 1, tzinfo=UTC)
S1 = StreamMark("s1", seq_base=0, acked=0)


def row(seq: int, stream: str = "s1", **extra) -> dict:
    return {
        "id": str(detection_uuid(stream, seq)),
        "seq": seq,
        "event_id": f"ev-{seq}",
        "camera_id": "cam1",
        "source_camera": None,
        "captured_at": T0 + timedelta(seconds=seq),
        "received_at": T0 + timedelta(seconds=seq, milliseconds=120),
        "plate": f"AB{seq:02d} CDE",
        "plate_norm": f"AB{seq:02d}CDE",
        "confidence": 0.9,
        "bbox": "[1, 2, 30, 40]",
        "image_sha256": "ab" * 32,
        "has_hit": False,
        **extra,
    }


def test_a_batch_holds_at_most_max_count_records():
    plan = plan_batch([S1], {"s1": (1, 500)}, max_count=100)
    assert (plan.batch.first, plan.batch.last) == (1, 100)


def test_a_batch_starts_right_after_the_acked_mark():
    plan = plan_batch([StreamMark("s1", 0, 40)], {"s1": (1, 500)}, max_count=100)
    assert (plan.batch.first, plan.batch.last) == (41, 140)


def test_a_batch_is_cut_to_the_byte_limit():
    records = [to_record(row(i), S1) for i in range(1, 101)]
    one = len(records[0].model_dump_json(by_alias=True))
    chosen = first_fitting(records, max_count=1000, max_bytes=one * 10 + 5)
    assert len(chosen) == 10 and chosen[0].seq == 1


def test_nothing_to_send_when_everything_is_acked():
    assert plan_batch([StreamMark("s1", 0, 500)], {"s1": (1, 500)}, max_count=10).batch is None


def test_rows_the_node_no_longer_holds_are_reported_not_hidden():
    plan = plan_batch([StreamMark("s1", 0, 3)], {"s1": (10, 20)}, max_count=10)
    assert plan.batch is None and plan.gaps == ["s1"]


def test_older_streams_drain_first_and_a_restored_stream_starts_at_wire_seq_1():
    old, new = StreamMark("old", 0, 100), StreamMark("new", 120, 0)
    plan = plan_batch([new, old], {"old": (1, 120), "new": (121, 130)}, max_count=50)
    assert plan.batch.stream == old and (plan.batch.first, plan.batch.last) == (101, 120)
    record = to_record(row(121, stream="new"), new)
    assert record.seq == 1 and stream_of([old, new], 121) == new


def test_acked_through_stops_at_the_first_unacked_row():
    assert acked_through([StreamMark("a", 0, 50), StreamMark("b", 100, 7)]) == 50
    assert acked_through([StreamMark("a", 0, 100), StreamMark("b", 100, 7)]) == 107


def test_the_image_digest_travels_only_for_reads_that_hit():
    assert to_record(row(1), S1).image_sha256 is None
    assert to_record(row(2, has_hit=True), S1).image_sha256 == "ab" * 32


def test_a_lower_ack_from_the_cloud_moves_the_mark_back():
    assert new_mark(current=90, reply_ack=40, epoch_changed=False) == 40


def test_a_new_epoch_resets_streams_the_cloud_did_not_name():
    assert new_mark(current=90, reply_ack=None, epoch_changed=True) == 0
    assert new_mark(current=90, reply_ack=None, epoch_changed=False) == 90


def test_values_longer_than_the_wire_allows_do_not_block_the_stream():
    record = to_record(row(1, event_id="e" * 100, plate="X" * 30, bbox="not json"), S1)
    assert record.event_id is None and len(record.plate) == 20 and record.bbox is None


def test_control_characters_stored_before_they_were_refused_do_not_block_the_stream():
    record = to_record(row(1, plate="AB\x0012", vehicle_make="Ford\x1b[31m"), S1)
    assert record.plate == "AB12" and record.vehicle is not None
    assert record.vehicle.make == "Ford[31m"
