"""DynamoDB key builders: stable shapes, string order equals numeric/time order, ids checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cloud_plane.store import keys


def test_padding_keeps_numeric_order_and_round_trips() -> None:
    numbers = [0, 1, 9, 10, 99, 12345, 2**62]
    assert sorted(keys.pad(n) for n in numbers) == [keys.pad(n) for n in sorted(numbers)]
    assert all(keys.unpad(keys.pad(n)) == n for n in numbers)
    with pytest.raises(ValueError):
        keys.pad(-1)
    with pytest.raises(ValueError):
        keys.unpad("12")


def test_time_sort_keys_order_like_the_api_and_round_trip() -> None:
    t = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    order = [
        (t, "a", "s", 2),
        (t, "a", "s", 10),
        (t, "b", "s", 1),
        (t + timedelta(microseconds=1), "a", "s", 1),
    ]
    built = [keys.time_sort_key(*o) for o in order]
    assert built == sorted(built)
    assert [keys.parse_time_sort_key(k) for k in built] == order
    assert keys.detections_by_day(t) == "DETDAY#2026-01-02"


def test_item_keys_have_the_documented_shape() -> None:
    assert keys.site("s1") == {"pk": "SITES", "sk": "SITE#s1"}
    assert keys.site_name("North #2") == {"pk": "SITENAME#North #2", "sk": "SITENAME"}
    assert keys.site_key("s1", "k") == {"pk": "SITE#s1", "sk": "KEY#k"}
    assert keys.stream("s1", "st") == {"pk": "SITE#s1", "sk": "STREAM#st"}
    assert keys.detection("s1", "st", 7)["sk"] == "SEQ#" + "0" * 18 + "7"
    assert keys.hit("d", "stolen", "AB1") == {"pk": "HIT#d", "sk": "ENTRY#stolen#AB1"}
    assert keys.hit_marker("d") == {"pk": "HIT#d", "sk": "HIT"}
    assert keys.hotlist_entry("stolen", "AB1") == {"pk": "HOTLIST", "sk": "ENTRY#stolen#AB1"}
    assert keys.hotlist_change(3) == {"pk": "HOTLISTVER", "sk": "VER#" + keys.pad(3)}
    assert keys.hotlist_op("o") == {"pk": "HOTLISTOP#o", "sk": "OP"}
    assert keys.user(" Ann@X.com ") == {"pk": "USERS", "sk": "USER#ann@x.com"}


def test_listed_collections_share_one_partition_each() -> None:
    # list_sites / list_users / list_entries are one Query of these partitions, never a Scan.
    assert {keys.site(s)["pk"] for s in ("a", "b")} == {keys.SITES}
    assert {keys.user(u)["pk"] for u in ("a@x", "b@x")} == {keys.USERS}
    assert {keys.hotlist_entry("l", p)["pk"] for p in ("A1", "B2")} == {"HOTLIST"}


def test_a_sites_own_items_stay_out_of_the_sites_partition() -> None:
    # Streams are written at every exchange: they must not crowd the listed partition.
    assert keys.stream("s1", "st")["pk"] == keys.site_partition("s1") != keys.SITES
    assert keys.site_key("s1", "k")["pk"] == keys.site_partition("s1")


def test_hit_sort_keys_order_like_the_sql_listing() -> None:
    t = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    order = [
        (t, "d1", "a", "Z9"),
        (t, "d1", "ab", "A1"),
        (t, "d2", "a", "A1"),
        (t + timedelta(microseconds=1), "d0", "a", "A1"),
    ]
    built = [keys.hit_sort_key(*o) for o in order]
    assert built == sorted(built)
    assert built[0].startswith(keys.time_text(t))


def test_refused_ops_index_by_time_then_op() -> None:
    t = datetime(2026, 1, 2, tzinfo=UTC)
    early = keys.hotlist_refused_index(t, "b")
    late = keys.hotlist_refused_index(t + timedelta(seconds=1), "a")
    assert early["gsi1pk"] == late["gsi1pk"] == "HOTLISTREFUSED"
    assert early["gsi1sk"] < late["gsi1sk"]


def test_usernames_are_case_insensitive_and_never_empty() -> None:
    assert keys.username("  Bob@Example.COM ") == "bob@example.com"
    assert keys.user("BOB@example.com") == keys.user("bob@example.com")
    with pytest.raises(ValueError):
        keys.user("   ")


def test_times_round_trip_through_their_text() -> None:
    t = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert keys.parse_time_text(keys.time_text(t)) == t


@pytest.mark.parametrize("bad", ["", "a#b"])
def test_ids_that_would_break_a_key_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        keys.site(bad)
    with pytest.raises(ValueError):
        keys.detection("s", bad, 1)
    with pytest.raises(ValueError):
        keys.hit_sort_key(datetime(2026, 1, 1, tzinfo=UTC), bad, "l", "p")


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        keys.time_text(datetime(2026, 1, 1))


def test_empty_names_are_refused() -> None:
    with pytest.raises(ValueError):
        keys.site_name("")


def test_detection_item_keys_have_the_documented_shape() -> None:
    t = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    plate = keys.plate_detection("AB12", t, "s1", "st", 7)
    assert plate == {"pk": "PLATE#AB12", "sk": keys.time_sort_key(t, "s1", "st", 7)}
    chunk = keys.detection_chunk("s1", t, "st", 7)
    assert chunk == {"pk": "DETS#s1#2026-01-02", "sk": f"{keys.time_text(t)}#st#{keys.pad(7)}"}
    assert keys.detection_site("s1") == {"pk": "DETSITES", "sk": "SITE#s1"}
    assert keys.hourly_reads("s1", t)["pk"] == "READS#s1"


def test_chunk_keys_sort_by_their_newest_read() -> None:
    t = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    older = keys.detection_chunk("s", t, "zz", 9)["sk"]
    newer = keys.detection_chunk("s", t + timedelta(microseconds=1), "aa", 1)["sk"]
    assert older < newer


def test_each_rate_limit_bucket_has_a_partition_of_its_own() -> None:
    assert keys.rate_bucket("recipient:sms:r#1") == {"pk": "RATE#recipient:sms:r#1", "sk": "RATE"}
    assert keys.rate_bucket("channel:sms")["pk"] != keys.rate_bucket("channel:email")["pk"]
    with pytest.raises(ValueError):
        keys.rate_bucket("")


def test_retention_keys_have_the_documented_shape_and_runs_sort_by_start() -> None:
    assert keys.retention_overrides() == {"pk": "RETENTION", "sk": "SITES"}
    assert keys.retention_attribute("s1") == "days#s1"
    early = keys.retention_run(datetime(2026, 1, 1, tzinfo=UTC), "s2", "r1")
    late = keys.retention_run(datetime(2026, 1, 2, tzinfo=UTC), "s1", "r0")
    assert early["pk"] == late["pk"] == keys.RETENTION_RUNS
    assert early["sk"] < late["sk"] and early["sk"].endswith("#s2#r1")
