"""One backup run: recorded in backup_runs, rotated at the destination, failures are health."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from local_node.backups.health import backup_health
from local_node.backups.job import run_backup
from local_node.sync.heartbeat import build_heartbeat
from tests.local_node.backups.conftest import BackupNode


def unwritable(tmp_path: Path) -> str:
    """A destination that cannot be created (its parent is a file; root ignores modes)."""
    blocker = tmp_path / "nas-not-mounted"
    blocker.write_text("not a folder")
    return str(blocker / "backups")


def test_a_run_is_recorded_with_its_file_checksum_and_counts(backup_node: BackupNode) -> None:
    outcome = run_backup(backup_node.engine, backup_node.settings, backup_node.clock)
    with backup_node.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM backup_runs")).mappings().one()
    assert (row["status"], row["trigger"], row["file"]) == ("ok", "schedule", outcome.file)
    assert len(row["sha256"]) == 64 and row["verified"]
    assert '"detections": 12' in row["counts_json"]


def test_rotation_keeps_the_newest_days_and_weeks_at_the_folder(backup_node: BackupNode) -> None:
    settings = backup_node.with_settings(keep_daily=3, keep_weekly=1, verify=False)
    made = []
    for _ in range(10):  # ten nights from Monday 2 March: weeks 10 and 11
        made.append(run_backup(backup_node.engine, settings, backup_node.clock).file)
        backup_node.clock.advance(days=1)
    folder = Path(settings.backup.destination or "")
    left = sorted(p.name for p in folder.iterdir() if not p.name.endswith(".manifest.json"))
    # Wed 11 March is the 10th night: the 3 newest days, and Sunday 8 March for week 10.
    assert left == sorted([made[6], *made[7:]])
    assert all((folder / f"{name}.manifest.json").exists() for name in left)


def test_a_failing_destination_records_a_failed_run_and_makes_the_node_unhealthy(
    backup_node: BackupNode, tmp_path: Path
) -> None:
    settings = backup_node.with_settings(destination=unwritable(tmp_path))
    outcome = run_backup(backup_node.engine, settings, backup_node.clock)
    assert outcome.status == "failed" and "cannot write" in (outcome.error or "")
    with backup_node.engine.connect() as conn:
        health = backup_health(conn)
    assert health.failing and health.failures == 1
    assert "nas-not-mounted" in (health.error or "")


def test_the_heartbeat_carries_the_last_failure_then_the_success(
    backup_node: BackupNode, tmp_path: Path
) -> None:
    def beat():
        return build_heartbeat(
            backup_node.engine,
            now=backup_node.clock(),
            started_at=time.monotonic(),
            data_dir=backup_node.settings.data_dir,
            interval_s=60,
        ).backup

    assert beat() is None  # no backup yet: nothing to report
    failing = backup_node.with_settings(destination=unwritable(tmp_path))
    run_backup(backup_node.engine, failing, backup_node.clock)
    state = beat()
    assert state is not None and state.last_failed_at == backup_node.clock()
    assert state.last_ok_at is None and "cannot write" in (state.error or "")
    backup_node.clock.advance(hours=1)
    run_backup(backup_node.engine, backup_node.settings, backup_node.clock)
    state = beat()
    assert state is not None and state.last_ok_at == backup_node.clock()
