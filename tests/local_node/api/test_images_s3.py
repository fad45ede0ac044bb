"""A node whose images are in S3 (issue 11): what differs from a folder, over real HTTP."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from sqlalchemy import func, select

from local_node.db.tables import Detection
from tests.local_node.conftest import RunningNode, stored_image_paths

pytestmark = pytest.mark.parametrize("image_store", ["s3"], indirect=True)


def post(node: RunningNode, image: bytes, event: str = "e-1") -> tuple[int, dict, dict]:
    meta = {"plate": "AB12CDE", "captured_at": "2026-11-26T08:30:00Z", "event_id": event}
    with node.camera() as c:
        r = c.post(
            "/api/v1/detections",
            files={
                "metadata": (None, json.dumps(meta), "application/json"),
                "image": ("x", image, "image/jpeg"),
            },
        )
    return r.status_code, dict(r.headers), r.json()


def stored_count(node: RunningNode) -> int:
    with node.services.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Detection)).scalar_one()


def test_a_read_whose_upload_s3_refuses_is_not_acknowledged_and_not_stored(node, jpeg):
    # S3 refuses a PUT whose bytes do not match its Content-MD5/SHA-256 with BadDigest;
    # moto does not check digests, so the refusal is made at the client's edge.
    def refuse(**_: object) -> None:
        raise ClientError(
            {
                "Error": {
                    "Code": "BadDigest",
                    "Message": "The Content-MD5 you specified did not match",
                }
            },
            "PutObject",
        )

    node.services.images._client.put_object = refuse
    status, headers, body = post(node, jpeg)
    assert status == 503 and headers["retry-after"] == "5"
    assert "BadDigest" in body["detail"] and "retry shortly" in body["detail"]
    assert stored_count(node) == 0 and stored_image_paths(node) == []


def test_the_same_read_sent_again_after_a_refused_upload_is_stored_once(node, jpeg):
    put = node.services.images._client.put_object
    calls = 0

    def refuse_once(**kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "x"}}, "PutObject")
        return put(**kwargs)

    node.services.images._client.put_object = refuse_once
    assert post(node, jpeg)[0] == 503
    assert post(node, jpeg)[0] == 201
    assert post(node, jpeg)[0] == 200  # the camera's retry of the acknowledged read
    assert stored_count(node) == 1 and len(stored_image_paths(node)) == 1


def test_the_status_names_the_bucket_store_and_the_data_volume(node, jpeg):
    with node.viewer() as v:
        status = v.get("/api/v1/status").json()
    assert status["images"]["filesystem"] == "s3"
    assert status["images"]["sync_mode"] == "s3-put"
    assert status["disk"]["total_bytes"] > 0  # the data dir's volume, not the bucket


def test_a_full_data_volume_does_not_refuse_reads_whose_images_go_to_s3(node_factory, jpeg):
    # The free-space floor guards the volume images are written to; a bucket is not one.
    node = node_factory(min_free_bytes=2**62)
    assert post(node, jpeg)[0] == 201
    assert len(stored_image_paths(node)) == 1


def test_the_disk_budget_does_not_bound_a_bucket(node_factory, jpeg):
    # A folder store with this budget answers 507 at the second image (test_retention.py).
    node = node_factory(disk_budget_bytes=len(jpeg) + 10)
    assert [post(node, jpeg, event=f"e-{i}")[0] for i in range(3)] == [201, 201, 201]
    assert len(stored_image_paths(node)) == 3
