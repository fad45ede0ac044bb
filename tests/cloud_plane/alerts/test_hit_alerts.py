"""Hit alerts through the real exchange: idempotent, grouped, delivered (file channel, moto SNS)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns import sns_backends

from cloud_plane.records.alerts import AlertQuery
from sync_protocol.messages import HitRecord, LocalDelivery
from tests.cloud_plane.alerts.conftest import REGION
from tests.cloud_plane.conftest import NodeClient, RunningCloud


def setup(cloud: RunningCloud, *, channels: list[str] = ["sms", "email"]) -> None:  # noqa: B006
    admin = cloud.staff("admin")
    put = admin.put("/api/v1/hotlist/stolen/AB12CDE", json={"reason": "taken", "priority": 90})
    assert put.status_code == 200, put.text
    r = admin.put(
        "/api/v1/recipients/duty",
        json={"name": "Duty Officer", "phone": "+447700900123", "email": "duty@example.com"},
    )
    assert r.status_code == 200, r.text
    s = admin.put(
        "/api/v1/recipients/duty/subscriptions/all-hits",
        json={"channels": channels, "kinds": ["hit"]},
    )
    assert s.status_code == 200, s.text


def node_hit(node: NodeClient, seq: int = 1) -> HitRecord:
    [record] = node.records(seq, 1)
    return HitRecord(
        detection_id=record.id,
        seq=seq,
        list_name="stolen",
        plate_norm="AB12CDE",
        match_kind="exact",
        hotlist_version=1,
        plate="AB12CDE",
        camera_id="gate-1",
        captured_at=record.captured_at,
    )


def lines(cloud: RunningCloud) -> list[dict]:
    path = cloud.settings.resolved_alert_file
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_same_exchange_twice_makes_one_alert_and_one_message(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False)
    setup(cloud)
    node = cloud.node()
    batch, hit = node.records(1, 1), node_hit(node)
    request = node.request(batch=batch, hits=[hit])
    from sync_protocol import codec

    body = codec.encode(request)
    for _ in range(2):  # the same bytes again (a retry after a lost reply), signed anew
        assert node.send(body).status_code == 200
    [alert] = cloud.store.alerts.list_alerts(AlertQuery()).items
    assert (alert.kind, alert.plate, alert.count, alert.priority) == ("hit", "AB12CDE", 1, 90)
    cloud.services.alerting.dispatcher.drain()
    sent = lines(cloud)
    assert sorted(m["delivery"]["channel"] for m in sent) == ["email", "sms"]
    assert all(m["delivery"]["alert_id"] == alert.alert_id for m in sent)
    assert "AB12CDE" in sent[0]["sms"]


def test_repeated_reads_of_a_plate_group_and_another_plate_is_not_swallowed(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False)
    setup(cloud, channels=["sms"])
    cloud.staff("admin").put("/api/v1/hotlist/stolen/XY99ZZZ", json={"priority": 90})
    node = cloud.node()
    node.exchange()  # pull the hotlist version
    node.exchange(batch=node.records(1, 3, plate="AB12CDE"))  # cloud-side matching
    node.exchange(batch=node.records(4, 1, plate="XY99ZZZ"))
    node.exchange(batch=node.records(5, 2, plate="AB12CDE"))
    alerts = cloud.store.alerts.list_alerts(AlertQuery()).items
    assert sorted((a.plate, a.count) for a in alerts) == [("AB12CDE", 5), ("XY99ZZZ", 1)]
    cloud.services.alerting.dispatcher.drain()
    assert sorted(m["payload"]["alert"]["plate"] for m in lines(cloud)) == ["AB12CDE", "XY99ZZZ"]


def test_a_hit_reaches_a_phone_through_sns(
    aws: None, cloud_factory: Callable[..., RunningCloud]
) -> None:
    # Given a cloud whose SMS go through SNS (moto), with its worker running
    cloud = cloud_factory(alert_sms="sns", aws_region=REGION, alert_poll_s=0.05)
    setup(cloud, channels=["sms"])
    node = cloud.node()
    # When a node pushes a hit
    node.exchange(batch=node.records(1, 1), hits=[node_hit(node)])
    # Then SNS received one SMS for the duty officer's phone, and the ledger has its id
    recorded = sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages
    deadline = time.monotonic() + 10
    while not recorded and time.monotonic() < deadline:
        time.sleep(0.05)
    [(message_id, (phone, text))] = recorded.items()
    assert phone == "+447700900123" and "AB12CDE" in text and "stolen" in text.lower()
    [alert] = cloud.store.alerts.list_alerts(AlertQuery()).items
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        [delivery] = cloud.store.deliveries.list_deliveries(alert.alert_id)
        if delivery.status == "sent":
            break
        time.sleep(0.05)
    assert (delivery.status, delivery.provider_message_id) == ("sent", message_id)


def test_a_hit_the_node_delivered_offline_is_recorded_and_not_sent_again(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    from datetime import UTC, datetime

    from sync_protocol.messages import LocalDelivery

    cloud = cloud_factory(alert_worker=False)
    setup(cloud)
    node = cloud.node()
    delivered = LocalDelivery(
        channel="smtp",
        recipient="duty@example.com",
        delivered_at=datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
        provider_message_id="<m1@node>",
    )
    hit = node_hit(node).model_copy(update={"delivered_locally": [delivered]})
    node.exchange(batch=node.records(1, 1), hits=[hit])
    [alert] = cloud.store.alerts.list_alerts(AlertQuery()).items
    [delivery] = cloud.store.deliveries.list_deliveries(alert.alert_id)
    assert (delivery.source, delivery.status, delivery.channel) == ("node", "sent", "smtp")
    assert delivery.recipient_id == "node:duty@example.com"
    cloud.services.alerting.dispatcher.drain()
    assert lines(cloud) == []  # the cloud sent nothing itself


def _fallback_delivery() -> LocalDelivery:
    """What a node's offline fallback sent by email."""
    return LocalDelivery(
        channel="smtp",
        recipient="duty@example.com",
        delivered_at=datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
        provider_message_id="<m1@node>",
    )


