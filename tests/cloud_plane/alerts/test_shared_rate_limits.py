"""Rate limits across workers: two dispatchers (or two SQS workers) on one store share them.

Each worker has its own ``RateLimiter`` (as separate `cloud dispatcher` processes or
Lambda instances would) over the store's ``rate_limits`` role, and runs in its own
thread. A burst of 60 alerts to one recipient on one channel, limited to 5 a minute
(burst 5), under a clock the test moves a minute at a time: the workers together send
5 at once and then 5 a minute (per-process buckets would send 10, then 10 a minute),
every delivery goes exactly once, none is dropped, and another recipient's deliveries
go at once, whatever the first recipient's bucket says.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from cloud_plane.alerts.dispatcher import Dispatcher
from cloud_plane.alerts.limiter import RateLimiter
from cloud_plane.alerts.model import ChannelKind
from cloud_plane.alerts.queue_worker import QueueWorker
from cloud_plane.alerts.ratelimit import Rate
from cloud_plane.alerts.sqs import SqsQueue
from cloud_plane.records.alerts import AlertQuery
from cloud_plane.records.deliveries import StoredDelivery
from cloud_plane.store.base import CloudStore
from cloud_plane.store.rate_roles import RateLimitStore
from cloud_plane.store.sql import SqlStore
from tests.cloud_plane.alerts.conftest import REGION
from tests.cloud_plane.alerts.doubles import ScriptedChannel
from tests.cloud_plane.alerts.harness import Alerting, Clock
from tests.cloud_plane.store.contracts.conftest import OneRequestAtATime
from tests.threads import run_together

BURST = 60  # alerts to the busy recipient
OTHERS = 3  # alerts to another recipient, raised after the burst
PER_MINUTE = 5
SENDERS = 8


@dataclass
class World:
    """One store and clock, two recipients, the alerts raised, and the phone network."""

    alerting: Alerting
    channel: ScriptedChannel

    @property
    def store(self) -> CloudStore:
        return self.alerting.store  # type: ignore[return-value]

    def dispatcher(self, worker_id: str) -> Dispatcher:
        """A worker as a `cloud dispatcher` process: its own limiter over the store's buckets."""
        limiter = RateLimiter(
            per_recipient={ChannelKind.SMS: Rate.per_minute(PER_MINUTE, burst=PER_MINUTE)},
            state=self.store.rate_limits,
        )
        return self.alerting.dispatcher(worker_id, limiter=limiter, senders=SENDERS)

    def sent_to(self, recipient_id: str) -> int:
        return sum(1 for c in self.channel.calls if c.recipient.id == recipient_id)

    def deliveries(self) -> list[StoredDelivery]:
        return _deliveries(self.store)


def _deliveries(store: CloudStore) -> list[StoredDelivery]:
    """Every delivery of every alert in ``store``."""
    alerts = store.alerts.list_alerts(AlertQuery(limit=200)).items
    return [d for a in alerts for d in store.deliveries.list_deliveries(a.alert_id)]


@pytest.fixture
def world(shared_store: CloudStore) -> World:
    channel = ScriptedChannel()
    a = Alerting(store=shared_store, clock=Clock(), channels={"sms": channel})  # type: ignore[arg-type]
    a.recipient("busy", ("sms",), lists={"stolen"})
    a.recipient("other", ("sms",), lists={"wanted"})
    for i in range(BURST):
        a.hit(f"AB{i:02d}CDE")
    for i in range(OTHERS):
        a.hit(f"XY{i:02d}ZZZ", list_name="wanted")
    return World(a, channel)


def _passes(dispatcher: Dispatcher) -> Callable[[], None]:
    """Enough dispatch passes for one worker alone to decide everything due now."""
    due = BURST + OTHERS

    def run() -> None:
        for _ in range(math.ceil(due / SENDERS) + 1):
            dispatcher.dispatch_once()

    return run


@pytest.fixture
def dispatchers(world: World) -> Iterator[list[Dispatcher]]:
    workers = [world.dispatcher("w1"), world.dispatcher("w2")]
    yield workers
    for d in workers:
        d.close()


