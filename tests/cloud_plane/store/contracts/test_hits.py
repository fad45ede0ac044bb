"""The ``HitStore`` contract: deduplicated hits, newest first."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

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
