"""The read retention job over every shared store: per-site cutoffs, the default, run records,
two runs at once, its hourly pace.

Reads are written while their site keeps them ten years, then the site gets the retention
under test: as after a retention was shortened. (On DynamoDB a read written under the
retention in force expires by TTL, which the job leaves alone: tests/cloud_plane/store/dynamo.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cloud_plane.records.detections import DetectionQuery
from cloud_plane.retention.job import ReadRetention, run_retention
from cloud_plane.store.base import CloudStore
from sync_protocol.detections import DetectionRecord, detection_uuid
from tests.cloud_plane.store.contracts.builders import NOW
from tests.threads import run_together

DAY = timedelta(days=1)


def _site(store: CloudStore, name: str) -> str:
    return store.sites.create_site(name, now=NOW - 100 * DAY).site_id


def _reads(store: CloudStore, site_id: str, received: list[datetime], then: int | None) -> None:
    """Store reads while the site keeps them ten years, then keep its reads ``then`` days."""
    store.sites.set_site_read_retention(site_id, 3650)
    first = store.detections.high_water(site_id, "st") + 1
    for seq, at in enumerate(received, start=first):
        record = DetectionRecord(
            id=detection_uuid("st", seq), seq=seq, camera_id="cam", captured_at=at,
            received_at=at, plate="AB12CDE", plate_norm="AB12CDE",
        )  # fmt: skip
        store.detections.put_batch(site_id, "st", [record], received_at=at)
    store.sites.set_site_read_retention(site_id, then)


def _held(store: CloudStore, site_id: str) -> int:
    page = store.detections.search_detections(DetectionQuery(site_ids={site_id}, limit=100))
    return len(page.items)


def _run(store: CloudStore, default_days: int | None = 30, **kw):
    return run_retention(
        store.sites, store.retention, default_days=default_days, clock=lambda: NOW, **kw
    )


def test_each_site_loses_only_reads_past_its_own_retention(shared_store: CloudStore) -> None:
    short, long = _site(shared_store, "short"), _site(shared_store, "long")
    for site, days in ((short, 7), (long, 60)):
        _reads(shared_store, site, [NOW - 40 * DAY, NOW - 10 * DAY, NOW - DAY], then=days)
    runs = _run(shared_store)
    assert {(r.site_id, r.reads_deleted) for r in runs} == {(short, 2)}
    assert (_held(shared_store, short), _held(shared_store, long)) == (1, 3)


def test_a_site_without_its_own_retention_uses_the_default(shared_store: CloudStore) -> None:
    site = _site(shared_store, "default")
    _reads(shared_store, site, [NOW - 40 * DAY, NOW - 10 * DAY], then=None)
    [run] = _run(shared_store, default_days=30)
    assert (run.site_id, run.reads_deleted, run.cutoff) == (site, 1, NOW - 30 * DAY)
    assert _held(shared_store, site) == 1


def test_without_a_default_a_site_without_its_own_keeps_its_reads(
    shared_store: CloudStore,
) -> None:
    site = _site(shared_store, "forever")
    _reads(shared_store, site, [NOW - 40 * DAY], then=None)
    assert _run(shared_store, default_days=None) == []
    assert shared_store.retention.delete_reads(site, NOW, 10).reads == 1  # it was there


def test_a_run_is_recorded_only_where_something_was_deleted(shared_store: CloudStore) -> None:
    emptied, untouched = _site(shared_store, "emptied"), _site(shared_store, "untouched")
    _reads(shared_store, emptied, [NOW - 40 * DAY], then=None)
    _reads(shared_store, untouched, [NOW - DAY], then=None)
    _run(shared_store)
    [record] = shared_store.retention.list_runs()
    assert (record.site_id, record.reads_deleted, record.hits_deleted) == (emptied, 1, 0)
    assert _run(shared_store) == []  # nothing left: no second record
    assert len(shared_store.retention.list_runs()) == 1


def test_two_runs_at_once_delete_each_read_once_and_their_records_add_up(
    shared_store: CloudStore,
) -> None:
    site = _site(shared_store, "busy")
    _reads(shared_store, site, [NOW - (10 + n) * DAY for n in range(20)], then=7)
    run_together([lambda: _run(shared_store, batch=3)] * 2)
    recorded = shared_store.retention.list_runs(site_id=site)
    assert sum(r.reads_deleted for r in recorded) == 20
    assert _held(shared_store, site) == 0


def test_the_job_runs_at_most_once_an_hour(shared_store: CloudStore) -> None:
    now = [NOW]
    job = ReadRetention(shared_store.sites, shared_store.retention, lambda: now[0], 30)
    site = _site(shared_store, "paced")
    _reads(shared_store, site, [NOW - 40 * DAY], then=None)
    assert job.run_if_due() == 1
    _reads(shared_store, site, [NOW - 39 * DAY], then=None)
    now[0] += timedelta(minutes=59)
    assert job.run_if_due() == 0
    now[0] += timedelta(minutes=1)
    assert job.run_if_due() == 1


def test_a_run_over_its_time_budget_stops_and_records_what_it_deleted(
    shared_store: CloudStore,
) -> None:
    site = _site(shared_store, "big")
    _reads(shared_store, site, [NOW - (10 + n) * DAY for n in range(6)], then=7)
    ticks = iter(range(0, 1000, 10))  # each look at the timer: 10 s on
    [run] = _run(shared_store, batch=2, budget_s=15, timer=lambda: float(next(ticks)))
    assert run.reads_deleted == 4  # two batches, then over budget
    assert shared_store.retention.list_runs(site_id=site) == [run]
