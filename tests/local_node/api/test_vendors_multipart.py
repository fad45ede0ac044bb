"""Hikvision ANPR alarms and AXIS License Plate Verifier events over real HTTP.

Both cameras post multipart bodies (Hikvision: `anpr.xml` + pictures named after their
files; Axis: `event` + `image`) or the document alone. Each read is stored as the same
detection the native endpoint stores, with the same idempotency and errors, and nothing
is stored when a post is refused. Payload sources: the docstrings of
tests/local_node/ingest/vendors/test_hikvision.py and test_axis.py, and the SOURCES.md
files beside the payloads.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.local_node.api.test_vendors import detail, image_files, stored_count
from tests.local_node.conftest import RunningNode, make_jpeg, make_png

PAYLOADS = Path(__file__).parents[1] / "ingest" / "vendors" / "payloads"
HIK = "/api/v1/ingest/hikvision"
AXIS = "/api/v1/ingest/axis"
SCENE = make_jpeg(96, 64, "blue")
PLATE = make_jpeg(32, 12, "white")


def xml(name: str) -> bytes:
    return (PAYLOADS / "hikvision" / f"{name}.xml").read_bytes()


def axis_event(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / "axis" / f"{name}.json").read_text())


def post_hik(
    client: httpx.Client, document: bytes, pictures: dict[str, bytes] | None = None
) -> httpx.Response:
    # As the camera does: every part named after its file, the XML first.
    files = [("anpr.xml", ("anpr.xml", document, "application/xml"))]
    for name, data in (pictures or {}).items():
        files.append((name, (name, data, "image/jpeg")))
    return client.post(HIK, files=files)


def post_axis(
    client: httpx.Client, event: dict | str, image: bytes | None, ctype: str = "image/jpeg"
) -> httpx.Response:
    raw = event if isinstance(event, str) else json.dumps(event)
    files = [("event", ("event.json", raw.encode(), "application/json"))]
    if image is not None:
        files.append(("image", ("image.jpg", image, ctype)))
    return client.post(AXIS, files=files)


# --- Hikvision ---------------------------------------------------------------------------


def test_hikvision_alarm_is_stored_with_its_scene_picture(node: RunningNode):
    pictures = {"licensePlatePicture.jpg": PLATE, "detectionPicture.jpg": SCENE}
    with node.camera() as cam:
        r = post_hik(cam, xml("anpr_detection_picture_2024"), pictures)

    assert r.status_code == 201, r.text
    (answer,) = r.json()["detections"]
    assert answer["plate_norm"] == "ABCD600"
    stored = detail(node, answer["id"])
    assert stored["camera_id"] == node.camera_id
    assert stored["source_camera"] == "d4:e8:53:bc:4c:02/1"
    assert stored["captured_at"].startswith("2024-01-19T03:17:19")
    assert stored["confidence"] == pytest.approx(0.97)
    assert stored["direction"] == "reverse"
    assert stored["event_id"].startswith("hikvision:2024011911172144900")
    assert stored["image_sha256"] == hashlib.sha256(SCENE).hexdigest()
    assert stored_count(node) == 1 and len(image_files(node)) == 1


def test_hikvision_2023_alarm_stores_the_vehicle_picture(node: RunningNode):
    pictures = {"licensePlatePicture.jpg": PLATE, "vehiclePicture.jpg": SCENE}
    with node.camera() as cam:
        r = post_hik(cam, xml("anpr_ids2cd7a46g0_2023"), pictures)

    assert r.status_code == 201, r.text
    stored = detail(node, r.json()["detections"][0]["id"])
    assert stored["plate"] == "XY12345" and stored["vehicle"]["color"] == "white"
    assert stored["image_sha256"] == hashlib.sha256(SCENE).hexdigest()


def test_hikvision_alarm_with_only_the_plate_crop_stores_it(node: RunningNode):
    with node.camera() as cam:
        r = post_hik(cam, xml("anpr_ids2cd7a46g0_2023"), {"licensePlatePicture.jpg": PLATE})

    assert r.status_code == 201, r.text
    stored = detail(node, r.json()["detections"][0]["id"])
    assert stored["image_sha256"] == hashlib.sha256(PLATE).hexdigest()


@pytest.mark.parametrize(
    "ctype", ["application/xml", 'application/xml; charset="UTF-8"', "text/xml"]
)
def test_hikvision_xml_alone_is_stored_without_an_image(node: RunningNode, ctype):
    with node.camera() as cam:
        r = cam.post(HIK, content=xml("anpr_ids2cd7a46g0_2023"), headers={"content-type": ctype})

    assert r.status_code == 201, r.text
    stored = detail(node, r.json()["detections"][0]["id"])
    assert stored["plate"] == "XY12345" and stored["image_url"] is None


def test_resent_hikvision_alarm_is_200_with_the_same_id(node: RunningNode):
    pictures = {"detectionPicture.jpg": SCENE}
    with node.camera() as cam:
        first = post_hik(cam, xml("anpr_detection_picture_2024"), pictures)
        again = post_hik(cam, xml("anpr_detection_picture_2024"), pictures)
        bare = cam.post(
            HIK, content=xml("anpr_detection_picture_2024"), headers={"content-type": "text/xml"}
        )

    assert (first.status_code, again.status_code, bare.status_code) == (201, 200, 200)
    assert again.json() == first.json() == bare.json()
    assert stored_count(node) == 1 and len(image_files(node)) == 1


@pytest.mark.parametrize(
    ("name", "ignored"),
    [("vmd_2025", "VMD"), ("anpr_plate_unknown_2023", "ANPR without a plate")],
    ids=["motion", "plate-unknown"],
)
def test_hikvision_alarm_that_is_not_a_read_is_acknowledged(node: RunningNode, name, ignored):
    with node.camera() as cam:
        r = post_hik(cam, xml(name), {"vehiclePicture.jpg": SCENE})

    assert r.status_code == 200 and r.json() == {"ignored": ignored}
    assert stored_count(node) == 0 and image_files(node) == []


# --- Axis --------------------------------------------------------------------------------


def test_axis_event_is_stored_with_its_image(node: RunningNode):
    with node.camera() as cam:
        r = post_axis(cam, axis_event("lost_p1445_2021"), SCENE)

    assert r.status_code == 201, r.text
    (answer,) = r.json()["detections"]
    stored = detail(node, answer["id"])
    assert stored["plate"] == "ABC12345" and stored["source_camera"] == "ACCC8ED3290D"
    assert stored["captured_at"].startswith("2021-06-11T10:05:38.252")
    assert stored["bbox"] == [1185, 532, 140, 28] and stored["region"] == "POL"
    assert stored["event_id"].startswith("axis:")
    assert stored["image_sha256"] == hashlib.sha256(SCENE).hexdigest()


def test_axis_event_without_image_part_is_stored(node: RunningNode):
    with node.camera() as cam:
        r = post_axis(cam, axis_event("update_q1700_2023"), None)

    assert r.status_code == 201, r.text
    stored = detail(node, r.json()["detections"][0]["id"])
    assert stored["vehicle"] == {"type": "CAR", "make": None, "model": None, "color": "BLACK"}
    assert stored["image_url"] is None


def test_axis_json_event_stores_its_image_array_picture(node: RunningNode):
    event = axis_event("new_json_imagearray_p1447_2023")
    with node.camera() as cam:
        r = cam.post(AXIS, json=event)

    assert r.status_code == 201, r.text
    stored = detail(node, r.json()["detections"][0]["id"])
    assert stored["plate"] == "TÖLSL123" and stored["image_sha256"] is not None


def test_resent_axis_event_is_200_with_the_same_id(node: RunningNode):
    event = axis_event("lost_p1445_2021")
    with node.camera() as cam:
        first = post_axis(cam, event, SCENE)
        again = post_axis(cam, event, SCENE)
        as_json = cam.post(AXIS, json=event)

    assert (first.status_code, again.status_code, as_json.status_code) == (201, 200, 200)
    assert again.json() == first.json() == as_json.json()
    assert stored_count(node) == 1 and len(image_files(node)) == 1


def test_every_state_of_one_axis_vehicle_is_one_read(node: RunningNode):
    ids = set()
    with node.camera() as cam:
        for state in ("new", "update", "lost"):
            event = axis_event("update_q1700_2023")
            event["carState"] = state
            r = post_axis(cam, event, None)
            assert r.status_code in (200, 201), r.text
            ids.add(r.json()["detections"][0]["id"])

    assert len(ids) == 1 and stored_count(node) == 1


# --- bad input: each gets its documented error and changes nothing stored --------------


@pytest.fixture
def baseline(node: RunningNode) -> tuple[int, int]:
    with node.camera() as cam:
        r = post_hik(cam, xml("anpr_ids2cd7a46g0_2023"), {"vehiclePicture.jpg": SCENE})
    assert r.status_code == 201
    return stored_count(node), len(image_files(node))


def assert_unchanged(node: RunningNode, baseline: tuple[int, int]) -> None:
    assert (stored_count(node), len(image_files(node))) == baseline


def _hik(old: str, new: str) -> bytes:
    text = xml("anpr_detection_picture_2024").decode()
    assert old in text
    return text.replace(old, new, 1).encode()


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (
            _hik("<licensePlate>ABCD600</licensePlate>", ""),
            "EventNotificationAlert/ANPR/licensePlate",
        ),
        (_hik("2024-01-19T11:17:19+08:00", "soon"), "EventNotificationAlert/dateTime"),
        (_hik("</EventNotificationAlert>", ""), "anpr.xml: not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            b"<EventNotificationAlert><eventType>&a;</eventType></EventNotificationAlert>",
            "anpr.xml: XML refused",
        ),
    ],
    ids=["no-plate", "not-a-time", "truncated", "dtd"],
)
def test_malformed_hikvision_alarm_gets_422_naming_the_element(node, baseline, document, field):
    with node.camera() as cam:
        r = post_hik(cam, document, {"detectionPicture.jpg": SCENE})

    assert r.status_code == 422, r.text
    assert field in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_hikvision_multipart_without_xml_gets_422(node, baseline):
    with node.camera() as cam:
        r = cam.post(HIK, files={"detectionPicture.jpg": ("detectionPicture.jpg", SCENE)})

    assert r.status_code == 422 and "anpr.xml" in r.json()["detail"]
    assert_unchanged(node, baseline)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda e: (
                e.pop("plateUTF8")
                and e.pop("plateASCII")
                and e.pop("plateUnicode")
                and e.pop("plateText")
            ),
            "plateUTF8",
        ),
        (lambda e: e.update(plateConfidence="250"), "plateConfidence"),
        (lambda e: e.update(capture_timestamp="soon"), "capture_timestamp"),
    ],
    ids=["no-plate", "confidence", "time"],
)
def test_malformed_axis_event_gets_422_naming_the_field(node, baseline, change, field):
    event = axis_event("lost_p1445_2021")
    change(event)
    with node.camera() as cam:
        r = post_axis(cam, event, SCENE)

    assert r.status_code == 422, r.text
    assert field in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_axis_event_part_that_is_not_json_gets_422(node, baseline):
    with node.camera() as cam:
        r = post_axis(cam, '{"plateUTF8": ', SCENE)

    assert r.status_code == 422 and r.json()["detail"].startswith("invalid event: event:")
    assert_unchanged(node, baseline)


def test_axis_multipart_without_event_part_gets_422(node, baseline):
    with node.camera() as cam:
        r = cam.post(AXIS, files={"image": ("image.jpg", SCENE, "image/jpeg")})

    assert r.status_code == 422 and "'event'" in r.json()["detail"]
    assert_unchanged(node, baseline)


@pytest.mark.parametrize("path", [HIK, AXIS])
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer esc_wrong"}, {"X-API-Key": "nonsense"}],
    ids=["missing", "wrong", "garbage"],
)
def test_bad_or_missing_key_gets_401(node, baseline, path, headers):
    if path == HIK:
        body, ctype = xml("anpr_detection_picture_2024"), "application/xml"
    else:
        body, ctype = json.dumps(axis_event("lost_p1445_2021")).encode(), "application/json"
    r = httpx.post(f"{node.url}{path}", content=body, headers={**headers, "content-type": ctype})

    assert r.status_code == 401 and "key" in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_oversized_hikvision_alarm_gets_413(node_factory):
    node = node_factory(max_body_bytes=64 * 1024)
    big = b"\xff\xd8\xff" + b"\0" * (80 * 1024)
    with node.camera() as cam:
        r = post_hik(cam, xml("anpr_detection_picture_2024"), {"detectionPicture.jpg": big})

    assert r.status_code == 413 and "exceeds" in r.json()["detail"]
    assert stored_count(node) == 0 and image_files(node) == []


def test_oversized_axis_event_gets_413(node_factory):
    node = node_factory(max_body_bytes=64 * 1024)
    with node.camera() as cam:
        r = post_axis(cam, axis_event("lost_p1445_2021"), b"\xff\xd8\xff" + b"\0" * (80 * 1024))

    assert r.status_code == 413
    assert stored_count(node) == 0 and image_files(node) == []


def test_hikvision_picture_that_is_not_an_image_gets_415(node, baseline):
    with node.camera() as cam:
        r = post_hik(cam, xml("anpr_detection_picture_2024"), {"detectionPicture.jpg": b"GIF89a"})

    assert r.status_code == 415 and "JPEG" in r.json()["detail"]
    assert_unchanged(node, baseline)


@pytest.mark.parametrize(
    ("image", "ctype", "word"),
    [(b"plate,time\n", "text/plain", "JPEG"), (make_png(), "image/jpeg", "PNG")],
    ids=["text", "png-declared-jpeg"],
)
def test_axis_image_that_is_not_what_it_claims_gets_415(node, baseline, image, ctype, word):
    with node.camera() as cam:
        r = post_axis(cam, axis_event("lost_p1445_2021"), image, ctype)

    assert r.status_code == 415, r.text
    assert_unchanged(node, baseline)


@pytest.mark.parametrize(("path", "ctype"), [(HIK, "application/json"), (AXIS, "application/xml")])
def test_unsupported_body_type_gets_415(node, baseline, path, ctype):
    with node.camera() as cam:
        r = cam.post(path, content=b"{}", headers={"content-type": ctype})

    assert r.status_code == 415
    assert_unchanged(node, baseline)


def test_openapi_documents_both_bodies(node: RunningNode):
    spec = httpx.get(f"{node.url}/openapi.json", timeout=60).json()

    hik = spec["paths"][HIK]["post"]
    axis = spec["paths"][AXIS]["post"]
    assert {"multipart/form-data", "application/xml"} <= set(hik["requestBody"]["content"])
    assert axis["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AxisEvent"
    }
    assert "IgnoredOut" in json.dumps(hik["responses"]["200"])
    assert {"401", "413", "415", "422"} <= set(axis["responses"])
