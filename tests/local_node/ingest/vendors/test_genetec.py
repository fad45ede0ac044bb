"""Genetec AutoVu reads pushed as JSON map to one read, in both shapes in the field.

Samples (see `payloads/genetec/SOURCES.md`):

- `genetec/security_center_read.json`: a real read forwarded by a Security Center / SharpV
  install, kept by Plate Recognizer's snapshot middleware tests,
  parkpow/deep-license-plate-recognition `snapshot-middleware/test/Genetec.json` at commit
  2a9b7844ad0576d16046e78364625f99c653d90d. Plate replaced by one of the same shape
  (`7ABC123`), the 141 kB `ContextImage` by the small JPEG `platerecognizer/upload.jpg`,
  `PlateImage` emptied; everything else as sent.
- `genetec/sharpv_http_json.json`: only the documentation's sample exists — Genetec's
  "Examples of JSON and XML ALPR events for the SharpV HTTP extension" (AutoVu SharpV
  Deployment Guide 14.2, techdocs.genetec.com), images already removed there. Its
  `Timestamp` was moved from 2016 to 2024 so that it is within the node's 10-year window.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from local_node.ingest.models import Vehicle
from local_node.ingest.vendors.base import VendorPayloadError
from local_node.ingest.vendors.genetec import parse_genetec


def test_security_center_read_maps_every_field(payload):
    (read,) = parse_genetec(payload("genetec/security_center_read"))

    d = read.detection
    assert d.plate == "7ABC123"
    assert d.captured_at == datetime(2024, 10, 24, 20, 29, 26, tzinfo=UTC)
    assert d.confidence == pytest.approx(0.99)
    assert d.event_id == "genetec:ccd6761e-b2a6-4afc-b386-412d6529c4ec"
    assert d.source_camera == "G637821011231200521C - Camera"
    assert d.region == "CA"
    assert d.direction == "Moving Away"


def test_security_center_vehicle_drops_dash_values(payload):
    (read,) = parse_genetec(payload("genetec/security_center_read"))

    assert read.detection.vehicle == Vehicle(type="Passenger Vehicle", color="Grey")


def test_security_center_image_is_the_context_image(payload, upload_jpeg):
    (read,) = parse_genetec(payload("genetec/security_center_read"))

    assert read.image == upload_jpeg


def test_plate_image_is_kept_when_there_is_no_context_image(payload, upload_jpeg):
    body = payload("genetec/security_center_read")
    body["PlateImage"], body["ContextImage"] = body["ContextImage"], ""

    (read,) = parse_genetec(body)

    assert read.image == upload_jpeg


def test_sharpv_read_maps_its_fields(payload):
    (read,) = parse_genetec(payload("genetec/sharpv_http_json"))

    d = read.detection
    assert d.plate == "AA7D2"
    assert d.captured_at == datetime(2024, 8, 29, 8, 42, 45, 797000, tzinfo=UTC)
    assert d.event_id == "genetec:32cf870a-46aa-4cfd-914b-00062d98e93a"
    assert d.source_camera == "Lpr Camera"
    assert (d.confidence, d.region, d.direction, d.vehicle) == (None, None, None, None)


def test_sharpv_read_without_images_has_no_image(payload):
    (read,) = parse_genetec(payload("genetec/sharpv_http_json"))

    assert read.image is None


def test_sharpv_plate_analytics_give_state_and_confidence(payload):
    body = payload("genetec/sharpv_http_json")
    body["PlateAnalytics"] += [
        {"Key": "Confidence Score", "Score": 1, "Value": "87"},
    ]
    body["PlateAnalytics"][0]["Value"] = "QC"

    (read,) = parse_genetec(body)

    assert (read.detection.region, read.detection.confidence) == ("QC", pytest.approx(0.87))


def test_sharpv_timestamp_with_offset_is_converted_to_utc(payload):
    body = payload("genetec/sharpv_http_json")
    body["Timestamp"] = "2024-10-21T21:35:04.8627622+02:00"

    (read,) = parse_genetec(body)

    assert read.detection.captured_at == datetime(2024, 10, 21, 19, 35, 4, 862762, tzinfo=UTC)


@pytest.mark.parametrize(
    ("date", "time", "expected"),
    [
        ("10/24/2024", "20:29:26", datetime(2024, 10, 24, 20, 29, 26, tzinfo=UTC)),
        ("2024-10-24", "20:29:26", datetime(2024, 10, 24, 20, 29, 26, tzinfo=UTC)),
        ("2024:10:24", "20:29:26.125", datetime(2024, 10, 24, 20, 29, 26, 125000, tzinfo=UTC)),
        ("24/10/2024", "20:29:26", datetime(2024, 10, 24, 20, 29, 26, tzinfo=UTC)),
    ],
    ids=["us", "iso", "ftp-template", "day-first"],
)
def test_date_and_time_columns_are_read_in_the_templates_orders(payload, date, time, expected):
    body = payload("genetec/security_center_read")
    body["DateUtc"], body["TimeUtc"] = date, time

    (read,) = parse_genetec(body)

    assert read.detection.captured_at == expected


def test_a_resent_read_keeps_its_event_id(payload):
    one = parse_genetec(payload("genetec/security_center_read"))[0]
    two = parse_genetec(payload("genetec/security_center_read"))[0]

    assert one.detection.event_id == two.detection.event_id


def test_read_without_guid_gets_a_stable_hashed_event_id(payload):
    body = payload("genetec/security_center_read")
    body["VehicleID"] = "00000000-0000-0000-0000-000000000000"

    one = parse_genetec(body)[0].detection.event_id
    two = parse_genetec(dict(body))[0].detection.event_id

    assert one == two and one is not None and one.startswith("genetec:")
    assert one != "genetec:00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("name", "change", "field"),
    [
        ("genetec/sharpv_http_json", lambda b: b.pop("PlateRead"), "PlateRead"),
        ("genetec/sharpv_http_json", lambda b: b.update(PlateRead=""), "PlateRead"),
        ("genetec/sharpv_http_json", lambda b: b.update(Timestamp="soon"), "Timestamp"),
        ("genetec/sharpv_http_json", lambda b: b.pop("Timestamp"), "Timestamp"),
        ("genetec/security_center_read", lambda b: b.update(DateUtc="24.10"), "DateUtc"),
        ("genetec/security_center_read", lambda b: b.update(DateUtc="13/13/2024"), "DateUtc"),
        ("genetec/security_center_read", lambda b: b.update(TimeUtc="8pm"), "TimeUtc"),
        (
            "genetec/security_center_read",
            lambda b: b.update(ConfidenceScore="high"),
            "ConfidenceScore",
        ),
        (
            "genetec/security_center_read",
            lambda b: b.update(ConfidenceScore="250"),
            "ConfidenceScore",
        ),
        ("genetec/security_center_read", lambda b: b.update(ContextImage="%%%"), "ContextImage"),
        ("genetec/security_center_read", lambda b: b.update(DateUtc="01/01/1990"), "DateUtc"),
    ],
    ids=[
        "no-plate",
        "blank-plate",
        "bad-timestamp",
        "no-time",
        "bad-date",
        "impossible-date",
        "bad-time",
        "confidence-text",
        "confidence-range",
        "bad-base64",
        "too-old",
    ],
)
def test_malformed_read_is_refused_naming_the_field(payload, name, change, field):
    body = payload(name)
    change(body)

    with pytest.raises(VendorPayloadError) as refused:
        parse_genetec(body)

    assert refused.value.field == field
