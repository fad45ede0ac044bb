"""Verkada Command webhooks: `lpr` maps to one read without image, other types are ignored.

Only the documentation's samples exist (see `payloads/verkada/SOURCES.md`), from
Verkada's API reference "LPR Webhook Object" (apidocs.verkada.com/reference/lpr) in three
versions: 2020 (no image), March 2025 (`detected`, `crop`, `image_url`) and September
2025 (`license_plate_state`); and "Camera Events Webhook Object" for a `notification`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from local_node.ingest.vendors.base import VendorPayloadError
from local_node.ingest.vendors.verkada import parse_verkada


def test_lpr_webhook_maps_every_field_of_the_read(payload):
    parsed = parse_verkada(payload("verkada/lpr_2025_09"))

    (read,) = parsed.reads
    d = read.detection
    assert parsed.kind == "lpr"
    assert d.plate == "ABCD123"
    assert d.captured_at == datetime.fromtimestamp(1758302864, tz=UTC)
    assert d.confidence == pytest.approx(0.96304, abs=1e-5)
    assert d.source_camera == "38718198-8a78-4718-a60f-68e1a8de30ac"
    assert d.region == "us-ca"
    assert d.event_id is not None and d.event_id.startswith("verkada:")


def test_lpr_image_url_is_not_an_image(payload):
    (read,) = parse_verkada(payload("verkada/lpr_2025_09")).reads

    assert read.image is None


@pytest.mark.parametrize("name", ["verkada/lpr_2020", "verkada/lpr_2025_03"])
def test_older_lpr_webhook_versions_map(payload, name):
    body = payload(name)

    (read,) = parse_verkada(body).reads

    assert read.detection.plate == body["data"]["license_plate_number"]
    assert read.detection.region is None


def test_a_resent_webhook_maps_to_the_same_event_id(payload):
    resent = payload("verkada/lpr_2025_09")
    resent["created_at"] += 30  # Verkada stamps each delivery anew
    resent["webhook_id"] = "b0000000-0000-0000-0000-000000000000"

    one = parse_verkada(payload("verkada/lpr_2025_09")).reads[0]
    two = parse_verkada(resent).reads[0]

    assert one.detection.event_id == two.detection.event_id


def test_reads_sharing_a_webhook_id_get_different_event_ids(payload):
    later = payload("verkada/lpr_2025_09")
    later["data"].update(created=later["data"]["created"] + 5, license_plate_number="XYZ789")

    one = parse_verkada(payload("verkada/lpr_2025_09")).reads[0]
    two = parse_verkada(later).reads[0]

    assert one.detection.event_id != two.detection.event_id


def test_upper_case_lpr_type_is_an_lpr_webhook(payload):
    body = payload("verkada/lpr_2020")
    body["webhook_type"] = "LPR"

    assert len(parse_verkada(body).reads) == 1


def test_notification_webhook_is_ignored_by_its_type(payload):
    parsed = parse_verkada(payload("verkada/notification_motion"))

    assert (parsed.kind, parsed.reads) == ("notification", [])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["data"].pop("license_plate_number"), "data.license_plate_number"),
        (lambda b: b["data"].update(license_plate_number=""), "data.license_plate_number"),
        (lambda b: b["data"].update(license_plate_number="--"), "data.license_plate_number"),
        (lambda b: b["data"].pop("created"), "data.created"),
        (lambda b: b["data"].update(created="today"), "data.created"),
        (lambda b: b["data"].update(created=1), "data.created"),
        (lambda b: b["data"].pop("camera_id"), "data.camera_id"),
        (lambda b: b["data"].update(confidence=3.5e3), "data.confidence"),
        (lambda b: b.pop("data"), "data"),
        (lambda b: b.pop("webhook_type"), "webhook_type"),
    ],
    ids=[
        "no-plate",
        "blank-plate",
        "no-characters",
        "no-time",
        "not-a-time",
        "epoch",
        "no-camera",
        "confidence",
        "no-data",
        "no-type",
    ],
)
def test_malformed_lpr_webhook_is_refused_naming_the_field(payload, change, field):
    body = payload("verkada/lpr_2025_09")
    change(body)

    with pytest.raises(VendorPayloadError) as refused:
        parse_verkada(body)

    assert refused.value.field == field
