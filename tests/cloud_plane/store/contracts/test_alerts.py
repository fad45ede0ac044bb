"""The ``AlertStore`` contract: dedup, grouping, open problems, listing, ack, escalation."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from cloud_plane.alerts import rules
from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.records.alerts import AlertQuery, StoredAlert
from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import NOW, WINDOW, hit_alert, problem
from tests.threads import run_together

ROLE = "alerts"


def test_the_same_hit_twice_makes_one_alert(store: CloudStore) -> None:
    first = store.alerts.raise_alert(hit_alert("d1"), group_window=WINDOW)
    again = store.alerts.raise_alert(hit_alert("d1"), group_window=WINDOW)
    assert (first.result, again.result) == ("created", "duplicate")
    assert again.alert.alert_id == first.alert.alert_id and again.alert.count == 1


def test_reads_of_one_plate_within_the_window_group_into_one_alert(store: CloudStore) -> None:
    a = store.alerts.raise_alert(hit_alert(at=NOW), group_window=WINDOW)
    b = store.alerts.raise_alert(hit_alert(at=NOW + timedelta(minutes=3)), group_window=WINDOW)
    c = store.alerts.raise_alert(hit_alert(at=NOW + timedelta(minutes=11)), group_window=WINDOW)
    assert (a.result, b.result, c.result) == ("created", "grouped", "created")
    grouped = store.alerts.get_alert(a.alert.alert_id)
    assert grouped.count == 2 and grouped.last_seen == NOW + timedelta(minutes=3)
    assert c.alert.alert_id != a.alert.alert_id and c.alert.count == 1


def test_a_grouped_hit_sent_again_is_not_counted_twice(store: CloudStore) -> None:
    a = store.alerts.raise_alert(hit_alert("d1"), group_window=WINDOW)
    store.alerts.raise_alert(hit_alert("d2", at=NOW + timedelta(minutes=1)), group_window=WINDOW)
    again = store.alerts.raise_alert(
        hit_alert("d2", at=NOW + timedelta(minutes=1)), group_window=WINDOW
    )
    assert again.result == "duplicate" and again.alert.alert_id == a.alert.alert_id
    assert store.alerts.get_alert(a.alert.alert_id).count == 2


def test_a_different_plate_is_never_swallowed(store: CloudStore) -> None:
    a = store.alerts.raise_alert(hit_alert(plate="AB12CDE"), group_window=WINDOW)
    b = store.alerts.raise_alert(hit_alert(plate="XY99ZZZ"), group_window=WINDOW)
    assert b.result == "created" and b.alert.alert_id != a.alert.alert_id


def test_grouping_in_the_store_matches_the_pure_rule(store: CloudStore) -> None:
    offsets = [0, 4, 9, 12, 13, 25, 3, 40]  # minutes; 3 arrives late
    reads = []
    for i, minutes in enumerate(offsets):
        plate = "AB12CDE" if i % 3 else "CD34EFG"
        alert = hit_alert(f"d{i}", plate=plate, at=NOW + timedelta(minutes=minutes))
        store.alerts.raise_alert(alert, group_window=WINDOW)
        reads.append(rules.Read(alert.dedup_key, alert.group_key, alert.occurred_at))  # type: ignore[arg-type]
    expected = sorted(g.count for g in rules.group_reads(reads, WINDOW))
    stored = store.alerts.list_alerts(AlertQuery(limit=100)).items
    assert sorted(a.count for a in stored) == expected


def test_a_problem_is_open_once_and_can_reopen_after_resolving(store: CloudStore) -> None:
    first = store.alerts.raise_alert(problem(), group_window=WINDOW)
    again = store.alerts.raise_alert(problem(at=NOW + timedelta(minutes=1)), group_window=WINDOW)
    assert (first.result, again.result) == ("created", "already_open")
    assert [a.alert_id for a in store.alerts.open_problems()] == [first.alert.alert_id]
    resolved = store.alerts.resolve_alert(first.alert.alert_id, now=NOW + timedelta(minutes=2))
    assert resolved.status == "resolved" and resolved.open_key is None
    assert store.alerts.resolve_alert(
        first.alert.alert_id, now=NOW + timedelta(hours=1)
    ).resolved_at == (NOW + timedelta(minutes=2))
    assert store.alerts.open_problems() == []
    reopened = store.alerts.raise_alert(problem(at=NOW + timedelta(minutes=5)), group_window=WINDOW)
    assert reopened.result == "created"


def test_concurrent_raisers_of_one_problem_make_one_alert(store: CloudStore) -> None:
    results: list[str] = []

    def raise_one() -> None:
        results.append(
            store.alerts.raise_alert(problem("camera_silent", "cam-1"), group_window=WINDOW).result
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
        raised = store.alerts.raise_alert(
            hit_alert(plate=f"PLATE{i}", at=NOW + timedelta(seconds=i)), group_window=WINDOW
        )
        ids.append(raised.alert.alert_id)
    store.alerts.raise_alert(problem(), group_window=WINDOW)
    page = store.alerts.list_alerts(AlertQuery(kind="hit", limit=3))
    assert [a.alert_id for a in page.items] == ids[::-1][:3]
    rest = store.alerts.list_alerts(AlertQuery(kind="hit", limit=3, cursor=page.next_cursor))
    assert [a.alert_id for a in rest.items] == ids[::-1][3:] and rest.next_cursor is None
    assert [
        a.kind
        for a in store.alerts.list_alerts(AlertQuery(status="open", kind="site_offline")).items
    ] == ["site_offline"]
    assert store.alerts.list_alerts(AlertQuery(site_ids=set())).items == []
    with pytest.raises(InvalidInput):
        store.alerts.list_alerts(AlertQuery(cursor="garbage"))
    with pytest.raises(NotFound):
        store.alerts.get_alert("nope")


def test_ack_is_idempotent_and_stops_escalation(store: CloudStore) -> None:
    alert = hit_alert(next_escalation_at=NOW + timedelta(minutes=10))
    raised = store.alerts.raise_alert(alert, group_window=WINDOW)
    assert [a.alert_id for a in store.alerts.due_escalations(NOW + timedelta(minutes=10))] == [
        raised.alert.alert_id
    ]
    acked = store.alerts.ack_alert(raised.alert.alert_id, by="ann", now=NOW + timedelta(minutes=1))
    again = store.alerts.ack_alert(raised.alert.alert_id, by="bob", now=NOW + timedelta(minutes=2))
    assert (again.status, again.acked_by, again.acked_at) == ("acked", "ann", acked.acked_at)
    assert store.alerts.due_escalations(NOW + timedelta(hours=1)) == []
    assert store.alerts.escalate_alert(raised.alert.alert_id, from_tier=0, next_at=None) is None


def test_escalation_moves_one_tier_once(store: CloudStore) -> None:
    raised = store.alerts.raise_alert(
        hit_alert(next_escalation_at=NOW + timedelta(minutes=10)), group_window=WINDOW
    )
    later = NOW + timedelta(minutes=20)
    moved = store.alerts.escalate_alert(raised.alert.alert_id, from_tier=0, next_at=later)
    assert moved is not None and (moved.escalation_tier, moved.next_escalation_at) == (1, later)
    assert store.alerts.escalate_alert(raised.alert.alert_id, from_tier=0, next_at=later) is None


def test_concurrent_escalations_of_one_tier_move_it_once(store: CloudStore) -> None:
    raised = store.alerts.raise_alert(
        hit_alert(next_escalation_at=NOW + timedelta(minutes=10)), group_window=WINDOW
    )

    def escalate() -> StoredAlert | None:
        return store.alerts.escalate_alert(raised.alert.alert_id, from_tier=0, next_at=None)

    moved = [a.escalation_tier for a in run_together([escalate] * 4) if a is not None]
    assert moved == [1]
    assert store.alerts.get_alert(raised.alert.alert_id).escalation_tier == 1


def test_open_alerts_are_counted_per_site_and_alerts_per_day(store: CloudStore) -> None:
    window = WINDOW
    first = store.alerts.raise_alert(hit_alert(), group_window=window).alert
    store.alerts.raise_alert(
        hit_alert(plate="XY1", at=NOW + timedelta(days=1)), group_window=window
    )
    store.alerts.raise_alert(hit_alert(site_id="site-b", plate="Z9"), group_window=window)
    store.alerts.ack_alert(first.alert_id, by="x", now=NOW)
    assert store.alerts.open_counts(None) == {"site-a": 1, "site-b": 1}
    assert store.alerts.open_counts({"site-b"}) == {"site-b": 1}
    assert store.alerts.open_counts(set()) == {}
    days = store.alerts.daily_counts(None, since=NOW - timedelta(days=1))
    assert days == {NOW.date().isoformat(): 2, (NOW + timedelta(days=1)).date().isoformat(): 1}
    assert store.alerts.daily_counts({"site-b"}, since=NOW) == {NOW.date().isoformat(): 1}


def _raise_together(store: CloudStore, alerts: list) -> list[str]:
    """Raise each alert in its own thread, all at once; return the results."""
    results: list[str] = []
    barrier = threading.Barrier(len(alerts))

    def raise_one(alert) -> None:
        barrier.wait()
        results.append(store.alerts.raise_alert(alert, group_window=WINDOW).result)

    threads = [threading.Thread(target=raise_one, args=(a,)) for a in alerts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_raisers_of_one_hit_make_one_alert(store: CloudStore) -> None:
    results = _raise_together(store, [hit_alert("d1") for _ in range(6)])
    assert sorted(results) == ["created"] + ["duplicate"] * 5
    [alert] = store.alerts.list_alerts(AlertQuery()).items
    assert alert.count == 1


def test_concurrent_hits_of_one_plate_group_into_one_alert(store: CloudStore) -> None:
    hits = [hit_alert(f"d{i}", at=NOW + timedelta(seconds=i)) for i in range(6)]
    results = _raise_together(store, hits)
    assert sorted(results) == ["created"] + ["grouped"] * 5
    [alert] = store.alerts.list_alerts(AlertQuery()).items
    assert (alert.count, alert.last_seen) == (6, NOW + timedelta(seconds=5))


def test_listing_one_sites_open_alerts_pages_through_all_of_them(store: CloudStore) -> None:
    mine = []
    for i in range(7):
        site = "site-a" if i % 2 else "site-b"
        raised = store.alerts.raise_alert(
            hit_alert(plate=f"P{i}", site_id=site, at=NOW + timedelta(seconds=i)),
            group_window=WINDOW,
        )
        if site == "site-a":
            mine.append(raised.alert.alert_id)
    store.alerts.ack_alert(mine[0], by="ann", now=NOW)
    seen, cursor = [], None
    while True:
        page = store.alerts.list_alerts(
            AlertQuery(site_ids={"site-a"}, status="open", limit=1, cursor=cursor)
        )
        seen += [a.alert_id for a in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == mine[:0:-1]


def test_due_escalations_come_oldest_first_up_to_the_limit(store: CloudStore) -> None:
    due = []
    for i in range(4):
        raised = store.alerts.raise_alert(
            hit_alert(plate=f"P{i}", next_escalation_at=NOW + timedelta(minutes=4 - i)),
            group_window=WINDOW,
        )
        due.append(raised.alert.alert_id)
    later = NOW + timedelta(minutes=3)
    assert [a.alert_id for a in store.alerts.due_escalations(later, limit=2)] == due[:0:-1][:2]


def test_an_escalation_without_a_next_time_is_due_no_more(store: CloudStore) -> None:
    raised = store.alerts.raise_alert(
        hit_alert(next_escalation_at=NOW + timedelta(minutes=1)), group_window=WINDOW
    )
    store.alerts.escalate_alert(raised.alert.alert_id, from_tier=0, next_at=None)
    assert store.alerts.due_escalations(NOW + timedelta(days=1)) == []


def test_open_problems_are_listed_by_key_and_site(store: CloudStore) -> None:
    silent = store.alerts.raise_alert(problem("camera_silent", "cam-1"), group_window=WINDOW)
    offline = store.alerts.raise_alert(problem(), group_window=WINDOW)
    problems = store.alerts.open_problems("site-a")
    assert [a.alert_id for a in problems] == sorted(
        [silent.alert.alert_id, offline.alert.alert_id],
        key=lambda i: store.alerts.get_alert(i).open_key or "",
    )
    assert store.alerts.open_problems("site-b") == []


def test_resolving_stores_why_and_the_first_reason_stays(store: CloudStore) -> None:
    raised = store.alerts.raise_alert(problem(), group_window=WINDOW)
    later = NOW + timedelta(minutes=14)
    store.alerts.resolve_alert(
        raised.alert.alert_id, now=later, reason="heartbeats again after 14 min"
    )
    again = store.alerts.resolve_alert(
        raised.alert.alert_id, now=later + timedelta(minutes=1), reason="site revoked"
    )
    assert (again.resolution, again.resolved_at) == ("heartbeats again after 14 min", later)
    assert store.alerts.get_alert(raised.alert.alert_id).resolution == (
        "heartbeats again after 14 min"
    )
