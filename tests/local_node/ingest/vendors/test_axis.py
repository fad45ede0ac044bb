"""AXIS License Plate Verifier push events map to one read per vehicle (its carID).

Payloads (`payloads/axis/`, sources in its SOURCES.md):
- `lost_p1445_2021.json`: parkpow/deep-license-plate-recognition (Plate Recognizer's own
  integrations), `parkpow/axis-lpr/assets/event.json` @ 90c60c8d — an AXIS P1445-LE-3 event,
  the same payload Axis partner blogs show. Plate replaced with the same shape.
- `update_q1700_2023.json`, `new_json_imagearray_p1447_2023.json`: the samples of the
  VAPIX License plate verifier API documentation, "Push events / HTTP POST"
  (https://developer.axis.com/vapix/applications/license-plate-verifier-api/, updated
  2025-08-28). Documentation samples only: no captured post of these app versions was found.
  The second one's `ImageArray` picture is the documentation's 8×8 PNG.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from local_node.ingest.models import Vehicle
from local_node.ingest.vendors.axis import parse_axis
from local_node.ingest.vendors.base import VendorPayloadError


def test_2021_lost_event_maps_every_field(payload, upload_jpeg):
    read = parse_axis(payload("axis/lost_p1445_2021"), upload_jpeg)

    detection = read.detection
    assert detection.plate == "ABC12345"
    assert detection.captured_at == datetime(2021, 6, 11, 10, 5, 38, 252000, tzinfo=UTC)
    assert detection.confidence == pytest.approx(0.719034)
    assert detection.source_camera == "ACCC8ED3290D"
    assert detection.region == "POL"
    assert detection.direction == "in"
    assert detection.bbox == (1185, 532, 140, 28)
    assert detection.vehicle is None
    assert detection.event_id is not None and detection.event_id.startswith("axis:")
    assert read.image == upload_jpeg


def test_2023_update_event_maps_vehicle_and_region(payload):
    read = parse_axis(payload("axis/update_q1700_2023"), None)

    detection = read.detection
    assert (detection.plate, detection.region, detection.direction) == ("HWR6677", "DEU", "out")
    assert detection.vehicle == Vehicle(type="CAR", color="BLACK")
    assert detection.captured_at == datetime(2023, 12, 11, 12, 27, 5, 507000, tzinfo=UTC)
    assert read.image is None


def test_json_event_uses_its_image_array_picture(payload):
    read = parse_axis(payload("axis/new_json_imagearray_p1447_2023"), None)

    assert read.image is not None and read.image.startswith(b"\x89PNG")
    assert read.detection.plate == "TÖLSL123"
    assert read.detection.direction is None  # "unknown"


def test_image_part_wins_over_the_image_array(payload, upload_jpeg):
    read = parse_axis(payload("axis/new_json_imagearray_p1447_2023"), upload_jpeg)

    assert read.image == upload_jpeg


def test_every_state_of_one_vehicle_maps_to_the_same_event_id(payload):
    ids = set()
    for state in ("new", "update", "lost"):
        event = payload("axis/update_q1700_2023")
        event["carState"] = state
        event["plateUTF8"] = "HWR6671" if state == "new" else "HWR6677"
        ids.add(parse_axis(event, None).detection.event_id)

    assert len(ids) == 1


@pytest.mark.parametrize(
    ("state", "preview"),
    [("new", True), ("update", True), ("updated", True), ("lost", False)],
)
def test_only_the_lost_event_is_the_final_reading(payload, state, preview):
    event = payload("axis/update_q1700_2023")
    event["carState"] = state

    read = parse_axis(event, None)

    assert read.refinable is True and read.preview is preview


def test_same_car_id_on_another_camera_is_another_read(payload):
    event = payload("axis/update_q1700_2023")
    other = payload("axis/update_q1700_2023")
    other["camera_info"]["SerialNumber"] = "ACCC8E000001"

    assert parse_axis(event, None).detection.event_id != parse_axis(other, None).detection.event_id


def test_event_without_car_id_is_keyed_by_time_and_plate_and_not_refinable(payload):
    event = payload("axis/lost_p1445_2021")
    del event["carID"]
    other_plate = {**event, "plateUTF8": "ABC12346"}

    read = parse_axis(event, None)

    assert read.refinable is False and read.preview is False
    assert read.detection.event_id == parse_axis(dict(event), None).detection.event_id
    assert read.detection.event_id != parse_axis(other_plate, None).detection.event_id


def test_nanosecond_capture_ts_is_used_without_capture_timestamp(payload):
    event = payload("axis/lost_p1445_2021")
    del event["capture_timestamp"]

    at = parse_axis(event, None).detection.captured_at

    assert at == datetime(2021, 6, 11, 10, 5, 38, 252000, tzinfo=UTC)


def test_datetime_with_offset_is_the_last_resort(payload):
    event = payload("axis/lost_p1445_2021")
    for key in ("capture_timestamp", "capture_ts"):
        del event[key]
    event["datetime"] = "20210611 130538252+0300"

    at = parse_axis(event, None).detection.captured_at

    assert at == datetime(2021, 6, 11, 13, 5, 38, 252000, tzinfo=timezone(timedelta(hours=3)))


def test_plate_falls_back_to_plate_ascii(payload):
    event = payload("axis/lost_p1445_2021")
    event["plateUTF8"] = ""

    assert parse_axis(event, None).detection.plate == "ABC12345"


def test_mmr_brand_and_model_become_make_and_model(payload):
    event = payload("axis/update_q1700_2023")
    event["vehicle_info"].update(brand="Skoda", model="Rapid/Scala")

    vehicle = parse_axis(event, None).detection.vehicle

    assert vehicle == Vehicle(type="CAR", make="Skoda", model="Rapid/Scala", color="BLACK")


def _without(*keys: str):
    def change(event: dict) -> None:
        for key in keys:
            event.pop(key, None)

    return change


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_without("plateUTF8", "plateASCII", "plateUnicode", "plateText"), "plateUTF8"),
        (lambda e: e.update(plateUTF8="X" * 40, plateASCII=""), "plateUTF8"),
        (lambda e: e.update(plateConfidence="high"), "plateConfidence"),
        (lambda e: e.update(plateConfidence="250"), "plateConfidence"),
        (_without("capture_timestamp", "capture_ts", "datetime"), "capture_timestamp"),
        (lambda e: e.update(capture_timestamp="soon"), "capture_timestamp"),
        (
            lambda e: (_without("capture_timestamp", "capture_ts")(e), e.update(datetime="x")),
            "datetime",
        ),
        (
            lambda e: e.update(ImageArray=[{"ImageType": "plate", "BinaryImage": "%%%"}]),
            "ImageArray[0].BinaryImage",
        ),
    ],
    ids=[
        "no-plate",
        "plate-too-long",
        "confidence-text",
        "confidence-over-100",
        "no-time",
        "time-text",
        "datetime-text",
        "bad-base64",
    ],
)
def test_invalid_event_is_refused_naming_the_field(payload, change, field):
    event = payload("axis/lost_p1445_2021")
    change(event)

    with pytest.raises(VendorPayloadError) as caught:
        parse_axis(event, None)

    assert caught.value.field == field


@pytest.mark.parametrize(
    "coordinates",
    [[float("nan"), 1, 2, 3], [0, 0, 1e30, 1e30], [10, 10, 0, 5], [1, 2, 3]],
    ids=["nan", "beyond-any-frame", "zero-width", "three-values"],
)
def test_plate_coordinates_no_frame_can_have_drop_the_box_not_the_read(payload, coordinates):
    event = payload("axis/lost_p1445_2021")
    event["plateCoordinates"] = coordinates

    read = parse_axis(event, None)

    assert read.detection.bbox is None and read.detection.plate == "ABC12345"
