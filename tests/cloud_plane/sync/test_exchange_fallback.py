"""The exchange records a node's offline-fallback deliveries of a hit the cloud already held.

The real exchange and alert services over a real store (SQLite, PostgreSQL, DynamoDB in
moto); each exchange of a node's re-send is the same request, as after a lost reply.
"""

from __future__ import annotations

from cloud_plane.alerts.service import AlertService
from cloud_plane.records.alerts import AlertQuery
from cloud_plane.records.recipients import StoredRecipient, Subscription
from cloud_plane.store.base import CloudStore
from cloud_plane.sync.exchange import ExchangeService
from sync_protocol.messages import DetectionBatch, ExchangeRequest, HitRecord, LocalDelivery
from tests.cloud_plane.store.contracts.builders import NOW, records

STREAM = "st_fallback"


def exchange_service(store: CloudStore) -> ExchangeService:
    """The exchange as the cloud wires it: hits handed to the alert service."""
    alerts = AlertService(store=store, clock=lambda: NOW)
    return ExchangeService(
        store=store, clock=lambda: NOW, snapshot_threshold=1000, on_hit=alerts.on_hit
    )


def request(site_id: str, delivered: list[LocalDelivery]) -> ExchangeRequest:
    """A batch of one read with its hit, and what the node delivered for it."""
    [record] = records(STREAM, 1, 1)
    hit = HitRecord(
        detection_id=record.id,
        seq=1,
        list_name="stolen",
        plate_norm="AB12CDE",
        match_kind="exact",
        hotlist_version=1,
        plate=record.plate,
        camera_id=record.camera_id,
        captured_at=record.captured_at,
        delivered_locally=delivered,
    )
    return ExchangeRequest(
        site_id=site_id,
        stream_id=STREAM,
        node_time=NOW,
        hotlist_version=0,
        batch=DetectionBatch(stream_id=STREAM, first_seq=1, records=[record]),
        hits=[hit],
    )


def test_a_resent_hit_records_the_nodes_delivery_once(shared_store: CloudStore) -> None:
    store = shared_store
    site = store.sites.create_site("Depot", now=NOW)
    store.recipients.put_recipient(
        StoredRecipient(
            recipient_id="duty",
            name="Duty",
            created_at=NOW,
            updated_at=NOW,
            phone="+447700900123",
        )
    )
    store.recipients.put_subscription(
        Subscription(subscription_id="s", recipient_id="duty", channels=("sms",), created_at=NOW)
    )
    exchange = exchange_service(store)
    exchange.exchange(site.site_id, request(site.site_id, []))  # its reply is lost
    sent = LocalDelivery(
        channel="smtp",
        recipient="duty@example.com",
        delivered_at=NOW,
        provider_message_id="<m1@node>",
    )
    # The re-send (with what the fallback delivered), then a third send, each by another
    # worker (exchanges in AWS mode are Lambda invocations).
    for worker in (exchange, exchange_service(store)):
        reply, _ = worker.exchange(site.site_id, request(site.site_id, [sent]))
        assert reply.ack == {STREAM: 1}
    [alert] = store.alerts.list_alerts(AlertQuery()).items
    assert alert.count == 1
    ledger = sorted(
        (d.source, d.recipient_id, d.channel, d.status, d.sent_at, d.provider_message_id)
        for d in store.deliveries.list_deliveries(alert.alert_id)
    )
    assert ledger == [
        ("cloud", "duty", "sms", "pending", None, None),
        ("node", "node:duty@example.com", "smtp", "sent", NOW, "<m1@node>"),
    ]
