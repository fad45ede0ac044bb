"""Rekor Scout / OpenALPR agent posts map by `data_type`."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from local_node.ingest.models import Vehicle
from local_node.ingest.vendors.base import VendorPayloadError
from local_node.ingest.vendors.openalpr import CameraHealth, parse_openalpr

JPEG_MAGIC = b"\xff\xd8\xff"


def test_group_maps_every_field_of_the_read(payload):
    group = payload("openalpr/alpr_group")

    (read,) = parse_openalpr(group).reads

    d = read.detection
    assert d.plate == "D2651BF"
    assert d.captured_at == datetime(2026, 11, 21, 7, 45, 21, 504000, tzinfo=UTC)
    assert d.confidence == pytest.approx(0.93877, abs=1e-5)
    assert d.event_id == group["best_uuid"]
    assert d.source_camera == "1180447723"
    assert d.region == "us-mo"
    assert d.direction == "86°"
    assert d.bbox == (3266, 187, 219, 119)


def test_group_vehicle_takes_the_best_guess_of_each_attribute(payload):
    (read,) = parse_openalpr(payload("openalpr/alpr_group")).reads

    assert read.detection.vehicle == Vehicle(
        type="sedan-standard", make="ford", model="focus", color="black"
    )


def test_group_make_and_model_come_from_one_candidate(payload):
    # Issue 15's example: the make ranking and the model ranking disagree.
    group = payload("openalpr/alpr_group")
    group["vehicle"]["make"] = [
        {"name": "kenworth", "confidence": 40.1},
        {"name": "iveco", "confidence": 30.2},
    ]
    group["vehicle"]["make_model"] = [
        {"name": "iveco_daily", "confidence": 35.7},
        {"name": "kenworth_t680", "confidence": 12.4},
    ]

    (read,) = parse_openalpr(group).reads

    vehicle = read.detection.vehicle
    assert vehicle is not None and (vehicle.make, vehicle.model) == ("iveco", "daily")


def test_group_without_model_guess_takes_the_make_guess(payload):
    group = payload("openalpr/alpr_group")
    group["vehicle"]["make_model"] = []

    (read,) = parse_openalpr(group).reads

    vehicle = read.detection.vehicle
    assert vehicle is not None and (vehicle.make, vehicle.model) == ("ford", None)


def test_group_model_without_its_make_is_not_paired_with_another_make(payload):
    group = payload("openalpr/alpr_group")
    group["vehicle"]["make_model"] = [{"name": "daily", "confidence": 35.7}]

    (read,) = parse_openalpr(group).reads

    vehicle = read.detection.vehicle
    assert vehicle is not None and (vehicle.make, vehicle.model) == (None, "daily")


def test_final_group_is_refinable_and_not_a_preview(payload):
    group = payload("openalpr/alpr_group")
    group["is_preview"] = False

    (read,) = parse_openalpr(group).reads

    assert (read.refinable, read.preview) == (True, False)


def test_group_without_is_preview_counts_as_final(payload):
    (read,) = parse_openalpr(payload("openalpr/alpr_group_2_6")).reads

    assert (read.refinable, read.preview) == (True, False)


def test_preview_group_is_a_refinable_preview(payload):
    group = payload("openalpr/alpr_group")
    group["is_preview"] = True

    (read,) = parse_openalpr(group).reads

    assert (read.refinable, read.preview) == (True, True)


def test_preview_and_final_group_of_one_vehicle_share_the_event_id(payload):
    preview = payload("openalpr/alpr_group")
    preview["is_preview"] = True
    final = payload("openalpr/alpr_group")
    final.update(is_preview=False, best_plate_number="D2651BE", best_confidence=95.2)

    (first,) = parse_openalpr(preview).reads
    (second,) = parse_openalpr(final).reads

    assert first.detection.event_id == second.detection.event_id


def test_frames_are_not_refinable(payload):
    reads = parse_openalpr(payload("openalpr/alpr_results"), store_frames=True).reads

    assert reads and not any(r.refinable or r.preview for r in reads)


def test_group_is_reported_as_its_kind(payload):
    parsed = parse_openalpr(payload("openalpr/alpr_group"))

    assert (parsed.kind, parsed.heartbeat) == ("alpr_group", None)


def test_group_image_is_the_plate_crop(payload):
    group = payload("openalpr/alpr_group")

    (read,) = parse_openalpr(group).reads

    assert read.image == base64.b64decode(group["best_plate"]["plate_crop_jpeg"])
    assert read.image is not None and read.image.startswith(JPEG_MAGIC)


def test_group_without_plate_crop_falls_back_to_the_vehicle_crop(payload):
    group = payload("openalpr/alpr_group")
    del group["best_plate"]["plate_crop_jpeg"]

    (read,) = parse_openalpr(group).reads

    assert read.image == base64.b64decode(group["vehicle_crop_jpeg"])


def test_group_without_any_crop_has_no_image(payload):
    (read,) = parse_openalpr(payload("openalpr/alpr_group_2_6")).reads

    assert read.image is None


def test_older_group_without_vehicle_or_best_plate_maps(payload):
    (read,) = parse_openalpr(payload("openalpr/alpr_group_2_6")).reads

    d = read.detection
    assert (d.plate, d.source_camera, d.region) == ("6PK132", "2090267338", "us-mo")
    assert (d.vehicle, d.bbox, d.direction) == (None, None, None)


def test_fraction_confidence_is_kept_as_a_fraction(payload):
    (read,) = parse_openalpr(payload("openalpr/alpr_group_2_6")).reads

    assert read.detection.confidence == pytest.approx(0.9025, abs=1e-4)


def test_percent_confidence_is_divided_by_one_hundred(payload):
    group = payload("openalpr/alpr_group_2_6")
    group["best_confidence"] = 90.25

    (read,) = parse_openalpr(group).reads

    assert read.detection.confidence == pytest.approx(0.9025)


def test_a_resent_group_maps_to_the_same_event_id(payload):
    first = parse_openalpr(payload("openalpr/alpr_group")).reads[0]
    again = parse_openalpr(payload("openalpr/alpr_group")).reads[0]

    assert again.detection.event_id == first.detection.event_id


def test_group_without_uuids_gets_a_stable_derived_event_id(payload):
    group = payload("openalpr/alpr_group_2_6")
    del group["best_uuid"], group["uuids"]

    first = parse_openalpr(group).reads[0].detection.event_id
    again = parse_openalpr(dict(group)).reads[0].detection.event_id

    assert first is not None and first.startswith("openalpr:")
    assert again == first


def test_unknown_extra_fields_are_ignored(payload):
    group = payload("openalpr/alpr_group")
    group["vehicle"]["wheel_count"] = [{"name": "4", "confidence": 99.0}]
    group["lane_id"] = 3

    (read,) = parse_openalpr(group).reads

    assert read.detection.plate == "D2651BF"


def test_frames_are_ignored_unless_asked_for(payload):
    parsed = parse_openalpr(payload("openalpr/alpr_results"))

    assert (parsed.kind, parsed.reads) == ("alpr_results", [])


def test_frames_map_to_one_read_per_plate_when_asked_for(payload):
    frame = payload("openalpr/alpr_results")

    reads = parse_openalpr(frame, store_frames=True).reads

    assert [r.detection.plate for r in reads] == ["D2651BF", "CG3L5Y"]
    assert [r.detection.event_id for r in reads] == [f"{frame['uuid']}:0", f"{frame['uuid']}:1"]
    assert reads[1].detection.confidence == pytest.approx(0.947376, abs=1e-6)
    assert reads[1].detection.bbox == (1409, 882, 335, 173)
    assert all(r.image is not None and r.image.startswith(JPEG_MAGIC) for r in reads)
    assert all(r.detection.source_camera == "1180447723" for r in reads)


def test_frame_time_is_the_epoch_time_in_milliseconds(payload):
    reads = parse_openalpr(payload("openalpr/alpr_results"), store_frames=True).reads

    assert reads[0].detection.captured_at == datetime(2026, 11, 21, 7, 53, 28, 425000, tzinfo=UTC)


def test_heartbeat_reports_each_camera_health(payload):
    parsed = parse_openalpr(payload("openalpr/heartbeat"))

    assert parsed.kind == "heartbeat" and parsed.reads == []
    beat = parsed.heartbeat
    assert beat is not None
    assert (beat.agent_uid, beat.agent_version, beat.agent_hostname) == (
        "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY",
        "2.7.101",
        "edge-gate",
    )
    assert beat.timestamp == datetime(2026, 11, 21, 7, 58, 24, 8000, tzinfo=UTC)
    assert beat.video_streams[1] == CameraHealth(
        camera_id="2090267338",
        camera_name="gate-south",
        fps=0.0,
        is_streaming=False,
        last_update=datetime(2026, 11, 21, 7, 57, 24, 8000, tzinfo=UTC),
        last_plate_read=None,
    )
    assert beat.video_streams[0].last_plate_read == datetime(
        2026, 11, 21, 7, 53, 28, 425000, tzinfo=UTC
    )


def test_heartbeat_does_not_carry_the_stream_url_and_its_password(payload):
    beat = parse_openalpr(payload("openalpr/heartbeat")).heartbeat

    assert "s3cret" not in repr(beat)


def test_other_data_types_are_ignored_not_refused(payload):
    parsed = parse_openalpr(payload("openalpr/alpr_alert"))

    assert (parsed.kind, parsed.data_type, parsed.reads) == ("ignored", "alpr_alert", [])


def test_post_without_data_type_is_refused_naming_the_field(payload):
    group = payload("openalpr/alpr_group")
    del group["data_type"]

    with pytest.raises(VendorPayloadError) as caught:
        parse_openalpr(group)

    assert caught.value.field == "data_type"


def test_group_without_plate_number_is_refused_naming_the_field(payload):
    group = payload("openalpr/alpr_group")
    del group["best_plate_number"]

    with pytest.raises(VendorPayloadError) as caught:
        parse_openalpr(group)

    assert caught.value.field == "best_plate_number"


def test_group_with_text_epoch_is_refused_naming_the_field(payload):
    group = payload("openalpr/alpr_group")
    group["epoch_start"] = "yesterday"

    with pytest.raises(VendorPayloadError) as caught:
        parse_openalpr(group)

    assert caught.value.field == "epoch_start"


def test_group_with_epoch_in_seconds_is_refused_as_too_old(payload):
    group = payload("openalpr/alpr_group")
    group["epoch_start"] = group["epoch_start"] // 1000

    with pytest.raises(VendorPayloadError) as caught:
        parse_openalpr(group)

    assert caught.value.field == "epoch_start"
    assert "past" in caught.value.message


def test_broken_plate_crop_is_refused_naming_the_field(payload):
    group = payload("openalpr/alpr_group")
    group["best_plate"]["plate_crop_jpeg"] = "...base64_jpeg_bytes..."

    with pytest.raises(VendorPayloadError) as caught:
        parse_openalpr(group)

    assert caught.value.field == "best_plate.plate_crop_jpeg"


def test_frame_with_missing_plate_is_refused_naming_the_field(payload):
    frame = payload("openalpr/alpr_results")
    del frame["results"][1]["plate"]

    with pytest.raises(VendorPayloadError) as caught:
        parse_openalpr(frame, store_frames=True)

    assert caught.value.field == "results[1].plate"


def test_heartbeat_stream_without_camera_id_is_refused_naming_the_field(payload):
    beat = payload("openalpr/heartbeat")
    del beat["video_streams"][1]["camera_id"]

    with pytest.raises(VendorPayloadError) as caught:
        parse_openalpr(beat)

    assert caught.value.field == "video_streams[1].camera_id"
