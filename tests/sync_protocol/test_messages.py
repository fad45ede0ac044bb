"""Wire models: round-trips, validation, forward compatibility and version refusal."""

from __future__ import annotations

import json
import uuid
import zlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from sync_protocol.codec import MAX_BATCH_RECORDS, CodecError, decode, encode
from sync_protocol.messages import (
    CameraHealth,
    DetectionBatch,
    DetectionRecord,
    EnrollReply,
    EnrollRequest,
    ExchangeReply,
    ExchangeRequest,
    Heartbeat,
    HitRecord,
    HotlistDelta,
    HotlistEntry,
    HotlistOp,
    Noop,
    OpResult,
    ResendFrom,
    UnknownCommand,
    detection_uuid,
)
from sync_protocol.version import PROTOCOL_VERSION, UnsupportedProtocolVersion, check_version
from tests.sync_protocol.realistic import realistic_records

NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


def _record(seq: int, **changes: object) -> DetectionRecord:
    fields: dict[str, object] = {
        "id": detection_uuid("s", seq),
        "seq": seq,
        "camera_id": "cam-1",
        "captured_at": NOW,
        "received_at": NOW + timedelta(seconds=1),
        "plate": "AB12 CDE",
        "plate_norm": "AB12CDE",
    }
    fields.update(changes)
    return DetectionRecord(**fields)  # type: ignore[arg-type]


def _entry(version: int = 3, **changes: object) -> HotlistEntry:
    fields: dict[str, object] = {
        "list": "stolen",
        "plate_norm": "AB12CDE",
        "plate": "AB12 CDE",
        "updated_by": "ops@example.org",
        "updated_at": NOW,
        "op_id": uuid.uuid4(),
        "version": version,
    }
    fields.update(changes)
    return HotlistEntry(**fields)  # type: ignore[arg-type]


def test_realistic_batch_round_trips_through_the_codec() -> None:
    records = realistic_records(300)
    batch = DetectionBatch(stream_id="stream-1", first_seq=1, records=records)
    assert decode(encode(batch), DetectionBatch) == batch


def test_batch_round_trips_odd_values_exactly() -> None:
    # Given ids that are not derived, µs and s timestamps, plates no shape can
    # rebuild, and missing optional parts
    records = [
        _record(5, id=uuid.uuid4(), plate="ab12cde", captured_at=NOW.replace(microsecond=7)),
        _record(6, plate="A?B 1", plate_norm="AB1", bbox=(1, 2, 3, 4), image_sha256="a" * 64),
        _record(7, plate="-", plate_norm="X", confidence=0.5, vehicle={"make": "Ford"}),
        _record(8, captured_at=NOW + timedelta(days=3), event_id="e", source_camera="lane-2"),
    ]
    batch = DetectionBatch(stream_id="s", first_seq=5, records=records)
    # When it crosses the wire, Then every field comes back unchanged
    back = decode(encode(batch), DetectionBatch)
    assert back == batch
    assert back.records[0].id == records[0].id
    assert back.last_seq == 8


def test_derived_ids_do_not_travel_but_others_do() -> None:
    derived = DetectionBatch(stream_id="s", first_seq=1, records=[_record(1)])
    random_id = DetectionBatch(stream_id="s", first_seq=1, records=[_record(1, id=uuid.uuid4())])
    assert derived.model_dump()["columns"]["id_overrides"] == []
    assert len(random_id.model_dump()["columns"]["id_overrides"]) == 1


def test_detection_uuid_is_a_stable_v8_per_stream_and_seq() -> None:
    a = detection_uuid("stream-a", 1)
    assert a == detection_uuid("stream-a", 1)
    assert a.version == 8
    assert a != detection_uuid("stream-b", 1)
    assert a != detection_uuid("stream-a", 2)


def test_batch_refuses_gaps_in_seq() -> None:
    with pytest.raises(ValidationError, match="contiguous seqs from 1"):
        DetectionBatch(stream_id="s", first_seq=1, records=[_record(1), _record(3)])


def test_batch_refuses_more_than_the_record_limit() -> None:
    records = [_record(i) for i in range(1, MAX_BATCH_RECORDS + 2)]
    with pytest.raises(ValidationError, match="at most 5000"):
        DetectionBatch(stream_id="s", first_seq=1, records=records)


def test_batch_columns_with_unequal_lengths_are_refused() -> None:
    wire = DetectionBatch(stream_id="s", first_seq=1, records=[_record(1)]).model_dump()
    wire["columns"]["event_id"].append("extra")
    with pytest.raises(ValidationError, match="must all have 1 rows"):
        DetectionBatch.model_validate(wire)


