"""`edgesync cloud hotlist purge-tombstones`: the operator's tombstone purge."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from cloud_plane.cli import cloud
from cloud_plane.clock import utc_now
from cloud_plane.hotlist.service import staff_delete, staff_upsert
from cloud_plane.store.sql import SqlStore


def _purge(tmp_path: Path, database_url: str, *args: str):
    return CliRunner().invoke(
        cloud,
        ["hotlist", "purge-tombstones", "--data-dir", str(tmp_path), "--database-url",
         database_url, *args],
    )  # fmt: skip


def _tombstone(database_url: str, plate: str, days_ago: int) -> None:
    store = SqlStore.open(database_url)
    at = utc_now() - timedelta(days=days_ago)
    try:
        staff_upsert(
            store, list_name="watch", plate=plate, reason="", priority=50, expires_at=None,
            by="staff", now=at,
        )  # fmt: skip
        staff_delete(store, list_name="watch", plate=plate, by="staff", now=at)
    finally:
        store.meta.close()


def test_purge_tombstones_removes_those_past_the_retention_setting(
    tmp_path: Path, database_url: str, monkeypatch
) -> None:
    monkeypatch.setenv("EDGESYNC_CLOUD_HOTLIST_TOMBSTONE_RETENTION_DAYS", "30")
    _tombstone(database_url, "OLD111", days_ago=31)
    _tombstone(database_url, "NEW222", days_ago=29)
    result = _purge(tmp_path, database_url, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["purged"], out["purge_mark"]) == (1, 2)
    store = SqlStore.open(database_url)
    try:
        assert store.hotlist.get_entry("watch", "OLD111") is None
        assert store.hotlist.get_entry("watch", "NEW222").deleted
    finally:
        store.meta.close()


def test_purge_tombstones_older_than_zero_days_purges_every_tombstone(
    tmp_path: Path, database_url: str
) -> None:
    _tombstone(database_url, "NEW222", days_ago=0)
    result = _purge(tmp_path, database_url, "--older-than-days", "0")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 hotlist tombstones purged")
    assert "nodes below hotlist version 2 get a snapshot" in result.stdout


def test_purge_tombstones_refuses_a_negative_age(tmp_path: Path, database_url: str) -> None:
    result = _purge(tmp_path, database_url, "--older-than-days", "-1")
    assert result.exit_code == 2 and "--older-than-days" in result.output
