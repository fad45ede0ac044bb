"""``cloud_plane.aws.monitor.handler``: a scheduled run raises health alerts, escalates, sweeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from cloud_plane.alerts.model import AlertKind
from cloud_plane.aws import monitor, runtime
from cloud_plane.records.deliveries import NewDelivery
from cloud_plane.records.images import ImageRequest
from cloud_plane.records.recipients import StoredRecipient, Subscription
from cloud_plane.store.base import CloudStore
from sync_protocol.messages import CameraHealth, Heartbeat
from tests.cloud_plane.aws.conftest import REGION, FakeContext, LambdaWorld, scheduled_event


def now() -> datetime:
    return datetime.now(UTC)


def heartbeat(store: CloudStore, name: str, *, at: datetime, camera_seen: datetime) -> str:
    site = store.sites.create_site(name, now=at)
    store.detections.record_heartbeat(
        site.site_id,
        Heartbeat(
            node_version="0.1",
            uptime_s=86_400,
            disk_used_bytes=1,
            disk_total_bytes=100,
            db_size_bytes=1,
            backlog_count=0,
            cameras=[CameraHealth(camera_id="gate-1", last_seen=camera_seen)],
        ),
        received_at=at,
    )
    return site.site_id


def subscribe(store: CloudStore, tier: int = 0) -> None:
    store.recipients.put_recipient(
        StoredRecipient(
            recipient_id=f"duty{tier}",
            name="Duty officer",
            created_at=now(),
            updated_at=now(),
            phone="+447700900123",
        )
    )
    store.recipients.put_subscription(
        Subscription(
            subscription_id=f"t{tier}",
            recipient_id=f"duty{tier}",
            channels=("sms",),
            created_at=now(),
            tier=tier,
        )
    )


def test_offline_sites_and_silent_cameras_are_raised_and_announced(
    lambda_world: LambdaWorld,
) -> None:
    store = runtime.container().alerting().service.store
    subscribe(store)
    offline = heartbeat(store, "Depot", at=now() - timedelta(hours=1), camera_seen=now())
    silent = heartbeat(store, "Yard", at=now(), camera_seen=now() - timedelta(hours=3))
    done = monitor.handler(scheduled_event(), FakeContext())
    assert done["raised"] == 2
    kinds = {(a.kind, a.site_id) for a in store.alerts.open_problems()}
    assert kinds == {(AlertKind.SITE_OFFLINE, offline), (AlertKind.CAMERA_SILENT, silent)}
    assert len(lambda_world.take()) == 2  # each alert's delivery has its message
    assert monitor.handler(scheduled_event(), FakeContext())["raised"] == 0  # open: once


def test_a_due_escalation_moves_on_and_its_tier_is_announced(
    lambda_world: LambdaWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDGESYNC_CLOUD_ALERT_ESCALATE_AFTER_S", "0.001")
    monkeypatch.setenv("EDGESYNC_CLOUD_ALERT_ESCALATE_MIN_PRIORITY", "0")
    runtime.reset()
    service = runtime.container().alerting().service
    subscribe(service.store, tier=1)
    site = service.store.sites.create_site("Depot", now=now())
    # A problem the health check leaves open (the site never sent a heartbeat to clear it).
    raised = service.raise_problem(AlertKind.DISK_NEARLY_FULL, site.site_id, "disk 95% used")
    assert lambda_world.take() == []  # tier 0 has nobody
    assert monitor.handler(scheduled_event(), FakeContext())["escalated"] == 1
    [message] = lambda_world.take()
    [d] = service.store.deliveries.list_deliveries(raised.alert.alert_id)
    assert (message["body"], d.tier) == (d.delivery_id, 1)


def test_a_delivery_whose_message_was_lost_is_announced_again(lambda_world: LambdaWorld) -> None:
    store = runtime.container().alerting().service.store
    site = store.sites.create_site("Depot", now=now())
    # A problem the health check leaves open: one it resolves would cancel the lost delivery.
    alert = (
        runtime.container()
        .alerting()
        .service.raise_problem(AlertKind.DISK_NEARLY_FULL, site.site_id, "disk 95% used")
    )
    long_ago = now() - timedelta(minutes=10)
    store.deliveries.enqueue_deliveries(  # written, its message never sent (a crash)
        [
            NewDelivery(
                delivery_id="lost-1",
                alert_id=alert.alert.alert_id,
                recipient_id="duty0",
                channel="sms",
                next_at=long_ago,
                created_at=long_ago,
            )
        ]
    )
    assert monitor.handler(scheduled_event(), FakeContext())["swept"] == 1
    assert [m["body"] for m in lambda_world.take()] == ["lost-1"]


def test_a_run_forgets_rate_buckets_that_have_refilled(lambda_world: LambdaWorld) -> None:
    buckets = runtime.container().alerting().dispatcher.limiter.state
    idle, busy = "recipient:sms:idle", "recipient:sms:busy"
    refilling = now() + timedelta(minutes=1)
    buckets.swap({idle: None, busy: None}, {idle: now() - timedelta(minutes=1), busy: refilling})
    done = monitor.handler(scheduled_event(), FakeContext())
    left = buckets.read([idle, busy])
    assert left[busy] == refilling
    # SQL deletes it now; DynamoDB's TTL on the item does (the run then deletes nothing).
    assert done["pruned"] == (0 if idle in left else 1)


def test_a_scheduled_run_catches_up_on_entries_not_scanned_for_past_reads(
    lambda_world: LambdaWorld,
) -> None:
    from cloud_plane.hotlist.service import staff_upsert
    from sync_protocol.detections import DetectionRecord, detection_uuid

    store = runtime.container().alerting().service.store
    store.hits.set_historical_mark(0)  # as the API Lambda's first start sets it
    site = store.sites.create_site("Depot", now=now())
    week_ago = now() - timedelta(days=7)
    fields = {"camera_id": "cam", "plate": "AB12CDE", "plate_norm": "AB12CDE"}
    reads = [
        DetectionRecord(
            id=detection_uuid("st", seq),
            seq=seq,
            captured_at=week_ago,
            received_at=week_ago,
            **fields,
        )
        for seq in (1, 2)
    ]
    store.detections.put_batch(site.site_id, "st", reads, received_at=week_ago)
    staff_upsert(
        store, list_name="stolen", plate="AB12CDE", reason="", priority=50, expires_at=None,
        by="admin", now=now(),
    )  # fmt: skip
    # (an edit as the CLI makes it: no scan of its own)
    assert monitor.handler(scheduled_event(), FakeContext())["historical_scanned"] == 1
    hits = store.hits.list_entry_hits("stolen", "AB12CDE").items
    assert [h.historical for h in hits] == [True, True]
    assert monitor.handler(scheduled_event(), FakeContext())["historical_scanned"] == 0


def test_a_run_deletes_images_kept_past_their_time_from_the_bucket(
    lambda_world: LambdaWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="images", CreateBucketConfiguration={"LocationConstraint": REGION})
    monkeypatch.setenv("EDGESYNC_CLOUD_IMAGES_BUCKET", "images")  # as the stack sets it
    runtime.reset()
    store = runtime.container().alerting().service.store
    asked = now() - timedelta(days=2)
    request = ImageRequest(
        request_id="r1", site_id="s1", detection_id="d1", requested_by="ops", requested_at=asked
    ).stored(at=asked, size=3, content_type="image/jpeg", blob_key="r1", keep=timedelta(days=1))
    store.images.put(request)
    s3.put_object(Bucket="images", Key="r1", Body=b"jpg")
    assert monitor.handler(scheduled_event(), FakeContext())["images_forgotten"] == 1
    assert s3.list_objects_v2(Bucket="images").get("Contents", []) == []
    assert store.images.get("r1").status == "expired"
