"""Escalation and acknowledgement with several monitors and dispatchers on one store.

Each worker (a monitor's ``AlertService``, a ``Dispatcher``: another process or Lambda
invocation) runs in its own thread against the one store; they share the clock, so "due"
means the same to all of them.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from cloud_plane.alerts.dispatcher import Dispatcher
from cloud_plane.alerts.health import HealthMonitor
from cloud_plane.alerts.rules import EscalationPolicy
from cloud_plane.records.deliveries import AttemptResult
from cloud_plane.store.base import CloudStore
from cloud_plane.store.dynamo.deliveries import DynamoDeliveries
from sync_protocol.messages import Heartbeat
from tests.cloud_plane.alerts.doubles import ScriptedChannel
from tests.cloud_plane.alerts.harness import Alerting, Clock
from tests.threads import run_together

POLICY = EscalationPolicy(after=timedelta(minutes=10), min_priority=0)


def alerting(store: CloudStore, channel: ScriptedChannel | None = None) -> Alerting:
    """Recipients on tiers 0 ("duty"), 1 ("boss") and 2 ("chief"), escalating every 10 min."""
    a = Alerting(
        store=store,
        clock=Clock(),
        channels={"sms": channel or ScriptedChannel()},
        escalation=POLICY,
    )
    a.recipient("duty", tier=0)
    a.recipient("boss", tier=1)
    a.recipient("chief", tier=2)
    return a


def dispatcher_of(a: Alerting, worker_id: str) -> Dispatcher:
    """Another process's dispatcher: its own alert service, the same store, channels, clock."""
    return Dispatcher(
        store=a.service.store,
        channels=a.channels,
        alerts=replace(a.service),
        clock=a.clock,
        worker_id=worker_id,
        senders=2,
    )


def test_an_escalation_tier_fires_once_however_many_monitors_run(shared_store: CloudStore) -> None:
    a = alerting(shared_store)
    alerts = [a.hit(plate=f"AB{i}CDE").alert.alert_id for i in range(6)]
    monitors = [a.service, replace(a.service)]  # two monitors
    for tier, recipient in ((1, "boss"), (2, "chief")):
        a.clock.advance(minutes=10)
        moved = run_together([m.escalate_due for m in monitors])
        assert sum(moved) == len(alerts)  # each alert moved by one monitor only
        for alert_id in alerts:
            assert a.store.alerts.get_alert(alert_id).escalation_tier == tier
            queued = [d for d in a.store.deliveries.list_deliveries(alert_id) if d.tier == tier]
            assert [d.recipient_id for d in queued] == [recipient]
    a.clock.advance(minutes=10)
    assert run_together([m.escalate_due for m in monitors]) == [0, 0]  # no tier 3


def test_an_ack_between_claim_and_begin_sends_nothing(shared_store: CloudStore) -> None:
    """The dispatcher's steps (claim, begin, send) with another worker's ack between."""
    channel = ScriptedChannel()
    a = alerting(shared_store, channel)
    alert_id = a.hit().alert.alert_id
    dispatcher = a.dispatcher()
    dispatcher.drain()
    a.clock.advance(minutes=10)
    assert a.service.escalate_due() == 1
    queue = dispatcher.store.deliveries
    claimed = queue.claim_deliveries(
        worker=dispatcher.worker_id, now=a.clock(), lease=dispatcher.lease, limit=10
    )
    assert [(d.recipient_id, d.tier) for d in claimed] == [("boss", 1)]
    replace(a.service).acknowledge(alert_id, by="duty@example.com")
    started = queue.begin_attempts(
        [d.delivery_id for d in claimed], worker=dispatcher.worker_id, now=a.clock()
    )
    for delivery in started:
        dispatcher.send(delivery)
    assert [c.recipient.id for c in channel.calls] == ["duty"]
    statuses = {d.recipient_id: d.status for d in queue.list_deliveries(alert_id)}
    assert statuses == {"duty": "sent", "boss": "cancelled"}
    assert [a.recipient_id for a in queue.list_attempts(alert_id)] == ["duty"]


