"""NodeMetrics.observe_site: the site's gauges follow each scrape's figures."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import generate_latest

from local_node.metrics import CameraFigures, NodeMetrics, SiteFigures

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


def figures(*cameras: CameraFigures, errors=None) -> SiteFigures:
    return SiteFigures(
        backlog_records=0,
        backlog_oldest_age_s=None,
        last_sync_success_at=None,
        disk_total_bytes=100,
        disk_free_bytes=50,
        image_bytes=10,
        image_budget_bytes=None,
        writer_pending=0,
        cameras=cameras,
        camera_errors=errors or {},
    )


def test_a_camera_deleted_since_the_last_scrape_is_no_longer_reported():
    metrics = NodeMetrics()
    metrics.observe_site(figures(CameraFigures("c1", "gate", NOW, 3)))
    metrics.observe_site(figures())
    assert b'camera="c1"' not in generate_latest(metrics.registry)


def test_errors_of_posts_that_named_no_camera_are_labelled_unnamed():
    metrics = NodeMetrics()
    metrics.observe_site(figures(errors={"": {"unauthorized": 4}}))
    text = generate_latest(metrics.registry).decode()
    line = 'edgesync_node_camera_errors_last_hour{camera="unnamed",reason="unauthorized"} 4.0'
    assert line in text
