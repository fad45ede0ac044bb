"""Serving stored images: verified against their read (issue 16, item 4) and safe headers (11)."""

from __future__ import annotations

import json

from local_node.db import repo
from local_node.services import build_services
from tests.local_node.conftest import RunningNode, replace_stored_image


def post_image(node: RunningNode, image: bytes, content_type: str = "image/jpeg") -> str:
    meta = {"plate": "AB12CDE", "captured_at": "2026-11-26T08:30:00Z"}
    with node.camera() as c:
        r = c.post(
            "/api/v1/detections",
            files={
                "metadata": (None, json.dumps(meta), "application/json"),
                "image": ("x", image, content_type),
            },
        )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def damage(node: RunningNode, read_id: str, data: bytes | None) -> None:
    """Replace the read's stored image with ``data`` (None: remove it), in either store."""
    found = repo.get_detection(node.services.engine, read_id)
    assert found is not None
    replace_stored_image(node, found[0].image_path, data)


def test_an_intact_image_is_served_with_nosniff_no_store_and_its_stored_type(node, jpeg):
    read_id = post_image(node, jpeg)
    with node.viewer() as v:
        r = v.get(f"/api/v1/detections/{read_id}/image")
    assert r.status_code == 200 and r.content == jpeg
    assert r.headers["content-type"] == "image/jpeg"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


def test_a_polyglot_jpeg_with_html_is_served_as_a_jpeg_with_nosniff(node):
    polyglot = b"\xff\xd8\xff\xe0<html><body><script>alert(document.cookie)</script></body></html>"
    read_id = post_image(node, polyglot)
    with node.viewer() as v:
        r = v.get(f"/api/v1/detections/{read_id}/image")
    assert r.status_code == 200 and r.content == polyglot
    assert r.headers["content-type"] == "image/jpeg"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_an_image_emptied_by_a_power_cut_answers_410_with_the_sizes(node, jpeg):
    read_id = post_image(node, jpeg)
    damage(node, read_id, b"")
    with node.viewer() as v:
        r = v.get(f"/api/v1/detections/{read_id}/image")
    assert r.status_code == 410
    assert r.json() == {
        "detail": f"image of read {read_id} is damaged on disk "
        f"(expected {len(jpeg)} bytes, found 0)"
    }


def test_a_missing_image_answers_410(node, jpeg):
    read_id = post_image(node, jpeg)
    damage(node, read_id, None)
    with node.viewer() as v:
        r = v.get(f"/api/v1/detections/{read_id}/image")
    assert r.status_code == 410 and "the file is missing" in r.json()["detail"]


def test_an_image_altered_at_the_same_size_answers_410(node, jpeg):
    read_id = post_image(node, jpeg)
    damage(node, read_id, jpeg[:-1] + bytes([jpeg[-1] ^ 0xFF]))
    with node.viewer() as v:
        r = v.get(f"/api/v1/detections/{read_id}/image")
    assert r.status_code == 410 and "another sha256" in r.json()["detail"]


def test_a_damaged_image_served_is_counted_and_shown_in_the_status(node, jpeg):
    read_id = post_image(node, jpeg)
    damage(node, read_id, b"")
    with node.viewer() as v:
        v.get(f"/api/v1/detections/{read_id}/image")
        status = v.get("/api/v1/status").json()
        metrics = v.get("/metrics").text
    assert status["images"]["damaged_on_serve"] == [read_id]
    assert 'edgesync_node_images_damaged_total{found_by="serve"} 1.0' in metrics


def test_the_start_up_check_finds_damaged_recent_images_and_the_status_shows_them(node, jpeg):
    # Given two acknowledged reads, one of which a power cut left empty
    intact = post_image(node, jpeg)
    damaged = post_image(node, jpeg)
    damage(node, damaged, b"")
    # When the node starts again on the same data
    services = build_services(node.settings)
    try:
        report = services.image_health.last_check()
        start_count = services.metrics.damaged_images.labels(found_by="start")._value.get()
    finally:
        services.close()
    # Then the check of the last commits names the damaged read and not the intact one
    assert report is not None and report["scope"] == "start"
    assert report["checked"] == 2 and report["damaged"] == 1 and start_count == 1
    assert [d["detection_id"] for d in report["sample"]] == [damaged]
    with node.viewer() as v:
        images = v.get("/api/v1/status").json()["images"]
    assert images["damaged"] == 1 and images["damaged_ids"] == [damaged]
    assert intact not in images["damaged_ids"]
