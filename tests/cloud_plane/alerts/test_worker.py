"""The alert worker's periodic jobs, as the wiring builds it (store-backed rate limits, the
hotlist tombstone purge, the read retention)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cloud_plane.alerts.wiring import build_alerting
from cloud_plane.config import CloudSettings
from cloud_plane.store.sql import SqlStore
from tests.cloud_plane.alerts.doubles import ScriptedChannel
from tests.cloud_plane.alerts.harness import T0, Clock
from tests.e2e.harness import wait_for

IDLE, BUSY = "recipient:sms:idle", "recipient:sms:busy"


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    impl = SqlStore.open(database_url)
    yield impl
    impl.meta.close()


def test_the_worker_forgets_rate_buckets_that_have_refilled(
    store: SqlStore, tmp_path: Path
) -> None:
    alerting = build_alerting(
        CloudSettings(data_dir=tmp_path), store, Clock(), channels={"sms": ScriptedChannel()}
    )
    refilled, refilling = T0 - timedelta(minutes=1), T0 + timedelta(minutes=1)
    store.rate_limits.swap({IDLE: None, BUSY: None}, {IDLE: refilled, BUSY: refilling})
    worker = alerting.worker()
    worker.start()
    try:
        wait_for(lambda: IDLE not in store.rate_limits.read([IDLE]), timeout=10, what="pruning")
    finally:
        worker.stop()
    assert store.rate_limits.read([IDLE, BUSY]) == {BUSY: refilling}


def test_the_worker_purges_hotlist_tombstones_once_the_clock_passes_retention(
    cloud_factory,
) -> None:
    cloud = cloud_factory(health_interval_s=0.05, hotlist_tombstone_retention_days=30)
    admin = cloud.staff("admin")
    admin.put("/api/v1/hotlist/watch/AAA111", json={})
    assert admin.delete("/api/v1/hotlist/watch/AAA111").status_code == 204
    # The worker's first run (at start) found nothing due; the next is an hour on by the
    # cloud's clock, and by then the tombstone is past its 30 days.
    cloud.clock.advance(days=31)
    wait_for(
        lambda: cloud.store.hotlist.get_entry("watch", "AAA111") is None,
        timeout=10,
        every=0.05,
        what="the tombstone purged",
    )
    assert cloud.store.hotlist.oldest_retained_version() == 3


def test_the_worker_deletes_reads_past_the_retention_and_records_the_run(cloud_factory) -> None:
    cloud = cloud_factory(health_interval_s=0.05, detection_retention_days=30)
    node = cloud.node()
    node.exchange(batch=node.records(1, 2))
    cloud.clock.advance(days=31)  # the next hourly run is due, and the reads are past 30 days
    wait_for(
        lambda: cloud.store.retention.list_runs(site_id=node.site_id) != [],
        timeout=10,
        every=0.05,
        what="the retention run recorded",
    )
    [run] = cloud.store.retention.list_runs(site_id=node.site_id)
    assert run.reads_deleted == 2
