"""The read retention where the cloud's periodic jobs run: reads synced by a node over HTTP go
when the monitor runs past their retention, and the run is on record."""

from __future__ import annotations


def test_the_monitor_run_deletes_synced_reads_past_the_retention_and_records_it(
    cloud_factory,
) -> None:
    cloud = cloud_factory(alert_worker=False, detection_retention_days=30)
    node = cloud.node()
    node.exchange(batch=node.records(1, 3))
    cloud.clock.advance(days=31)
    assert cloud.services.alerting.monitor_once()["reads_deleted"] == 3
    [run] = cloud.store.retention.list_runs(site_id=node.site_id)
    assert run.reads_deleted == 3