def test_a_fallback_delivery_after_a_lost_reply_is_recorded_once(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False)
    setup(cloud)
    node = cloud.node()
    batch, hit = node.records(1, 1), node_hit(node)
    node.exchange(batch=batch, hits=[hit])  # stored, alert raised; the reply is lost
    resent = hit.model_copy(update={"delivered_locally": [_fallback_delivery()]})
    node.exchange(batch=batch, hits=[resent])  # the node re-sends, with what it sent itself
    node.exchange(batch=batch, hits=[resent])  # and once more: nothing new
    [alert] = cloud.store.alerts.list_alerts(AlertQuery()).items
    detail = cloud.staff("admin").get(f"/api/v1/alerts/{alert.alert_id}")
    assert detail.status_code == 200, detail.text
    ledger = sorted(
        (d["source"], d["recipient_id"], d["channel"], d["status"], d["provider_message_id"])
        for d in detail.json()["deliveries"]
    )
    assert ledger == [
        ("cloud", "duty", "email", "pending", None),
        ("cloud", "duty", "sms", "pending", None),
        ("node", "node:duty@example.com", "smtp", "sent", "<m1@node>"),
    ]


def test_a_site_cannot_record_deliveries_on_another_sites_alert(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False)
    setup(cloud)
    victim, intruder = cloud.node(), cloud.node()
    hit = node_hit(victim)
    victim.exchange(batch=victim.records(1, 1), hits=[hit])
    forged = hit.model_copy(update={"delivered_locally": [_fallback_delivery()]})
    intruder.exchange(batch=intruder.records(1, 1), hits=[forged])
    alerts = cloud.store.alerts.list_alerts(AlertQuery(site_ids={victim.site_id})).items
    [alert] = alerts
    deliveries = cloud.store.deliveries.list_deliveries(alert.alert_id)
    assert {d.source for d in deliveries} == {"cloud"}
