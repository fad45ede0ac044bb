"""The backup schedule: a crontab line in the site's zone, run by the agent's scheduler."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from local_node.backups import schedule as schedule_module
from local_node.backups.schedule import BackupSchedule
from local_node.sync.runtime import start_agent
from tests.local_node.backups.conftest import StepClock

LONDON = ZoneInfo("Europe/London")


def test_the_nightly_backup_is_due_at_its_local_time_not_before() -> None:
    runs: list[datetime] = []
    clock = StepClock(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    nightly = BackupSchedule(lambda: runs.append(clock()), "30 2 * * *", LONDON, clock)
    assert nightly.next_at == datetime(2026, 7, 1, 1, 30, tzinfo=UTC)  # 02:30 BST
    clock.advance(minutes=89)
    assert not nightly.tick()
    clock.advance(minutes=1)
    assert nightly.tick() and runs == [clock()]


def test_a_due_run_runs_once_then_waits_for_the_next_night() -> None:
    clock = StepClock(datetime(2026, 1, 5, 2, 30, tzinfo=UTC))  # 02:30 GMT
    runs: list[datetime] = []
    nightly = BackupSchedule(lambda: runs.append(clock()), "30 2 * * *", LONDON, clock)
    assert nightly.tick()
    clock.advance(minutes=5)
    assert not nightly.tick()
    assert nightly.next_at == datetime(2026, 1, 6, 2, 30, tzinfo=UTC)


def test_slots_missed_while_a_backup_ran_long_make_one_run() -> None:
    clock = StepClock(datetime(2026, 1, 5, 0, 0, tzinfo=UTC))
    runs: list[datetime] = []
    hourly = BackupSchedule(lambda: runs.append(clock()), "0 * * * *", LONDON, clock)
    clock.advance(hours=5)
    assert hourly.tick() and not hourly.tick()
    assert len(runs) == 1


def test_the_agent_runs_the_scheduled_backup_when_its_clock_reaches_the_time(
    node_factory, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setattr(schedule_module, "CHECK_EVERY_S", 0.05)  # the agent looks often
    node = node_factory(
        timezone="Europe/London",
        backup_schedule="30 2 * * *",
        backup_destination=str(tmp_path / "nas"),
        sync_push_interval_s=30,
        sync_hotlist_interval_s=30,
        sync_heartbeat_interval_s=30,
    )
    node.clock.now = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    agent = start_agent(node.services)
    try:
        assert "backup" in agent.runner.job_ids()
        time.sleep(0.3)  # several checks: not due yet
        assert backup_runs(node) == []
        node.clock.now = datetime(2026, 1, 5, 2, 30, tzinfo=UTC)
        deadline = time.monotonic() + 20
        while backup_runs(node) != [("schedule", "ok")] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert backup_runs(node) == [("schedule", "ok")]
    finally:
        agent.stop()
    assert len(list((tmp_path / "nas").glob("node-*Z.*.manifest.json"))) == 1


def backup_runs(node) -> list[tuple[str, str]]:
    with node.services.engine.connect() as conn:
        rows = conn.execute(text("SELECT trigger, status FROM backup_runs ORDER BY id"))
        return [tuple(r) for r in rows]
