"""The ``ReadRetentionStore`` contract: a site's reads past a cutoff go, once, in batches."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from cloud_plane.records.detections import DetectionQuery
from cloud_plane.records.hits import StoredHit
from cloud_plane.records.retention import Deleted, RetentionRun
from cloud_plane.store.base import CloudStore
from sync_protocol.detections import DetectionRecord, detection_uuid
from tests.cloud_plane.store.contracts.builders import NOW
from tests.threads import run_together

ROLE = "retention"
DAY = timedelta(days=1)
CUTOFF = NOW - 7 * DAY


def _site(store: CloudStore, name: str, days: int | None = None) -> str:
    site_id = store.sites.create_site(name, now=NOW - 100 * DAY).site_id
    if days is not None:
        store.sites.set_site_read_retention(site_id, days)
    return site_id


def _reads(store: CloudStore, site_id: str, received: list[datetime], stream: str = "st") -> None:
    """Store one read per time, each its own batch (so each its own chunk on DynamoDB)."""
    first = store.detections.high_water(site_id, stream) + 1
    for seq, at in enumerate(received, start=first):
        record = DetectionRecord(
            id=detection_uuid(stream, seq), seq=seq, camera_id="cam", captured_at=at,
            received_at=at, plate="AB12CDE", plate_norm="AB12CDE",
        )  # fmt: skip
        store.detections.put_batch(site_id, stream, [record], received_at=at)


def _held(store: CloudStore, site_id: str) -> list[datetime]:
    page = store.detections.search_detections(DetectionQuery(site_ids={site_id}, limit=100))
    return sorted(d.record.received_at for d in page.items)


def _hit(site_id: str, at: datetime) -> StoredHit:
    return StoredHit(
        detection_id=uuid.uuid4(), list_name="stolen", plate_norm="AB12CDE", site_id=site_id,
        stream_id="st", seq=1, match_kind="exact", source="node", plate="AB12CDE",
        camera_id="cam", captured_at=at, hotlist_version=1, created_at=at,
    )  # fmt: skip


def test_reads_received_before_the_cutoff_are_deleted_and_newer_ones_kept(
    store: CloudStore,
) -> None:
    site = _site(store, "a", days=60)
    _reads(store, site, [NOW - 10 * DAY, NOW - 9 * DAY, NOW - 8 * DAY, NOW - DAY, NOW])
    assert store.retention.delete_reads(site, CUTOFF, 100) == Deleted(reads=3)
    assert _held(store, site) == [NOW - DAY, NOW]


def test_another_sites_reads_are_not_touched(store: CloudStore) -> None:
    site, other = _site(store, "a", days=60), _site(store, "b", days=60)
    _reads(store, site, [NOW - 10 * DAY])
    _reads(store, other, [NOW - 10 * DAY, NOW - 9 * DAY])
    store.retention.delete_reads(site, CUTOFF, 100)
    assert _held(store, other) == [NOW - 10 * DAY, NOW - 9 * DAY]


def test_a_call_deletes_at_most_its_limit_and_the_next_goes_on(store: CloudStore) -> None:
    site = _site(store, "a", days=60)
    _reads(store, site, [NOW - (10 + n) * DAY for n in range(5)])
    got = [store.retention.delete_reads(site, CUTOFF, 2).reads for _ in range(4)]
    assert got == [2, 2, 1, 0]
    assert _held(store, site) == []


def test_hits_stored_before_the_cutoff_are_deleted(store: CloudStore) -> None:
    site = _site(store, "a", days=60)
    old, new = _hit(site, NOW - 10 * DAY), _hit(site, NOW - DAY)
    store.hits.put_hit(old)
    store.hits.put_hit(new)
    assert store.retention.delete_reads(site, CUTOFF, 100) == Deleted(hits=1)
    assert [h.detection_id for h in store.hits.list_hits(site_ids={site}).items] == [
        new.detection_id
    ]
    assert store.hits.hit_detections([str(old.detection_id)]) == set()


def test_read_counts_of_hours_before_the_cutoff_are_deleted(store: CloudStore) -> None:
    site = _site(store, "a", days=60)
    _reads(store, site, [NOW - 10 * DAY, NOW - DAY])
    store.retention.delete_reads(site, CUTOFF, 100)
    counted = store.detections.hourly_reads({site}, since=NOW - 20 * DAY, until=NOW)
    assert [(r.hour, r.reads) for r in counted] == [(NOW - DAY, 1)]


def test_two_callers_at_once_delete_each_read_once(store: CloudStore) -> None:
    site = _site(store, "a", days=60)
    _reads(store, site, [NOW - (10 + n) * DAY for n in range(12)])
    store.hits.put_hit(_hit(site, NOW - 10 * DAY))
    results = run_together([lambda: store.retention.delete_reads(site, CUTOFF, 100)] * 2)
    assert results[0] + results[1] == Deleted(reads=12, hits=1)
    assert _held(store, site) == []


def test_runs_are_listed_newest_first_and_by_site(store: CloudStore) -> None:
    def run(site: str, hours: int, reads: int) -> RetentionRun:
        at = NOW + timedelta(hours=hours)
        return RetentionRun(site, at, at + timedelta(seconds=2), CUTOFF, reads, 0)

    runs = [run("site-a", 0, 5), run("site-b", 1, 7), run("site-a", 2, 1)]
    for r in runs:
        store.retention.record_run(r)
    assert store.retention.list_runs() == runs[::-1]
    assert store.retention.list_runs(site_id="site-a") == [runs[2], runs[0]]
    assert store.retention.list_runs(limit=1) == [runs[2]]
