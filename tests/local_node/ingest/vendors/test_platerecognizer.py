"""Plate Recognizer Stream/Snapshot webhook events map to one read per result."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from local_node.ingest.models import Vehicle
from local_node.ingest.vendors.base import VendorPayloadError
from local_node.ingest.vendors.platerecognizer import event_key, parse_platerecognizer


def test_stream_event_maps_every_field_of_the_read(payload, upload_jpeg):
    reads = parse_platerecognizer(payload("platerecognizer/stream_recognition_mmc"), upload_jpeg)

    first = reads[0].detection
    assert first.plate == "WA88822"
    assert first.captured_at == datetime(2026, 11, 19, 8, 35, 4, 691903, tzinfo=UTC)
    assert first.confidence == pytest.approx(0.999)
    assert first.source_camera == "lane-2"
    assert first.camera_id is None
    assert first.region == "pl"
    assert first.direction == "180°"
    assert first.bbox == (483, 325, 57, 18)
    assert first.event_id is not None and first.event_id.startswith("pr:")
    assert len(first.event_id) == 3 + 32


def test_stream_vehicle_takes_the_best_scored_make_model_and_colour(payload):
    reads = parse_platerecognizer(payload("platerecognizer/stream_recognition_mmc"), None)

    assert reads[0].detection.vehicle == Vehicle(
        type="Sedan", make="Peugeot", model="207", color="black"
    )


def test_every_result_of_an_event_becomes_a_read_sharing_the_image(payload, upload_jpeg):
    reads = parse_platerecognizer(payload("platerecognizer/stream_recognition_mmc"), upload_jpeg)

    assert [r.detection.plate for r in reads] == ["WA88822", "KR4P771"]
    assert all(r.image == upload_jpeg for r in reads)


def test_two_plates_in_one_event_get_different_event_ids(payload):
    reads = parse_platerecognizer(payload("platerecognizer/stream_recognition_mmc"), None)

    assert reads[0].detection.event_id != reads[1].detection.event_id


def test_a_resent_event_maps_to_the_same_event_ids(payload, upload_jpeg):
    first = parse_platerecognizer(payload("platerecognizer/stream_recognition_mmc"), upload_jpeg)
    again = parse_platerecognizer(payload("platerecognizer/stream_recognition_mmc"), None)

    assert [r.detection.event_id for r in again] == [r.detection.event_id for r in first]


def test_event_ids_do_not_depend_on_result_order(payload):
    event = payload("platerecognizer/stream_recognition_mmc")
    ids = {r.detection.plate: r.detection.event_id for r in parse_platerecognizer(event, None)}
    event["data"]["results"].reverse()

    reordered = {
        r.detection.plate: r.detection.event_id for r in parse_platerecognizer(event, None)
    }

    assert reordered == ids


def test_event_id_is_the_same_for_utc_written_as_z_or_offset():
    z = datetime.fromisoformat("2026-10-03T05:56:13.606935+00:00")
    other = datetime.fromisoformat("2026-10-03T07:56:13.606935+02:00")

    assert event_key("camera-1", z, "9jub11") == event_key("camera-1", other, "9JUB11")


def test_decimal_direction_is_rounded_to_whole_degrees(payload):
    reads = parse_platerecognizer(payload("platerecognizer/stream_recognition_mmc"), None)

    assert reads[1].detection.direction == "93°"


def test_plain_json_event_without_upload_has_no_image(payload):
    reads = parse_platerecognizer(payload("platerecognizer/stream_recognition_mmc"), None)

    assert all(r.image is None for r in reads)


def test_empty_upload_part_counts_as_no_image(payload):
    reads = parse_platerecognizer(payload("platerecognizer/stream_recognition_2021"), b"")

    assert reads[0].image is None


def test_older_stream_event_with_blank_direction_and_no_mmc_maps(payload):
    (read,) = parse_platerecognizer(payload("platerecognizer/stream_recognition_2021"), None)

    d = read.detection
    assert d.plate == "9JUB11"
    assert d.direction is None
    assert d.region == "gb"
    assert d.vehicle == Vehicle(type="Big Truck")
    assert d.bbox == (460, 57, 97, 25)


def test_snapshot_with_null_camera_and_numeric_hook_id_maps(payload):
    (read,) = parse_platerecognizer(payload("platerecognizer/snapshot_image_done"), None)

    d = read.detection
    assert d.plate == "NHK552"
    assert d.source_camera is None
    assert d.event_id is not None and d.event_id.startswith("pr:")


def test_snapshot_naive_timestamp_is_taken_as_utc(payload):
    (read,) = parse_platerecognizer(payload("platerecognizer/snapshot_image_done"), None)

    assert read.detection.captured_at == datetime(2026, 11, 20, 23, 22, 38, 30345, tzinfo=UTC)


def test_snapshot_without_plates_maps_to_no_reads(payload):
    assert parse_platerecognizer(payload("platerecognizer/snapshot_no_plate"), None) == []


def test_missing_optional_fields_leave_detection_fields_empty(payload):
    event = payload("platerecognizer/snapshot_image_done")
    event["data"]["results"] = [{"plate": "ab12cde"}]

    (read,) = parse_platerecognizer(event, None)

    d = read.detection
    assert (d.confidence, d.region, d.direction, d.bbox, d.vehicle) == (None,) * 5


def test_unknown_extra_fields_are_ignored(payload):
    event = payload("platerecognizer/stream_recognition_2021")
    event["data"]["results"][0]["licence_plate_shape"] = {"rows": 2}
    event["hook"]["retries"] = 3
    event["schema"] = "v9"

    (read,) = parse_platerecognizer(event, None)

    assert read.detection.plate == "9JUB11"


def test_unknown_and_generic_vehicle_guesses_are_not_stored(payload):
    event = payload("platerecognizer/stream_recognition_mmc")
    result = event["data"]["results"][0]
    result["model_make"] = [{"make": "generic", "model": "Unknown", "score": 0.9}]
    result["color"] = [{"color": "unknown", "score": 0.9}]
    result["vehicle"]["type"] = "Unknown"

    assert parse_platerecognizer(event, None)[0].detection.vehicle is None


def test_numeric_camera_id_is_kept_as_text(payload):
    event = payload("platerecognizer/stream_recognition_2021")
    event["data"]["camera_id"] = 1180447723

    (read,) = parse_platerecognizer(event, None)

    assert read.detection.source_camera == "1180447723"


def test_percent_score_is_read_as_a_fraction(payload):
    event = payload("platerecognizer/stream_recognition_2021")
    event["data"]["results"][0]["score"] = 83.9

    (read,) = parse_platerecognizer(event, None)

    assert read.detection.confidence == pytest.approx(0.839)


def test_degenerate_box_is_dropped_not_refused(payload):
    event = payload("platerecognizer/stream_recognition_2021")
    event["data"]["results"][0]["box"] = {"xmin": 460, "ymin": 57, "xmax": 460, "ymax": 82}

    (read,) = parse_platerecognizer(event, None)

    assert read.detection.bbox is None


def test_a_box_corner_that_is_not_a_number_drops_the_box_not_the_read(payload):
    event = payload("platerecognizer/stream_recognition_2021")
    event["data"]["results"][0]["box"] = {"xmin": float("nan"), "ymin": 57, "xmax": 9, "ymax": 82}

    (read,) = parse_platerecognizer(event, None)

    assert read.detection.bbox is None and read.detection.plate


def test_missing_plate_is_refused_naming_the_field(payload):
    event = payload("platerecognizer/stream_recognition_mmc")
    del event["data"]["results"][1]["plate"]

    with pytest.raises(VendorPayloadError) as caught:
        parse_platerecognizer(event, None)

    assert caught.value.field == "data.results[1].plate"
    assert str(caught.value).startswith("data.results[1].plate:")


def test_blank_plate_is_refused_naming_the_field(payload):
    event = payload("platerecognizer/stream_recognition_2021")
    event["data"]["results"][0]["plate"] = "   "

    with pytest.raises(VendorPayloadError) as caught:
        parse_platerecognizer(event, None)

    assert caught.value.field == "data.results[0].plate"


def test_missing_timestamp_is_refused_naming_the_field(payload):
    event = payload("platerecognizer/stream_recognition_2021")
    del event["data"]["timestamp"]

    with pytest.raises(VendorPayloadError) as caught:
        parse_platerecognizer(event, None)

    assert caught.value.field == "data.timestamp"


def test_timestamp_far_in_the_future_is_refused_naming_the_field(payload):
    event = payload("platerecognizer/stream_recognition_2021")
    event["data"]["timestamp"] = "2099-01-01T00:00:00Z"

    with pytest.raises(VendorPayloadError) as caught:
        parse_platerecognizer(event, None)

    assert caught.value.field == "data.timestamp"
    assert "future" in caught.value.message


def test_score_above_one_hundred_is_refused_naming_the_field(payload):
    event = payload("platerecognizer/stream_recognition_2021")
    event["data"]["results"][0]["score"] = 250

    with pytest.raises(VendorPayloadError) as caught:
        parse_platerecognizer(event, None)

    assert caught.value.field == "data.results[0].score"


def test_box_with_text_coordinates_is_refused_naming_the_field(payload):
    event = payload("platerecognizer/stream_recognition_2021")
    event["data"]["results"][0]["box"]["xmax"] = "wide"

    with pytest.raises(VendorPayloadError) as caught:
        parse_platerecognizer(event, None)

    assert caught.value.field == "data.results[0].box.xmax"


def test_event_without_data_is_refused_naming_the_field():
    with pytest.raises(VendorPayloadError) as caught:
        parse_platerecognizer({"hook": {"event": "recognition"}}, None)

    assert caught.value.field == "data"


def test_results_that_are_not_a_list_are_refused_naming_the_field(payload):
    event = payload("platerecognizer/stream_recognition_2021")
    event["data"]["results"] = {"plate": "9jub11"}

    with pytest.raises(VendorPayloadError) as caught:
        parse_platerecognizer(event, None)

    assert caught.value.field == "data.results"


def test_a_non_object_event_is_refused():
    with pytest.raises(VendorPayloadError) as caught:
        parse_platerecognizer(["not", "an", "event"], None)  # type: ignore[arg-type]

    assert caught.value.field == "body"


def test_control_characters_in_descriptive_fields_are_dropped_not_a_refusal(payload):
    # Found by the schemathesis run: a control character in a colour was a 500.
    event = payload("platerecognizer/stream_recognition_mmc")
    for result in event["data"]["results"]:
        for colour in result.get("color", []):
            colour["color"] = "bl\x00ack"
    reads = parse_platerecognizer(event, None)

    assert reads[0].detection.vehicle is not None
    assert reads[0].detection.vehicle.color == "black"
