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
    assert keys.site("s1") == {"pk": "SITE#s1", "sk": "SITE"}
    assert keys.site_key("s1", "k") == {"pk": "SITE#s1", "sk": "KEY#k"}
    assert keys.stream("s1", "st") == {"pk": "SITE#s1", "sk": "STREAM#st"}
    assert keys.detection("s1", "st", 7)["sk"] == "SEQ#" + "0" * 18 + "7"
    assert keys.hit("d", "stolen", "AB1") == {"pk": "HIT#d", "sk": "ENTRY#stolen#AB1"}
    assert keys.hotlist_entry("stolen", "AB1") == {"pk": "HOTLIST", "sk": "ENTRY#stolen#AB1"}
    assert keys.user(" Ann@X.com ") == {"pk": "USER#ann@x.com", "sk": "USER"}
    assert keys.hotlist_version_index(3)["gsi1sk"] == "VER#" + keys.pad(3)


@pytest.mark.parametrize("bad", ["", "a#b"])
def test_ids_that_would_break_a_key_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        keys.site(bad)
    with pytest.raises(ValueError):
        keys.detection("s", bad, 1)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        keys.time_text(datetime(2026, 1, 1))


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
