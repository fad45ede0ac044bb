"""The ``DetectionStore`` contract: batches, high water, search and heartbeats."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.records.detections import DetectionQuery
from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import NOW, records
from tests.cloud_plane.store.contracts.conftest import needs_role

ROLE = "detections"


def test_put_batch_is_idempotent_and_contiguous(store: CloudStore) -> None:
    assert store.detections.high_water("s", "st") == 0
    assert (
        store.detections.put_batch("s", "st", records("st", 1, 3), received_at=NOW).high_water == 3
    )
    again = store.detections.put_batch("s", "st", records("st", 1, 3), received_at=NOW)
    assert (again.high_water, again.stored, again.gap) == (3, 0, False)
    overlap = store.detections.put_batch("s", "st", records("st", 2, 4), received_at=NOW)
    assert (overlap.high_water, overlap.stored) == (5, 2)
    gap = store.detections.put_batch("s", "st", records("st", 9, 2), received_at=NOW)
    assert (gap.high_water, gap.stored, gap.gap) == (5, 0, True)
    assert store.detections.high_water("s", "st") == 5
    assert store.detections.high_water("s", "other") == 0
    found = store.detections.search_detections(DetectionQuery(limit=100)).items
    assert [d.record.seq for d in found] == [5, 4, 3, 2, 1]


def test_concurrent_batches_of_one_stream_store_each_record_once(store: CloudStore) -> None:
    batches = [records("st", 1, 50), records("st", 1, 80), records("st", 1, 20)]
    threads = [
        threading.Thread(
            target=store.detections.put_batch, args=("s", "st", b), kwargs={"received_at": NOW}
        )
        for b in batches
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.detections.high_water("s", "st") == 80
    assert len(store.detections.search_detections(DetectionQuery(limit=1000)).items) == 80


def test_search_filters_by_site_plate_and_time_and_pages(store: CloudStore) -> None:
    store.detections.put_batch("a", "st", records("st", 1, 4, "AB12CDE"), received_at=NOW)
    store.detections.put_batch("b", "st", records("st", 1, 2, "XY34ZZZ"), received_at=NOW)
    q = DetectionQuery
    assert len(store.detections.search_detections(q(site_ids={"a"})).items) == 4
    assert store.detections.search_detections(q(site_ids=set())).items == []
    assert len(store.detections.search_detections(q(plate="XY34ZZZ")).items) == 2
    assert len(store.detections.search_detections(q(plate="XY*")).items) == 2
    assert len(store.detections.search_detections(q(plate="XY34ZZ2", fuzzy=True)).items) == 2
    since = NOW + timedelta(seconds=2)
    assert (
        len(
            store.detections.search_detections(
                q(since=since, until=since + timedelta(seconds=2))
            ).items
        )
        == 3
    )
    seen, cursor = [], None
    while True:
        page = store.detections.search_detections(q(limit=4, cursor=cursor))
        seen += [(d.record.received_at, d.site_id, d.record.seq) for d in page.items]
        if not (cursor := page.next_cursor):
            break
    assert len(seen) == 6 and seen == sorted(seen, reverse=True)
    with pytest.raises(InvalidInput):
        store.detections.search_detections(q(cursor="garbage"))


def test_heartbeats_keep_the_newest(store: CloudStore, request: pytest.FixtureRequest) -> None:
    from sync_protocol.messages import Heartbeat

    needs_role(request, "sites")

    site = store.sites.create_site("S", now=NOW)
    beat = Heartbeat(
        node_version="1",
        uptime_s=1,
        disk_used_bytes=1,
        disk_total_bytes=1,
        db_size_bytes=1,
        backlog_count=1,
    )
    store.detections.record_heartbeat(site.site_id, beat, NOW)
    store.detections.record_heartbeat(
        site.site_id, beat.model_copy(update={"backlog_count": 9}), NOW - timedelta(1)
    )
    got = store.sites.get_site(site.site_id)
    assert got.last_heartbeat_at == NOW and got.heartbeat.backlog_count == 1
    with pytest.raises(NotFound):
        store.detections.record_heartbeat("nope", beat, NOW)


def test_reads_are_counted_per_site_camera_and_hour_once(store: CloudStore) -> None:
    store.detections.put_batch("a", "st", records("st", 1, 3), received_at=NOW)
    store.detections.put_batch("a", "st", records("st", 1, 5), received_at=NOW)  # 2 new
    store.detections.put_batch("b", "st", records("st", 1, 1), received_at=NOW)
    hour = NOW.replace(minute=0)
    rows = store.detections.hourly_reads(None, since=NOW, until=NOW + timedelta(hours=1))
    assert {(r.site_id, r.hour, r.camera_id, r.reads) for r in rows} == {
        ("a", hour, "cam", 5),
        ("b", hour, "cam", 1),
    }
    assert [
        r.site_id
        for r in store.detections.hourly_reads({"b"}, since=NOW, until=NOW + timedelta(hours=1))
    ] == ["b"]
    assert store.detections.hourly_reads(set(), since=NOW, until=NOW + timedelta(hours=1)) == []
    assert (
        store.detections.hourly_reads(
            None, since=NOW + timedelta(hours=1), until=NOW + timedelta(hours=2)
        )
        == []
    )


def test_search_filters_by_camera(store: CloudStore) -> None:
    store.detections.put_batch("a", "st", records("st", 1, 2), received_at=NOW)
    q = DetectionQuery
    assert len(store.detections.search_detections(q(camera_id="cam")).items) == 2
    assert store.detections.search_detections(q(camera_id="other")).items == []
