"""/metrics reports the site's state at each scrape: cameras, disk and the sync backlog."""

from __future__ import annotations

import math

from prometheus_client.parser import text_string_to_metric_families

from tests.local_node.conftest import RunningNode, now_rfc3339


def scrape(node: RunningNode) -> dict[str, list]:
    """Samples by metric name."""
    with node.viewer() as v:
        text = v.get("/metrics").text
    out: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample)
    return out


def test_each_camera_reports_its_reads_of_the_last_hour(node: RunningNode):
    with node.camera() as cam:
        cam.post("/api/v1/detections", json={"plate": "AB12CDE", "captured_at": now_rfc3339()})
    [sample] = scrape(node)["edgesync_node_camera_reads_last_hour"]
    assert sample.labels == {"camera": node.camera_id, "name": "gate-0"} and sample.value == 1


def test_each_camera_reports_when_it_last_delivered(node: RunningNode):
    with node.camera() as cam:
        cam.post("/api/v1/detections", json={"plate": "AB12CDE", "captured_at": now_rfc3339()})
    [sample] = scrape(node)["edgesync_node_camera_last_read_timestamp_seconds"]
    assert abs(sample.value - node.clock().timestamp()) < 60


def test_a_silent_camera_has_no_last_read_time(node: RunningNode):
    [sample] = scrape(node)["edgesync_node_camera_last_read_timestamp_seconds"]
    assert math.isnan(sample.value)


def test_refused_posts_count_against_their_camera(node: RunningNode):
    with node.camera() as cam:
        cam.post("/api/v1/detections", json={"plate": "X"})  # 422
    node.services.camera_errors.flush()
    [sample] = scrape(node)["edgesync_node_camera_errors_last_hour"]
    assert sample.labels == {"camera": node.camera_id, "reason": "invalid"} and sample.value == 1


def test_disk_reports_total_and_free_bytes_of_the_volume(node: RunningNode):
    samples = scrape(node)
    total = samples["edgesync_node_disk_total_bytes"][0].value
    assert 0 < samples["edgesync_node_disk_free_bytes"][0].value <= total


def test_the_image_budget_is_reported_when_set(node_factory):
    node = node_factory(disk_budget_bytes=10_000_000)
    assert scrape(node)["edgesync_node_image_budget_bytes"][0].value == 10_000_000


def test_a_node_that_never_synced_has_no_last_success_time(node: RunningNode):
    assert math.isnan(scrape(node)["edgesync_node_sync_last_success_timestamp_seconds"][0].value)
