"""The dispatcher: delivery, retries with backoff, give-up, rate limits, crashes, escalation."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from cloud_plane.alerts.backoff import RetryPolicy
from cloud_plane.alerts.limiter import RateLimiter
from cloud_plane.alerts.model import ChannelKind
from cloud_plane.alerts.ratelimit import Rate
from cloud_plane.alerts.rules import EscalationPolicy
from cloud_plane.hotlist.service import staff_author
from cloud_plane.records.alerts import AlertQuery
from cloud_plane.records.hits import StoredHit
from cloud_plane.store.sql import SqlStore
from sync_protocol.hotlist_messages import HotlistOp
from tests.cloud_plane.alerts.doubles import PERMANENT, TRANSIENT, FailingChannel, ScriptedChannel
from tests.cloud_plane.alerts.harness import T0, Alerting, Clock


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    impl = SqlStore.open(database_url)
    yield impl
    impl.meta.close()


def make(store: SqlStore, channel: ScriptedChannel | None = None, **kw) -> Alerting:
    channel = channel or ScriptedChannel()
    return Alerting(store=store, clock=Clock(), channels={"sms": channel}, **kw)


def test_a_hit_is_delivered_once_and_the_ledger_says_so(store: SqlStore) -> None:
    channel = ScriptedChannel()
    a = make(store, channel)
    a.recipient()
    raised = a.hit()
    assert a.dispatcher().drain() == 1
    [call] = channel.calls
    assert call.message.plate == "AB12CDE" and call.message.site_name == "Depot"
    assert call.recipient.phone == "+447700900123" and call.delivery.attempt == 1
    [d] = store.deliveries.list_deliveries(raised.alert.alert_id)
    assert (d.status, d.attempt, d.provider_message_id) == ("sent", 1, "scripted-1")
    [row] = store.deliveries.list_attempts(raised.alert.alert_id)
    assert (row.outcome, row.worker, row.provider_message_id) == ("sent", "w1", "scripted-1")
    assert a.dispatcher().drain() == 0


def test_failures_are_retried_with_growing_jittered_backoff(store: SqlStore) -> None:
    channel = ScriptedChannel([TRANSIENT, TRANSIENT])
    a = make(store, channel)
    a.recipient()
    raised = a.hit()
    dispatcher = a.dispatcher()
    bounds = []
    for attempt in (1, 2):
        assert dispatcher.drain() == 1
        [d] = store.deliveries.list_deliveries(raised.alert.alert_id)
        assert (d.status, d.attempt, d.last_error) == ("pending", attempt, TRANSIENT.error)
        wait = (d.next_at - a.clock()).total_seconds()  # type: ignore[operator]
        bound = 2.0 * 2 ** (attempt - 1)
        assert 0 <= wait <= bound
        bounds.append(bound)
        assert dispatcher.drain() == 0  # not due yet
        a.clock.now = d.next_at  # type: ignore[assignment]
    assert dispatcher.drain() == 1
    [d] = store.deliveries.list_deliveries(raised.alert.alert_id)
    assert (d.status, d.attempt) == ("sent", 3)
    assert [r.outcome for r in store.deliveries.list_attempts(raised.alert.alert_id)] == [
        "failed",
        "failed",
        "sent",
    ]


def test_giving_up_raises_a_visible_delivery_failed_alert(store: SqlStore) -> None:
    sms = FailingChannel(retryable=True)
    a = make(store, sms, retry=RetryPolicy(max_attempts=3, base_s=1, cap_s=1))
    a.channels["file"] = ScriptedChannel(name=ChannelKind.FILE)
    a.service.channels = set(a.channels)
    a.recipient("r1", ("sms",), kinds={"hit"})
    a.recipient("admin", ("file",), kinds={"delivery_failed"})
    raised = a.hit()
    dispatcher = a.dispatcher()
    for _ in range(3):
        dispatcher.drain()
        a.clock.advance(seconds=2)
    [d] = store.deliveries.list_deliveries(raised.alert.alert_id)
    assert (d.status, d.attempt) == ("gave_up", 3)
    assert d.gave_up_reason == f"gave up after 3 attempt(s): {TRANSIENT.error}"
    [failed] = store.alerts.list_alerts(AlertQuery(kind="delivery_failed")).items
    assert raised.alert.alert_id in failed.reason and "r1 by sms" in failed.reason
    dispatcher.drain()
    [told] = a.channels["file"].calls  # type: ignore[attr-defined]
    assert told.recipient.id == "admin" and told.message.kind == "delivery_failed"
    assert len(sms.calls) == 3  # bounded: no retry after giving up


def test_a_refusal_that_cannot_succeed_gives_up_at_once(store: SqlStore) -> None:
    a = make(store, ScriptedChannel(then=PERMANENT))
    a.recipient()
    raised = a.hit()
    a.dispatcher().drain()
    [d] = store.deliveries.list_deliveries(raised.alert.alert_id)
    assert (d.status, d.attempt, d.gave_up_reason) == (
        "gave_up",
        1,
        f"not retryable: {PERMANENT.error}",
    )
    assert len(store.alerts.list_alerts(AlertQuery(kind="delivery_failed")).items) == 1


def test_rate_limits_queue_deliveries_rather_than_drop_them(store: SqlStore) -> None:
    channel = ScriptedChannel()
    limiter = RateLimiter(per_recipient={ChannelKind.SMS: Rate.per_minute(2)})
    a = make(store, channel, limiter=limiter)
    a.recipient()
    for plate in ("AA11AAA", "BB22BBB", "CC33CCC", "DD44DDD", "EE55EEE"):
        a.hit(plate)
    dispatcher = a.dispatcher()
    dispatcher.drain()
    assert len(channel.calls) == 2
    waiting = [
        d
        for alert in store.alerts.list_alerts(AlertQuery()).items
        for d in store.deliveries.list_deliveries(alert.alert_id)
    ]
    pending = [d for d in waiting if d.status == "pending"]
    assert len(pending) == 3 and all(d.attempt == 0 and d.next_at > a.clock() for d in pending)  # type: ignore[operator]
    for _ in range(10):
        a.clock.advance(seconds=30)
        dispatcher.drain()
    assert len(channel.calls) == 5
    assert sorted(c.message.plate for c in channel.calls) == [
        "AA11AAA",
        "BB22BBB",
        "CC33CCC",
        "DD44DDD",
        "EE55EEE",
    ]


def test_drain_goes_on_past_a_pass_whose_whole_batch_was_rate_limited(store: SqlStore) -> None:
    """A pass that claims only held deliveries is no sign the queue is empty."""
    channel = ScriptedChannel()
    limiter = RateLimiter(per_recipient={ChannelKind.SMS: Rate.per_minute(1)})
    a = make(store, channel, limiter=limiter)
    a.recipient("busy")
    for plate in ("AA11AAA", "BB22BBB", "CC33CCC", "DD44DDD", "EE55EEE"):
        a.hit(plate)
    a.clock.advance(seconds=1)
    a.recipient("quiet")
    a.hit("FF66FFF")  # to both; quiet's is due after all of busy's
    a.dispatcher(senders=2).drain()  # passes: 1 sent + 1 held, 2 held, 2 held, then quiet's
    assert sorted(c.recipient.id for c in channel.calls) == ["busy", "quiet"]


def test_a_worker_killed_before_sending_loses_nothing(store: SqlStore) -> None:
    channel = ScriptedChannel()
    a = make(store, channel)
    a.recipient()
    raised = a.hit()
    dead = a.dispatcher("dead-worker")
    assert len(dead.prepare(10)) == 1  # claimed, ledger row written... then the process dies
    survivor = a.dispatcher("w2")
    assert survivor.drain() == 0  # the lease still holds
    a.clock.advance(seconds=61)
    assert survivor.drain() == 1
    assert len(channel.calls) == 1
    assert [
        (r.attempt, r.worker, r.outcome)
        for r in store.deliveries.list_attempts(raised.alert.alert_id)
    ] == [
        (1, "dead-worker", None),
        (2, "w2", "sent"),
    ]


def test_a_worker_killed_mid_send_repeats_only_that_send(store: SqlStore) -> None:
    channel = ScriptedChannel()
    a = make(store, channel)
    a.recipient("r1")
    a.recipient("r2")
    first, second = a.hit("AA11AAA"), a.hit("BB22BBB")
    dead = a.dispatcher("dead-worker")
    started = dead.prepare(1)  # one in flight...
    dead._attempt(started[0])  # ...handed to the provider, then the worker is killed
    survivor = a.dispatcher("w2")
    survivor.drain()
    a.clock.advance(seconds=61)
    survivor.drain()
    keys = [c.delivery.key for c in channel.calls]
    assert len(keys) == 5 and len(set(keys)) == 4  # four deliveries, the in-flight one twice
    ledgers = store.deliveries.list_attempts(first.alert.alert_id) + store.deliveries.list_attempts(
        second.alert.alert_id
    )
    unfinished = [r for r in ledgers if r.outcome is None]
    assert len(unfinished) == 1 and unfinished[0].worker == "dead-worker"
    repeat = [r for r in ledgers if r.delivery_id == unfinished[0].delivery_id]
    assert [(r.attempt, r.outcome) for r in repeat] == [(1, None), (2, "sent")]
    for alert in (first, second):
        assert {d.status for d in store.deliveries.list_deliveries(alert.alert.alert_id)} == {
            "sent"
        }


def test_unacknowledged_high_priority_alerts_escalate_to_the_next_tier(store: SqlStore) -> None:
    channel = ScriptedChannel()
    policy = EscalationPolicy(after=timedelta(minutes=10), min_priority=80)
    a = make(store, channel, escalation=policy)
    a.recipient("duty", tier=0)
    a.recipient("boss", tier=1)
    store.hotlist.apply_op(_op(priority=90), staff_author("admin"), received_at=a.clock())
    raised = a.hit()
    dispatcher = a.dispatcher()
    dispatcher.drain()
    a.clock.advance(minutes=9)
    assert a.service.escalate_due() == 0
    a.clock.advance(minutes=1)
    assert a.service.escalate_due() == 1
    assert a.service.escalate_due() == 0  # once
    dispatcher.drain()
    assert [c.recipient.id for c in channel.calls] == ["duty", "boss"]
    alert = store.alerts.get_alert(raised.alert.alert_id)
    assert (alert.escalation_tier, alert.next_escalation_at) == (1, None)  # no tier 2


def test_acknowledgement_stops_escalation(store: SqlStore) -> None:
    channel = ScriptedChannel()
    a = make(store, channel, escalation=EscalationPolicy(after=timedelta(minutes=10)))
    a.recipient("duty", tier=0)
    a.recipient("boss", tier=1)
    store.hotlist.apply_op(_op(priority=90), staff_author("admin"), received_at=a.clock())
    raised = a.hit()
    a.dispatcher().drain()
    acked = a.service.acknowledge(raised.alert.alert_id, by="duty@example.com")
    assert (acked.acked_by, acked.acked_at, acked.status) == (
        "duty@example.com",
        a.clock(),
        "acked",
    )
    a.clock.advance(hours=1)
    assert a.service.escalate_due() == 0
    a.dispatcher().drain()
    assert [c.recipient.id for c in channel.calls] == ["duty"]


def test_low_priority_alerts_do_not_escalate(store: SqlStore) -> None:
    a = make(store, escalation=EscalationPolicy(after=timedelta(minutes=10), min_priority=80))
    a.recipient("boss", tier=1)
    raised = a.hit()  # no hotlist entry: priority 50
    assert raised.alert.next_escalation_at is None
    a.clock.advance(hours=1)
    assert a.service.escalate_due() == 0


def test_sends_run_concurrently(store: SqlStore) -> None:
    channel = ScriptedChannel(latency_s=0.1)
    a = make(store, channel, senders=16)
    for i in range(16):
        a.recipient(f"r{i}")
    a.hit()
    started = time.perf_counter()
    assert a.dispatcher(senders=16).drain() == 16
    assert time.perf_counter() - started < 1.0  # 16 × 0.1 s one after the other would be 1.6 s


def _op(priority: int) -> HotlistOp:
    return HotlistOp(
        op_id=uuid.uuid4(),
        action="upsert",
        list_name="stolen",
        plate_norm="AB12CDE",
        reason="taken from driveway",
        priority=priority,
        made_at=T0,
        made_by="admin",
    )


def test_a_fuzzy_match_of_another_read_never_swallows_an_exact_read(store: SqlStore) -> None:
    a = make(store)
    a.recipient()
    fuzzy = a.service.on_hit(replace(_stored_hit(a), plate="AB12CDF"))  # read AB12CDF ~ entry
    exact = a.service.on_hit(_stored_hit(a))  # read AB12CDE, the listed plate itself
    assert (fuzzy.result, exact.result) == ("created", "created")
    assert {fuzzy.alert.plate, exact.alert.plate} == {"AB12CDF", "AB12CDE"}
    again = a.service.on_hit(_stored_hit(a))  # the listed plate read again: grouped
    assert again.result == "grouped" and again.alert.alert_id == exact.alert.alert_id


def _stored_hit(a: Alerting) -> StoredHit:
    return StoredHit(
        detection_id=uuid.uuid4(),
        list_name="stolen",
        plate_norm="AB12CDE",
        site_id=a.site.site_id,
        stream_id="st",
        seq=1,
        match_kind="exact",
        source="node",
        plate="AB12CDE",
        camera_id="gate-1",
        captured_at=a.clock(),
        hotlist_version=1,
        created_at=a.clock(),
    )
