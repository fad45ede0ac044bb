"""A failed backup shows locally: /api/v1/status and the Prometheus metrics."""

from __future__ import annotations

from pathlib import Path

from local_node.backups.job import run_backup
from tests.local_node.backups.test_job import unwritable


def test_a_failed_backup_shows_in_the_status_and_the_metrics(node_factory, tmp_path: Path) -> None:
    node = node_factory(backup_destination=unwritable(tmp_path))
    run_backup(node.services.engine, node.settings, node.clock, trigger="cli")
    with node.admin() as client:
        status = client.get("/api/v1/status").json()["backup"]
        metrics = client.get("/metrics").text
    assert status["failing"] and status["failures"] == 1 and status["last_ok_at"] is None
    assert "cannot write" in status["error"]
    assert "edgesync_node_backup_failures_total 1.0" in metrics
    assert "edgesync_node_backup_last_success_timestamp_seconds 0.0" in metrics


def test_a_good_backup_sets_the_last_success_metric(node_factory, tmp_path: Path) -> None:
    node = node_factory(backup_destination=str(tmp_path / "nas"))
    run_backup(node.services.engine, node.settings, node.clock, trigger="cli")
    with node.admin() as client:
        status = client.get("/api/v1/status").json()["backup"]
        metrics = client.get("/metrics").text
    assert not status["failing"] and status["last_ok_at"] is not None
    assert metric(metrics, "edgesync_node_backup_last_success_timestamp_seconds") == (
        node.clock().timestamp()
    )


def metric(text: str, name: str) -> float:
    [value] = [line.split()[1] for line in text.splitlines() if line.startswith(name + " ")]
    return float(value)
