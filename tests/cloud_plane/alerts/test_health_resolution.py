"""End to end: a site goes offline, its alert is sent, it beats again, the resolution is sent.

A real cloud (HTTP, SQL store) with a node exchanging over HTTP; messages go to the file
channel, read back as the recipient would get them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from cloud_plane.records.alerts import AlertQuery
from cloud_plane.records.recipients import StoredRecipient, Subscription
from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.helpers import beat


def subscribe(cloud: RunningCloud) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    cloud.store.recipients.put_recipient(
        StoredRecipient(
            recipient_id="duty",
            name="Duty officer",
            created_at=at,
            updated_at=at,
            phone="+447700900123",
            email="duty@example.com",
        )
    )
    cloud.store.recipients.put_subscription(
        Subscription(
            subscription_id="duty-all",
            recipient_id="duty",
            channels=("sms", "email"),
            created_at=at,
        )
    )


def messages(cloud: RunningCloud) -> list[dict[str, Any]]:
    path = cloud.settings.resolved_alert_file
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_site_back_online_tells_who_got_the_alert_why_it_resolved(
    monitored_cloud: RunningCloud,
) -> None:
    cloud, alerting = monitored_cloud, monitored_cloud.services.alerting
    subscribe(cloud)
    node = cloud.node()
    node.exchange(heartbeat=beat(cloud))
    cloud.clock.advance(seconds=301)
    assert alerting.monitor.check() == (1, 0)
    alerting.dispatcher.drain()
    assert sorted(m["delivery"]["channel"] for m in messages(cloud)) == ["email", "sms"]
    cloud.clock.advance(seconds=14 * 60 - 301)  # back 14 minutes after its last heartbeat
    node.exchange(heartbeat=beat(cloud))
    assert alerting.monitor.check() == (0, 1)
    alerting.dispatcher.drain()
    assert len(messages(cloud)) == 2  # the resolution waits to gather others
    cloud.clock.advance(seconds=30)
    alerting.dispatcher.drain()
    resolutions = [m for m in messages(cloud) if m["delivery"]["id"].endswith(":resolved")]
    assert sorted(m["delivery"]["channel"] for m in resolutions) == ["email", "sms"]
    for m in resolutions:
        assert m["sms"].startswith("RESOLVED Site offline")
        assert "heartbeats again after 14 min" in m["sms"]
        assert m["email"]["subject"].startswith("[edgesync] Resolved: Site offline at")
        assert m["payload"]["event"] == "alert.resolved"
    [alert] = cloud.store.alerts.list_alerts(AlertQuery()).items
    assert alert.resolution == "heartbeats again after 14 min"
