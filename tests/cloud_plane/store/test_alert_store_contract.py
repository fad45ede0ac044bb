"""The alert part of the store contract, over every CloudStore implementation."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cloud_plane.alerts import rules
from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.store.alerts_base import (
    AlertQuery,
    AttemptResult,
    NewAlert,
    NewDelivery,
    StoredRecipient,
    Subscription,
)
from cloud_plane.store.base import CloudStore
from cloud_plane.store.sql import SqlStore

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)
LEASE = timedelta(seconds=60)


@pytest.fixture(params=["sql"])
def store(request: pytest.FixtureRequest, database_url: str) -> Iterator[CloudStore]:
    """Each implementation (DynamoDB joins this list in its issue)."""
    impl = SqlStore.open(database_url)
    yield impl
    impl.close()


def hit_alert(
    detection: str | None = None, *, plate: str = "AB12CDE", at: datetime = NOW, **kw
) -> NewAlert:
    detection = detection or str(uuid.uuid4())
    fields = {
        "alert_id": str(uuid.uuid4()),
        "kind": "hit",
        "priority": 90,
        "site_id": "site-a",
        "occurred_at": at,
        "created_at": at,
        "plate": plate,
        "plate_norm": plate,
        "list_name": "stolen",
        "detection_id": detection,
        "dedup_key": rules.hit_dedup_key(detection, "stolen", plate),
        "group_key": rules.hit_group_key("site-a", "stolen", plate),
    }
    fields.update(kw)
    return NewAlert(**fields)


def problem(kind: str = "site_offline", camera: str | None = None, at: datetime = NOW) -> NewAlert:
    return NewAlert(
        alert_id=str(uuid.uuid4()),
        kind=kind,
        priority=60,
        site_id="site-a",
        occurred_at=at,
        created_at=at,
        reason="no heartbeat",
        camera_id=camera,
        open_key=rules.problem_key(kind, "site-a", camera),
    )


def delivery(alert_id: str, recipient: str = "r1", channel: str = "sms", at=NOW) -> NewDelivery:
    return NewDelivery(
        delivery_id=str(uuid.uuid4()),
        alert_id=alert_id,
        recipient_id=recipient,
        channel=channel,
        next_at=at,
        created_at=at,
    )


# --- alerts ------------------------------------------------------------------------------------


def test_the_same_hit_twice_makes_one_alert(store: CloudStore) -> None:
    first = store.raise_alert(hit_alert("d1"), group_window=WINDOW)
    again = store.raise_alert(hit_alert("d1"), group_window=WINDOW)
    assert (first.result, again.result) == ("created", "duplicate")
    assert again.alert.alert_id == first.alert.alert_id and again.alert.count == 1


def test_reads_of_one_plate_within_the_window_group_into_one_alert(store: CloudStore) -> None:
    a = store.raise_alert(hit_alert(at=NOW), group_window=WINDOW)
    b = store.raise_alert(hit_alert(at=NOW + timedelta(minutes=3)), group_window=WINDOW)
    c = store.raise_alert(hit_alert(at=NOW + timedelta(minutes=11)), group_window=WINDOW)
    assert (a.result, b.result, c.result) == ("created", "grouped", "created")
    grouped = store.get_alert(a.alert.alert_id)
    assert grouped.count == 2 and grouped.last_seen == NOW + timedelta(minutes=3)
    assert c.alert.alert_id != a.alert.alert_id and c.alert.count == 1


def test_a_grouped_hit_sent_again_is_not_counted_twice(store: CloudStore) -> None:
    a = store.raise_alert(hit_alert("d1"), group_window=WINDOW)
    store.raise_alert(hit_alert("d2", at=NOW + timedelta(minutes=1)), group_window=WINDOW)
    again = store.raise_alert(hit_alert("d2", at=NOW + timedelta(minutes=1)), group_window=WINDOW)
    assert again.result == "duplicate" and again.alert.alert_id == a.alert.alert_id
    assert store.get_alert(a.alert.alert_id).count == 2


def test_a_different_plate_is_never_swallowed(store: CloudStore) -> None:
    a = store.raise_alert(hit_alert(plate="AB12CDE"), group_window=WINDOW)
    b = store.raise_alert(hit_alert(plate="XY99ZZZ"), group_window=WINDOW)
    assert b.result == "created" and b.alert.alert_id != a.alert.alert_id


def test_grouping_in_the_store_matches_the_pure_rule(store: CloudStore) -> None:
    offsets = [0, 4, 9, 12, 13, 25, 3, 40]  # minutes; 3 arrives late
    reads = []
    for i, minutes in enumerate(offsets):
        plate = "AB12CDE" if i % 3 else "CD34EFG"
        alert = hit_alert(f"d{i}", plate=plate, at=NOW + timedelta(minutes=minutes))
        store.raise_alert(alert, group_window=WINDOW)
        reads.append(rules.Read(alert.dedup_key, alert.group_key, alert.occurred_at))  # type: ignore[arg-type]
    expected = sorted(g.count for g in rules.group_reads(reads, WINDOW))
    stored = store.list_alerts(AlertQuery(limit=100)).items
    assert sorted(a.count for a in stored) == expected


def test_a_problem_is_open_once_and_can_reopen_after_resolving(store: CloudStore) -> None:
    first = store.raise_alert(problem(), group_window=WINDOW)
    again = store.raise_alert(problem(at=NOW + timedelta(minutes=1)), group_window=WINDOW)
    assert (first.result, again.result) == ("created", "already_open")
    assert [a.alert_id for a in store.open_problems()] == [first.alert.alert_id]
    resolved = store.resolve_alert(first.alert.alert_id, now=NOW + timedelta(minutes=2))
    assert resolved.status == "resolved" and resolved.open_key is None
    assert store.resolve_alert(first.alert.alert_id, now=NOW + timedelta(hours=1)).resolved_at == (
        NOW + timedelta(minutes=2)
    )
    assert store.open_problems() == []
    reopened = store.raise_alert(problem(at=NOW + timedelta(minutes=5)), group_window=WINDOW)
    assert reopened.result == "created"


def test_concurrent_raisers_of_one_problem_make_one_alert(store: CloudStore) -> None:
    results: list[str] = []

    def raise_one() -> None:
        results.append(
            store.raise_alert(problem("camera_silent", "cam-1"), group_window=WINDOW).result
        )

    threads = [threading.Thread(target=raise_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["already_open"] * 5 + ["created"]


def test_alerts_are_listed_newest_first_with_filters_and_cursor(store: CloudStore) -> None:
    ids = []
    for i in range(5):
        raised = store.raise_alert(
            hit_alert(plate=f"PLATE{i}", at=NOW + timedelta(seconds=i)), group_window=WINDOW
        )
        ids.append(raised.alert.alert_id)
    store.raise_alert(problem(), group_window=WINDOW)
    page = store.list_alerts(AlertQuery(kind="hit", limit=3))
    assert [a.alert_id for a in page.items] == ids[::-1][:3]
    rest = store.list_alerts(AlertQuery(kind="hit", limit=3, cursor=page.next_cursor))
    assert [a.alert_id for a in rest.items] == ids[::-1][3:] and rest.next_cursor is None
    assert [
        a.kind for a in store.list_alerts(AlertQuery(status="open", kind="site_offline")).items
    ] == ["site_offline"]
    assert store.list_alerts(AlertQuery(site_ids=set())).items == []
    with pytest.raises(InvalidInput):
        store.list_alerts(AlertQuery(cursor="garbage"))
    with pytest.raises(NotFound):
        store.get_alert("nope")


def test_ack_is_idempotent_and_stops_escalation(store: CloudStore) -> None:
    alert = hit_alert(next_escalation_at=NOW + timedelta(minutes=10))
    raised = store.raise_alert(alert, group_window=WINDOW)
    assert [a.alert_id for a in store.due_escalations(NOW + timedelta(minutes=10))] == [
        raised.alert.alert_id
    ]
    acked = store.ack_alert(raised.alert.alert_id, by="ann", now=NOW + timedelta(minutes=1))
    again = store.ack_alert(raised.alert.alert_id, by="bob", now=NOW + timedelta(minutes=2))
    assert (again.status, again.acked_by, again.acked_at) == ("acked", "ann", acked.acked_at)
    assert store.due_escalations(NOW + timedelta(hours=1)) == []
    assert store.escalate_alert(raised.alert.alert_id, from_tier=0, next_at=None) is None


def test_escalation_moves_one_tier_once(store: CloudStore) -> None:
    raised = store.raise_alert(
        hit_alert(next_escalation_at=NOW + timedelta(minutes=10)), group_window=WINDOW
    )
    later = NOW + timedelta(minutes=20)
    moved = store.escalate_alert(raised.alert.alert_id, from_tier=0, next_at=later)
    assert moved is not None and (moved.escalation_tier, moved.next_escalation_at) == (1, later)
    assert store.escalate_alert(raised.alert.alert_id, from_tier=0, next_at=later) is None


# --- recipients and subscriptions ----------------------------------------------------------------


def recipient(rid: str = "r1", **kw) -> StoredRecipient:
    fields = {"recipient_id": rid, "name": "Duty", "created_at": NOW, "updated_at": NOW}
    fields.update(kw)
    return StoredRecipient(**fields)


def test_recipients_and_subscriptions_round_trip(store: CloudStore) -> None:
    store.put_recipient(recipient(phone="+447700900123"))
    updated = store.put_recipient(
        recipient(
            email="d@example.com", created_at=NOW + timedelta(1), updated_at=NOW + timedelta(1)
        )
    )
    assert updated.created_at == NOW and updated.email == "d@example.com" and updated.phone is None
    sub = Subscription(
        subscription_id="s1",
        recipient_id="r1",
        channels=("sms", "email"),
        created_at=NOW,
        lists=frozenset({"stolen"}),
        kinds=frozenset({"hit"}),
        quiet_start="22:00",
        quiet_end="07:00",
        quiet_zone="Europe/London",
        tier=1,
    )
    assert store.put_subscription(sub) == sub
    assert store.list_subscriptions("r1") == [sub] and store.list_subscriptions("other") == []
    with pytest.raises(NotFound):
        store.put_subscription(Subscription("s2", "ghost", ("sms",), NOW))
    store.delete_recipient("r1")
    assert store.list_subscriptions() == [] and store.list_recipients() == []
    with pytest.raises(NotFound):
        store.delete_recipient("r1")
    with pytest.raises(NotFound):
        store.delete_subscription("s1")


# --- the delivery queue and ledger ------------------------------------------------------------


def test_enqueueing_the_same_delivery_twice_keeps_one(store: CloudStore) -> None:
    assert store.enqueue_deliveries([delivery("a1"), delivery("a1", channel="email")]) == 2
    assert store.enqueue_deliveries([delivery("a1")]) == 0
    assert len(store.list_deliveries("a1")) == 2


def test_claims_lease_due_deliveries_to_one_worker(store: CloudStore) -> None:
    store.enqueue_deliveries(
        [delivery("a1"), delivery("a1", "r2"), delivery("a1", "r3", at=NOW + timedelta(hours=1))]
    )
    mine = store.claim_deliveries(worker="w1", now=NOW, lease=LEASE, limit=10)
    assert {d.recipient_id for d in mine} == {"r1", "r2"}
    assert all(d.status == "in_flight" and d.leased_by == "w1" for d in mine)
    assert store.claim_deliveries(worker="w2", now=NOW, lease=LEASE, limit=10) == []


def test_concurrent_claims_never_share_a_delivery(store: CloudStore) -> None:
    store.enqueue_deliveries([delivery("a1", f"r{i}") for i in range(40)])
    got: dict[str, list[str]] = {}

    def claim(worker: str) -> None:
        got[worker] = [
            d.delivery_id
            for d in store.claim_deliveries(worker=worker, now=NOW, lease=LEASE, limit=15)
        ]

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [d for ids in got.values() for d in ids]
    assert len(claimed) == len(set(claimed)) == 40


def test_an_attempt_is_in_the_ledger_before_and_after_the_send(store: CloudStore) -> None:
    store.enqueue_deliveries([delivery("a1")])
    [d] = store.claim_deliveries(worker="w1", now=NOW, lease=LEASE, limit=1)
    [started] = store.begin_attempts([d.delivery_id], worker="w1", now=NOW)
    assert started.attempt == 1
    [row] = store.list_attempts("a1")
    assert (row.attempt, row.outcome, row.finished_at) == (1, None, None)
    retry = NOW + timedelta(seconds=5)
    after = store.finish_attempt(
        d.delivery_id, 1, AttemptResult(ok=False, error="busy", retry_at=retry), now=NOW
    )
    assert (after.status, after.next_at, after.last_error) == ("pending", retry, "busy")
    [d] = store.claim_deliveries(worker="w1", now=retry, lease=LEASE, limit=1)
    store.begin_attempts([d.delivery_id], worker="w1", now=retry)
    done = store.finish_attempt(
        d.delivery_id, 2, AttemptResult(ok=True, provider_message_id="m-1"), now=retry
    )
    assert (done.status, done.attempt, done.provider_message_id) == ("sent", 2, "m-1")
    assert [(a.attempt, a.outcome) for a in store.list_attempts("a1")] == [
        (1, "failed"),
        (2, "sent"),
    ]


def test_an_expired_lease_is_taken_over_and_the_ledger_shows_it(store: CloudStore) -> None:
    store.enqueue_deliveries([delivery("a1")])
    [d] = store.claim_deliveries(worker="dead", now=NOW, lease=LEASE, limit=1)
    store.begin_attempts([d.delivery_id], worker="dead", now=NOW)
    assert store.claim_deliveries(worker="w2", now=NOW + LEASE / 2, lease=LEASE, limit=1) == []
    [again] = store.claim_deliveries(worker="w2", now=NOW + LEASE, lease=LEASE, limit=1)
    assert store.begin_attempts([again.delivery_id], worker="dead", now=NOW + LEASE) == []
    [mine] = store.begin_attempts([again.delivery_id], worker="w2", now=NOW + LEASE)
    store.finish_attempt(mine.delivery_id, 2, AttemptResult(ok=True), now=NOW + LEASE)
    assert [(a.attempt, a.worker, a.outcome) for a in store.list_attempts("a1")] == [
        (1, "dead", None),
        (2, "w2", "sent"),
    ]


def test_a_deferred_delivery_waits_without_counting_an_attempt(store: CloudStore) -> None:
    store.enqueue_deliveries([delivery("a1")])
    [d] = store.claim_deliveries(worker="w1", now=NOW, lease=LEASE, limit=1)
    later = NOW + timedelta(seconds=30)
    assert store.defer_delivery(d.delivery_id, worker="w1", until=later)
    [back] = store.list_deliveries("a1")
    assert (back.status, back.attempt, back.next_at) == ("pending", 0, later)
    assert store.claim_deliveries(worker="w1", now=NOW, lease=LEASE, limit=1) == []
    assert len(store.claim_deliveries(worker="w1", now=later, lease=LEASE, limit=1)) == 1


def test_giving_up_keeps_the_reason(store: CloudStore) -> None:
    store.enqueue_deliveries([delivery("a1")])
    [d] = store.claim_deliveries(worker="w1", now=NOW, lease=LEASE, limit=1)
    store.begin_attempts([d.delivery_id], worker="w1", now=NOW)
    result = AttemptResult(ok=False, error="invalid number", give_up_reason="not retryable")
    after = store.finish_attempt(d.delivery_id, 1, result, now=NOW)
    assert (after.status, after.gave_up_reason, after.next_at) == ("gave_up", "not retryable", None)
    assert (
        store.claim_deliveries(worker="w1", now=NOW + timedelta(days=1), lease=LEASE, limit=1) == []
    )
