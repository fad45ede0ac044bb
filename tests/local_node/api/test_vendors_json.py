"""Survision, Genetec AutoVu and Verkada pushes over real HTTP against a running node.

Each is stored as the same detection the native endpoint stores, with the same
idempotency and errors, and nothing is stored when a push is refused. The payloads and
where each comes from: `tests/local_node/ingest/vendors/payloads/{survision,genetec,
verkada}/SOURCES.md` (Survision and Genetec Security Center: real pushes kept by Plate
Recognizer's integration tests; Genetec SharpV and Verkada: the vendors' documentation).
"""

from __future__ import annotations

import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.local_node.api.test_vendors import (
    PAYLOADS,
    detail,
    image_files,
    payload,
    stored_count,
)
from tests.local_node.conftest import RunningNode, make_png

SURVISION = "/api/v1/ingest/survision"
GENETEC = "/api/v1/ingest/genetec"
VERKADA = "/api/v1/ingest/verkada"
SERIAL = {"survision-serial-number": "sv1-searial-1"}

# One body per route that stores a read, with its image where the vendor sends one.
SAMPLES = {
    SURVISION: "survision/anpr_push",
    GENETEC: "genetec/security_center_read",
    VERKADA: "verkada/lpr_2025_09",
}


def upload_jpeg() -> bytes:
    return (PAYLOADS / "platerecognizer" / "upload.jpg").read_bytes()


def post(node: RunningNode, path: str, body: Any, **kwargs: Any) -> httpx.Response:
    headers = SERIAL if path == SURVISION else {}
    with node.camera() as cam:
        return cam.post(path, json=body, headers=headers, **kwargs)


# --- stored as the vendor sent it ----------------------------------------------------


def test_survision_push_is_stored_with_its_jpeg(node: RunningNode):
    r = post(node, SURVISION, payload("survision/anpr_push"))

    assert r.status_code == 201, r.text
    (answer,) = r.json()["detections"]
    stored = detail(node, answer["id"])
    assert stored["camera_id"] == node.camera_id
    assert (stored["plate"], stored["source_camera"]) == ("AB123CD", "sv1-searial-1")
    assert stored["captured_at"].startswith("2024-10-17T23:04:50.098")
    assert (stored["region"], stored["bbox"]) == ("fr", [728, 695, 222, 50])
    assert stored["image_sha256"] == hashlib.sha256(upload_jpeg()).hexdigest()


def test_genetec_security_center_read_is_stored_with_its_context_image(node: RunningNode):
    r = post(node, GENETEC, payload("genetec/security_center_read"))

    assert r.status_code == 201, r.text
    stored = detail(node, r.json()["detections"][0]["id"])
    assert (stored["plate"], stored["region"]) == ("7ABC123", "CA")
    assert stored["source_camera"] == "G637821011231200521C - Camera"
    assert stored["captured_at"].startswith("2024-10-24T20:29:26")
    assert stored["vehicle"]["color"] == "Grey"
    with node.viewer() as v:
        image = v.get(f"/api/v1/detections/{stored['id']}/image")
    assert image.content == upload_jpeg()


def test_genetec_sharpv_read_without_images_is_stored(node: RunningNode):
    r = post(node, GENETEC, payload("genetec/sharpv_http_json"))

    assert r.status_code == 201, r.text
    stored = detail(node, r.json()["detections"][0]["id"])
    assert (stored["plate"], stored["image_sha256"]) == ("AA7D2", None)
    assert image_files(node) == []


@pytest.mark.parametrize("name", ["verkada/lpr_2020", "verkada/lpr_2025_03", "verkada/lpr_2025_09"])
def test_verkada_lpr_webhook_is_stored_without_image(node: RunningNode, name):
    body = payload(name)

    r = post(node, VERKADA, body)

    assert r.status_code == 201, r.text
    stored = detail(node, r.json()["detections"][0]["id"])
    assert stored["plate"] == body["data"]["license_plate_number"]
    assert stored["source_camera"] == body["data"]["camera_id"]
    assert stored["image_sha256"] is None and image_files(node) == []


def test_verkada_other_webhook_types_are_acknowledged_and_ignored(node: RunningNode):
    r = post(node, VERKADA, payload("verkada/notification_motion"))

    assert (r.status_code, r.json()) == (200, {"ignored": "notification"})
    assert stored_count(node) == 0


# --- idempotency -----------------------------------------------------------------------


@pytest.mark.parametrize("path", list(SAMPLES))
def test_resent_push_is_answered_200_with_the_same_ids(node: RunningNode, path):
    first = post(node, path, payload(SAMPLES[path]))
    again = post(node, path, payload(SAMPLES[path]))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert stored_count(node) == 1


