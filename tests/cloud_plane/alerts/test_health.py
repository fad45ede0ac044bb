"""Health alerts from real heartbeats: site offline, silent camera, disk, backlog, clock skew."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from cloud_plane.alerts.health import HealthThresholds, evaluate_site
from cloud_plane.records.alerts import AlertQuery, StoredAlert
from cloud_plane.records.sites import Site
from sync_protocol.messages import CameraHealth, Heartbeat
from tests.cloud_plane.alerts.harness import T0
from tests.cloud_plane.conftest import RunningCloud


def beat(cloud: RunningCloud, *, cameras: list[CameraHealth] | None = None, **kw: Any) -> Heartbeat:
    fields: dict[str, Any] = {
        "node_version": "0.1",
        "uptime_s": 100,
        "disk_used_bytes": 10,
        "disk_total_bytes": 100,
        "db_size_bytes": 1,
        "backlog_count": 0,
        "cameras": cameras
        if cameras is not None
        else [CameraHealth(camera_id="gate-1", last_seen=cloud.clock(), clock_offset_s=0.5)],
    }
    fields.update(kw)
    return Heartbeat(**fields)


@pytest.fixture
def cloud(cloud_factory: Callable[..., RunningCloud]) -> RunningCloud:
    return cloud_factory(alert_worker=False, offline_after_s=300, camera_silent_after_s=600)


def check(cloud: RunningCloud) -> tuple[int, int]:
    return cloud.services.alerting.monitor.check()


def alerts(cloud: RunningCloud, status: str | None = None) -> list[StoredAlert]:
    return cloud.store.alerts.list_alerts(AlertQuery(status=status)).items  # type: ignore[arg-type]


def test_a_stopped_node_raises_site_offline_once_and_resolves_when_back(
    cloud: RunningCloud,
) -> None:
    node = cloud.node()
    node.exchange(heartbeat=beat(cloud))
    assert check(cloud) == (0, 0)
    cloud.clock.advance(seconds=301)  # the node stopped: no more heartbeats
    assert check(cloud) == (1, 0)
    cloud.clock.advance(seconds=60)
    assert check(cloud) == (0, 0)  # still the same open problem
    [offline] = alerts(cloud)
    assert (offline.kind, offline.site_id, offline.status) == ("site_offline", node.site_id, "open")
    assert "no heartbeat for" in offline.reason
    node.exchange(heartbeat=beat(cloud))
    assert check(cloud) == (0, 1)
    assert alerts(cloud)[0].status == "resolved"


def test_a_silent_camera_raises_camera_silent(cloud: RunningCloud) -> None:
    node = cloud.node()
    quiet_since = cloud.clock() - timedelta(seconds=900)
    node.exchange(
        heartbeat=beat(
            cloud,
            cameras=[
                CameraHealth(camera_id="gate-1", last_seen=cloud.clock()),
                CameraHealth(camera_id="gate-2", last_seen=quiet_since),
                CameraHealth(camera_id="gate-3", last_seen=None),
            ],
            uptime_s=86_400,
        )
    )
    check(cloud)
    silent = sorted((a.kind, a.camera_id) for a in alerts(cloud))
    assert silent == [("camera_silent", "gate-2"), ("camera_silent", "gate-3")]
    node.exchange(
        heartbeat=beat(
            cloud,
            cameras=[
                CameraHealth(camera_id=c, last_seen=cloud.clock())
                for c in ("gate-1", "gate-2", "gate-3")
            ],
        )
    )
    assert check(cloud) == (0, 2)


def test_a_tiny_disk_budget_raises_disk_nearly_full(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.exchange(heartbeat=beat(cloud, disk_used_bytes=95, disk_total_bytes=100))
    check(cloud)
    [disk] = alerts(cloud)
    assert disk.kind == "disk_nearly_full" and "95%" in disk.reason


def test_a_skewed_camera_clock_raises_clock_skew(cloud: RunningCloud) -> None:
    node = cloud.node()
    skewed = CameraHealth(camera_id="gate-1", last_seen=cloud.clock(), clock_offset_s=-3600)
    node.exchange(heartbeat=beat(cloud, cameras=[skewed]))
    check(cloud)
    [skew] = alerts(cloud)
    assert (skew.kind, skew.camera_id) == ("clock_skew", "gate-1") and "-3600 s" in skew.reason
    fixed = CameraHealth(camera_id="gate-1", last_seen=cloud.clock(), clock_offset_s=1)
    node.exchange(heartbeat=beat(cloud, cameras=[fixed]))
    assert check(cloud) == (0, 1)


def test_a_growing_sync_backlog_raises_sync_backlog(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.exchange(heartbeat=beat(cloud, backlog_count=5000, backlog_oldest_age_s=3600))
    check(cloud)
    assert [a.kind for a in alerts(cloud)] == ["sync_backlog"]


def test_an_offline_site_keeps_its_other_problems_until_it_is_back(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.exchange(heartbeat=beat(cloud, disk_used_bytes=99, disk_total_bytes=100))
    check(cloud)
    cloud.clock.advance(seconds=400)
    check(cloud)
    assert sorted(a.kind for a in alerts(cloud, "open")) == ["disk_nearly_full", "site_offline"]


def test_a_site_never_seen_or_revoked_has_nothing_to_say() -> None:
    limits = HealthThresholds()
    never = Site(site_id="s", name="S", created_at=T0)
    assert evaluate_site(never, T0, limits).problems == []
    revoked = Site(site_id="s", name="S", created_at=T0, revoked_at=T0)
    assert evaluate_site(revoked, T0, limits).settles


def _site_heard_now_with_a_camera_quiet_since(now, last_seen) -> Site:
    from dataclasses import replace

    hb = Heartbeat(
        node_version="1",
        uptime_s=10,
        disk_used_bytes=1,
        disk_total_bytes=100,
        db_size_bytes=1,
        backlog_count=0,
        cameras=[CameraHealth(camera_id="gate", last_seen=last_seen)],
    )
    return replace(Site(site_id="s", name="S", created_at=T0), last_heartbeat_at=now, heartbeat=hb)


@pytest.mark.parametrize(
    ("hours", "local_time", "silent"),
    [
        ("06:00-22:00", "12:00", True),
        ("06:00-22:00", "23:30", False),
        ("22:00-06:00", "23:30", True),  # a window that wraps midnight
        ("22:00-06:00", "12:00", False),
    ],
)
def test_a_silent_camera_counts_only_within_its_expected_hours(hours, local_time, silent):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from cloud_plane.alerts.health import parse_hours

    h, m = (int(x) for x in local_time.split(":"))
    now = datetime(2026, 11, 26, h, m, tzinfo=ZoneInfo("Europe/London"))
    site = _site_heard_now_with_a_camera_quiet_since(now, now - timedelta(hours=2))
    limits = HealthThresholds(
        camera_silent_after_s=3600, expected_hours=parse_hours(hours), timezone="Europe/London"
    )
    kinds = [p.kind.value for p in evaluate_site(site, now, limits).problems]
    assert ("camera_silent" in kinds) is silent


def test_expected_hours_that_do_not_parse_are_refused():
    from cloud_plane.alerts.health import parse_hours

    with pytest.raises(ValueError, match="06:00-22:00"):
        parse_hours("six to ten")


def test_a_camera_without_reads_on_a_fresh_node_is_not_silent_yet(cloud: RunningCloud) -> None:
    node = cloud.node()
    fresh = [CameraHealth(camera_id="gate-9", last_seen=None)]
    node.exchange(heartbeat=beat(cloud, cameras=fresh, uptime_s=5))
    check(cloud)
    assert alerts(cloud) == []
