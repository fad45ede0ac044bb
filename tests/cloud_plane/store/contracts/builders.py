"""Records the contract suites build their cases from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from cloud_plane.alerts import rules
from cloud_plane.records.alerts import NewAlert
from cloud_plane.records.deliveries import DeliveryPurpose, NewDelivery
from cloud_plane.records.hotlist import OpAuthor
from sync_protocol.detections import DetectionRecord, detection_uuid
from sync_protocol.hotlist_messages import HotlistOp
from sync_protocol.messages import Heartbeat

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def records(stream: str, first: int, count: int, plate: str = "AB12CDE") -> list[DetectionRecord]:
    return [
        DetectionRecord(
            id=detection_uuid(stream, s),
            seq=s,
            camera_id="cam",
            captured_at=NOW,
            received_at=NOW + timedelta(seconds=s),
            plate=plate,
            plate_norm=plate,
        )
        for s in range(first, first + count)
    ]


def heartbeat(backlog_count: int = 1, oldest_age_s: float | None = None) -> Heartbeat:
    return Heartbeat(
        node_version="1",
        uptime_s=1,
        disk_used_bytes=1,
        disk_total_bytes=1,
        db_size_bytes=1,
        backlog_count=backlog_count,
        backlog_oldest_age_s=oldest_age_s,
    )


def op(action: str = "upsert", *, at: datetime = NOW, plate: str = "AB12CDE") -> HotlistOp:
    return HotlistOp(
        op_id=uuid.uuid4(),
        action=action,
        list_name="stolen",
        plate_norm=plate,
        made_at=at,
        made_by="t",
    )


STAFF = OpAuthor(site_id=None, owner="cloud", updated_by="staff")


def site(site_id: str = "s", **kw) -> OpAuthor:
    """A site's author as the hotlist use case builds it (the store only persists it)."""
    fields = {"owner": f"site:{site_id}", "updated_by": f"site:{site_id}", "reported_by": "t"}
    fields.update(kw)
    return OpAuthor(site_id=site_id, **fields)


WINDOW = timedelta(minutes=10)
LEASE = timedelta(seconds=60)


def hit_alert(
    detection: str | None = None, *, plate: str = "AB12CDE", at: datetime = NOW, **kw
) -> NewAlert:
    detection = detection or str(uuid.uuid4())
    fields = {
        "alert_id": str(uuid.uuid4()),
        "kind": "hit",
        "priority": 90,
        "site_id": "site-a",
        "occurred_at": at,
        "created_at": at,
        "plate": plate,
        "plate_norm": plate,
        "list_name": "stolen",
        "detection_id": detection,
        "dedup_key": rules.hit_dedup_key(detection, "stolen", plate),
        "group_key": rules.hit_group_key("site-a", "stolen", plate),
    }
    fields.update(kw)
    return NewAlert(**fields)


def problem(kind: str = "site_offline", camera: str | None = None, at: datetime = NOW) -> NewAlert:
    return NewAlert(
        alert_id=str(uuid.uuid4()),
        kind=kind,
        priority=60,
        site_id="site-a",
        occurred_at=at,
        created_at=at,
        reason="no heartbeat",
        camera_id=camera,
        open_key=rules.problem_key(kind, "site-a", camera),
    )


def delivery(
    alert_id: str,
    recipient: str = "r1",
    channel: str = "sms",
    at=NOW,
    purpose: DeliveryPurpose = "alert",
) -> NewDelivery:
    return NewDelivery(
        delivery_id=str(uuid.uuid4()),
        alert_id=alert_id,
        recipient_id=recipient,
        channel=channel,
        next_at=at,
        created_at=at,
        purpose=purpose,
    )
