"""Delivery through SQS (moto): announcements after commit, batches, retries, the sweep."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from cloud_plane.alerts.limiter import RateLimiter
from cloud_plane.alerts.model import AlertKind, ChannelKind, ResolutionMessage
from cloud_plane.alerts.queue_worker import DeliveryAnnouncer, QueueWorker
from cloud_plane.alerts.ratelimit import Rate
from cloud_plane.alerts.rules import EscalationPolicy
from cloud_plane.alerts.sqs import SqsQueue
from cloud_plane.records.alerts import AlertQuery
from cloud_plane.store.sql import SqlStore
from tests.cloud_plane.alerts.conftest import REGION
from tests.cloud_plane.alerts.doubles import TRANSIENT, ScriptedChannel
from tests.cloud_plane.alerts.harness import Alerting, Clock


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    impl = SqlStore.open(database_url)
    yield impl
    impl.meta.close()


@dataclass
class Sqs:
    """A queue in moto and what the tests read from it."""

    client: Any
    url: str

    def take(self) -> list[dict[str, Any]]:
        """Every visible message, as Lambda's SQS records (received, so hidden for a while)."""
        records: list[dict[str, Any]] = []
        while batch := SqsQueue(self.url, client=self.client).receive(wait_s=0):
            records += batch
        return records

    def counts(self) -> tuple[int, int]:
        """(visible, delayed) messages."""
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"]
        got = self.client.get_queue_attributes(QueueUrl=self.url, AttributeNames=names)
        return tuple(int(got["Attributes"][n]) for n in names)  # type: ignore[return-value]


@pytest.fixture
def sqs(aws: None) -> Sqs:
    client = boto3.client("sqs", region_name=REGION)
    return Sqs(client, client.create_queue(QueueName="deliveries")["QueueUrl"])


@dataclass
class World:
    alerting: Alerting
    worker: QueueWorker
    channel: ScriptedChannel
    sqs: Sqs


def world(store: SqlStore, sqs: Sqs, channel: ScriptedChannel | None = None, **kw: Any) -> World:
    channel = channel or ScriptedChannel()
    a = Alerting(store=store, clock=Clock(), channels={"sms": channel}, **kw)
    queue = SqsQueue(sqs.url, client=sqs.client)
    a.service.announce = DeliveryAnnouncer(queue)
    worker = QueueWorker(a.dispatcher(), queue, grace=timedelta(seconds=60))
    a.recipient()
    return World(a, worker, channel, sqs)


def record(message_id: str, body: str) -> dict[str, Any]:
    return {"messageId": message_id, "receiptHandle": f"rh-{message_id}", "body": body}


def test_each_new_delivery_is_announced_once_by_its_id(store: SqlStore, sqs: Sqs) -> None:
    w = world(store, sqs)
    w.alerting.recipient("r2")
    raised = w.alerting.hit()
    ids = {d.delivery_id for d in store.deliveries.list_deliveries(raised.alert.alert_id)}
    assert len(ids) == 2
    assert {r["body"] for r in sqs.take()} == ids


def test_the_announcement_waits_for_the_transaction_to_commit(store: SqlStore, sqs: Sqs) -> None:
    w = world(store, sqs)
    with store.meta.atomic():  # as the exchange calls on_hit: inside its transaction
        w.alerting.hit()
        assert sqs.counts() == (0, 0)
    assert sqs.counts() == (1, 0)


def test_a_batch_sends_its_deliveries_and_fails_only_the_bad_message(
    store: SqlStore, sqs: Sqs
) -> None:
    w = world(store, sqs)
    raised = w.alerting.hit()
    [good] = sqs.take()
    failed = w.worker.handle(
        [good, record("m-unknown", "no-such-delivery"), record("m-bad", "not a delivery id!")]
    )
    assert failed == ["m-bad"]
    [call] = w.channel.calls
    assert call.message.plate == "AB12CDE"
    [d] = store.deliveries.list_deliveries(raised.alert.alert_id)
    assert (d.status, d.attempt) == ("sent", 1)
    [row] = store.deliveries.list_attempts(raised.alert.alert_id)
    assert (row.outcome, row.worker) == ("sent", w.worker.worker_id)


def test_a_repeated_message_sends_nothing_twice(store: SqlStore, sqs: Sqs) -> None:
    w = world(store, sqs)
    w.alerting.hit()
    [message] = sqs.take()
    assert w.worker.handle([message]) == []
    assert w.worker.handle([{**message, "messageId": "again"}]) == []
    assert len(w.channel.calls) == 1


