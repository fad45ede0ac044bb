"""Alerts name a camera by the name the node's heartbeat gives it, not by its hex id."""

from __future__ import annotations

from datetime import UTC, datetime

from cloud_plane.alerts.dispatcher import camera_name
from cloud_plane.records.sites import Site
from sync_protocol.messages import CameraHealth, Heartbeat

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def site_with(*cameras: CameraHealth) -> Site:
    beat = Heartbeat(
        node_version="1",
        uptime_s=1,
        disk_used_bytes=0,
        disk_total_bytes=1,
        db_size_bytes=0,
        backlog_count=0,
        cameras=list(cameras),
    )
    return Site(site_id="s", name="North", created_at=NOW, heartbeat=beat)


def test_a_camera_named_in_the_heartbeat_is_called_by_its_name() -> None:
    site = site_with(CameraHealth(camera_id="9f2c01ab", name="north gate"))
    assert camera_name(site, "9f2c01ab") == "north gate"


def test_a_camera_without_a_name_is_called_by_its_id() -> None:
    assert camera_name(site_with(CameraHealth(camera_id="9f2c01ab")), "9f2c01ab") == "9f2c01ab"
    assert camera_name(None, "9f2c01ab") == "9f2c01ab"
    assert camera_name(None, None) is None
