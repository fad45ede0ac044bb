"""The ``HitStore`` contract for historical (retroactive) hits: flag, per-entry listing, mark."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from cloud_plane.errors import InvalidInput
from cloud_plane.records.hits import StoredHit
from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import NOW

ROLE = "hits"


def _hit(
    captured_at: datetime, *, plate_norm: str = "AB12CDE", historical: bool = True
) -> StoredHit:
    return StoredHit(
        detection_id=uuid.uuid4(), list_name="stolen", plate_norm=plate_norm, site_id="a",
        stream_id="st", seq=1, match_kind="fuzzy", source="cloud", plate="AB12CDF",
        camera_id="c", captured_at=captured_at, hotlist_version=3, created_at=NOW,
        historical=historical,
    )  # fmt: skip


def test_a_historical_hit_is_stored_with_its_flag(store: CloudStore) -> None:
    hit = _hit(NOW - timedelta(days=3))
    assert store.hits.put_hit(hit) is True
    assert store.hits.list_hits().items[0].historical is True


def test_a_historical_hit_found_twice_is_stored_once(store: CloudStore) -> None:
    hit = _hit(NOW - timedelta(days=3))
    store.hits.put_hit(hit)
    assert store.hits.put_hit(hit) is False
    assert len(store.hits.list_entry_hits("stolen", "AB12CDE").items) == 1


def test_an_entrys_hits_page_newest_read_first_and_only_its_own(store: CloudStore) -> None:
    mine = [_hit(NOW - timedelta(hours=n), historical=n % 2 == 0) for n in range(5)]
    for hit in [*mine, _hit(NOW, plate_norm="ZZ99ZZZ")]:
        store.hits.put_hit(hit)
    seen, cursor = [], None
    while True:
        page = store.hits.list_entry_hits("stolen", "AB12CDE", limit=2, cursor=cursor)
        seen += page.items
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [h.detection_id for h in seen] == [h.detection_id for h in mine]
    assert [h.historical for h in seen] == [True, False, True, False, True]


def test_an_entry_without_hits_lists_nothing(store: CloudStore) -> None:
    assert store.hits.list_entry_hits("stolen", "NOPE1").items == []


def test_a_foreign_entry_hits_cursor_is_refused(store: CloudStore) -> None:
    with pytest.raises(InvalidInput):
        store.hits.list_entry_hits("stolen", "AB12CDE", cursor="not-a-cursor")


def test_the_historical_mark_starts_unset_and_only_rises(store: CloudStore) -> None:
    assert store.hits.historical_mark() is None
    store.hits.set_historical_mark(0)
    assert store.hits.historical_mark() == 0
    store.hits.set_historical_mark(7)
    store.hits.set_historical_mark(5)
    assert store.hits.historical_mark() == 7
