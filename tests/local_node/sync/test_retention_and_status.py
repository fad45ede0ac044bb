"""The outbox guard in retention, and what /api/v1/status shows of the agent."""

from __future__ import annotations

import pytest

from local_node.retention import Retention
from local_node.sync.client import CloudUnreachable
from tests.local_node.sync.conftest import post_many


def retention(node) -> Retention:
    s = node.services
    return Retention(
        engine=s.engine, images=s.images, settings=s.settings.retention, clock=node.clock
    )


def test_retention_never_deletes_rows_the_cloud_has_not_acked(synced):
    s = synced(metadata_retention_days=10)
    post_many(s.node, 4)
    s.cloud.ack_at_most = 2
    s.agent.exchange()
    s.node.clock.advance(days=11)
    assert retention(s.node).run().rows_deleted == 2
    with s.node.services.engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT seq FROM detections ORDER BY seq").scalars().all()
    assert left == [3, 4]


def test_a_stand_alone_node_deletes_old_rows_as_before(node_factory):
    node = node_factory(metadata_retention_days=10)
    post_many(node, 3)
    node.clock.advance(days=11)
    assert retention(node).run().rows_deleted == 3


def test_status_shows_the_backlog_and_the_last_sync(synced):
    s = synced()
    post_many(s.node, 3)
    s.cloud.ack_at_most = 1
    s.agent.exchange()
    with s.node.viewer() as v:
        sync = v.get("/api/v1/status").json()["sync"]
    assert sync["site_id"] == "site-1" and sync["cloud_url"] == "http://cloud.test"
    assert sync["backlog_count"] == 2 and sync["backlog_oldest_age_s"] is not None
    assert sync["cloud_reachable"] is True and sync["last_success_at"] is not None
    assert sync["hotlist_version"] == 0 and sync["last_error"] is None


def test_status_shows_an_unreachable_cloud_and_its_error(synced):
    s = synced()
    s.cloud.fail_with = 503
    with pytest.raises(CloudUnreachable):
        s.agent.exchange()
    with s.node.viewer() as v:
        sync = v.get("/api/v1/status").json()["sync"]
    assert sync["cloud_reachable"] is False and "503" in sync["last_error"]


def test_metrics_show_the_backlog_and_the_last_sync(synced):
    s = synced()
    post_many(s.node, 3)
    s.cloud.ack_at_most = 1
    s.agent.exchange()
    with s.node.viewer() as v:
        text = v.get("/metrics").text
    assert "edgesync_node_sync_backlog_records 2.0" in text
    success = s.node.clock().timestamp()
    line = next(x for x in text.splitlines() if x.startswith("edgesync_node_sync_last_success"))
    assert abs(float(line.split()[1]) - success) < 60