def test_resent_verkada_webhook_with_a_new_delivery_stamp_is_a_repeat(node: RunningNode):
    resent = payload("verkada/lpr_2025_09")
    resent["created_at"] += 60

    first = post(node, VERKADA, payload("verkada/lpr_2025_09"))
    again = post(node, VERKADA, resent)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_concurrent_copies_of_one_push_store_it_once(node: RunningNode):
    body = payload("survision/anpr_push")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: post(node, SURVISION, body), range(4)))

    assert sorted(r.status_code for r in answers) == [200, 200, 200, 201]
    assert len({r.json()["detections"][0]["id"] for r in answers}) == 1
    assert stored_count(node) == 1 and len(image_files(node)) == 1


# --- bad input: each gets its documented error and changes nothing stored --------------


def _changed(name: str, change) -> dict:
    body = payload(name)
    change(body)
    return body


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            SURVISION,
            _changed("survision/anpr_push", lambda p: p["anpr"]["decision"].pop("@plate")),
            "anpr.decision.@plate",
        ),
        (
            SURVISION,
            _changed("survision/anpr_push", lambda p: p["anpr"].update({"@date": "x"})),
            "anpr.@date",
        ),
        (GENETEC, _changed("genetec/sharpv_http_json", lambda b: b.pop("PlateRead")), "PlateRead"),
        (
            GENETEC,
            _changed("genetec/security_center_read", lambda b: b.update(DateUtc="24.10")),
            "DateUtc",
        ),
        (
            VERKADA,
            _changed("verkada/lpr_2025_09", lambda b: b["data"].pop("license_plate_number")),
            "data.license_plate_number",
        ),
        (
            VERKADA,
            _changed("verkada/lpr_2025_09", lambda b: b["data"].update(created="X" * 500)),
            "data.created",
        ),
    ],
    ids=["sv-no-plate", "sv-bad-date", "gt-no-plate", "gt-bad-date", "vk-no-plate", "vk-time"],
)
def test_malformed_push_gets_422_naming_the_vendor_field(node, path, body, field):
    r = post(node, path, body)

    assert r.status_code == 422, r.text
    assert field in r.json()["detail"]
    assert "X" * 100 not in r.text  # the hostile input is not echoed back
    assert stored_count(node) == 0


@pytest.mark.parametrize("path", list(SAMPLES))
def test_body_that_is_not_a_json_object_gets_422(node: RunningNode, path):
    with node.camera() as cam:
        r = cam.post(path, content=b"[1, 2]", headers={"content-type": "application/json"})

    assert r.status_code == 422 and "body" in r.json()["detail"]


@pytest.mark.parametrize("path", list(SAMPLES))
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer esc_wrong"}, {"X-API-Key": "nonsense"}],
    ids=["missing", "wrong", "garbage"],
)
def test_bad_or_missing_key_gets_401(node: RunningNode, path, headers):
    r = httpx.post(f"{node.url}{path}", json=payload(SAMPLES[path]), headers=headers)

    assert r.status_code == 401 and "key" in r.json()["detail"]
    assert stored_count(node) == 0


@pytest.mark.parametrize("path", list(SAMPLES))
def test_oversized_push_gets_413(node_factory, path):
    node = node_factory(max_body_bytes=16 * 1024)
    body = payload(SAMPLES[path])
    body["pad"] = "x" * (20 * 1024)

    r = post(node, path, body)

    assert r.status_code == 413
    assert stored_count(node) == 0 and image_files(node) == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            SURVISION,
            _changed(
                "survision/anpr_push",
                lambda p: p["anpr"]["decision"].update(jpeg=base64.b64encode(b"GIF89a").decode()),
            ),
        ),
        (
            GENETEC,
            _changed(
                "genetec/security_center_read",
                lambda b: b.update(ContextImage=base64.b64encode(b"plate,time\n").decode()),
            ),
        ),
    ],
    ids=["survision-gif", "genetec-csv"],
)
def test_image_that_is_not_jpeg_or_png_gets_415(node: RunningNode, path, body):
    r = post(node, path, body)

    assert r.status_code == 415
    assert stored_count(node) == 0 and image_files(node) == []


def test_png_image_is_accepted_by_its_content(node: RunningNode):
    body = payload("survision/anpr_push")
    body["anpr"]["decision"]["jpeg"] = base64.b64encode(make_png()).decode()

    r = post(node, SURVISION, body)

    assert r.status_code == 201, r.text


@pytest.mark.parametrize("path", list(SAMPLES))
def test_unsupported_body_type_gets_415(node: RunningNode, path):
    with node.camera() as cam:
        r = cam.post(path, content=b"<anpr/>", headers={"content-type": "application/xml"})

    assert r.status_code == 415


def test_openapi_documents_the_three_endpoints(node: RunningNode):
    spec = httpx.get(f"{node.url}/openapi.json", timeout=60).json()

    for path in SAMPLES:
        operation = spec["paths"][path]["post"]
        assert {"200", "201", "401", "413", "415", "422"} <= set(operation["responses"])
        assert "application/json" in operation["requestBody"]["content"]
