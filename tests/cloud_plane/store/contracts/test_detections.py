"""The ``DetectionStore`` contract: batches, high water, search and heartbeats."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.records.backlog import BACKLOG_WINDOW_S, MAX_BACKLOG_SAMPLES, SAMPLE_SPACING_S
from cloud_plane.records.detections import DetectionQuery
from cloud_plane.records.sites import BacklogSample
from cloud_plane.store.base import CloudStore
from cloud_plane.store.dynamo import DynamoStore
from sync_protocol.messages import BackupState
from tests.cloud_plane.store.contracts.builders import NOW, heartbeat, records
from tests.cloud_plane.store.contracts.conftest import RETENTION_DAYS, needs_role

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
    needs_role(request, "sites")

    site = store.sites.create_site("S", now=NOW)
    beat = heartbeat(backlog_count=1)
    store.detections.record_heartbeat(site.site_id, beat, NOW)
    store.detections.record_heartbeat(
        site.site_id, beat.model_copy(update={"backlog_count": 9}), NOW - timedelta(1)
    )
    got = store.sites.get_site(site.site_id)
    assert got.last_heartbeat_at == NOW and got.heartbeat.backlog_count == 1
    with pytest.raises(NotFound):
        store.detections.record_heartbeat("nope", beat, NOW)


def test_a_heartbeat_keeps_the_nodes_backup_state(
    store: CloudStore, request: pytest.FixtureRequest
) -> None:
    needs_role(request, "sites")
    site = store.sites.create_site("S", now=NOW)
    backup = BackupState(last_ok_at=NOW - timedelta(1), last_failed_at=NOW, error="no bucket")
    store.detections.record_heartbeat(
        site.site_id, heartbeat().model_copy(update={"backup": backup}), NOW
    )
    assert store.sites.get_site(site.site_id).heartbeat.backup == backup


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


def _all_pages(store: CloudStore, query: DetectionQuery) -> list[tuple]:
    seen, cursor = [], None
    while True:
        page = store.detections.search_detections(replace(query, cursor=cursor))
        seen += [(d.record.received_at, d.site_id, d.stream_id, d.record.seq) for d in page.items]
        if not (cursor := page.next_cursor):
            return seen


def test_pages_over_many_sites_and_batches_list_every_read_once_newest_first(
    store: CloudStore,
) -> None:
    # Three sites whose batches interleave in time, and one stream's batches of mixed sizes.
    for site, offset in (("a", 0), ("b", 1), ("c", 2)):
        first = 1
        for size in (3, 7, 1, 12):
            batch = records("st", first, size)
            batch = [r.model_copy(update={"received_at": r.received_at + timedelta(
                milliseconds=offset)}) for r in batch]  # fmt: skip
            store.detections.put_batch(site, "st", batch, received_at=NOW)
            first += size
    everything = _all_pages(store, DetectionQuery(limit=1000))
    assert len(everything) == 3 * 23 == len(set(everything))
    assert everything == sorted(everything, reverse=True)
    for limit in (1, 5, 22):
        assert _all_pages(store, DetectionQuery(limit=limit)) == everything
    two = _all_pages(store, DetectionQuery(limit=4, site_ids={"a", "c"}))
    assert two == [e for e in everything if e[1] in {"a", "c"}]


def test_exact_search_leaves_out_confusions_and_fuzzy_finds_them(store: CloudStore) -> None:
    store.detections.put_batch("a", "st", records("st", 1, 2, "AB12CDE"), received_at=NOW)
    store.detections.put_batch("a", "st", records("st", 3, 1, "A812CDE"), received_at=NOW)
    store.detections.put_batch("a", "st", records("st", 4, 1, "AB12CD"), received_at=NOW)
    search = store.detections.search_detections
    assert [d.record.seq for d in search(DetectionQuery(plate="AB12CDE")).items] == [2, 1]
    assert [d.record.seq for d in search(DetectionQuery(plate="ab-12 cde", fuzzy=True)).items] == [
        4,
        3,
        2,
        1,
    ]
    assert [d.record.seq for d in search(DetectionQuery(plate="A?12C?E", fuzzy=False)).items] == [
        3,
        2,
        1,
    ]
    assert [d.record.seq for d in search(DetectionQuery(plate="AB12C?E", fuzzy=True)).items] == [
        3,
        2,
        1,
    ]


def test_plate_searches_page_newest_first_within_the_time_window(store: CloudStore) -> None:
    store.detections.put_batch("a", "st", records("st", 1, 9, "AB12CDE"), received_at=NOW)
    store.detections.put_batch("b", "st", records("st", 1, 9, "AB12CDF"), received_at=NOW)
    since, until = NOW + timedelta(seconds=3), NOW + timedelta(seconds=8)
    for plate, fuzzy, sites in (("AB12CDE", False, 1), ("AB12CDE", True, 2), ("AB*", False, 2)):
        query = DetectionQuery(plate=plate, fuzzy=fuzzy, since=since, until=until, limit=2)
        seen = _all_pages(store, query)
        assert len(seen) == 5 * sites and seen == sorted(seen, reverse=True)
        assert all(since <= at < until for at, *_ in seen)


def test_reads_past_the_retention_are_neither_found_nor_counted(store: CloudStore) -> None:
    if not isinstance(store, DynamoStore):
        pytest.skip(
            "only store=dynamodb hides reads past the retention at read time (TTL deletes them "
            "late); the SQL store's reads go when the retention job deletes them "
            "(test_retention)"
        )
    old = NOW - timedelta(days=RETENTION_DAYS, seconds=10)
    stale = [r.model_copy(update={"received_at": old}) for r in records("st", 1, 2)]
    store.detections.put_batch("a", "st", stale, received_at=old)
    store.detections.put_batch("a", "st", records("st", 3, 1), received_at=NOW)
    search = store.detections.search_detections
    for query in (
        DetectionQuery(),
        DetectionQuery(plate="AB12CDE"),
        DetectionQuery(plate="AB12CDE", fuzzy=True),
        DetectionQuery(plate="AB*"),
        DetectionQuery(site_ids={"a"}, since=old - timedelta(days=1)),
    ):
        assert [d.record.seq for d in search(query).items] == [3], query
    counted = store.detections.hourly_reads(None, since=old, until=NOW + timedelta(hours=1))
    assert [(r.hour, r.reads) for r in counted] == [(NOW.replace(minute=0), 1)]


def test_heartbeats_keep_the_backlog_samples_of_their_site(
    store: CloudStore, request: pytest.FixtureRequest
) -> None:
    needs_role(request, "sites")
    site = store.sites.create_site("S", now=NOW)
    for seconds, count in ((0, 120), (5, 80), (300, 900), (600, 4300)):
        store.detections.record_heartbeat(
            site.site_id, heartbeat(count, 30.0), NOW + timedelta(seconds=seconds)
        )
    store.detections.record_heartbeat(  # an older heartbeat adds no sample
        site.site_id, heartbeat(1, 30.0), NOW - timedelta(1)
    )
    got = store.sites.get_site(site.site_id)
    assert got.backlog_samples == (
        BacklogSample(NOW, 80, 30.0),  # two heartbeats 5 s apart: one slot, its lowest
        BacklogSample(NOW + timedelta(seconds=300), 900, 30.0),
        BacklogSample(NOW + timedelta(seconds=600), 4300, 30.0),
    )
    [listed] = [s for s in store.sites.list_sites() if s.site_id == site.site_id]
    assert listed.backlog_samples == got.backlog_samples


def test_backlog_samples_stay_within_their_window(
    store: CloudStore, request: pytest.FixtureRequest
) -> None:
    needs_role(request, "sites")
    site = store.sites.create_site("S", now=NOW)
    step = timedelta(seconds=SAMPLE_SPACING_S)
    for i in range(MAX_BACKLOG_SAMPLES + 5):
        store.detections.record_heartbeat(site.site_id, heartbeat(i), NOW + i * step)
    samples = store.sites.get_site(site.site_id).backlog_samples
    assert len(samples) == MAX_BACKLOG_SAMPLES
    assert samples[-1].count == MAX_BACKLOG_SAMPLES + 4
    assert (samples[-1].at - samples[0].at).total_seconds() <= BACKLOG_WINDOW_S
