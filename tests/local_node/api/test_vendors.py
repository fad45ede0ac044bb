"""Vendor ingest over real HTTP: Plate Recognizer webhooks and Rekor/OpenALPR agent posts.

Each format is mapped and stored as the same detection the native endpoint stores, with
the same idempotency and the same errors, and nothing is stored when an event is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from local_node.db.tables import Detection
from tests.local_node.conftest import RunningNode, make_png, stored_image_paths

PAYLOADS = Path(__file__).parents[1] / "ingest" / "vendors" / "payloads"
PR = "/api/v1/ingest/platerecognizer"
ALPR = "/api/v1/ingest/openalpr"


def payload(name: str) -> dict[str, Any]:
    """A fresh copy of `payloads/<name>.json` (a test may change it)."""
    return json.loads((PAYLOADS / f"{name}.json").read_text())


@pytest.fixture
def upload_jpeg() -> bytes:
    return (PAYLOADS / "platerecognizer" / "upload.jpg").read_bytes()


def stored_count(node: RunningNode) -> int:
    with node.services.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Detection)).scalar_one()


def image_files(node: RunningNode) -> list[str]:
    return stored_image_paths(node)


def detail(node: RunningNode, detection_id: str) -> dict[str, Any]:
    with node.viewer() as v:
        r = v.get(f"/api/v1/detections/{detection_id}")
    assert r.status_code == 200, r.text
    return r.json()


def post_pr_multipart(
    client: httpx.Client, event: dict | str, image: bytes, ctype: str = "image/jpeg"
) -> httpx.Response:
    # Stream sends the event as a plain form field and the frame as a file part.
    data = {"json": event if isinstance(event, str) else json.dumps(event)}
    return client.post(PR, data=data, files={"upload": ("frame.jpg", image, ctype)})


# --- Plate Recognizer --------------------------------------------------------------


def test_stream_event_with_two_plates_is_stored_as_two_detections(node: RunningNode):
    with node.camera() as cam:
        r = cam.post(PR, json=payload("platerecognizer/stream_recognition_mmc"))

    assert r.status_code == 201, r.text
    answers = r.json()["detections"]
    assert [a["plate_norm"] for a in answers] == ["WA88822", "KR4P771"]
    assert [a["seq"] for a in answers] == [1, 2]
    first = detail(node, answers[0]["id"])
    assert first["camera_id"] == node.camera_id
    assert first["source_camera"] == "lane-2"
    assert first["plate"] == "WA88822"
    assert first["captured_at"].startswith("2026-11-19T08:35:04.691903")
    assert first["confidence"] == pytest.approx(0.999)
    assert (first["region"], first["direction"]) == ("pl", "180°")
    assert first["bbox"] == [483, 325, 57, 18]
    assert first["vehicle"] == {
        "type": "Sedan",
        "make": "Peugeot",
        "model": "207",
        "color": "black",
    }
    assert first["event_id"].startswith("pr:") and first["image_url"] is None
    assert detail(node, answers[1]["id"])["source_camera"] == "lane-2"
    assert stored_count(node) == 2


def test_multipart_event_stores_the_upload_with_its_sha256(node: RunningNode, upload_jpeg):
    event = payload("platerecognizer/stream_recognition_2021")
    with node.camera() as cam:
        r = post_pr_multipart(cam, event, upload_jpeg)

    assert r.status_code == 201, r.text
    (answer,) = r.json()["detections"]
    stored = detail(node, answer["id"])
    assert stored["plate"] == "9JUB11" and stored["direction"] is None
    assert stored["vehicle"] == {"type": "Big Truck", "make": None, "model": None, "color": None}
    assert stored["image_sha256"] == hashlib.sha256(upload_jpeg).hexdigest()
    with node.viewer() as v:
        image = v.get(f"/api/v1/detections/{answer['id']}/image")
    assert image.content == upload_jpeg and image.headers["content-type"] == "image/jpeg"


def test_every_plate_of_a_multipart_event_carries_the_image(node: RunningNode, upload_jpeg):
    with node.camera() as cam:
        r = post_pr_multipart(cam, payload("platerecognizer/stream_recognition_mmc"), upload_jpeg)

    assert r.status_code == 201, r.text
    digests = {detail(node, a["id"])["image_sha256"] for a in r.json()["detections"]}
    assert digests == {hashlib.sha256(upload_jpeg).hexdigest()}


def test_resent_event_is_answered_200_with_the_same_ids(node: RunningNode, upload_jpeg):
    event = payload("platerecognizer/stream_recognition_mmc")
    with node.camera() as cam:
        first = post_pr_multipart(cam, event, upload_jpeg)
        again = post_pr_multipart(cam, event, upload_jpeg)
        as_json = cam.post(PR, json=event)

    assert (first.status_code, again.status_code, as_json.status_code) == (201, 200, 200)
    assert again.json() == first.json() == as_json.json()
    assert stored_count(node) == 2 and len(image_files(node)) == 2


def test_resent_event_with_one_new_plate_is_201_and_stores_only_that(node: RunningNode):
    event = payload("platerecognizer/stream_recognition_mmc")
    only_first = payload("platerecognizer/stream_recognition_mmc")
    only_first["data"]["results"] = only_first["data"]["results"][:1]
    with node.camera() as cam:
        first = cam.post(PR, json=only_first)
        both = cam.post(PR, json=event)

    assert (first.status_code, both.status_code) == (201, 201)
    assert both.json()["detections"][0] == first.json()["detections"][0]
    assert stored_count(node) == 2


def test_concurrent_copies_of_one_event_store_it_once(node: RunningNode, upload_jpeg):
    event = payload("platerecognizer/stream_recognition_mmc")

    def send(_: int) -> httpx.Response:
        with node.camera() as cam:
            return post_pr_multipart(cam, event, upload_jpeg)

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(send, range(16)))

    assert sorted(r.status_code for r in responses).count(201) == 1
    assert len({json.dumps(r.json()) for r in responses}) == 1
    assert stored_count(node) == 2 and len(image_files(node)) == 2


def test_snapshot_event_without_a_camera_is_stored(node: RunningNode):
    with node.camera() as cam:
        r = cam.post(PR, json=payload("platerecognizer/snapshot_image_done"))

    assert r.status_code == 201, r.text
    stored = detail(node, r.json()["detections"][0]["id"])
    assert stored["plate"] == "NHK552" and stored["source_camera"] is None
    assert stored["camera_id"] == node.camera_id
    assert stored["captured_at"].startswith("2026-11-20T23:22:38.030345")


def test_snapshot_event_without_plates_is_200_and_stores_nothing(node: RunningNode):
    with node.camera() as cam:
        r = cam.post(PR, json=payload("platerecognizer/snapshot_no_plate"))

    assert r.status_code == 200 and r.json() == {"detections": []}
    assert stored_count(node) == 0


def test_vendor_camera_id_never_refuses_a_read(node: RunningNode):
    event = payload("platerecognizer/stream_recognition_2021")
    event["data"]["camera_id"] = "../../etc/passwd"
    with node.camera() as cam:
        r = cam.post(PR, json=event)

    assert r.status_code == 201, r.text
    stored = detail(node, r.json()["detections"][0]["id"])
    assert stored["camera_id"] == node.camera_id
    assert stored["source_camera"] == "../../etc/passwd"


# --- Rekor / OpenALPR ------------------------------------------------------------------


def test_alpr_group_is_stored_with_its_plate_crop(node: RunningNode):
    group = payload("openalpr/alpr_group")
    with node.camera() as cam:
        r = cam.post(ALPR, json=group)

    assert r.status_code == 201, r.text
    (answer,) = r.json()["detections"]
    assert answer["plate_norm"] == "D2651BF"
    stored = detail(node, answer["id"])
    assert stored["camera_id"] == node.camera_id
    assert stored["source_camera"] == "1180447723"
    assert stored["event_id"] == group["best_uuid"]
    assert stored["confidence"] == pytest.approx(0.93877, abs=1e-4)
    assert stored["region"] == "us-mo" and stored["direction"] == "86°"
    assert stored["captured_at"].startswith("2026-11-21T07:45:21.504")  # epoch_start, in ms
    crop = base64.b64decode(group["best_plate"]["plate_crop_jpeg"])
    assert stored["image_sha256"] == hashlib.sha256(crop).hexdigest()


def test_alpr_group_of_agent_2_6_without_images_is_stored(node: RunningNode):
    with node.camera() as cam:
        r = cam.post(ALPR, json=payload("openalpr/alpr_group_2_6"))

    assert r.status_code == 201, r.text
    stored = detail(node, r.json()["detections"][0]["id"])
    assert (stored["plate"], stored["source_camera"]) == ("6PK132", "2090267338")
    assert stored["image_url"] is None and stored["confidence"] == pytest.approx(0.9025, 1e-3)


def test_resent_alpr_group_is_200_with_the_same_id(node: RunningNode):
    group = payload("openalpr/alpr_group")
    with node.camera() as cam:
        first = cam.post(ALPR, json=group)
        again = cam.post(ALPR, json=group)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert stored_count(node) == 1 and len(image_files(node)) == 1


def test_alpr_results_are_ignored_by_default(node: RunningNode):
    with node.camera() as cam:
        r = cam.post(ALPR, json=payload("openalpr/alpr_results"))

    assert r.status_code == 200 and r.json() == {"ignored": "alpr_results"}
    assert stored_count(node) == 0


def test_alpr_results_are_stored_per_plate_with_the_setting_on(node_factory):
    node = node_factory(openalpr_store_frames=True)
    frame = payload("openalpr/alpr_results")
    with node.camera() as cam:
        r = cam.post(ALPR, json=frame)
        again = cam.post(ALPR, json=frame)

    assert r.status_code == 201, r.text
    assert [a["plate_norm"] for a in r.json()["detections"]] == ["D2651BF", "CG3L5Y"]
    assert again.status_code == 200 and again.json() == r.json()
    stored = detail(node, r.json()["detections"][1]["id"])
    assert stored["event_id"] == f"{frame['uuid']}:1"
    assert stored["source_camera"] == "1180447723" and stored["image_sha256"] is not None
    assert stored_count(node) == 2


@pytest.mark.parametrize(
    ("body", "data_type"),
    [
        (payload("openalpr/alpr_alert"), "alpr_alert"),
        ({"data_type": "vehicle_speed", "whatever": [1, 2]}, "vehicle_speed"),
    ],
    ids=["alert", "future-type"],
)
def test_other_data_types_are_acknowledged_and_ignored(node: RunningNode, body, data_type):
    with node.camera() as cam:
        r = cam.post(ALPR, json=body)

    assert r.status_code == 200 and r.json() == {"ignored": data_type}
    assert stored_count(node) == 0


def test_heartbeat_updates_camera_health_in_status(node: RunningNode):
    beat = payload("openalpr/heartbeat")
    with node.camera() as cam:
        r = cam.post(ALPR, json=beat)
    assert r.status_code == 200, r.text
    assert r.json() == {"heartbeat": beat["agent_uid"], "streams": 2}

    with node.viewer() as v:
        status = v.get("/api/v1/status")
    (camera,) = [c for c in status.json()["cameras"] if c["id"] == node.camera_id]
    streams = {s["source_camera"]: s for s in camera["vendor_streams"]}
    assert set(streams) == {"1180447723", "2090267338"}
    north = streams["1180447723"]
    assert (north["camera_name"], north["is_streaming"], north["fps"]) == ("gate-north", True, 15)
    assert north["agent_hostname"] == "edge-gate" and north["last_plate_read"] is not None
    assert streams["2090267338"]["is_streaming"] is False
    assert "s3cret" not in status.text  # stream URLs carry passwords and are not kept

    beat["video_streams"][0]["is_streaming"] = False
    beat["video_streams"][0]["fps"] = 0
    with node.camera() as cam:
        assert cam.post(ALPR, json=beat).status_code == 200
    with node.viewer() as v:
        cameras = v.get("/api/v1/status").json()["cameras"]
    (camera,) = [c for c in cameras if c["id"] == node.camera_id]
    north = next(s for s in camera["vendor_streams"] if s["source_camera"] == "1180447723")
    assert (north["is_streaming"], north["fps"]) == (False, 0)
    assert len(camera["vendor_streams"]) == 2
    assert stored_count(node) == 0


# --- bad input: each gets its documented error and changes nothing stored --------------


@pytest.fixture
def baseline(node: RunningNode, upload_jpeg: bytes) -> tuple[int, int]:
    with node.camera() as cam:
        r = post_pr_multipart(cam, payload("platerecognizer/stream_recognition_2021"), upload_jpeg)
    assert r.status_code == 201
    return stored_count(node), len(image_files(node))


def assert_unchanged(node: RunningNode, baseline: tuple[int, int]) -> None:
    assert (stored_count(node), len(image_files(node))) == baseline


def _pr(change) -> dict:
    event = payload("platerecognizer/stream_recognition_mmc")
    change(event)
    return event


def _alpr(change, name: str = "openalpr/alpr_group") -> dict:
    body = payload(name)
    change(body)
    return body


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (PR, _pr(lambda e: e["data"]["results"][1].pop("plate")), "data.results[1].plate"),
        (PR, _pr(lambda e: e["data"]["results"][0].update(plate="")), "data.results[0].plate"),
        (
            PR,
            _pr(lambda e: e["data"]["results"][1].update(plate="X" * 500)),
            "data.results[1].plate",
        ),
        (PR, _pr(lambda e: e["data"].update(timestamp="yesterday")), "data.timestamp"),
        (PR, _pr(lambda e: e["data"].update(timestamp="1970-01-01T00:00:00Z")), "data.timestamp"),
        (PR, _pr(lambda e: e.pop("data")), "data"),
        (PR, _pr(lambda e: e["data"]["results"][0].update(score=250)), "data.results[0].score"),
        (ALPR, _alpr(lambda g: g.pop("best_plate_number")), "best_plate_number"),
        (ALPR, _alpr(lambda g: g.update(epoch_start="soon")), "epoch_start"),
        (
            ALPR,
            _alpr(lambda g: g["best_plate"].update(plate_crop_jpeg="%%%")),
            "best_plate.plate_crop_jpeg",
        ),
        (ALPR, {"best_plate_number": "AB12CDE"}, "data_type"),
        (
            ALPR,
            _alpr(lambda b: b["video_streams"][0].pop("camera_id"), "openalpr/heartbeat"),
            "video_streams[0].camera_id",
        ),
    ],
    ids=[
        "pr-no-plate",
        "pr-empty-plate",
        "pr-long-plate",
        "pr-not-a-time",
        "pr-epoch",
        "pr-no-data",
        "pr-score",
        "alpr-no-plate",
        "alpr-not-a-time",
        "alpr-bad-base64",
        "alpr-no-type",
        "alpr-heartbeat-no-camera",
    ],
)
def test_malformed_event_gets_422_naming_the_field(node, baseline, path, body, field):
    with node.camera() as cam:
        r = cam.post(path, json=body)

    assert r.status_code == 422, r.text
    assert field in r.json()["detail"], r.json()
    assert "X" * 100 not in r.text  # the hostile input is not echoed back
    assert_unchanged(node, baseline)


@pytest.mark.parametrize("path", [PR, ALPR])
@pytest.mark.parametrize(
    ("content", "field"),
    [(b'{"data": ', "body"), (b"[1, 2]", "body"), (b"\xff\xfe", "body")],
    ids=["truncated", "array", "binary"],
)
def test_body_that_is_not_a_json_object_gets_422(node, baseline, path, content, field):
    with node.camera() as cam:
        r = cam.post(path, content=content, headers={"content-type": "application/json"})

    assert r.status_code == 422 and field in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_multipart_without_json_part_gets_422(node, baseline, upload_jpeg):
    with node.camera() as cam:
        r = cam.post(PR, files={"upload": ("a.jpg", upload_jpeg, "image/jpeg")})

    assert r.status_code == 422 and "'json'" in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_multipart_with_invalid_json_part_gets_422(node, baseline, upload_jpeg):
    with node.camera() as cam:
        r = post_pr_multipart(cam, '{"data": ', upload_jpeg)

    assert r.status_code == 422 and r.json()["detail"].startswith("invalid event: json:")
    assert_unchanged(node, baseline)


@pytest.mark.parametrize("path", [PR, ALPR])
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer esc_wrong"}, {"X-API-Key": "nonsense"}],
    ids=["missing", "wrong", "garbage"],
)
def test_bad_or_missing_key_gets_401(node, baseline, path, headers):
    body = payload("openalpr/alpr_group" if path == ALPR else "platerecognizer/snapshot_image_done")
    r = httpx.post(f"{node.url}{path}", json=body, headers=headers)

    assert r.status_code == 401 and "key" in r.json()["detail"]
    assert_unchanged(node, baseline)


@pytest.mark.parametrize("path", [PR, ALPR])
def test_viewer_token_is_not_a_camera_key(node, baseline, path):
    r = httpx.post(
        f"{node.url}{path}",
        json=payload("openalpr/heartbeat"),
        headers={"Authorization": f"Bearer {node.viewer_token}"},
    )

    assert r.status_code == 401
    assert_unchanged(node, baseline)


def test_x_api_key_header_authenticates_a_vendor_camera(node: RunningNode):
    r = httpx.post(
        f"{node.url}{ALPR}",
        json=payload("openalpr/alpr_group_2_6"),
        headers={"X-API-Key": node.camera_key},
    )

    assert r.status_code == 201
    assert detail(node, r.json()["detections"][0]["id"])["camera_id"] == node.camera_id


def test_oversized_multipart_gets_413(node_factory):
    node = node_factory(max_body_bytes=64 * 1024)
    with node.camera() as cam:
        r = post_pr_multipart(
            cam,
            payload("platerecognizer/stream_recognition_mmc"),
            b"\xff\xd8\xff" + b"\0" * (80 * 1024),
        )

    assert r.status_code == 413 and "exceeds" in r.json()["detail"]
    assert stored_count(node) == 0 and image_files(node) == []


def test_oversized_chunked_json_gets_413(node_factory):
    node = node_factory(max_body_bytes=64 * 1024)

    def chunks():
        yield json.dumps(payload("openalpr/alpr_group"))[:-1].encode() + b', "pad": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    with node.camera() as cam:
        r = cam.post(ALPR, content=chunks(), headers={"content-type": "application/json"})

    assert r.status_code == 413
    assert stored_count(node) == 0


def test_text_file_as_upload_gets_415(node, baseline):
    with node.camera() as cam:
        r = post_pr_multipart(
            cam, payload("platerecognizer/stream_recognition_mmc"), b"plate,time\n", "text/plain"
        )

    assert r.status_code == 415 and "JPEG" in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_png_declared_as_jpeg_upload_gets_415(node, baseline):
    with node.camera() as cam:
        r = post_pr_multipart(cam, payload("platerecognizer/stream_recognition_mmc"), make_png())

    assert r.status_code == 415 and "PNG" in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_crop_that_is_not_an_image_gets_415(node, baseline):
    group = payload("openalpr/alpr_group")
    group["best_plate"]["plate_crop_jpeg"] = base64.b64encode(b"GIF89a not a jpeg").decode()
    with node.camera() as cam:
        r = cam.post(ALPR, json=group)

    assert r.status_code == 415
    assert_unchanged(node, baseline)


@pytest.mark.parametrize("path", [PR, ALPR])
def test_unsupported_body_type_gets_415(node, baseline, path):
    with node.camera() as cam:
        r = cam.post(path, content=b"<xml/>", headers={"content-type": "application/xml"})

    assert r.status_code == 415
    assert_unchanged(node, baseline)


def test_openapi_documents_the_vendor_answers(node: RunningNode):
    spec = httpx.get(f"{node.url}/openapi.json", timeout=60).json()

    pr = spec["paths"][PR]["post"]["responses"]
    alpr = spec["paths"][ALPR]["post"]["responses"]
    assert {"200", "201", "401", "413", "415", "422", "503", "507"} <= set(pr)
    assert pr["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/VendorIngestOut"
    }
    refs = json.dumps(alpr["200"])
    assert all(name in refs for name in ("VendorIngestOut", "HeartbeatOut", "IgnoredOut"))
    out = spec["components"]["schemas"]["VendorIngestOut"]
    assert out["properties"]["detections"]["items"] == {"$ref": "#/components/schemas/IngestOut"}
