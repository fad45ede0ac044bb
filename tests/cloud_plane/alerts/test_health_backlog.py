"""The ``sync_backlog`` health alert: a backlog growing for a sustained period, or too old."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from cloud_plane.alerts.health import HealthThresholds, evaluate_site
from cloud_plane.alerts.model import AlertKind
from cloud_plane.records.alerts import AlertQuery
from cloud_plane.records.sites import BacklogSample, Site
from sync_protocol.messages import Heartbeat
from tests.cloud_plane.alerts.harness import T0
from tests.cloud_plane.conftest import RunningCloud

LIMITS = HealthThresholds(
    backlog_age_s=900, backlog_count=100_000, backlog_growth_s=1800, backlog_growth_min=100
)


def heartbeat(count: int, oldest_age_s: float | None = None) -> Heartbeat:
    return Heartbeat(
        node_version="1",
        uptime_s=10,
        disk_used_bytes=1,
        disk_total_bytes=100,
        db_size_bytes=1,
        backlog_count=count,
        backlog_oldest_age_s=oldest_age_s,
    )


def site_with(counts_every_5_min: list[int], oldest_age_s: float | None = None) -> Site:
    """A site heard now whose heartbeats reported these backlogs, 5 minutes apart."""
    n = len(counts_every_5_min)
    samples = tuple(
        BacklogSample(T0 - timedelta(minutes=5 * (n - 1 - i)), count)
        for i, count in enumerate(counts_every_5_min)
    )
    return Site(
        site_id="s",
        name="S",
        created_at=T0 - timedelta(days=1),
        last_heartbeat_at=T0,
        heartbeat=heartbeat(counts_every_5_min[-1], oldest_age_s),
        backlog_samples=samples,
    )


def backlog_reasons(site: Site) -> list[str]:
    problems = evaluate_site(site, T0, LIMITS).problems
    return [p.reason for p in problems if p.kind == AlertKind.SYNC_BACKLOG]


def test_a_backlog_growing_for_the_growth_period_raises_below_the_count_threshold() -> None:
    rising = [120, 400, 900, 1500, 2200, 3000, 3700, 4300]  # 35 min
    assert backlog_reasons(site_with(rising, oldest_age_s=60)) == [
        "backlog grew from 400 to 4,300 in 30 min"
    ]


def test_a_backlog_that_drains_between_pushes_raises_nothing() -> None:
    sawtooth = [0, 3000, 0, 3000, 0, 3000, 0, 4000]
    assert backlog_reasons(site_with(sawtooth, oldest_age_s=60)) == []


def test_a_growth_shorter_than_the_growth_period_raises_nothing() -> None:
    assert backlog_reasons(site_with([0, 0, 0, 0, 0, 100, 2000, 9000], oldest_age_s=60)) == []


def test_an_old_oldest_read_raises_even_without_growth() -> None:
    steady = [50] * 8
    assert backlog_reasons(site_with(steady, oldest_age_s=7200)) == [
        "oldest unsent read waits 2 h 0 min"
    ]


def test_growth_and_age_are_both_named() -> None:
    rising = [120, 400, 900, 1500, 2200, 3000, 3700, 4300]
    assert backlog_reasons(site_with(rising, oldest_age_s=7200)) == [
        "backlog grew from 400 to 4,300 in 30 min; oldest unsent read waits 2 h 0 min"
    ]


def test_a_backlog_above_the_count_threshold_still_raises() -> None:
    assert backlog_reasons(site_with([200_000], oldest_age_s=60)) == ["200,000 reads wait to sync"]


@pytest.fixture
def cloud(cloud_factory: Callable[..., RunningCloud]) -> RunningCloud:
    return cloud_factory(alert_worker=False, offline_after_s=600)


def test_heartbeats_of_a_rising_backlog_raise_sync_backlog_then_resolve_when_it_drains(
    cloud: RunningCloud,
) -> None:
    node = cloud.node()
    monitor = cloud.services.alerting.monitor
    for count in (120, 400, 900, 1500, 2200, 3000):  # 25 min, 5 min apart: not yet
        node.exchange(heartbeat=heartbeat(count, oldest_age_s=60))
        assert monitor.check() == (0, 0)
        cloud.clock.advance(seconds=300)
    node.exchange(heartbeat=heartbeat(3700, oldest_age_s=60))  # 30 min of growth
    assert monitor.check() == (1, 0)
    [alert] = cloud.store.alerts.list_alerts(AlertQuery()).items
    assert (alert.kind, alert.status) == ("sync_backlog", "open")
    assert alert.reason == "backlog grew from 120 to 3,700 in 30 min"
    cloud.clock.advance(seconds=300)
    node.exchange(heartbeat=heartbeat(0))  # the node caught up
    assert monitor.check() == (0, 1)
    [alert] = cloud.store.alerts.list_alerts(AlertQuery()).items
    assert alert.status == "resolved"
