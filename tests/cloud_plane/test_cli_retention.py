"""`edgesync cloud retention run|runs`: the read retention run now, and its record."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from cloud_plane.cli import cloud
from cloud_plane.store.sql import SqlStore
from sync_protocol.detections import DetectionRecord, detection_uuid


def _run(args: list[str], data_dir: Path, database_url: str, **env: str):
    return CliRunner().invoke(
        cloud,
        [*args, "--data-dir", str(data_dir), "--database-url", database_url],
        env={f"EDGESYNC_CLOUD_{k.upper()}": v for k, v in env.items()},
    )


def _site_with_reads(database_url: str, name: str, ages_days: list[int]) -> str:
    store = SqlStore.open(database_url)
    try:
        now = datetime.now(UTC)
        site_id = store.sites.create_site(name, now=now).site_id
        for seq, age in enumerate(ages_days, start=1):
            at = now - timedelta(days=age)
            record = DetectionRecord(
                id=detection_uuid("st", seq), seq=seq, camera_id="cam", captured_at=at,
                received_at=at, plate="AB12CDE", plate_norm="AB12CDE",
            )  # fmt: skip
            store.detections.put_batch(site_id, "st", [record], received_at=at)
        return site_id
    finally:
        store.meta.close()


def test_run_deletes_reads_past_the_default_and_prints_per_site_counts(
    tmp_path: Path, database_url: str
) -> None:
    old = _site_with_reads(database_url, "Old", [40, 35, 1])
    _site_with_reads(database_url, "Fresh", [1])
    result = _run(
        ["retention", "run", "--json"], tmp_path, database_url, detection_retention_days="30"
    )
    assert result.exit_code == 0, result.output
    [run] = json.loads(result.stdout)["runs"]
    assert (run["site_id"], run["reads_deleted"], run["hits_deleted"]) == (old, 2, 0)


def test_run_follows_a_sites_own_retention_set_by_the_cli(
    tmp_path: Path, database_url: str
) -> None:
    site = _site_with_reads(database_url, "Short", [10, 1])
    assert _run(["sites", "set-retention", site, "7"], tmp_path, database_url).exit_code == 0
    result = _run(["retention", "run"], tmp_path, database_url)  # no default: only its own
    assert result.exit_code == 0 and f"{site}  1 reads, 0 hits" in result.stdout


def test_runs_lists_the_record_newest_first_and_by_site(tmp_path: Path, database_url: str) -> None:
    first = _site_with_reads(database_url, "A", [40])
    second = _site_with_reads(database_url, "B", [40, 41])
    _run(["retention", "run"], tmp_path, database_url, detection_retention_days="30")
    everything = _run(["retention", "runs", "--json"], tmp_path, database_url)
    assert {r["site_id"] for r in json.loads(everything.stdout)["runs"]} == {first, second}
    only = _run(["retention", "runs", "--site", second, "--json"], tmp_path, database_url)
    assert [r["reads_deleted"] for r in json.loads(only.stdout)["runs"]] == [2]


def test_run_with_nothing_past_any_retention_says_so(tmp_path: Path, database_url: str) -> None:
    _site_with_reads(database_url, "Fresh", [1])
    result = _run(["retention", "run"], tmp_path, database_url, detection_retention_days="30")
    assert result.exit_code == 0 and "no reads deleted" in result.stdout
    assert "no retention runs" in _run(["retention", "runs"], tmp_path, database_url).stdout
