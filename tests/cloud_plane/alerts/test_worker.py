"""The alert worker's periodic jobs, as the wiring builds it (store-backed rate limits)."""

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
