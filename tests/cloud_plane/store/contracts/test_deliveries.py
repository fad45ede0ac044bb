"""The ``DeliveryQueue`` contract: queue, leases, retries and the attempt ledger."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import timedelta

from cloud_plane.records.deliveries import AttemptResult
from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import LEASE, NOW, WINDOW, delivery, hit_alert
from tests.threads import run_together

ROLE = "deliveries"


def test_enqueueing_the_same_delivery_twice_keeps_one(store: CloudStore) -> None:
    assert (
        store.deliveries.enqueue_deliveries([delivery("a1"), delivery("a1", channel="email")]) == 2
    )
    assert store.deliveries.enqueue_deliveries([delivery("a1")]) == 0
    assert len(store.deliveries.list_deliveries("a1")) == 2


def test_claims_lease_due_deliveries_to_one_worker(store: CloudStore) -> None:
    store.deliveries.enqueue_deliveries(
        [delivery("a1"), delivery("a1", "r2"), delivery("a1", "r3", at=NOW + timedelta(hours=1))]
    )
    mine = store.deliveries.claim_deliveries(worker="w1", now=NOW, lease=LEASE, limit=10)
    assert {d.recipient_id for d in mine} == {"r1", "r2"}
    assert all(d.status == "in_flight" and d.leased_by == "w1" for d in mine)
    assert store.deliveries.claim_deliveries(worker="w2", now=NOW, lease=LEASE, limit=10) == []


def test_concurrent_claims_never_share_a_delivery(store: CloudStore) -> None:
    store.deliveries.enqueue_deliveries([delivery("a1", f"r{i}") for i in range(40)])
    got: dict[str, list[str]] = {}

    def claim(worker: str) -> None:
        got[worker] = [
            d.delivery_id
            for d in store.deliveries.claim_deliveries(
                worker=worker, now=NOW, lease=LEASE, limit=15
            )
        ]

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [d for ids in got.values() for d in ids]
    assert len(claimed) == len(set(claimed)) == 40


def test_an_attempt_is_in_the_ledger_before_and_after_the_send(store: CloudStore) -> None:
    store.deliveries.enqueue_deliveries([delivery("a1")])
    [d] = store.deliveries.claim_deliveries(worker="w1", now=NOW, lease=LEASE, limit=1)
    [started] = store.deliveries.begin_attempts([d.delivery_id], worker="w1", now=NOW)
    assert started.attempt == 1
    [row] = store.deliveries.list_attempts("a1")
    assert (row.attempt, row.outcome, row.finished_at) == (1, None, None)
    retry = NOW + timedelta(seconds=5)
    after = store.deliveries.finish_attempt(
        d.delivery_id, 1, AttemptResult(ok=False, error="busy", retry_at=retry), now=NOW
    )
    assert (after.status, after.next_at, after.last_error) == ("pending", retry, "busy")
    [d] = store.deliveries.claim_deliveries(worker="w1", now=retry, lease=LEASE, limit=1)
    store.deliveries.begin_attempts([d.delivery_id], worker="w1", now=retry)
    done = store.deliveries.finish_attempt(
        d.delivery_id, 2, AttemptResult(ok=True, provider_message_id="m-1"), now=retry
    )
    assert (done.status, done.attempt, done.provider_message_id) == ("sent", 2, "m-1")
    assert [(a.attempt, a.outcome) for a in store.deliveries.list_attempts("a1")] == [
        (1, "failed"),
        (2, "sent"),
    ]


def test_an_expired_lease_is_taken_over_and_the_ledger_shows_it(store: CloudStore) -> None:
    store.deliveries.enqueue_deliveries([delivery("a1")])
    [d] = store.deliveries.claim_deliveries(worker="dead", now=NOW, lease=LEASE, limit=1)
    store.deliveries.begin_attempts([d.delivery_id], worker="dead", now=NOW)
    assert (
        store.deliveries.claim_deliveries(worker="w2", now=NOW + LEASE / 2, lease=LEASE, limit=1)
        == []
    )
    [again] = store.deliveries.claim_deliveries(worker="w2", now=NOW + LEASE, lease=LEASE, limit=1)
    assert (
        store.deliveries.begin_attempts([again.delivery_id], worker="dead", now=NOW + LEASE) == []
    )
    [mine] = store.deliveries.begin_attempts([again.delivery_id], worker="w2", now=NOW + LEASE)
    store.deliveries.finish_attempt(mine.delivery_id, 2, AttemptResult(ok=True), now=NOW + LEASE)
    assert [(a.attempt, a.worker, a.outcome) for a in store.deliveries.list_attempts("a1")] == [
        (1, "dead", None),
        (2, "w2", "sent"),
    ]


def test_a_deferred_delivery_waits_without_counting_an_attempt(store: CloudStore) -> None:
    store.deliveries.enqueue_deliveries([delivery("a1")])
    [d] = store.deliveries.claim_deliveries(worker="w1", now=NOW, lease=LEASE, limit=1)
    later = NOW + timedelta(seconds=30)
    assert store.deliveries.defer_delivery(d.delivery_id, worker="w1", until=later)
    [back] = store.deliveries.list_deliveries("a1")
    assert (back.status, back.attempt, back.next_at) == ("pending", 0, later)
    assert store.deliveries.claim_deliveries(worker="w1", now=NOW, lease=LEASE, limit=1) == []
    assert len(store.deliveries.claim_deliveries(worker="w1", now=later, lease=LEASE, limit=1)) == 1


def test_giving_up_keeps_the_reason(store: CloudStore) -> None:
    store.deliveries.enqueue_deliveries([delivery("a1")])
    [d] = store.deliveries.claim_deliveries(worker="w1", now=NOW, lease=LEASE, limit=1)
    store.deliveries.begin_attempts([d.delivery_id], worker="w1", now=NOW)
    result = AttemptResult(ok=False, error="invalid number", give_up_reason="not retryable")
    after = store.deliveries.finish_attempt(d.delivery_id, 1, result, now=NOW)
    assert (after.status, after.gave_up_reason, after.next_at) == ("gave_up", "not retryable", None)
    assert (
        store.deliveries.claim_deliveries(
            worker="w1", now=NOW + timedelta(days=1), lease=LEASE, limit=1
        )
        == []
    )


def test_a_due_delivery_is_claimed_by_id(store: CloudStore) -> None:
    [new] = [delivery("a1")]
    store.deliveries.enqueue_deliveries([new])
    mine = store.deliveries.claim_delivery(new.delivery_id, worker="w1", now=NOW, lease=LEASE)
    assert mine is not None
    assert (mine.status, mine.leased_by, mine.lease_until) == ("in_flight", "w1", NOW + LEASE)


def test_a_delivery_leased_by_another_worker_is_not_claimed_by_id(store: CloudStore) -> None:
    [new] = [delivery("a1")]
    store.deliveries.enqueue_deliveries([new])
    store.deliveries.claim_delivery(new.delivery_id, worker="w1", now=NOW, lease=LEASE)
    later = NOW + LEASE / 2
    assert (
        store.deliveries.claim_delivery(new.delivery_id, worker="w2", now=later, lease=LEASE)
        is None
    )
    [back] = store.deliveries.list_deliveries("a1")
    assert back.leased_by == "w1"


def test_an_expired_lease_is_claimed_by_id(store: CloudStore) -> None:
    [new] = [delivery("a1")]
    store.deliveries.enqueue_deliveries([new])
    store.deliveries.claim_delivery(new.delivery_id, worker="dead", now=NOW, lease=LEASE)
    again = store.deliveries.claim_delivery(
        new.delivery_id, worker="w2", now=NOW + LEASE, lease=LEASE
    )
    assert again is not None and again.leased_by == "w2"


def test_a_delivery_not_due_yet_is_not_claimed_by_id(store: CloudStore) -> None:
    [new] = [delivery("a1", at=NOW + timedelta(minutes=5))]
    store.deliveries.enqueue_deliveries([new])
    assert (
        store.deliveries.claim_delivery(new.delivery_id, worker="w", now=NOW, lease=LEASE) is None
    )
    [back] = store.deliveries.list_deliveries("a1")
    assert back.status == "pending"


def test_sent_given_up_and_unknown_deliveries_are_not_claimed_by_id(store: CloudStore) -> None:
    sent, failed = delivery("a1", "r1"), delivery("a1", "r2")
    store.deliveries.enqueue_deliveries([sent, failed])
    for d in (sent, failed):
        store.deliveries.claim_delivery(d.delivery_id, worker="w", now=NOW, lease=LEASE)
        store.deliveries.begin_attempts([d.delivery_id], worker="w", now=NOW)
    store.deliveries.finish_attempt(sent.delivery_id, 1, AttemptResult(ok=True), now=NOW)
    store.deliveries.finish_attempt(
        failed.delivery_id, 1, AttemptResult(ok=False, error="no such number"), now=NOW
    )
    later = NOW + timedelta(days=1)
    for delivery_id in (sent.delivery_id, failed.delivery_id, "no-such-delivery"):
        assert (
            store.deliveries.claim_delivery(delivery_id, worker="w2", now=later, lease=LEASE)
            is None
        )


def test_concurrent_claims_of_one_delivery_by_id_lease_it_once(store: CloudStore) -> None:
    [new] = [delivery("a1")]
    store.deliveries.enqueue_deliveries([new])
    winners: list[str] = []

    def claim(worker: str) -> None:
        got = store.deliveries.claim_delivery(new.delivery_id, worker=worker, now=NOW, lease=LEASE)
        if got is not None:
            winners.append(got.leased_by or "")

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    [back] = store.deliveries.list_deliveries("a1")
    assert back.leased_by == winners[0]


def test_a_delivery_claimed_by_id_leaves_the_due_queue(store: CloudStore) -> None:
    [new] = [delivery("a1")]
    store.deliveries.enqueue_deliveries([new])
    store.deliveries.claim_delivery(new.delivery_id, worker="w1", now=NOW, lease=LEASE)
    assert store.deliveries.claim_deliveries(worker="w2", now=NOW, lease=LEASE, limit=10) == []


# --- acknowledgement against escalation (issue 18) ------------------------------------------------


def _alert_with(store: CloudStore, *tiers: int) -> tuple[str, list[str]]:
    """Raise an alert with one delivery per tier given (recipient ``r<i>``); return the ids."""
    plate = "P" + uuid.uuid4().hex[:8].upper()  # a plate of its own: never grouped
    alert_id = store.alerts.raise_alert(hit_alert(plate=plate), group_window=WINDOW).alert.alert_id
    queued = [replace(delivery(alert_id, f"r{i}"), tier=t) for i, t in enumerate(tiers)]
    store.deliveries.enqueue_deliveries(queued)
    return alert_id, [d.delivery_id for d in queued]


def _status(store: CloudStore, alert_id: str) -> dict[str, str]:
    return {d.delivery_id: d.status for d in store.deliveries.list_deliveries(alert_id)}


def _claim(store: CloudStore, delivery_id: str, worker: str = "w1", now=NOW) -> None:
    assert store.deliveries.claim_delivery(delivery_id, worker=worker, now=now, lease=LEASE)


def test_an_escalation_delivery_of_an_acked_alert_is_refused_and_cancelled(
    store: CloudStore,
) -> None:
    alert_id, [escalation] = _alert_with(store, 1)
    _claim(store, escalation)
    store.alerts.ack_alert(alert_id, by="ann", now=NOW)
    assert store.deliveries.begin_attempts([escalation], worker="w1", now=NOW) == []
    [after] = store.deliveries.list_deliveries(alert_id)
    assert (after.status, after.attempt, after.next_at, after.leased_by) == (
        "cancelled",
        0,
        None,
        None,
    )
    assert store.deliveries.list_attempts(alert_id) == []
    later = NOW + timedelta(days=1)
    assert store.deliveries.claim_deliveries(worker="w2", now=later, lease=LEASE, limit=10) == []


def test_a_first_tier_delivery_still_begins_after_the_ack(store: CloudStore) -> None:
    alert_id, [first, escalation] = _alert_with(store, 0, 1)
    _claim(store, first)
    _claim(store, escalation)
    store.alerts.ack_alert(alert_id, by="ann", now=NOW)
    started = store.deliveries.begin_attempts([first, escalation], worker="w1", now=NOW)
    assert [(s.delivery_id, s.attempt) for s in started] == [(first, 1)]
    assert _status(store, alert_id) == {first: "in_flight", escalation: "cancelled"}


def test_an_unacknowledged_escalation_begins_with_its_ledger_row(store: CloudStore) -> None:
    alert_id, [escalation] = _alert_with(store, 2)
    _claim(store, escalation)
    [started] = store.deliveries.begin_attempts([escalation], worker="w1", now=NOW)
    assert (started.attempt, started.tier, started.status) == (1, 2, "in_flight")
    [row] = store.deliveries.list_attempts(alert_id)
    assert (row.delivery_id, row.attempt, row.worker, row.outcome) == (escalation, 1, "w1", None)
    assert store.deliveries.begin_attempts([escalation], worker="w2", now=NOW) == []


def test_cancelling_escalations_spares_the_first_tier_and_attempts_under_way(
    store: CloudStore,
) -> None:
    alert_id, [first, waiting, claimed, under_way, retrying, sent] = _alert_with(
        store, 0, 1, 1, 1, 1, 1
    )
    for delivery_id in (claimed, under_way, retrying, sent):
        _claim(store, delivery_id)
    store.deliveries.begin_attempts([under_way, retrying, sent], worker="w1", now=NOW)
    retry = AttemptResult(ok=False, error="busy", retry_at=NOW + timedelta(minutes=5))
    store.deliveries.finish_attempt(retrying, 1, retry, now=NOW)
    store.deliveries.finish_attempt(sent, 1, AttemptResult(ok=True), now=NOW)
    store.alerts.ack_alert(alert_id, by="ann", now=NOW)
    assert store.deliveries.cancel_escalations(alert_id, now=NOW) == 3
    assert _status(store, alert_id) == {
        first: "pending",
        waiting: "cancelled",
        claimed: "cancelled",
        under_way: "in_flight",
        retrying: "cancelled",
        sent: "sent",
    }
    assert store.deliveries.cancel_escalations(alert_id, now=NOW) == 0
    # The attempt that began before the ack completes and is recorded as sent.
    done = store.deliveries.finish_attempt(under_way, 1, AttemptResult(ok=True), now=NOW)
    assert done.status == "sent"
    # The holder of a cancelled lease begins nothing.
    assert store.deliveries.begin_attempts([claimed], worker="w1", now=NOW) == []


def test_no_escalation_attempt_begins_after_a_concurrent_ack(store: CloudStore) -> None:
    """Workers begin escalation attempts while another thread acks the alerts: every attempt
    that began was seen under way by its ack; every other delivery is cancelled."""
    alerts = [_alert_with(store, 1, 1) for _ in range(6)]
    ids = [d for _, ds in alerts for d in ds]
    for delivery_id in ids:
        _claim(store, delivery_id)

    def begin() -> None:
        for delivery_id in ids:
            store.deliveries.begin_attempts([delivery_id], worker="w1", now=NOW)

    def ack() -> None:
        for alert_id, _ in alerts:
            with store.meta.atomic():
                store.alerts.ack_alert(alert_id, by="ann", now=NOW)
                store.deliveries.cancel_escalations(alert_id, now=NOW)

    run_together([begin, ack])
    for alert_id, _ in alerts:
        began = {a.delivery_id for a in store.deliveries.list_attempts(alert_id)}
        for d in store.deliveries.list_deliveries(alert_id):
            if d.delivery_id in began:
                assert (d.status, d.attempt) == ("in_flight", 1)
            else:
                assert (d.status, d.attempt) == ("cancelled", 0)


# --- purposes, resolution groups and cancelling (issue 18) ------------------------------------


def _sent(store: CloudStore, alert_id: str, recipient: str = "r1", channel: str = "sms") -> None:
    """Queue, claim, begin and finish ok one alert delivery."""
    store.deliveries.enqueue_deliveries([delivery(alert_id, recipient, channel)])
    [d] = store.deliveries.claim_deliveries(worker="w", now=NOW, lease=LEASE, limit=1)
    store.deliveries.begin_attempts([d.delivery_id], worker="w", now=NOW)
    store.deliveries.finish_attempt(d.delivery_id, 1, AttemptResult(ok=True), now=NOW)


def test_the_purpose_is_part_of_a_deliverys_key(store: CloudStore) -> None:
    queued = store.deliveries.enqueue_deliveries(
        [delivery("a1"), delivery("a1", purpose="resolution")]
    )
    again = store.deliveries.enqueue_deliveries([delivery("a1", purpose="resolution")])
    assert (queued, again) == (2, 0)
    assert sorted(d.purpose for d in store.deliveries.list_deliveries("a1")) == [
        "alert",
        "resolution",
    ]


def test_cancelling_takes_the_unsent_and_leaves_the_sent(store: CloudStore) -> None:
    _sent(store, "a1", "r1")
    store.deliveries.enqueue_deliveries(
        [delivery("a1", "r2"), delivery("a1", "r3", at=NOW + timedelta(hours=1))]
    )
    cancelled = store.deliveries.cancel_unsent("a1", now=NOW)
    assert sorted(d.recipient_id for d in cancelled) == ["r2", "r3"]
    by_recipient = {d.recipient_id: d.status for d in store.deliveries.list_deliveries("a1")}
    assert by_recipient == {"r1": "sent", "r2": "cancelled", "r3": "cancelled"}
    later = NOW + timedelta(hours=2)
    assert store.deliveries.claim_deliveries(worker="w", now=later, lease=LEASE, limit=9) == []


def test_cancelling_a_claimed_delivery_stops_its_attempt(store: CloudStore) -> None:
    store.deliveries.enqueue_deliveries([delivery("a1")])
    [d] = store.deliveries.claim_deliveries(worker="w", now=NOW, lease=LEASE, limit=1)
    assert [c.delivery_id for c in store.deliveries.cancel_unsent("a1", now=NOW)] == [d.delivery_id]
    assert store.deliveries.begin_attempts([d.delivery_id], worker="w", now=NOW) == []
    assert store.deliveries.list_attempts("a1") == []


def test_cancelling_leaves_a_send_in_progress(store: CloudStore) -> None:
    store.deliveries.enqueue_deliveries([delivery("a1")])
    [d] = store.deliveries.claim_deliveries(worker="w", now=NOW, lease=LEASE, limit=1)
    store.deliveries.begin_attempts([d.delivery_id], worker="w", now=NOW)
    assert store.deliveries.cancel_unsent("a1", now=NOW) == []
    done = store.deliveries.finish_attempt(d.delivery_id, 1, AttemptResult(ok=True), now=NOW)
    assert done.status == "sent"


def test_cancelling_takes_a_retry_waiting_after_a_failed_attempt(store: CloudStore) -> None:
    store.deliveries.enqueue_deliveries([delivery("a1")])
    [d] = store.deliveries.claim_deliveries(worker="w", now=NOW, lease=LEASE, limit=1)
    store.deliveries.begin_attempts([d.delivery_id], worker="w", now=NOW)
    retry = AttemptResult(ok=False, error="busy", retry_at=NOW + timedelta(seconds=5))
    store.deliveries.finish_attempt(d.delivery_id, 1, retry, now=NOW)
    [cancelled] = store.deliveries.cancel_unsent("a1", now=NOW)
    assert (cancelled.status, cancelled.attempt) == ("cancelled", 1)


def test_cancelling_leaves_resolution_deliveries(store: CloudStore) -> None:
    store.deliveries.enqueue_deliveries([delivery("a1", purpose="resolution")])
    assert store.deliveries.cancel_unsent("a1", now=NOW) == []


def test_claiming_resolutions_takes_one_recipients_channel_due_by_the_bound(
    store: CloudStore,
) -> None:
    soon, later = NOW + timedelta(seconds=20), NOW + timedelta(minutes=5)
    store.deliveries.enqueue_deliveries(
        [
            delivery("a1", purpose="resolution"),
            delivery("a2", at=soon, purpose="resolution"),
            delivery("a3", at=later, purpose="resolution"),  # beyond the bound
            delivery("a4", "r2", purpose="resolution"),  # another recipient
            delivery("a5", channel="email", purpose="resolution"),  # another channel
            delivery("a6"),  # an alert's own delivery
        ]
    )
    got = store.deliveries.claim_resolutions(
        "r1", "sms", worker="w", now=NOW, due_by=NOW + timedelta(seconds=30), lease=LEASE
    )
    assert sorted(d.alert_id for d in got) == ["a1", "a2"]
    assert all(d.status == "in_flight" and d.leased_by == "w" for d in got)


def test_claiming_resolutions_never_takes_a_live_lease(store: CloudStore) -> None:
    store.deliveries.enqueue_deliveries([delivery("a1", purpose="resolution")])
    [mine] = store.deliveries.claim_deliveries(worker="w1", now=NOW, lease=LEASE, limit=1)
    bound = NOW + LEASE * 2  # beyond w1's lease, yet the lease has not expired at NOW
    assert (
        store.deliveries.claim_resolutions(
            "r1", "sms", worker="w2", now=NOW, due_by=bound, lease=LEASE
        )
        == []
    )
    assert store.deliveries.list_deliveries("a1")[0].leased_by == mine.leased_by == "w1"
