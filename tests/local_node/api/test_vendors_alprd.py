"""The open-source OpenALPR daemon (`alprd`) over real HTTP: `POST /api/v1/ingest/alprd`.

The daemon drops a post on any answer, so the node stores what it can and logs at
WARNING every post it refuses and every plate it skips. Payloads: payloads/alprd/ (see
SOURCES.md there and tests/local_node/ingest/vendors/test_alprd.py): the daemon's frame as
`src/daemon.cpp` of openalpr/openalpr 2.3.0 builds it, sent byte for byte (duplicate
`img_width`/`img_height` keys included), and the documentation's sample.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from local_node.db.tables import Detection
from tests.local_node.conftest import RunningNode

PAYLOADS = Path(__file__).parents[1] / "ingest" / "vendors" / "payloads"
ALPRD = "/api/v1/ingest/alprd"
RAW_FRAME = (PAYLOADS / "alprd" / "daemon_2_3_frame.json").read_bytes()
ROUTE_LOG = "local_node.api.routes.ingest_alprd"


def frame() -> dict[str, Any]:
    return json.loads(RAW_FRAME)


def doc_sample() -> dict[str, Any]:
    body = json.loads((PAYLOADS / "alprd" / "doc_sample.json").read_text())
    body["epoch_time"] = 1764145126  # the sample's 2014 is too old to store; seconds kept
    return body


def stored_count(node: RunningNode) -> int:
    with node.services.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Detection)).scalar_one()


def detail(node: RunningNode, detection_id: str) -> dict[str, Any]:
    with node.viewer() as v:
        r = v.get(f"/api/v1/detections/{detection_id}")
    assert r.status_code == 200, r.text
    return r.json()


def post_raw(node: RunningNode, body: bytes, **headers: str) -> httpx.Response:
    """Post as the daemon does: its fixed headers, the key as the node requires."""
    sent = {"Accept": "application/json", "Content-Type": "application/json", "charsets": "utf-8"}
    sent.update(headers)
    sent.setdefault("X-API-Key", node.camera_key)
    return httpx.post(f"{node.url}{ALPRD}", content=body, headers=sent)


def test_daemon_frame_sent_byte_for_byte_is_stored(node: RunningNode):
    r = post_raw(node, RAW_FRAME)

    assert r.status_code == 201, r.text
    (out,) = r.json()["detections"]
    stored = detail(node, out["id"])
    assert (stored["plate_norm"], stored["event_id"]) == (
        "KX19GHT",
        "gatehouse-cam1-1764145126748:0",
    )
    assert stored["camera_id"] == node.camera_id and stored["source_camera"] == "1"


def test_documented_sample_stores_one_read_per_plate(node: RunningNode):
    with node.camera() as cam:
        r = cam.post(ALPRD, json=doc_sample())

    assert r.status_code == 201, r.text
    assert [d["plate_norm"] for d in r.json()["detections"]] == ["S11FRE", "EJLESSIE"]
    assert stored_count(node) == 2


def test_resent_frame_is_200_with_the_same_ids(node: RunningNode):
    first = post_raw(node, RAW_FRAME)
    again = post_raw(node, RAW_FRAME)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert stored_count(node) == 1


def test_frame_posted_to_alprd_and_to_the_agent_frames_path_is_stored_once(node_factory):
    node = node_factory(openalpr_store_frames=True)
    first = post_raw(node, RAW_FRAME)
    with node.camera() as cam:
        again = cam.post("/api/v1/ingest/openalpr", content=RAW_FRAME)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_a_bad_plate_is_skipped_logged_and_the_others_stored(node: RunningNode, caplog):
    body = doc_sample()
    body["results"][0]["plate"] = ""

    with caplog.at_level(logging.WARNING, logger=ROUTE_LOG), node.camera() as cam:
        r = cam.post(ALPRD, json=body)

    assert r.status_code == 201, r.text
    assert [d["plate_norm"] for d in r.json()["detections"]] == ["EJLESSIE"]
    assert any("skipped results[0].plate" in m for m in caplog.messages)


def test_any_content_type_is_read_as_json(node: RunningNode):
    r = post_raw(node, RAW_FRAME, **{"Content-Type": "application/x-www-form-urlencoded"})

    assert r.status_code == 201, r.text


def test_frame_without_plates_is_200_and_stores_nothing(node: RunningNode):
    body = frame()
    body["results"] = []
    with node.camera() as cam:
        r = cam.post(ALPRD, json=body)

    assert r.status_code == 200 and r.json() == {"detections": []}
    assert stored_count(node) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**frame(), "epoch_time": "yesterday"}, "epoch_time"),
        ({**frame(), "data_type": "alpr_group"}, "data_type"),
        ({**frame(), "results": [{"plate": None}]}, "results[0].plate"),
        (b"{not json", "body"),
        (b"[1, 2]", "body"),
    ],
    ids=["bad-time", "agent-group", "only-plate-bad", "not-json", "not-object"],
)
def test_refused_post_gets_422_naming_the_field_and_is_logged(node, caplog, body, field):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()

    with caplog.at_level(logging.WARNING, logger=ROUTE_LOG):
        r = post_raw(node, raw)

    assert r.status_code == 422 and field in r.json()["detail"]
    assert stored_count(node) == 0
    assert any("refused" in m and field in m for m in caplog.messages)


@pytest.mark.parametrize(
    "headers",
    [{"X-API-Key": ""}, {"X-API-Key": "esc_wrong"}],
    ids=["missing", "wrong"],
)
def test_bad_or_missing_key_gets_401(node: RunningNode, headers):
    r = post_raw(node, RAW_FRAME, **headers)

    assert r.status_code == 401
    assert stored_count(node) == 0


def test_oversized_post_gets_413_and_is_logged(node_factory, caplog):
    node = node_factory(max_body_bytes=1024)
    body = frame()
    body["pad"] = "x" * 4096

    with caplog.at_level(logging.WARNING, logger=ROUTE_LOG):
        r = post_raw(node, json.dumps(body).encode())

    assert r.status_code == 413
    assert stored_count(node) == 0
    assert any("refused" in m and "PayloadTooLarge" in m for m in caplog.messages)


def test_crop_that_is_not_an_image_gets_415(node: RunningNode):
    body = frame()
    body["results"][0]["plate_crop_jpeg"] = "dGhpcyBpcyBub3QgYW4gaW1hZ2U="  # "this is not an image"

    r = post_raw(node, json.dumps(body).encode())

    assert r.status_code == 415
    assert stored_count(node) == 0


def test_openapi_documents_the_alprd_route(node: RunningNode):
    doc = httpx.get(f"{node.url}/openapi.json").json()

    post = doc["paths"][ALPRD]["post"]
    assert {"201", "401", "413", "422"} <= set(post["responses"])
    assert "AlprdFrame" in json.dumps(post["requestBody"])
