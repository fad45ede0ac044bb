"""The ``backup_failing`` health alert: a site's last backup failed, or none succeeded lately."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cloud_plane.alerts.health import HealthMonitor, HealthThresholds, evaluate_site
from cloud_plane.alerts.model import AlertKind
from cloud_plane.records.alerts import AlertQuery
from cloud_plane.records.sites import Site
from cloud_plane.store.base import CloudStore
from sync_protocol.messages import BackupState, Heartbeat
from tests.cloud_plane.alerts.harness import T0, Alerting, Clock
from tests.cloud_plane.conftest import RunningCloud


def beat(backup: BackupState | None) -> Heartbeat:
    return Heartbeat(
        node_version="1",
        uptime_s=10,
        disk_used_bytes=1,
        disk_total_bytes=100,
        db_size_bytes=1,
        backlog_count=0,
        backup=backup,
    )


def backup_reasons(backup: BackupState | None, now: datetime = T0) -> list[str]:
    site = Site(
        site_id="s",
        name="S",
        created_at=T0 - timedelta(days=9),
        last_heartbeat_at=now,
        heartbeat=beat(backup),
    )
    problems = evaluate_site(site, now, HealthThresholds()).problems
    return [p.reason for p in problems if p.kind == AlertKind.BACKUP_FAILING]


def test_a_failed_last_backup_is_a_problem_naming_its_error() -> None:
    failed = BackupState(
        last_ok_at=T0 - timedelta(days=1), last_failed_at=T0, error="cannot write to /mnt/nas"
    )
    assert backup_reasons(failed) == ["the last backup failed: cannot write to /mnt/nas"]


def test_no_success_for_two_days_is_a_problem() -> None:
    stale = BackupState(last_ok_at=T0 - timedelta(days=2, hours=1))
    assert backup_reasons(stale) == ["no backup has succeeded for 49 h 0 min"]


def test_a_recent_success_after_a_failure_is_no_problem() -> None:
    ok = BackupState(last_ok_at=T0, last_failed_at=T0 - timedelta(days=1), error="x")
    assert backup_reasons(ok) == []


def test_a_node_that_reports_no_backups_is_not_judged() -> None:
    assert backup_reasons(None) == []


def test_a_failing_backup_raises_the_alert_and_a_success_resolves_it(
    shared_store: CloudStore,
) -> None:
    a = Alerting(store=shared_store, clock=Clock(), channels={})
    monitor = HealthMonitor(a.store, a.service)
    now = a.clock()
    failed = BackupState(last_failed_at=now, error="NoSuchBucket: site-backups")
    a.store.detections.record_heartbeat(a.site.site_id, beat(failed), now)
    assert monitor.check() == (1, 0)
    [alert] = a.store.alerts.list_alerts(AlertQuery()).items
    assert (alert.kind, alert.status) == ("backup_failing", "open")
    assert "NoSuchBucket" in alert.reason

    a.clock.advance(hours=1)
    later = a.clock()
    good = BackupState(last_ok_at=later, last_failed_at=now, error="NoSuchBucket: site-backups")
    a.store.detections.record_heartbeat(a.site.site_id, beat(good), later)
    assert monitor.check() == (0, 1)
    [alert] = a.store.alerts.list_alerts(AlertQuery()).items
    assert (alert.status, alert.resolution) == ("resolved", "a backup succeeded again")


def test_a_node_reporting_a_failed_backup_over_the_wire_raises_the_alert(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False)
    node = cloud.node()
    failed = BackupState(last_failed_at=cloud.clock(), error="cannot write to /mnt/nas")
    node.exchange(heartbeat=beat(failed))
    assert cloud.services.alerting.monitor.check() == (1, 0)
    [alert] = cloud.store.alerts.list_alerts(AlertQuery()).items
    assert (alert.kind, alert.site_id) == ("backup_failing", node.site_id)