def test_batch_columns_unknown_column_is_refused() -> None:
    wire = DetectionBatch(stream_id="s", first_seq=1, records=[_record(1)]).model_dump()
    wire["columns"]["surprise"] = []
    with pytest.raises(ValidationError, match="unknown \\['surprise'\\]"):
        DetectionBatch.model_validate(wire)


def test_datetimes_must_be_aware_and_become_utc() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        _record(1, captured_at=datetime(2025, 1, 1))
    plus_two = timezone(timedelta(hours=2))
    record = _record(1, captured_at=datetime(2025, 1, 1, 12, tzinfo=plus_two))
    assert record.captured_at == datetime(2025, 1, 1, 10, tzinfo=UTC)
    assert record.captured_at.tzinfo == UTC


def test_strings_are_size_bounded() -> None:
    with pytest.raises(ValidationError, match="at most 20 characters"):
        _record(1, plate="A" * 21)
    with pytest.raises(ValidationError, match="at most 64 characters"):
        _record(1, camera_id="c" * 65)


def _request(**changes: object) -> ExchangeRequest:
    fields: dict[str, object] = {
        "site_id": "site-1",
        "stream_id": "s",
        "node_time": NOW,
        "hotlist_version": 4,
    }
    fields.update(changes)
    return ExchangeRequest(**fields)  # type: ignore[arg-type]


def test_full_exchange_request_round_trips() -> None:
    request = _request(
        batch=DetectionBatch(stream_id="s", first_seq=1, records=[_record(1)]),
        hits=[
            HitRecord(
                detection_id=detection_uuid("s", 1),
                seq=1,
                list="stolen",
                plate_norm="AB12CDE",
                match_kind="exact",
                hotlist_version=4,
                plate="AB12 CDE",
                camera_id="cam-1",
                captured_at=NOW,
            )
        ],
        heartbeat=Heartbeat(
            node_version="0.1.0",
            uptime_s=12.5,
            disk_used_bytes=1,
            disk_total_bytes=2,
            db_size_bytes=3,
            backlog_count=4,
            backlog_oldest_age_s=5.0,
            cameras=[CameraHealth(camera_id="cam-1", last_seen=NOW, clock_offset_s=-1.2)],
        ),
        hotlist_ops=[
            HotlistOp(
                op_id=uuid.uuid4(),
                action="upsert",
                list="watch",
                plate_norm="XY99ZZZ",
                made_at=NOW,
                made_by="guard",
            )
        ],
        acked_commands=["c-1"],
        cloud_epoch="epoch-1",
    )
    assert decode(encode(request), ExchangeRequest) == request
    assert request.protocol_version == PROTOCOL_VERSION


def test_request_refuses_unknown_fields() -> None:
    wire = _request().model_dump(mode="json")
    wire["surprise"] = 1
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        ExchangeRequest.model_validate(wire)


def test_request_batch_must_belong_to_the_request_stream() -> None:
    batch = DetectionBatch(stream_id="other", first_seq=1, records=[_record(1)])
    with pytest.raises(ValidationError, match="batch stream_id 'other'"):
        _request(batch=batch)


def test_reply_ignores_unknown_fields_and_unknown_commands() -> None:
    # Given a reply from a newer cloud with a new field and a new command kind
    wire = {
        "protocol_version": PROTOCOL_VERSION,
        "cloud_epoch": "e2",
        "ack": {"s": 10},
        "new_field": {"anything": True},
        "commands": [
            {"type": "resend_from", "command_id": "c1", "stream_id": "s", "seq": 3},
            {"type": "noop", "command_id": "c2"},
            {"type": "rotate_key", "command_id": "c3", "deadline": "soon"},
        ],
    }
    # When an older node reads it
    reply = ExchangeReply.model_validate(wire)
    # Then it understands what it knows and can ack-and-skip the rest
    assert reply.ack == {"s": 10}
    assert reply.commands == [
        ResendFrom(command_id="c1", stream_id="s", seq=3),
        Noop(command_id="c2"),
        UnknownCommand(type="rotate_key", command_id="c3"),
    ]


def test_full_reply_round_trips() -> None:
    op = uuid.uuid4()
    reply = ExchangeReply(
        cloud_epoch="e1",
        ack={"s": 7},
        hotlist=HotlistDelta(from_version=2, to_version=3, entries=[_entry(3, deleted=True)]),
        op_results={op: OpResult(status="applied", version=3)},
        commands=[ResendFrom(command_id="c1", stream_id="s", seq=1)],
        retry_after_s=5,
    )
    assert decode(encode(reply), ExchangeReply) == reply
    assert '"list":"stolen"' in reply.model_dump_json()