def test_an_ack_stops_the_queued_escalation_tier(shared_store: CloudStore) -> None:
    channel = ScriptedChannel()
    a = alerting(shared_store, channel)
    alert_id = a.hit().alert.alert_id
    a.dispatcher().drain()
    a.clock.advance(minutes=10)
    assert a.service.escalate_due() == 1
    acked = replace(a.service).acknowledge(alert_id, by="duty@example.com")
    assert acked.status == "acked"
    deliveries = a.store.deliveries.list_deliveries(alert_id)
    assert {(d.recipient_id, d.tier, d.status) for d in deliveries} == {
        ("duty", 0, "sent"),
        ("boss", 1, "cancelled"),
    }
    assert a.dispatcher("w2").drain() == 0
    a.clock.advance(minutes=10)
    assert a.service.escalate_due() == 0
    assert [c.recipient.id for c in channel.calls] == ["duty"]


def test_acks_racing_running_dispatchers_never_send_without_a_begun_attempt(
    shared_store: CloudStore,
) -> None:
    """Two dispatchers run (real threads) while another worker acks every alert: each
    escalation delivery ends sent after an attempt that began before its ack, or cancelled
    with no attempt; nothing is left queued, nothing sent twice."""
    channel = ScriptedChannel()
    a = alerting(shared_store, channel)
    for rid in ("boss-2", "boss-3"):
        a.recipient(rid, tier=1)
    alerts = [a.hit(plate=f"XY{i}Z").alert.alert_id for i in range(6)]
    a.dispatcher().drain()
    tier0 = len(channel.calls)
    a.clock.advance(minutes=10)
    assert a.service.escalate_due() == len(alerts)
    stop = threading.Event()
    dispatchers = [dispatcher_of(a, f"w{i}") for i in range(2)]
    runners = [
        threading.Thread(target=d.run, args=(stop,), kwargs={"poll_s": 0.01}) for d in dispatchers
    ]
    for t in runners:
        t.start()
    acker = replace(a.service)
    for alert_id in alerts:
        acker.acknowledge(alert_id, by="duty@example.com")
    stop.set()
    for t in runners:
        t.join()
    for d in dispatchers:
        d.close()
    a.dispatcher("w9").drain()  # what the runners left claimed is refused now
    escalation_sends = channel.calls[tier0:]
    sent = 0
    for alert_id in alerts:
        began = {r.delivery_id for r in a.store.deliveries.list_attempts(alert_id)}
        for d in a.store.deliveries.list_deliveries(alert_id):
            if d.tier == 0:
                continue
            assert d.status in ("sent", "cancelled")
            assert (d.status == "sent") == (d.delivery_id in began)
            sent += d.status == "sent"
    assert len(escalation_sends) == sent
    assert len({(c.delivery.alert_id, c.recipient.id) for c in escalation_sends}) == sent


class Writes:
    """One role of the store, counting the escalation's two writes on a shared tally."""

    def __init__(self, role: object, tally: list[str], dies_at: int) -> None:
        self._role, self._tally, self._dies_at = role, tally, dies_at

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self._role, name)
        if name not in ("escalate_alert", "enqueue_deliveries"):
            return attribute

        def write(*args: object, **kwargs: object) -> object:
            self._tally.append(name)
            if len(self._tally) == self._dies_at:
                raise ConnectionError(f"monitor killed at its write {name}")
            return attribute(*args, **kwargs)

        return write


class DiesAtTheSecondWrite:
    """A monitor's view of the store that dies at the escalation's second write."""

    def __init__(self, store: CloudStore) -> None:
        self._store, self.tally = store, []  # type: list[str]
        self.alerts = Writes(store.alerts, self.tally, dies_at=2)
        self.deliveries = Writes(store.deliveries, self.tally, dies_at=2)

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


def test_a_monitor_dying_mid_escalation_leaves_the_tier_for_the_next_pass(
    shared_store: CloudStore,
) -> None:
    """Queue, then move: a pass killed between the writes (two on DynamoDB) loses nobody."""
    channel = ScriptedChannel()
    a = alerting(shared_store, channel)
    alert_id = a.hit().alert.alert_id
    a.dispatcher().drain()
    a.clock.advance(minutes=10)
    killed = DiesAtTheSecondWrite(a.store)
    dying = replace(a.service, store=killed)  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        dying.escalate_due()
    assert len(killed.tally) == 2  # one write made, killed at the other
    assert a.store.alerts.get_alert(alert_id).escalation_tier == 0  # not moved
    assert a.service.escalate_due() == 1  # the next pass moves it
    boss = [d for d in a.store.deliveries.list_deliveries(alert_id) if d.tier == 1]
    assert [d.recipient_id for d in boss] == ["boss"]  # queued once, by either pass
    a.dispatcher("w2").drain()
    assert [c.recipient.id for c in channel.calls] == ["duty", "boss"]


