"""Building data for the page tests: heartbeats, reads, a hit that raises an alert."""

from __future__ import annotations

from sync_protocol.messages import CameraHealth, Heartbeat
from tests.cloud_plane.conftest import NodeClient, RunningCloud

XSS = "<img src=x onerror=alert(1)>"


def beat(cloud: RunningCloud, *, name: str = "north gate", offset: float = 1.5) -> Heartbeat:
    return Heartbeat(
        node_version="0.1.0",
        uptime_s=60,
        disk_used_bytes=10,
        disk_total_bytes=100,
        db_size_bytes=5,
        backlog_count=3,
        backlog_oldest_age_s=2.0,
        cameras=[
            CameraHealth(
                camera_id="gate-1", name=name, last_seen=cloud.clock(), clock_offset_s=offset
            )
        ],
    )


def hit_alert(cloud: RunningCloud, node: NodeClient, plate: str = "HOT123") -> str:
    """Put ``plate`` on the hotlist, have the node send a read of it; return the alert id."""
    from cloud_plane.hotlist.service import staff_upsert

    staff_upsert(
        cloud.store,
        list_name="stolen",
        plate=plate,
        reason="test",
        priority=90,
        expires_at=None,
        by="admin@example.com",
        now=cloud.clock(),
    )
    mark = cloud.store.detections.high_water(node.site_id, node.stream_id)
    node.exchange(batch=node.records(mark + 1, 1, plate=plate))
    from cloud_plane.records.alerts import AlertQuery

    items = cloud.store.alerts.list_alerts(AlertQuery(site_ids={node.site_id})).items
    assert items, "the read of a hotlisted plate raised no alert"
    return items[0].alert_id