def test_two_dispatchers_send_a_burst_within_the_limit_in_total_each_delivery_once(
    world: World, dispatchers: list[Dispatcher]
) -> None:
    sent: list[int] = []
    for _ in range(BURST // PER_MINUTE):
        run_together([_passes(d) for d in dispatchers])
        sent.append(world.sent_to("busy"))
        world.alerting.clock.advance(minutes=1)
    # Per-process buckets would give each worker its own 5 a minute: 10, 20, 30, ...
    assert sent == [PER_MINUTE * (k + 1) for k in range(BURST // PER_MINUTE)]
    # ... and the last minute sent the last of them: none dropped, none sent twice.
    ids = [c.delivery.alert_id for c in world.channel.calls]
    assert len(ids) == len(set(ids)) == BURST + OTHERS
    assert {(d.status, d.attempt) for d in world.deliveries()} == {("sent", 1)}


def test_another_recipient_is_not_held_back_by_the_busy_one_s_bucket(
    world: World, dispatchers: list[Dispatcher]
) -> None:
    run_together([_passes(d) for d in dispatchers])
    assert (world.sent_to("busy"), world.sent_to("other")) == (PER_MINUTE, OTHERS)


# --- the SQS path: two delivery workers (Lambda instances) handling batches at once ---------------


@pytest.fixture
def queue_workers(world: World, aws: None) -> Iterator[list[QueueWorker]]:
    client: Any = OneRequestAtATime(boto3.client("sqs", region_name=REGION))
    url = client.create_queue(QueueName="deliveries")["QueueUrl"]
    workers = [
        QueueWorker(world.dispatcher(w), SqsQueue(url, client=client), grace=timedelta(minutes=5))
        for w in ("w1", "w2")
    ]
    yield workers
    for w in workers:
        w.close()


def _messages(ids: list[str], worker: QueueWorker, start: int) -> Callable[[], None]:
    """Handle every other batch of 10 messages naming ``ids`` (SQS's batch size)."""

    def run() -> None:
        batches = [ids[i : i + 10] for i in range(0, len(ids), 10)]
        for n, batch in enumerate(batches[start::2]):
            worker.handle([{"messageId": f"m{n}-{i}", "body": b} for i, b in enumerate(batch)])

    return run


def test_two_sqs_workers_send_a_burst_within_the_limit_in_total_each_delivery_once(
    world: World, queue_workers: list[QueueWorker]
) -> None:
    # Each minute every delivery is named by a message again (the delayed ones the workers
    # sent arrive in real time, not on this clock); a message with nothing due does nothing.
    ids = [d.delivery_id for d in world.deliveries()]
    sent: list[int] = []
    for _ in range(BURST // PER_MINUTE):
        run_together([_messages(ids, w, start) for start, w in enumerate(queue_workers)])
        sent.append(world.sent_to("busy"))
        world.alerting.clock.advance(minutes=1)
    assert sent == [PER_MINUTE * (k + 1) for k in range(BURST // PER_MINUTE)]
    assert {(d.status, d.attempt) for d in world.deliveries()} == {("sent", 1)}
    assert world.sent_to("other") == OTHERS


# --- what a batch costs: one read and one write of the buckets, however many deliveries ---------


class CountingBuckets:
    """The store's buckets, counting the calls made to them."""

    def __init__(self, state: RateLimitStore) -> None:
        self.state = state
        self.reads = self.swaps = 0

    def read(self, buckets: Collection[str]) -> dict[str, datetime]:
        self.reads += 1
        return self.state.read(buckets)

    def swap(self, expected: Mapping[str, datetime | None], new: Mapping[str, datetime]) -> bool:
        self.swaps += 1
        return self.state.swap(expected, new)

    def prune(self, before: datetime) -> int:
        return self.state.prune(before)


@pytest.fixture
def small(database_url: str) -> Iterator[tuple[Alerting, CountingBuckets]]:
    """Six deliveries due (two alerts to three recipients), and a limiter counting its calls."""
    store = SqlStore.open(database_url)
    a = Alerting(store=store, clock=Clock(), channels={"sms": ScriptedChannel()})
    for rid in ("r1", "r2", "r3"):
        a.recipient(rid, ("sms",))
    a.hit("AB12CDE")
    a.hit("XY99ZZZ")
    counting = CountingBuckets(store.rate_limits)
    a.limiter = RateLimiter(
        per_channel={ChannelKind.SMS: Rate.per_minute(100)},
        per_recipient={ChannelKind.SMS: Rate.per_minute(PER_MINUTE)},
        state=counting,
    )
    yield a, counting
    store.meta.close()


def test_a_dispatcher_pass_reads_and_writes_the_buckets_once_for_its_batch(
    small: tuple[Alerting, CountingBuckets],
) -> None:
    a, counting = small
    dispatcher = a.dispatcher()
    try:
        assert dispatcher.dispatch_once().claimed == 6
    finally:
        dispatcher.close()
    assert (counting.reads, counting.swaps) == (1, 1)


def test_an_sqs_batch_reads_and_writes_the_buckets_once(
    small: tuple[Alerting, CountingBuckets], aws: None
) -> None:
    a, counting = small
    client = boto3.client("sqs", region_name=REGION)
    queue = SqsQueue(client.create_queue(QueueName="deliveries")["QueueUrl"], client=client)
    worker = QueueWorker(a.dispatcher(), queue)
    ids = [d.delivery_id for d in _deliveries(a.store)]
    try:
        assert worker.handle([{"messageId": i, "body": i} for i in ids]) == []
    finally:
        worker.close()
    assert len(ids) == 6 and (counting.reads, counting.swaps) == (1, 1)