def test_an_escalation_queued_for_an_alert_resolved_meanwhile_is_never_sent(
    shared_store: CloudStore,
) -> None:
    channel = ScriptedChannel()
    a = alerting(shared_store, channel)
    alert_id = a.hit().alert.alert_id
    a.dispatcher().drain()
    a.clock.advance(minutes=10)
    a.service.fan_out(a.store.alerts.get_alert(alert_id), tier=1)  # a monitor's first write
    a.store.alerts.resolve_alert(alert_id, now=a.clock())  # resolved before its second
    a.dispatcher("w2").drain()
    assert [c.recipient.id for c in channel.calls] == ["duty"]
    boss = [d for d in a.store.deliveries.list_deliveries(alert_id) if d.tier == 1]
    assert [d.status for d in boss] == ["cancelled"]


def _heartbeat() -> Heartbeat:
    return Heartbeat(
        node_version="1",
        uptime_s=60,
        disk_used_bytes=1,
        disk_total_bytes=100,
        db_size_bytes=1,
        backlog_count=0,
    )


def test_two_monitors_raise_a_problem_once_and_tell_its_resolution_once(
    shared_store: CloudStore,
) -> None:
    channel = ScriptedChannel()
    a = alerting(shared_store, channel)
    site = a.site.site_id
    a.store.detections.record_heartbeat(site, _heartbeat(), a.clock())
    monitors = [HealthMonitor(a.store, replace(a.service)) for _ in range(2)]
    a.clock.advance(minutes=10)  # no heartbeat for 10 min: offline
    raised = run_together([m.check for m in monitors])
    assert sum(r for r, _ in raised) == 1
    a.dispatcher().drain()
    assert [(c.recipient.id, type(c.message).__name__) for c in channel.calls] == [
        ("duty", "AlertMessage")
    ]
    a.store.detections.record_heartbeat(site, _heartbeat(), a.clock())  # back
    resolved = run_together([m.check for m in monitors])
    assert sum(r for _, r in resolved) >= 1  # (each may see it open; one resolves it first)
    a.clock.advance(seconds=30)  # the resolution's settle time
    a.dispatcher("w2").drain()
    told = [(c.recipient.id, type(c.message).__name__) for c in channel.calls[1:]]
    assert told == [("duty", "ResolutionMessage")]


def test_an_ack_while_a_sent_escalation_is_recorded_leaves_it_sent(shared_store: CloudStore):
    """DynamoDB records an attempt's end in two writes (its ledger row, then the delivery): an
    ack landing between them must not cancel a delivery whose message went out."""
    queue = shared_store.deliveries
    if not isinstance(queue, DynamoDeliveries):
        pytest.skip("only DynamoDB records an attempt's end in two writes")
    a = alerting(shared_store)
    alert_id = a.hit().alert.alert_id
    dispatcher = a.dispatcher()
    dispatcher.drain()
    a.clock.advance(minutes=10)
    assert a.service.escalate_due() == 1
    claimed = queue.claim_deliveries(
        worker=dispatcher.worker_id, now=a.clock(), lease=dispatcher.lease, limit=10
    )
    [begun] = queue.begin_attempts(
        [d.delivery_id for d in claimed], worker=dispatcher.worker_id, now=a.clock()
    )
    table = queue._db.table
    ledger_written = table.update

    def then_ack(*args, **kwargs):
        table.update = ledger_written  # once: the delivery's own write goes through as it is
        result = ledger_written(*args, **kwargs)
        replace(a.service).acknowledge(alert_id, by="duty@example.com")
        return result

    table.update = then_ack
    queue.finish_attempt(begun.delivery_id, begun.attempt, AttemptResult(ok=True), now=a.clock())
    statuses = {d.recipient_id: d.status for d in queue.list_deliveries(alert_id)}
    assert statuses == {"duty": "sent", "boss": "sent"}
