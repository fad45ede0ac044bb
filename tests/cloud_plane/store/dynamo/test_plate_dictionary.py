"""The DynamoDB plate dictionary: what a batch writes, when it writes nothing, and bounds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloud_plane.store import keys
from cloud_plane.store.dynamo import DynamoStore
from cloud_plane.store.dynamo.plate_dictionary import (
    NEWEST_STEP,
    ROTATION_SLACK,
    Sighting,
    covering,
    entry_key,
    newest_bound,
    next_entry,
    sampled_ranges,
    stored_rotations,
)
from sync_protocol.plate_index import END, RotationRange, key_of_rotation, plan_lookup
from sync_protocol.plate_rules import confusion_key, normalize_pattern, plate_matches
from tests.cloud_plane.store.contracts.builders import NOW, records

DAY = timedelta(days=1)
SLACK = int(ROTATION_SLACK.total_seconds())
NOW_S = int(NOW.timestamp())


def _month(at: datetime) -> int | None:
    return int((at + 30 * DAY).timestamp())


def _forever(at: datetime) -> int | None:
    return None


def _entry(
    stored: dict[str, Any] | None, at: datetime = NOW, plates: frozenset[str] = frozenset({"A8"})
) -> Any:
    return next_entry("48", stored, "s", Sighting(at, plates), expires=_month, now=NOW_S)


def test_a_new_key_writes_its_rotations_and_an_item_naming_plate_site_and_ttl() -> None:
    write = _entry(None)
    expiry = _month(NOW + NEWEST_STEP)
    assert write.previous_ver is None
    assert [r["sk"] for r in write.rotations] == ["48Z"]  # "Z48" is the key item
    assert all(r["expires_at"] == expiry + SLACK for r in write.rotations)
    assert write.item == {
        **entry_key("48"),
        "p": {"A8"},
        "n#s": keys.time_text(NOW),
        "expires_at": expiry,
        "re": expiry + SLACK,
        "ver": 1,
    }


def test_a_known_plate_seen_again_within_the_step_writes_nothing() -> None:
    stored = _entry(None).item
    assert _entry(stored, NOW + NEWEST_STEP) is None


def test_a_known_plate_seen_later_than_the_step_rewrites_only_the_key_item() -> None:
    stored = _entry(None).item
    later = NOW + NEWEST_STEP + timedelta(seconds=1)
    write = _entry(stored, later)
    assert write.rotations == [] and write.previous_ver == 1
    assert write.item["n#s"] == keys.time_text(later)
    assert write.item["expires_at"] == _month(later + NEWEST_STEP)


def test_a_new_plate_under_a_known_key_joins_its_plates() -> None:
    stored = _entry(None).item
    write = _entry(stored, plates=frozenset({"AB"}))
    assert write.item["p"] == {"A8", "AB"} and write.rotations == []


def test_another_site_gets_its_own_newest_read() -> None:
    stored = _entry(None).item
    write = next_entry("48", stored, "t", Sighting(NOW, frozenset({"A8"})), expires=_month, now=0)
    assert write is not None
    assert (write.item["n#s"], write.item["n#t"]) == (keys.time_text(NOW), keys.time_text(NOW))


def test_rotations_are_rewritten_once_the_reads_would_outlive_them() -> None:
    stored = _entry(None).item
    assert _entry(stored, NOW + ROTATION_SLACK - NEWEST_STEP).rotations == []
    write = _entry(stored, NOW + ROTATION_SLACK + DAY)
    assert write.rotations and write.item["re"] == write.item["expires_at"] + SLACK


def test_an_item_ttl_may_delete_is_started_afresh_over_its_version() -> None:
    stored = {**_entry(None).item, "expires_at": NOW_S, "p": {"OLD"}}
    write = _entry(stored, NOW + timedelta(seconds=1))
    assert write.item["p"] == {"A8"} and write.rotations and write.previous_ver == 1


def test_a_site_that_keeps_its_reads_writes_no_ttl() -> None:
    write = next_entry("48", None, "s", Sighting(NOW, frozenset({"A8"})), expires=_forever, now=0)
    assert write is not None
    assert "expires_at" not in write.item and "re" not in write.item
    assert all("expires_at" not in r for r in write.rotations)


def test_the_bound_is_above_every_read_of_the_sites_in_scope_only() -> None:
    item = {"n#s": keys.time_text(NOW), "n#t": keys.time_text(NOW + DAY)}
    bound = newest_bound(item, {"s"})
    assert bound is not None
    assert keys.time_sort_key(NOW + NEWEST_STEP, "s", "st", 10**18) < bound
    assert bound < keys.time_sort_key(NOW + NEWEST_STEP + timedelta(seconds=1), "s", "st", 1)
    assert newest_bound(item, {"u"}) is None
    assert newest_bound(item, None) == newest_bound(item, {"t"})


def test_every_other_rotation_is_kept_from_the_end_marker_back() -> None:
    assert stored_rotations("FF38") == ["FF38Z", "38ZFF", END + "FF38"]
    assert stored_rotations("F38") == ["38ZF", END + "F38"]


def _kept_lookup(plates: set[str], pattern: str, fuzzy: bool, max_edits: int) -> set[str]:
    """What the store's lookup finds among ``plates`` (in memory: the same ranges)."""
    lookup = plan_lookup(pattern, fuzzy=fuzzy, max_edits=max_edits)
    if lookup is None:
        return {pattern} & plates
    kept = sorted(r for plate in plates for r in stored_rotations(confusion_key(plate)))
    spans = covering(wider for span in lookup.ranges for wider in sampled_ranges(span))
    found = {key_of_rotation(r) for r in kept for span in spans if span.holds(r)}
    found = {k for k in found | lookup.exact_keys if lookup.accepts_key(k)}
    return {p for p in plates if confusion_key(p) in found and lookup.accepts_plate(p)}


