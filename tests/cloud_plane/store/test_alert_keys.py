"""Alert-role key builders: documented shapes, time order in index keys, ids checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cloud_plane.store import alert_keys as k

T = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=UTC)


def test_alert_items_have_the_documented_shape() -> None:
    assert k.alert("a1") == {"pk": "ALERT#a1", "sk": "ALERT"}
    assert k.alert_dedup("hit|d|stolen|AB1") == {
        "pk": "ALERTKEY#hit|d|stolen|AB1",
        "sk": "ALERTKEY",
    }
    assert k.alert_group("g")["pk"] == "ALERTGROUP#g"
    assert k.alert_open("site_offline|s|") == {
        "pk": "ALERTOPEN#site_offline|s|",
        "sk": "ALERTOPEN",
    }


def test_opaque_keys_may_hold_the_separator_but_not_be_empty() -> None:
    assert k.alert_dedup("a#b")["pk"] == "ALERTKEY#a#b"
    with pytest.raises(ValueError):
        k.alert_open("")


def test_split_ids_may_not_hold_the_separator() -> None:
    with pytest.raises(ValueError):
        k.alert("a#b")
    with pytest.raises(ValueError):
        k.delivery_slot("a", "r#1", "sms")


def test_deliveries_slots_and_ledger_rows_live_under_their_alert() -> None:
    assert k.delivery("d1") == {"pk": "DELIVERY#d1", "sk": "DELIVERY"}
    assert k.delivery_slot("a1", "r1", "sms") == {"pk": "ALERT#a1", "sk": "DELIVERY#r1#sms"}
    row = k.attempt("a1", "d1", 2)
    assert row == {"pk": "ALERT#a1", "sk": "ATTEMPT#d1#" + "0" * 18 + "2"}
    assert k.delivery_slot("a1", "r1", "sms")["sk"].startswith(k.DELIVERY_SLOT_PREFIX)
    assert row["sk"].startswith(k.ATTEMPT_PREFIX)


def test_recipients_and_subscriptions_share_one_partition_each() -> None:
    assert k.recipient("r1") == {"pk": "RECIPIENTS", "sk": "RECIPIENT#r1"}
    assert k.subscription("s1") == {"pk": "SUBS", "sk": "SUB#s1"}


def test_index_partitions_are_named_for_their_entity() -> None:
    partitions = [
        k.alerts_index(T, "a")["gsi1pk"],
        k.open_alerts_index(T, "a")["gsi2pk"],
        k.escalation_index(T, "a")["gsi3pk"],
        k.problems_index("p")["gsi1pk"],
        k.due_index(T, "d")["gsi1pk"],
    ]
    assert partitions == ["ALERTS", "ALERTSOPEN", "ALERTESC", "ALERTPROBLEMS", "DELIVERYDUE"]


def test_time_sort_keys_order_by_time_then_id_in_any_zone() -> None:
    plus_two = timezone(timedelta(hours=2))
    order = [(T, "a"), (T, "b"), (T + timedelta(microseconds=1), "a"), (T + timedelta(days=1), "a")]
    built = [k.time_sort(at.astimezone(plus_two), i) for at, i in order]
    assert built == sorted(built)


def test_until_bounds_every_key_at_or_before_its_time() -> None:
    bound = k.until(T)
    assert k.time_sort(T, "zzzz") < bound
    assert k.time_sort(T - timedelta(microseconds=1), "a") < bound
    assert k.time_sort(T + timedelta(microseconds=1), "0") > bound


def test_times_round_trip_through_their_text() -> None:
    assert k.parse_time(k.time_sort(T, "a").split("#")[0]) == T


def test_a_resolution_slot_is_apart_from_the_alerts_own_and_under_the_same_prefix() -> None:
    alert_slot = k.delivery_slot("a1", "r1", "sms")
    resolution_slot = k.delivery_slot("a1", "r1", "sms", "resolution")
    assert resolution_slot == {"pk": "ALERT#a1", "sk": "DELIVERY#r1#sms#resolution"}
    assert alert_slot == k.delivery_slot("a1", "r1", "sms", "alert")  # stored slots stay valid
    assert resolution_slot["sk"].startswith(k.DELIVERY_SLOT_PREFIX)
