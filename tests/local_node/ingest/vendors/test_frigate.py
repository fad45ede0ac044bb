"""Frigate `tracked_object_update` messages of type `lpr` map to plate reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from local_node.ingest.vendors.base import VendorPayloadError
from local_node.ingest.vendors.frigate import parse_frigate_lpr

ARRIVED = datetime(2026, 11, 26, 8, 0, 0, tzinfo=UTC)


def arrived() -> datetime:
    return ARRIVED


def test_lpr_update_maps_every_field_of_the_read(payload):
    read = parse_frigate_lpr(payload("frigate/lpr_known_vehicle"))

    assert read is not None
    d = read.detection
    assert d.plate == "123ABC"
    assert d.captured_at == datetime.fromtimestamp(1764145126.748393, tz=UTC)
    assert d.confidence == pytest.approx(0.95)
    assert d.event_id == "frigate:1764145123.475377-mxklsc"
    assert d.source_camera == "driveway_cam"
    assert d.bbox is None


def test_lpr_update_has_no_image(payload):
    read = parse_frigate_lpr(payload("frigate/lpr_known_vehicle"))

    assert read is not None and read.image is None


def test_plate_box_becomes_the_bbox(payload):
    read = parse_frigate_lpr(payload("frigate/lpr_unknown_with_box"))

    assert read is not None
    assert read.detection.bbox == (1012, 611, 151, 41)


def test_the_same_tracked_object_maps_to_the_same_event_id(payload):
    first = parse_frigate_lpr(payload("frigate/lpr_known_vehicle"))
    refined = payload("frigate/lpr_known_vehicle")
    refined.update(plate="123ABD", score=0.97, timestamp=1764145127.9)

    again = parse_frigate_lpr(refined)

    assert first is not None and again is not None
    assert again.detection.event_id == first.detection.event_id


def test_other_update_types_are_not_reads(payload):
    assert parse_frigate_lpr(payload("frigate/face")) is None


def test_no_car_left_notice_is_not_a_read(payload):
    assert parse_frigate_lpr(payload("frigate/lpr_all_cars_left")) is None


def test_monotonic_timestamp_falls_back_to_arrival_time(payload):
    read = parse_frigate_lpr(payload("frigate/lpr_monotonic_timestamp"), clock=arrived)

    assert read is not None and read.detection.captured_at == ARRIVED


def test_missing_timestamp_falls_back_to_arrival_time(payload):
    message = payload("frigate/lpr_known_vehicle")
    del message["timestamp"]

    read = parse_frigate_lpr(message, clock=arrived)

    assert read is not None and read.detection.captured_at == ARRIVED


def test_timestamp_in_milliseconds_is_understood(payload):
    message = payload("frigate/lpr_known_vehicle")
    message["timestamp"] = 1764145126748

    read = parse_frigate_lpr(message)

    assert read is not None
    assert read.detection.captured_at == datetime.fromtimestamp(1764145126.748, tz=UTC)


def test_percent_score_is_read_as_a_fraction(payload):
    message = payload("frigate/lpr_known_vehicle")
    message["score"] = 95

    read = parse_frigate_lpr(message)

    assert read is not None and read.detection.confidence == pytest.approx(0.95)


def test_missing_score_leaves_confidence_empty(payload):
    message = payload("frigate/lpr_known_vehicle")
    del message["score"]

    read = parse_frigate_lpr(message)

    assert read is not None and read.detection.confidence is None


def test_unknown_extra_fields_are_ignored(payload):
    message = payload("frigate/lpr_unknown_with_box")
    message["recognized_license_plate_frame_time"] = 1764145203.2
    message["zones"] = ["gate"]

    read = parse_frigate_lpr(message)

    assert read is not None and read.detection.plate == "KX19 GHT"


def test_box_in_fractions_of_the_frame_is_dropped(payload):
    message = payload("frigate/lpr_unknown_with_box")
    message["plate_box"] = [0.52, 0.61, 0.6, 0.65]

    read = parse_frigate_lpr(message)

    assert read is not None and read.detection.bbox is None


def test_missing_id_is_refused_naming_the_field(payload):
    message = payload("frigate/lpr_known_vehicle")
    del message["id"]

    with pytest.raises(VendorPayloadError) as caught:
        parse_frigate_lpr(message)

    assert caught.value.field == "id"


def test_missing_camera_is_refused_naming_the_field(payload):
    message = payload("frigate/lpr_known_vehicle")
    del message["camera"]

    with pytest.raises(VendorPayloadError) as caught:
        parse_frigate_lpr(message)

    assert caught.value.field == "camera"


def test_plate_box_of_the_wrong_length_is_refused_naming_the_field(payload):
    message = payload("frigate/lpr_unknown_with_box")
    message["plate_box"] = [1012, 611]

    with pytest.raises(VendorPayloadError) as caught:
        parse_frigate_lpr(message)

    assert caught.value.field == "plate_box"


def test_plate_that_is_not_text_is_refused_naming_the_field(payload):
    message = payload("frigate/lpr_known_vehicle")
    message["plate"] = ["123ABC"]

    with pytest.raises(VendorPayloadError) as caught:
        parse_frigate_lpr(message)

    assert caught.value.field == "plate"


def test_lpr_update_is_refinable(payload):
    read = parse_frigate_lpr(payload("frigate/lpr_known_vehicle"))

    assert read is not None and read.refinable and not read.preview