@settings(max_examples=300, deadline=None)
@given(
    plates=st.sets(st.text(alphabet="0O1I8BAX4Z2", min_size=1, max_size=8), max_size=40),
    pattern=st.text(alphabet="0O1I8BAX4Z2*?", min_size=1, max_size=7),
    fuzzy=st.booleans(),
    max_edits=st.integers(0, 2),
)
def test_the_kept_rotations_find_every_plate_a_full_permuterm_finds(
    plates: set[str], pattern: str, fuzzy: bool, max_edits: int
) -> None:
    norm = normalize_pattern(pattern)
    if not norm.replace("*", "").replace("?", ""):
        return
    assert _kept_lookup(plates, norm, fuzzy, max_edits) == {
        p for p in plates if plate_matches(norm, p, fuzzy=fuzzy, max_edits=max_edits)
    }


def test_a_lone_character_at_a_dropped_rotation_is_found_through_the_one_before() -> None:
    # "?4??": the lookup's prefix is "4" alone, at a position whose rotation is not kept.
    assert _kept_lookup({"X4YK", "X5YK"}, "?4??", False, 0) == {"X4YK"}


def test_a_range_inside_another_is_not_queried_again() -> None:
    wide, narrow = RotationRange.starting("AB"), RotationRange.starting("ABC", 5)
    fixed, other = RotationRange.starting("A", 4), RotationRange.starting("AX", 5)
    assert covering([narrow, wide]) == [wide]
    assert covering([fixed, other]) == [fixed, other]  # lengths differ: both needed


# -- on the table ------------------------------------------------------------------------------


def test_a_new_plate_costs_its_rotations_and_one_key_item(store: DynamoStore) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 1), received_at=NOW)  # site noted
    store.capacity.reset()
    store.detections.put_batch("s", "st", records("st", 2, 1, "XY34Q"), received_at=NOW)
    # 1 plate item, 1 chunk, the cursor, the counter; key "XY340"'s 3 rotations (one its item).
    assert dict(store.capacity.writes) == {"table": 4 + 3}
    item = store.db.table.get(entry_key("XY340"))
    assert item is not None and item["p"] == {"XY34Q"}


def test_items_written_again_after_a_lost_cursor_write_no_dictionary_item(
    store: DynamoStore,
) -> None:
    batch = records("st", 1, 5)
    store.detections._write_items("s", "st", batch, NOW)
    store.capacity.reset()
    store.detections._write_items("s", "st", batch, NOW)
    assert dict(store.capacity.writes) == {"table": 5 + 1}  # the plate items and the chunk


def test_a_writer_that_read_a_stale_key_item_merges_on_its_second_try(
    store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 1), received_at=NOW)
    # The other site's writer read the dictionary before the first one wrote it.
    monkeypatch.setattr(store.db.table, "batch_get", lambda *a, **k: [])
    store.detections.put_batch("t", "st", records("st", 1, 1), received_at=NOW)
    item = store.db.table.get(entry_key("4812C0E"))
    assert item is not None and item["ver"] == 2
    assert {"n#s", "n#t"} <= item.keys()
