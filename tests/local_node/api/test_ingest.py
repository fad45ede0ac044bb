"""POST /api/v1/detections: formats, durability bookkeeping, idempotency, every error code."""

from __future__ import annotations

import base64
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from local_node.db.tables import Detection
from tests.local_node.conftest import RunningNode, make_png, now_rfc3339, stored_image_paths


def meta(**fields: object) -> dict:
    return {"plate": "AB12 CDE", "captured_at": now_rfc3339(), **fields}


def post_multipart(
    client: httpx.Client, metadata: dict | str, image: bytes | None, ctype: str = "image/jpeg"
) -> httpx.Response:
    files = {"metadata": (None, metadata if isinstance(metadata, str) else json.dumps(metadata))}
    if image is not None:
        files["image"] = ("read.jpg", image, ctype)
    return client.post("/api/v1/detections", files=files)


def stored_count(node: RunningNode) -> int:
    with node.services.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Detection)).scalar_one()


def image_files(node: RunningNode) -> list[str]:
    return stored_image_paths(node)


def test_multipart_read_with_image_is_stored_with_its_sha256(node: RunningNode, jpeg: bytes):
    with node.camera() as cam:
        r = post_multipart(cam, meta(event_id="e-1", confidence=0.93), jpeg)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["plate_norm"] == "AB12CDE" and body["seq"] == 1 and body["hits"] == []
    with node.viewer() as v:
        detail = v.get(f"/api/v1/detections/{body['id']}").json()
        image = v.get(f"/api/v1/detections/{body['id']}/image")
    assert detail["image_sha256"] == hashlib.sha256(jpeg).hexdigest()
    assert image.content == jpeg and image.headers["content-type"] == "image/jpeg"


def test_json_read_with_base64_image_is_stored(node: RunningNode, jpeg: bytes):
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json=meta(image_b64=base64.b64encode(jpeg).decode()))
    assert r.status_code == 201, r.text
    with node.viewer() as v:
        assert v.get(f"/api/v1/detections/{r.json()['id']}/image").content == jpeg


def test_read_without_image_is_stored(node: RunningNode):
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json=meta(vehicle={"type": "car", "color": "red"}))
    assert r.status_code == 201
    with node.viewer() as v:
        detail = v.get(f"/api/v1/detections/{r.json()['id']}").json()
    assert detail["image_url"] is None and detail["vehicle"]["color"] == "red"


def test_png_image_is_accepted_by_content(node: RunningNode):
    with node.camera() as cam:
        r = post_multipart(cam, meta(), make_png(), "image/png")
    assert r.status_code == 201, r.text


def test_x_api_key_header_authenticates_a_camera(node: RunningNode):
    r = httpx.post(
        f"{node.url}/api/v1/detections", json=meta(), headers={"X-API-Key": node.camera_key}
    )
    assert r.status_code == 201


def test_repeated_event_id_answers_200_with_the_first_id(node: RunningNode, jpeg: bytes):
    with node.camera() as cam:
        first = post_multipart(cam, meta(event_id="dup-1"), jpeg)
        again = post_multipart(cam, meta(event_id="dup-1", plate="ZZ99ZZZ"), jpeg)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert stored_count(node) == 1 and len(image_files(node)) == 1


def test_concurrent_duplicates_of_one_event_id_store_it_once(node: RunningNode, jpeg: bytes):
    def send(_: int) -> httpx.Response:
        with node.camera() as cam:
            return post_multipart(cam, meta(event_id="race-1"), jpeg)

    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(send, range(32)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1 and codes.count(200) == 31
    assert len({r.json()["id"] for r in responses}) == 1
    assert stored_count(node) == 1 and len(image_files(node)) == 1


def test_seq_is_contiguous_and_follows_arrival(node: RunningNode):
    with node.camera() as cam:
        seqs = [cam.post("/api/v1/detections", json=meta()).json()["seq"] for _ in range(5)]
    assert seqs == [1, 2, 3, 4, 5]


def test_event_ids_are_scoped_to_their_camera(node: RunningNode):
    from local_node.db import repo

    other = repo.create_camera(node.services.engine, "gate-other", node.clock())
    with node.camera() as cam:
        a = cam.post("/api/v1/detections", json=meta(event_id="same"))
    b = httpx.post(
        f"{node.url}/api/v1/detections",
        json=meta(event_id="same"),
        headers={"Authorization": f"Bearer {other.secret}"},
    )
    assert a.status_code == 201 and b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


# --- bad input: each gets its documented error and changes nothing stored --------------


@pytest.fixture
def baseline(node: RunningNode, jpeg: bytes) -> tuple[int, int]:
    with node.camera() as cam:
        assert post_multipart(cam, meta(event_id="base"), jpeg).status_code == 201
    return stored_count(node), len(image_files(node))


def assert_unchanged(node: RunningNode, baseline: tuple[int, int]) -> None:
    assert (stored_count(node), len(image_files(node))) == baseline


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer esc_wrong"},
        {"Authorization": "Basic Zm9vOmJhcg=="},
        {"X-API-Key": "nonsense"},
    ],
    ids=["missing", "wrong", "basic", "garbage"],
)
def test_bad_or_missing_key_gets_401(node, baseline, jpeg, headers):
    r = httpx.post(f"{node.url}/api/v1/detections", json=meta(), headers=headers)
    assert r.status_code == 401 and "key" in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_admin_token_is_not_a_camera_key(node, baseline):
    r = httpx.post(
        f"{node.url}/api/v1/detections",
        json=meta(),
        headers={"Authorization": f"Bearer {node.admin_token}"},
    )
    assert r.status_code == 401
    assert_unchanged(node, baseline)


