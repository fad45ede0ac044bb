"""The sites API shows each camera's errors by reason, and refused posts that named no camera."""

from __future__ import annotations

from sync_protocol.messages import CameraHealth, Heartbeat
from tests.cloud_plane.conftest import RunningCloud


def test_site_detail_shows_camera_errors_by_reason(cloud: RunningCloud) -> None:
    node = cloud.node("North")
    node.exchange(
        heartbeat=Heartbeat(
            node_version="0.1.0",
            uptime_s=60,
            disk_used_bytes=10,
            disk_total_bytes=100,
            db_size_bytes=5,
            backlog_count=0,
            cameras=[
                CameraHealth(
                    camera_id="gate-1",
                    errors=5,
                    errors_by_reason={"invalid": 3, "clock_skew": 2},
                )
            ],
            errors_window_s=3600,
            unattributed_errors={"unauthenticated": 7},
        )
    )
    detail = cloud.staff("admin").get(f"/api/v1/sites/{node.site_id}").json()
    [camera] = detail["cameras"]
    assert camera["errors"] == 5
    assert camera["errors_by_reason"] == {"invalid": 3, "clock_skew": 2}
    assert detail["unattributed_errors"] == {"unauthenticated": 7}
    assert detail["errors_window_s"] == 3600
