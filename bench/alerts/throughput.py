"""(a) Dispatcher throughput: N deliveries queued, drained by the real worker loop through a
channel that takes a fixed time per send (a provider's latency), on the default SQLite store."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cloud_plane.alerts.model import (
    AlertMessage,
    ChannelKind,
    Delivery,
    DeliveryOutcome,
    Recipient,
)
from cloud_plane.alerts.wiring import build_alerting
from cloud_plane.config import CloudSettings
from cloud_plane.records.alerts import NewAlert
from cloud_plane.records.deliveries import NewDelivery
from cloud_plane.records.recipients import StoredRecipient
from cloud_plane.store.sql import SqlStore


class FixedLatencyChannel:
    """Accepts every message after ``latency_s`` (time.sleep: the GIL is free meanwhile)."""

    name = ChannelKind.SMS

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.sent = 0
        self._lock = threading.Lock()

    def send(
        self, delivery: Delivery, message: AlertMessage, recipient: Recipient
    ) -> DeliveryOutcome:
        time.sleep(self.latency_s)
        with self._lock:
            self.sent += 1
            n = self.sent
        return DeliveryOutcome.sent(f"fake-{n}")


def run(root: Path, *, deliveries: int, latency_s: float, senders: int | None) -> dict:
    """Queue ``deliveries`` and time the drain; return the figures."""
    overrides = {} if senders is None else {"alert_senders": senders}
    settings = CloudSettings(data_dir=root, alert_recipient_rate_per_minute=None, **overrides)
    store = SqlStore.open(settings.resolved_database_url)
    channel = FixedLatencyChannel(latency_s)
    alerting = build_alerting(settings, store, lambda: datetime.now(UTC), channels={"sms": channel})
    now = datetime.now(UTC)
    site = store.sites.create_site("Bench", now=now)
    alert_ids = []
    for i in range(max(1, deliveries // 100)):
        alert_id = str(uuid.uuid4())
        store.alerts.raise_alert(
            NewAlert(
                alert_id=alert_id,
                kind="hit",
                priority=90,
                site_id=site.site_id,
                occurred_at=now,
                created_at=now,
                plate=f"BEN{i:04d}",
                plate_norm=f"BEN{i:04d}",
                list_name="stolen",
                dedup_key=f"bench|{alert_id}",
            ),
            group_window=timedelta(minutes=10),
        )
        alert_ids.append(alert_id)
    queue = []
    for i in range(deliveries):
        rid = f"r{i:05d}"
        store.recipients.put_recipient(
            StoredRecipient(
                recipient_id=rid, name=rid, created_at=now, updated_at=now, phone="+447700900123"
            )
        )
        queue.append(
            NewDelivery(
                delivery_id=str(uuid.uuid4()),
                alert_id=alert_ids[i % len(alert_ids)],
                recipient_id=rid,
                channel="sms",
                next_at=now,
                created_at=now,
            )
        )
    store.deliveries.enqueue_deliveries(queue)
    dispatcher = alerting.dispatcher
    stop = threading.Event()
    worker = threading.Thread(
        target=dispatcher.run, args=(stop,), kwargs={"poll_s": settings.alerts.poll_s}
    )
    started = time.perf_counter()
    worker.start()
    deadline = started + 600
    while channel.sent < deliveries and time.perf_counter() < deadline:
        time.sleep(0.005)
    # The last outcomes are recorded just after the sends return: wait for the ledger too.
    while time.perf_counter() < deadline:
        pending = sum(
            1 for a in alert_ids for d in store.deliveries.list_deliveries(a) if d.status != "sent"
        )
        if pending == 0:
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    stop.set()
    worker.join(30)
    dispatcher.close()
    attempts = sum(len(store.deliveries.list_attempts(a)) for a in alert_ids)
    store.meta.close()
    return {
        "deliveries": deliveries,
        "latency_ms": latency_s * 1000,
        "senders": dispatcher.senders,
        "drain_s": round(elapsed, 3),
        "per_s": round(deliveries / elapsed, 1),
        "sent": channel.sent,
        "ledger_rows": attempts,
        "serial_floor_s": round(deliveries * latency_s, 1),
    }