def test_retry_later_is_a_new_message_delayed_by_the_backoff(store: SqlStore, sqs: Sqs) -> None:
    w = world(store, sqs, ScriptedChannel([TRANSIENT]))
    raised = w.alerting.hit()
    [message] = sqs.take()
    assert w.worker.handle([message]) == []  # consumed: the retry has its own message
    [d] = store.deliveries.list_deliveries(raised.alert.alert_id)
    assert (d.status, d.attempt, d.last_error) == ("pending", 1, TRANSIENT.error)
    assert sqs.counts() == (0, 1)  # delayed: invisible until the backoff has passed
    w.alerting.clock.now = d.next_at + timedelta(seconds=1)
    assert w.worker.handle([record("retry", d.delivery_id)]) == []
    [after] = store.deliveries.list_deliveries(raised.alert.alert_id)
    assert (after.status, after.attempt) == ("sent", 2)


def test_a_message_before_its_retry_is_due_does_nothing(store: SqlStore, sqs: Sqs) -> None:
    w = world(store, sqs, ScriptedChannel([TRANSIENT]))
    w.alerting.hit()
    [message] = sqs.take()
    w.worker.handle([message])
    assert w.worker.handle([{**message, "messageId": "early"}]) == []
    assert len(w.channel.calls) == 1


def test_a_rate_limited_delivery_waits_in_a_delayed_message(store: SqlStore, sqs: Sqs) -> None:
    limiter = RateLimiter(per_recipient={ChannelKind.SMS: Rate.per_minute(1)})
    w = world(store, sqs, limiter=limiter)
    w.alerting.hit("AB12CDE")
    w.alerting.hit("XY99ZZZ")
    assert w.worker.handle(sqs.take()) == []
    assert len(w.channel.calls) == 1
    assert sqs.counts() == (0, 1)
    waiting = [
        d for a in store.alerts.list_alerts(AlertQuery(limit=100)).items
        for d in store.deliveries.list_deliveries(a.alert_id)
        if d.status == "pending"
    ]  # fmt: skip
    assert len(waiting) == 1 and waiting[0].attempt == 0


def test_a_store_failure_fails_only_that_message(store: SqlStore, sqs: Sqs, monkeypatch) -> None:
    w = world(store, sqs)
    w.alerting.hit("AB12CDE")
    w.alerting.hit("XY99ZZZ")
    first, second = sqs.take()
    real = store.deliveries.claim_delivery

    def flaky(delivery_id: str, **kw: Any):
        if delivery_id == first["body"]:
            raise ConnectionError("the database went away")
        return real(delivery_id, **kw)

    monkeypatch.setattr(store.deliveries, "claim_delivery", flaky)
    assert w.worker.handle([first, second]) == [first["messageId"]]
    assert len(w.channel.calls) == 1


def test_an_outcome_that_cannot_be_recorded_fails_its_message(
    store: SqlStore, sqs: Sqs, monkeypatch
) -> None:
    w = world(store, sqs)
    w.alerting.hit()
    [message] = sqs.take()

    def broken(*args: Any, **kw: Any):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(store.deliveries, "finish_attempt", broken)
    assert w.worker.handle([message]) == [message["messageId"]]


def test_the_sweep_announces_deliveries_whose_message_was_lost(store: SqlStore, sqs: Sqs) -> None:
    w = world(store, sqs)
    raised = w.alerting.hit()
    sqs.take()  # the message is lost (say, deleted by hand)
    assert w.worker.sweep() == 0  # not overdue yet: its message may still be on its way
    w.alerting.clock.advance(seconds=61)
    assert w.worker.sweep() == 1
    [message] = sqs.take()
    [d] = store.deliveries.list_deliveries(raised.alert.alert_id)
    assert (message["body"], d.status, d.attempt) == (d.delivery_id, "pending", 0)
    assert w.worker.handle([message]) == []
    assert len(w.channel.calls) == 1


def test_a_failed_announcement_is_repaired_by_the_sweep(store: SqlStore, sqs: Sqs) -> None:
    w = world(store, sqs)
    w.alerting.service.announce = DeliveryAnnouncer(SqsQueue(sqs.url + "-gone", client=sqs.client))
    w.alerting.hit()  # committed; the message could not be sent (logged)
    assert sqs.counts() == (0, 0)
    w.alerting.clock.advance(minutes=2)
    assert w.worker.sweep() == 1
    assert w.worker.handle(sqs.take()) == []
    assert len(w.channel.calls) == 1


