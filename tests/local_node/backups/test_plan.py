"""Rotation: the newest backup of each of N days and of each of M further ISO weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from local_node.backups.plan import drop, keep

MONDAY = datetime(2026, 3, 2, 2, 30, tzinfo=UTC)  # ISO week 10


def nightly(days: int) -> dict[str, datetime]:
    """One backup a night for ``days`` nights ending on MONDAY + days - 1."""
    return {f"b{i:02d}": MONDAY + timedelta(days=i) for i in range(days)}


def test_keeps_the_newest_n_days() -> None:
    stamps = nightly(5)
    assert keep(stamps, keep_daily=3, keep_weekly=0) == {"b02", "b03", "b04"}


def test_keeps_only_the_newest_backup_of_a_day() -> None:
    stamps = {"early": MONDAY, "late": MONDAY + timedelta(hours=12)}
    assert keep(stamps, keep_daily=1, keep_weekly=0) == {"late"}


def test_weekly_backups_are_the_newest_of_each_older_week() -> None:
    stamps = nightly(28)  # four ISO weeks, Monday to Sunday
    kept = keep(stamps, keep_daily=2, keep_weekly=2)
    # The two newest days (week 13), then the Sundays of weeks 12 and 11.
    assert kept == {"b27", "b26", "b20", "b13"}


def test_drop_lists_the_rest_oldest_first() -> None:
    stamps = nightly(4)
    assert drop(stamps, keep_daily=2, keep_weekly=0) == ["b00", "b01"]


def test_fewer_backups_than_kept_drop_nothing() -> None:
    assert drop(nightly(3), keep_daily=7, keep_weekly=4) == []
