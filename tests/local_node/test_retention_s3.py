"""Retention of a node whose images are in S3: orphans swept at every run, deletes by batch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.local_node.conftest import make_jpeg, stored_image_paths
from tests.local_node.test_retention import post, retention

pytestmark = pytest.mark.parametrize("image_store", ["s3"], indirect=True)


def put_orphan(node, rel_path: str) -> None:
    """An object a crashed task uploaded but never committed a row for."""
    images = node.services.images
    images._client.put_object(
        Bucket=images.location.bucket, Key=images.location.key(rel_path), Body=make_jpeg()
    )


def test_a_run_removes_objects_no_read_names_once_past_the_grace(node):
    assert post(node, "AB12CDE", make_jpeg()).status_code == 201
    hour = node.clock().strftime("%Y/%m/%d/%H")
    put_orphan(node, f"{hour}/{node.camera_id}/crashed.jpg")
    node.services.images.orphan_grace = timedelta(0)
    retention(node).run()
    remaining = stored_image_paths(node)
    assert len(remaining) == 1 and not remaining[0].endswith("crashed.jpg")


def test_a_run_keeps_young_objects_that_may_be_another_tasks_commit(node):
    hour = node.clock().strftime("%Y/%m/%d/%H")
    put_orphan(node, f"{hour}/{node.camera_id}/in-flight.jpg")
    retention(node).run()  # the default grace: 15 minutes
    assert stored_image_paths(node) == [f"{hour}/{node.camera_id}/in-flight.jpg"]


def test_pruned_images_leave_the_bucket_and_their_reads_stay(node_factory):
    node = node_factory(image_retention_days=7)
    ids = [post(node, f"AB{i}CDE", make_jpeg()).json()["id"] for i in range(3)]
    node.clock.advance(days=8)
    report = retention(node).run()
    assert report.images_pruned == 3 and stored_image_paths(node) == []
    with node.viewer() as v:
        assert [v.get(f"/api/v1/detections/{i}").status_code for i in ids] == [200] * 3
