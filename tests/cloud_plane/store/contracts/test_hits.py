"""The ``HitStore`` contract: deduplicated hits, newest first."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from cloud_plane.errors import InvalidInput
from cloud_plane.records.hits import StoredHit
from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import NOW

ROLE = "hits"


def test_hits_are_deduplicated_and_listed_newest_first(store: CloudStore) -> None:
    def hit(det: uuid.UUID, site: str, at: datetime, source: str = "node") -> StoredHit:
        return StoredHit(
            detection_id=det, list_name="stolen", plate_norm="AB12CDE", site_id=site,
            stream_id="st", seq=1, match_kind="exact", source=source, plate="AB12CDE",
            camera_id="c", captured_at=NOW, hotlist_version=1, created_at=at,
        )  # fmt: skip

    d1, d2 = uuid.uuid4(), uuid.uuid4()
    assert store.hits.put_hit(hit(d1, "a", NOW)) is True
    assert store.hits.put_hit(hit(d1, "a", NOW, "cloud")) is False
    assert store.hits.put_hit(hit(d2, "b", NOW + timedelta(seconds=1))) is True
    page = store.hits.list_hits(limit=1)
    assert [h.detection_id for h in page.items] == [d2]
    assert [h.detection_id for h in store.hits.list_hits(cursor=page.next_cursor).items] == [d1]
    assert [h.site_id for h in store.hits.list_hits(site_ids={"a"}).items] == ["a"]
    assert store.hits.list_hits(since=NOW + timedelta(seconds=1)).items[0].detection_id == d2


def test_which_detections_were_hits(store: CloudStore) -> None:
    hit_id, other = uuid.uuid4(), uuid.uuid4()
    store.hits.put_hit(
        StoredHit(
            detection_id=hit_id, list_name="stolen", plate_norm="AB12CDE", site_id="a",
            stream_id="st", seq=1, match_kind="exact", source="node", plate="AB12CDE",
            camera_id="c", captured_at=NOW, hotlist_version=1, created_at=NOW,
        )
    )  # fmt: skip
    assert store.hits.hit_detections([str(hit_id), str(other)]) == {str(hit_id)}
    assert store.hits.hit_detections([]) == set()


def _hit(site: str, at: datetime, list_name: str = "stolen") -> StoredHit:
    return StoredHit(
        detection_id=uuid.uuid4(), list_name=list_name, plate_norm="AB12CDE", site_id=site,
        stream_id="st", seq=1, match_kind="exact", source="node", plate="AB12CDE",
        camera_id="c", captured_at=NOW, hotlist_version=1, created_at=at,
    )  # fmt: skip


def test_scoped_hits_page_newest_first_across_the_sites_in_scope(store: CloudStore) -> None:
    hits = [_hit("abc"[n % 3], NOW + timedelta(seconds=n)) for n in range(9)]
    for hit in hits:
        store.hits.put_hit(hit)
    wanted = [h.detection_id for h in reversed(hits) if h.site_id in {"a", "c"}]
    seen, cursor = [], None
    while True:
        page = store.hits.list_hits(site_ids={"a", "c"}, limit=2, cursor=cursor)
        seen += [h.detection_id for h in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == wanted
    assert store.hits.list_hits(site_ids=set()).items == []


def test_hits_of_one_moment_page_without_loss(store: CloudStore) -> None:
    same = [_hit("a", NOW, list_name=name) for name in ("l1", "l2", "l3")]
    for hit in same:
        store.hits.put_hit(hit)
    first = store.hits.list_hits(limit=2)
    rest = store.hits.list_hits(limit=2, cursor=first.next_cursor)
    got = [(h.detection_id, h.list_name) for h in first.items + rest.items]
    assert sorted(got) == sorted((h.detection_id, h.list_name) for h in same)
    assert rest.next_cursor is None


def test_a_cursor_not_handed_out_is_refused(store: CloudStore) -> None:
    with pytest.raises(InvalidInput):
        store.hits.list_hits(cursor="not-a-cursor")


def test_a_cursor_older_than_since_gives_an_empty_page(store: CloudStore) -> None:
    for n in range(3):
        store.hits.put_hit(_hit("a", NOW + timedelta(seconds=n)))
    page = store.hits.list_hits(limit=2)
    later = store.hits.list_hits(since=NOW + timedelta(seconds=5), cursor=page.next_cursor)
    assert later.items == [] and later.next_cursor is None