def test_a_held_delivery_whose_delayed_message_fails_fails_only_its_message(
    store: SqlStore, sqs: Sqs, monkeypatch
) -> None:
    limiter = RateLimiter(per_recipient={ChannelKind.SMS: Rate.per_minute(1)})
    w = world(store, sqs, limiter=limiter)
    w.alerting.hit("AB12CDE")
    w.alerting.hit("XY99ZZZ")
    first, second = sqs.take()
    monkeypatch.setattr(w.worker.queue, "send", lambda ids, delay_s=0: list(ids))  # SQS down
    assert w.worker.handle([first, second]) == [second["messageId"]]
    assert len(w.channel.calls) == 1


def _escalated(store: SqlStore, sqs: Sqs) -> tuple[World, str, dict[str, Any]]:
    """A hit sent to r1 (tier 0), escalated to "boss" (tier 1): (world, alert, boss's message)."""
    w = world(store, sqs, escalation=EscalationPolicy(after=timedelta(minutes=10), min_priority=0))
    w.alerting.recipient("boss", tier=1)
    alert_id = w.alerting.hit().alert.alert_id
    assert w.worker.handle(sqs.take()) == []
    w.alerting.clock.advance(minutes=10)
    assert w.alerting.service.escalate_due() == 1
    [message] = sqs.take()
    return w, alert_id, message


def test_the_message_of_an_escalation_cancelled_by_an_ack_is_consumed_unsent(
    store: SqlStore, sqs: Sqs
) -> None:
    w, alert_id, message = _escalated(store, sqs)
    w.alerting.service.acknowledge(alert_id, by="r1@example.com")
    assert w.worker.handle([message]) == []  # consumed: not failed, so never redelivered
    assert [c.recipient.id for c in w.channel.calls] == ["r1"]
    statuses = {d.recipient_id: d.status for d in store.deliveries.list_deliveries(alert_id)}
    assert statuses == {"r1": "sent", "boss": "cancelled"}


def test_an_escalation_message_after_an_ack_that_cancelled_nothing_is_consumed_unsent(
    store: SqlStore, sqs: Sqs
) -> None:
    """The ack committed but its cancellations did not (DynamoDB: a crash between the two
    writes): the claim succeeds, begin_attempts refuses the attempt and cancels it."""
    w, alert_id, message = _escalated(store, sqs)
    store.alerts.ack_alert(alert_id, by="r1@example.com", now=w.alerting.clock())
    assert w.worker.handle([message]) == []
    assert [c.recipient.id for c in w.channel.calls] == ["r1"]
    statuses = {d.recipient_id: d.status for d in store.deliveries.list_deliveries(alert_id)}
    assert statuses == {"r1": "sent", "boss": "cancelled"}
    assert [a.recipient_id for a in store.deliveries.list_attempts(alert_id)] == ["r1"]


# --- resolution messages (issue 18) -----------------------------------------------------------


def test_resolutions_are_announced_to_arrive_when_due_and_go_as_one_message(
    store: SqlStore, sqs: Sqs
) -> None:
    w = world(store, sqs)
    service = w.alerting.service
    assert isinstance(service.announce, DeliveryAnnouncer)
    service.announce_later = service.announce.later
    problems = [
        service.raise_problem(
            AlertKind.CAMERA_SILENT, w.alerting.site.site_id, "no read", camera_id=f"gate-{i}"
        ).alert
        for i in (1, 2, 3)
    ]
    assert w.worker.handle(sqs.take()) == []  # the three alerts go
    for problem in problems:
        service.resolve(problem, "camera reading again")
    assert sqs.counts() == (0, 3)  # delayed by the settle time
    w.alerting.clock.advance(seconds=30)
    ids = [
        d.delivery_id
        for p in problems
        for d in store.deliveries.list_deliveries(p.alert_id)
        if d.purpose == "resolution"
    ]
    for i, delivery_id in enumerate(ids):  # each message in its own batch, as Lambda may
        assert w.worker.handle([record(f"m{i}", delivery_id)]) == []
    [call] = [c for c in w.channel.calls if c.delivery.purpose == "resolution"]
    assert isinstance(call.message, ResolutionMessage) and len(call.message.resolved) == 3
    statuses = {store.deliveries.list_deliveries(p.alert_id)[-1].status for p in problems}
    assert statuses == {"sent"}
