"""A Survision camera's HTTP push (JSON) maps to one read with its `jpeg`.

Sample: `payloads/survision/anpr_push.json` is a real push kept by Plate Recognizer's
snapshot middleware tests, parkpow/deep-license-plate-recognition,
`snapshot-middleware/test/Survision.json` at commit
2a9b7844ad0576d16046e78364625f99c653d90d (a Survision camera, firmware of 2024-10). The
plate was replaced by one of the same shape (`AB123CD`) and the 48 kB camera frame by
the small JPEG `platerecognizer/upload.jpg`; every other field is as the camera sent it.
See `payloads/survision/SOURCES.md`.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from local_node.ingest.vendors.base import VendorPayloadError
from local_node.ingest.vendors.survision import parse_survision

SERIAL = "sv1-searial-1"


def test_push_maps_every_field_of_the_read(payload):
    (read,) = parse_survision(payload("survision/anpr_push"), serial=SERIAL)

    d = read.detection
    assert d.plate == "AB123CD"
    assert d.captured_at == datetime(2024, 10, 17, 23, 4, 50, 98000, tzinfo=UTC)
    assert d.confidence == pytest.approx(0.98)
    assert d.source_camera == SERIAL
    assert d.region == "fr"
    assert d.bbox == (728, 695, 222, 50)
    assert d.direction is None  # "unknown"
    assert d.event_id is not None and d.event_id.startswith("survision:")


def test_push_image_is_the_decoded_jpeg(payload, upload_jpeg):
    (read,) = parse_survision(payload("survision/anpr_push"), serial=SERIAL)

    assert read.image == upload_jpeg


def test_push_without_jpeg_has_no_image(payload):
    push = payload("survision/anpr_push")
    del push["anpr"]["decision"]["jpeg"]

    (read,) = parse_survision(push, serial=SERIAL)

    assert read.image is None


def test_a_resent_push_maps_to_the_same_event_id(payload):
    first = parse_survision(payload("survision/anpr_push"), serial=SERIAL)[0]
    again = parse_survision(payload("survision/anpr_push"), serial=SERIAL)[0]

    assert first.detection.event_id == again.detection.event_id


def test_the_same_plate_from_another_camera_gets_another_event_id(payload):
    one = parse_survision(payload("survision/anpr_push"), serial=SERIAL)[0]
    other = parse_survision(payload("survision/anpr_push"), serial="sv1-other")[0]

    assert one.detection.event_id != other.detection.event_id


def test_a_later_read_with_restarted_counters_gets_another_event_id(payload):
    later = payload("survision/anpr_push")
    later["anpr"]["@date"] = str(int(later["anpr"]["@date"]) + 60_000)

    one = parse_survision(payload("survision/anpr_push"), serial=SERIAL)[0]
    two = parse_survision(later, serial=SERIAL)[0]

    assert one.detection.event_id != two.detection.event_id


@pytest.mark.parametrize(("vendor", "stored"), [("front", "front"), ("rear", "rear")])
def test_seen_side_is_kept_as_direction(payload, vendor, stored):
    push = payload("survision/anpr_push")
    push["anpr"]["decision"]["@direction"] = vendor

    (read,) = parse_survision(push, serial=SERIAL)

    assert read.detection.direction == stored


def test_push_without_serial_header_is_stored_without_source_camera(payload):
    (read,) = parse_survision(payload("survision/anpr_push"))

    assert read.detection.source_camera is None


def test_numeric_values_are_accepted_as_well_as_text(payload):
    push = payload("survision/anpr_push")
    push["anpr"]["@date"] = int(push["anpr"]["@date"])
    push["anpr"]["decision"]["@reliability"] = 98

    (read,) = parse_survision(push, serial=SERIAL)

    assert read.detection.confidence == pytest.approx(0.98)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p["anpr"]["decision"].pop("@plate"), "anpr.decision.@plate"),
        (lambda p: p["anpr"]["decision"].update({"@plate": ""}), "anpr.decision.@plate"),
        (lambda p: p["anpr"].pop("decision"), "anpr.decision"),
        (lambda p: p["anpr"].update({"@date": "yesterday"}), "anpr.@date"),
        (lambda p: p["anpr"].update({"@date": "0"}), "anpr.@date"),
        (lambda p: p["anpr"]["decision"].update({"@reliability": "250"}), "@reliability"),
        (lambda p: p["anpr"]["decision"].update(jpeg="%%%"), "anpr.decision.jpeg"),
        (lambda p: p.pop("anpr"), "anpr"),
    ],
    ids=[
        "no-plate",
        "blank-plate",
        "no-decision",
        "not-a-time",
        "epoch",
        "reliability",
        "b64",
        "no-anpr",
    ],
)
def test_malformed_push_is_refused_naming_the_field(payload, change, field):
    push = payload("survision/anpr_push")
    change(push)

    with pytest.raises(VendorPayloadError) as refused:
        parse_survision(push, serial=SERIAL)

    assert field in refused.value.field


def test_image_bytes_are_not_checked_by_the_parser(payload):
    # The content check (JPEG/PNG, else 415) is the route's, as for every vendor.
    push = payload("survision/anpr_push")
    push["anpr"]["decision"]["jpeg"] = base64.b64encode(b"GIF89a").decode()

    (read,) = parse_survision(push, serial=SERIAL)

    assert read.image == b"GIF89a"
