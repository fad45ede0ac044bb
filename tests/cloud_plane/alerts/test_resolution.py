"""Pure parts of resolution: why a problem cleared, and who is told."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cloud_plane.alerts.resolution import cleared_reason, who_to_tell
from cloud_plane.records.alerts import StoredAlert
from cloud_plane.records.deliveries import StoredDelivery
from cloud_plane.records.sites import Site
from sync_protocol.messages import CameraHealth, Heartbeat
from tests.cloud_plane.alerts.harness import T0


def alert(kind: str, *, camera: str | None = None, since=T0) -> StoredAlert:
    return StoredAlert(
        alert_id="a1",
        kind=kind,
        priority=60,
        site_id="s",
        status="open",
        first_seen=since,
        last_seen=since,
        count=1,
        created_at=since,
        camera_id=camera,
    )


def site(*, at=T0 + timedelta(minutes=14), cameras=(), **beat) -> Site:
    fields = {
        "node_version": "1",
        "uptime_s": 10,
        "disk_used_bytes": 72,
        "disk_total_bytes": 100,
        "db_size_bytes": 1,
        "backlog_count": 12,
        "cameras": list(cameras),
        **beat,
    }
    hb = Heartbeat(**fields)
    return replace(Site(site_id="s", name="S", created_at=T0), last_heartbeat_at=at, heartbeat=hb)


@pytest.mark.parametrize(
    ("problem", "state", "why"),
    [
        (alert("site_offline"), site(), "heartbeats again after 14 min"),
        (alert("disk_nearly_full"), site(), "disk down to 72% used"),
        (alert("sync_backlog"), site(), "sync backlog down to 12 reads"),
        (
            alert("camera_silent", camera="gate"),
            site(cameras=[CameraHealth(camera_id="gate", last_seen=T0 + timedelta(minutes=1))]),
            "camera reading again",
        ),
        (
            alert("camera_silent", camera="gate"),
            site(cameras=[CameraHealth(camera_id="gate", last_seen=T0 - timedelta(hours=1))]),
            "camera not expected to read at this hour",
        ),
        (alert("camera_silent", camera="gone"), site(), "camera no longer reported by its site"),
        (
            alert("clock_skew", camera="gate"),
            site(cameras=[CameraHealth(camera_id="gate", clock_offset_s=1.0)]),
            "camera clock back in step (+1 s)",
        ),
        (alert("site_offline"), replace(site(), revoked_at=T0), "site revoked"),
    ],
)
def test_the_reason_says_what_cleared_the_problem(problem, state, why) -> None:
    assert cleared_reason(problem, state) == why


def delivery(recipient: str, channel: str = "sms", **kw) -> StoredDelivery:
    fields = {"status": "sent", "source": "cloud", "purpose": "alert", **kw}
    return StoredDelivery(
        delivery_id=f"{recipient}-{channel}-{len(kw)}",
        alert_id="a1",
        recipient_id=recipient,
        channel=channel,
        attempt=1,
        next_at=None,
        created_at=T0,
        updated_at=T0,
        **fields,
    )


def test_only_sends_the_cloud_made_are_told_once_each() -> None:
    deliveries = [
        delivery("r1"),
        delivery("r1", "email"),
        delivery("r2", status="pending"),
        delivery("r3", status="gave_up"),
        delivery("r4", status="cancelled"),
        delivery("node:duty@example.com", "smtp", source="node"),
        delivery("r1", purpose="resolution"),
    ]
    assert who_to_tell(deliveries) == [("r1", "sms"), ("r1", "email")]


def test_a_send_under_way_as_the_alert_resolved_is_told_too() -> None:
    """After cancel_unsent, in_flight means an attempt begun: it may well go out."""
    assert who_to_tell([delivery("r5", status="in_flight")]) == [("r5", "sms")]
