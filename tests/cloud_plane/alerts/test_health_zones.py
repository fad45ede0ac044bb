"""Expected camera hours hold on each site's own clock (its zone, else alert_timezone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cloud_plane.alerts.health import HealthThresholds, evaluate_site, parse_hours
from cloud_plane.records.alerts import AlertQuery
from cloud_plane.records.sites import Site
from sync_protocol.messages import CameraHealth, Heartbeat
from tests.cloud_plane.conftest import RunningCloud

THREE_UTC = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo, 04:00 in Berlin
DAYTIME = HealthThresholds(
    camera_silent_after_s=3600, expected_hours=parse_hours("06:00-22:00"), timezone="UTC"
)


def quiet_camera(quiet_since: datetime) -> Heartbeat:
    return Heartbeat(
        node_version="1",
        uptime_s=86_400,
        disk_used_bytes=1,
        disk_total_bytes=100,
        db_size_bytes=1,
        backlog_count=0,
        cameras=[CameraHealth(camera_id="gate", last_seen=quiet_since)],
    )


def site_in(zone: str | None) -> Site:
    site = Site(site_id="s", name="S", created_at=THREE_UTC, timezone=zone)
    hb = quiet_camera(THREE_UTC - timedelta(hours=2))
    return replace(site, last_heartbeat_at=THREE_UTC, heartbeat=hb)


def silent(site: Site, limits: HealthThresholds = DAYTIME) -> bool:
    problems = evaluate_site(site, THREE_UTC, limits).problems
    return any(p.kind.value == "camera_silent" for p in problems)


def test_a_silent_camera_at_noon_on_its_sites_clock_is_a_problem() -> None:
    assert silent(site_in("Asia/Tokyo"))


def test_a_silent_camera_at_night_on_its_sites_clock_is_no_problem() -> None:
    assert not silent(site_in("Europe/Berlin"))


def test_a_site_without_a_zone_is_judged_on_alert_timezone() -> None:
    assert not silent(site_in(None))  # alert_timezone UTC: 03:00 is night
    assert silent(site_in(None), replace(DAYTIME, timezone="Asia/Tokyo"))


@pytest.fixture
def cloud(cloud_factory: Callable[..., RunningCloud]) -> RunningCloud:
    return cloud_factory(
        alert_worker=False, camera_silent_after_s=600, camera_expected_hours="06:00-22:00"
    )


def test_the_monitor_raises_camera_silent_only_where_it_is_daytime(cloud: RunningCloud) -> None:
    cloud.clock.now = THREE_UTC
    tokyo, berlin = cloud.node("Tokyo"), cloud.node("Berlin")
    cloud.store.sites.set_site_timezone(tokyo.site_id, "Asia/Tokyo")
    cloud.store.sites.set_site_timezone(berlin.site_id, "Europe/Berlin")
    for node in (tokyo, berlin):
        node.exchange(heartbeat=quiet_camera(THREE_UTC - timedelta(seconds=900)))
    cloud.services.alerting.monitor.check()
    raised = cloud.store.alerts.list_alerts(AlertQuery()).items
    assert [(a.kind, a.site_id) for a in raised] == [("camera_silent", tokyo.site_id)]