def test_delta_entries_must_lie_in_its_window() -> None:
    with pytest.raises(ValidationError, match=r"entry version 9 outside \(2, 3\]"):
        HotlistDelta(from_version=2, to_version=3, entries=[_entry(9)])
    snapshot = HotlistDelta(from_version=0, to_version=9, entries=[_entry(1)], snapshot=True)
    assert snapshot.snapshot


def test_op_result_needs_a_reason_or_a_version() -> None:
    with pytest.raises(ValidationError, match="needs a reason"):
        OpResult(status="rejected")
    with pytest.raises(ValidationError, match="needs a version"):
        OpResult(status="superseded")


def test_enrolment_round_trips() -> None:
    request = EnrollRequest(
        code="ABCD-1234",
        public_key_pem="-----BEGIN PUBLIC KEY-----",
        node_name="gate",
        node_version="0.1.0",
    )
    reply = EnrollReply(site_id="site-1", site_name="Depot", key_id="k1", cloud_epoch="e1")
    assert decode(encode(request), EnrollRequest) == request
    assert decode(encode(reply), EnrollReply) == reply


def test_an_enrolment_may_carry_the_nodes_zone_bounded() -> None:
    fields = {"code": "ABCD-1234", "public_key_pem": "PEM", "node_name": "n", "node_version": "1"}
    assert EnrollRequest(**fields).timezone is None  # older nodes send none
    assert EnrollRequest(**fields, timezone="Asia/Tokyo").timezone == "Asia/Tokyo"
    with pytest.raises(ValidationError):
        EnrollRequest(**fields, timezone="A/" + "b" * 70)
    with pytest.raises(ValidationError):
        EnrollRequest(**fields, timezone="Asia/Tokyo\x1b")


@pytest.mark.parametrize("version", [0, PROTOCOL_VERSION + 1, "1", True, None])
def test_old_or_unknown_peer_version_is_refused_before_validation(version: object) -> None:
    # Given an old peer's request whose other fields no longer match the schema
    wire = json.loads(zlib.decompress(encode(_request())))
    wire["protocol_version"] = version
    wire["legacy_field"] = "x"
    # Then decoding names the versions instead of listing field errors
    with pytest.raises(UnsupportedProtocolVersion) as caught:
        decode(zlib.compress(json.dumps(wire).encode()), ExchangeRequest)
    message = str(caught.value)
    assert repr(version) in message
    assert f"version {PROTOCOL_VERSION}" in message


def test_check_version_accepts_the_current_version() -> None:
    assert check_version(PROTOCOL_VERSION) == PROTOCOL_VERSION


def test_model_built_in_python_with_bad_version_is_refused() -> None:
    with pytest.raises(ValidationError, match="unsupported sync protocol version 0"):
        _request(protocol_version=0)


def test_decode_wraps_validation_errors() -> None:
    with pytest.raises(CodecError, match="invalid ExchangeRequest"):
        decode(zlib.compress(json.dumps({"protocol_version": 1}).encode()), ExchangeRequest)


@pytest.mark.parametrize(
    "columns",
    [None, [], {"plate_norm": 5}, {"plate_norm": ["A"] * (MAX_BATCH_RECORDS + 1)}],
)
def test_malformed_columns_are_validation_errors(columns: object) -> None:
    with pytest.raises(ValidationError):
        DetectionBatch.model_validate({"stream_id": "s", "first_seq": 1, "columns": columns})


def test_columns_with_bad_digests_or_missing_positions_are_refused() -> None:
    record = _record(1, image_sha256="b" * 64, bbox=(1, 2, 3, 4))
    wire = DetectionBatch(stream_id="s", first_seq=1, records=[record]).model_dump()
    wire["columns"]["image_sha256"]["digests"] = "not base64!"
    with pytest.raises(ValidationError, match="not base64"):
        DetectionBatch.model_validate(wire)
    wire = DetectionBatch(stream_id="s", first_seq=1, records=[record]).model_dump()
    wire["columns"]["bbox"]["missing"] = [0]
    with pytest.raises(ValidationError, match="bbox has 1 values for 0 rows"):
        DetectionBatch.model_validate(wire)


def test_wire_text_refuses_control_characters() -> None:
    from pydantic import TypeAdapter, ValidationError

    from sync_protocol.wire_types import ShortText

    with pytest.raises(ValidationError, match="control characters"):
        TypeAdapter(ShortText).validate_python("Ford\x00")
    assert TypeAdapter(ShortText).validate_python("Ford\tFocus") == "Ford\tFocus"


def test_request_line_problem_finds_encoded_control_characters_in_the_query() -> None:
    from sync_protocol.wire_types import request_line_problem

    assert request_line_problem("/api/v1/sites/x", b"plate=AB%00") is not None
    assert request_line_problem("/api/v1/sites/\x00", b"") is not None
    assert request_line_problem("/api/v1/sites/x", b"plate=AB+12") is None
