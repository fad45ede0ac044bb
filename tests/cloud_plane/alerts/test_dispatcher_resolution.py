"""Resolution messages through the dispatcher: a recipient's resolutions go as one message."""

from __future__ import annotations

from datetime import timedelta

from cloud_plane.alerts.health import HealthMonitor, HealthThresholds
from cloud_plane.alerts.limiter import RateLimiter
from cloud_plane.alerts.model import ChannelKind, DeliveryOutcome, ResolutionMessage
from cloud_plane.alerts.ratelimit import Rate
from cloud_plane.store.base import CloudStore
from sync_protocol.messages import CameraHealth, Heartbeat
from tests.cloud_plane.alerts.doubles import TRANSIENT, ScriptedChannel
from tests.cloud_plane.alerts.harness import Alerting, Clock


def world(store: CloudStore, sms: ScriptedChannel | None = None) -> Alerting:
    """Two recipients on SMS and email, at a site with a heartbeat."""
    a = Alerting(
        store=store,
        clock=Clock(),
        channels={
            "sms": sms or ScriptedChannel(),
            "email": ScriptedChannel(name=ChannelKind.EMAIL),
        },
    )
    a.recipient("r1", ("sms", "email"))
    a.recipient("r2", ("sms", "email"))
    return a


def heartbeat(a: Alerting, *, healthy: bool) -> None:
    """Record a heartbeat: healthy, or with three problems (disk, backlog, silent camera)."""
    now = a.clock()
    last_read = now if healthy else now - timedelta(hours=2)
    beat = Heartbeat(
        node_version="0.1",
        uptime_s=86_400,
        disk_used_bytes=10 if healthy else 95,
        disk_total_bytes=100,
        db_size_bytes=1,
        backlog_count=0 if healthy else 200_000,
        cameras=[CameraHealth(camera_id="gate-1", last_seen=last_read)],
    )
    a.store.detections.record_heartbeat(a.site.site_id, beat, now)


def monitor(a: Alerting) -> HealthMonitor:
    return HealthMonitor(a.store, a.service, HealthThresholds(camera_silent_after_s=600))


def three_problems_sent_then_cleared(a: Alerting) -> list[str]:
    """Raise three problems, send them, clear all three in one monitor pass; return their ids."""
    heartbeat(a, healthy=False)
    assert monitor(a).check() == (3, 0)
    assert a.dispatcher().drain() == 12  # 3 alerts x 2 recipients x 2 channels
    a.clock.advance(minutes=5)
    heartbeat(a, healthy=True)
    ids = [p.alert_id for p in a.store.alerts.open_problems(a.site.site_id)]
    assert monitor(a).check() == (0, 3)
    return ids


def resolution_calls(channel: object) -> list[ResolutionMessage]:
    assert isinstance(channel, ScriptedChannel)
    return [c.message for c in channel.calls if isinstance(c.message, ResolutionMessage)]


def test_problems_resolved_together_reach_each_recipient_as_one_message_per_channel(
    shared_store: CloudStore,
) -> None:
    a = world(shared_store)
    three_problems_sent_then_cleared(a)
    a.clock.advance(seconds=30)
    a.dispatcher().drain()
    for name in ("sms", "email"):
        channel = a.channels[name]
        messages = resolution_calls(channel)
        assert len(messages) == 2, name  # one per recipient, not one per problem
        assert all(len(m.resolved) == 3 for m in messages)
        assert isinstance(channel, ScriptedChannel)
        told = sorted(c.recipient.id for c in channel.calls if c.delivery.purpose == "resolution")
        assert told == ["r1", "r2"]


def test_the_ledger_shows_each_grouped_resolution_sent_with_the_one_message(
    shared_store: CloudStore,
) -> None:
    a = world(shared_store)
    ids = three_problems_sent_then_cleared(a)
    a.clock.advance(seconds=30)
    a.dispatcher().drain()
    by_pair: dict[tuple[str, str], set[str | None]] = {}
    for alert_id in ids:
        resolutions = [
            d
            for d in shared_store.deliveries.list_deliveries(alert_id)
            if d.purpose == "resolution"
        ]
        assert sorted((d.recipient_id, d.channel, d.status) for d in resolutions) == [
            ("r1", "email", "sent"),
            ("r1", "sms", "sent"),
            ("r2", "email", "sent"),
            ("r2", "sms", "sent"),
        ]
        for d in resolutions:
            by_pair.setdefault((d.recipient_id, d.channel), set()).add(d.provider_message_id)
        ids_of_resolutions = {d.delivery_id for d in resolutions}
        ledger = [
            r
            for r in shared_store.deliveries.list_attempts(alert_id)
            if r.delivery_id in ids_of_resolutions
        ]
        assert sorted(r.outcome or "" for r in ledger) == ["sent"] * 4
    # the three deliveries of one recipient and channel carry the one message's provider id
    assert all(len(provider_ids) == 1 for provider_ids in by_pair.values())


def test_a_grouped_resolution_that_fails_retries_together(shared_store: CloudStore) -> None:
    # The six alert SMS go; the SMS provider is down when the resolutions go.
    sms = ScriptedChannel([DeliveryOutcome.sent("ok")] * 6, then=TRANSIENT)
    a = world(shared_store, sms)
    ids = three_problems_sent_then_cleared(a)
    a.clock.advance(seconds=30)
    a.dispatcher().drain()
    pending = [
        d
        for alert_id in ids
        for d in shared_store.deliveries.list_deliveries(alert_id)
        if d.purpose == "resolution" and d.channel == "sms" and d.recipient_id == "r1"
    ]
    assert [(d.status, d.attempt) for d in pending] == [("pending", 1)] * 3
    assert len({d.next_at for d in pending}) == 1
    assert len(resolution_calls(sms)) == 2  # one failed try per recipient


def test_a_grouped_resolution_costs_one_message_of_the_recipients_rate(
    shared_store: CloudStore,
) -> None:
    a = world(shared_store)
    ids = three_problems_sent_then_cleared(a)
    a.clock.advance(minutes=10)  # the alerts' sends are long refilled
    one_a_minute = RateLimiter(per_recipient={ChannelKind.SMS: Rate.per_minute(1)})
    a.dispatcher(limiter=one_a_minute).drain()
    sms = [
        d
        for alert_id in ids
        for d in shared_store.deliveries.list_deliveries(alert_id)
        if d.purpose == "resolution" and d.channel == "sms"
    ]
    assert {d.status for d in sms} == {"sent"}  # three resolutions each, within one a minute
    assert len(resolution_calls(a.channels["sms"])) == 2
