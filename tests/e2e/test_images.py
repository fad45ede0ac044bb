"""End to end, real processes on loopback: a read's image asked in the cloud comes from its node."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Hybrid, Node, wait_for

pytestmark = pytest.mark.e2e

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
OFFLINE_AFTER_S = 3


@pytest.fixture
def images_hybrid(tmp_path: Path) -> Iterator[Hybrid]:
    """A cloud and a node at the default push and poll periods (2 s), heartbeats each second."""
    system = Hybrid(
        tmp_path,
        node_env={
            "EDGESYNC_NODE_SYNC_PUSH_INTERVAL_S": "2",
            "EDGESYNC_NODE_SYNC_HOTLIST_INTERVAL_S": "10",
            "EDGESYNC_NODE_SYNC_HEARTBEAT_INTERVAL_S": "1",
        },
        cloud_env={"EDGESYNC_CLOUD_IMAGES_OFFLINE_AFTER_S": str(OFFLINE_AFTER_S)},
    )
    system.start_cloud()
    try:
        yield system
    finally:
        system.stop()


def read_with_image(node: Node) -> str:
    return node.read("AB12CDE", image=JPEG)["id"]


def synced(hybrid: Hybrid, node: Node, read_id: str) -> None:
    wait_for(
        lambda: read_id in hybrid.cloud.detection_ids(node.site_id), what="the read in the cloud"
    )


def test_an_image_asked_in_the_cloud_arrives_from_the_node_with_its_hash(images_hybrid: Hybrid):
    node = images_hybrid.add_node("site-a")
    read_id = read_with_image(node)
    synced(images_hybrid, node, read_id)
    with images_hybrid.cloud.api() as api:
        asked = api.post(f"/api/v1/detections/{read_id}/image")
        assert asked.status_code == 202, asked.text
        got = api.get(f"/api/v1/detections/{read_id}/image", params={"wait": 10})
    assert got.status_code == 200, got.text
    assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(JPEG).hexdigest()
    assert got.headers["x-image-sha256"] == hashlib.sha256(JPEG).hexdigest()


def test_with_the_node_stopped_the_request_answers_offline_at_once(images_hybrid: Hybrid):
    node = images_hybrid.add_node("site-b")
    read_id = read_with_image(node)
    synced(images_hybrid, node, read_id)
    node.stop()
    time.sleep(OFFLINE_AFTER_S + 0.5)
    with images_hybrid.cloud.api() as api:
        started = time.monotonic()
        asked = api.post(f"/api/v1/detections/{read_id}/image")
        took = time.monotonic() - started
    assert asked.status_code == 503 and took < 1.0
    assert asked.json()["detail"].startswith("site offline since ")