def test_oversized_body_gets_413(node_factory):
    node = node_factory(max_body_bytes=64 * 1024)
    with node.camera() as cam:
        r = post_multipart(cam, meta(), b"\xff\xd8\xff" + b"\0" * (80 * 1024))
    assert r.status_code == 413 and "exceeds" in r.json()["detail"]
    assert stored_count(node) == 0 and image_files(node) == []


def test_oversized_chunked_body_gets_413(node_factory):
    node = node_factory(max_body_bytes=64 * 1024)

    def chunks():
        for _ in range(100):
            yield b"x" * 1024

    with node.camera() as cam:
        r = cam.post(
            "/api/v1/detections", content=chunks(), headers={"content-type": "application/json"}
        )
    assert r.status_code == 413
    assert stored_count(node) == 0


def test_png_declared_as_jpeg_gets_415(node, baseline):
    with node.camera() as cam:
        r = post_multipart(cam, meta(), make_png(), "image/jpeg")
    assert r.status_code == 415 and "PNG" in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_text_declared_as_jpeg_gets_415(node, baseline):
    with node.camera() as cam:
        r = post_multipart(cam, meta(), b"hello, I am not an image", "image/jpeg")
    assert r.status_code == 415 and "JPEG" in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_unsupported_body_type_gets_415(node, baseline):
    with node.camera() as cam:
        r = cam.post(
            "/api/v1/detections", content=b"plate=AB", headers={"content-type": "text/plain"}
        )
    assert r.status_code == 415
    assert_unchanged(node, baseline)


def test_malformed_json_gets_422(node, baseline):
    with node.camera() as cam:
        r = cam.post(
            "/api/v1/detections",
            content=b'{"plate": "AB',
            headers={"content-type": "application/json"},
        )
    assert r.status_code == 422 and "not valid JSON" in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_malformed_metadata_part_gets_422(node, baseline, jpeg):
    with node.camera() as cam:
        r = post_multipart(cam, '{"plate": ', jpeg)
    assert r.status_code == 422 and "metadata" in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_missing_metadata_part_gets_422(node, baseline, jpeg):
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", files={"image": ("a.jpg", jpeg, "image/jpeg")})
    assert r.status_code == 422 and "metadata" in r.json()["detail"]
    assert_unchanged(node, baseline)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"captured_at": now_rfc3339()}, "plate"),
        ({"plate": "AB12CDE"}, "captured_at"),
        ({"plate": "A" * 10_000, "captured_at": now_rfc3339()}, "plate"),
        ({"plate": "AB12CDE", "captured_at": "1970-01-01T00:00:00Z"}, "captured_at"),
        ({"plate": "AB12CDE", "captured_at": "9999-12-31T23:59:59Z"}, "captured_at"),
        ({"plate": "AB12CDE", "captured_at": "yesterday"}, "captured_at"),
        ({"plate": "AB12CDE", "captured_at": now_rfc3339(), "confidence": 7}, "confidence"),
        ({"plate": "AB12CDE", "captured_at": now_rfc3339(), "bbox": [1, 2]}, "bbox"),
        ({"plate": "AB12CDE", "captured_at": now_rfc3339(), "event_id": "x" * 500}, "event_id"),
    ],
    ids=[
        "no-plate",
        "no-time",
        "10kB-plate",
        "epoch",
        "far-future",
        "not-a-time",
        "confidence",
        "bbox",
        "long-event-id",
    ],
)
def test_invalid_metadata_gets_422_naming_the_field(node, baseline, fields, field):
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json=fields)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert any(field in e["loc"] for e in detail), detail
    assert "A" * 100 not in r.text  # the hostile input is not echoed back
    assert_unchanged(node, baseline)


@pytest.mark.parametrize("camera_id", ["../../etc/passwd", "gate-9", "/abs/path"])
def test_camera_id_of_another_camera_or_path_gets_422(node, baseline, jpeg, camera_id):
    with node.camera() as cam:
        r = post_multipart(cam, meta(camera_id=camera_id), jpeg)
    assert r.status_code == 422 and "camera_id" in r.json()["detail"]
    assert_unchanged(node, baseline)


def test_camera_id_equal_to_the_keys_camera_is_accepted(node):
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json=meta(camera_id="gate-0"))
    assert r.status_code == 201


def test_invalid_base64_image_gets_422(node, baseline):
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json=meta(image_b64="%%%not base64"))
    assert r.status_code == 422 and "image_b64" in r.json()["detail"]
    assert_unchanged(node, baseline)
