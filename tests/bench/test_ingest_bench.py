"""Smoke test of the ingest benchmark: `python -m bench.ingest --quick` yields every figure.

It checks that the benchmark runs and reports, not how fast anything is (targets are the
benchmark's PASS/MISS lines, never assertions). Run with `pytest -m bench`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIGURES = [
    "durable_per_s",
    "saturation_p50_ms",
    "saturation_p99_ms",
    "seed_p50_ms",
    "seed_p99_ms",
    "peak_rss_mb",
    "bare_per_s",
    "node_bare_ratio",
    "raw_fsync_files_per_s",
    "node_raw_ratio",
]


@pytest.mark.bench
@pytest.mark.e2e
def test_quick_benchmark_reports_every_figure(tmp_path: Path):
    out = tmp_path / "ingest.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest", "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())

    figures = report["figures"]
    missing = [name for name in FIGURES if not (figures.get(name) or 0) > 0]
    assert not missing, f"figures missing or not positive: {missing} in {figures}"
    assert {t["result"] for t in report["targets"]} <= {"PASS", "MISS"}
    assert len(report["targets"]) == 5
    sat = report["node_saturation"]
    assert sat["rows_match"], f"{sat['rows_in_db']} rows but {sat['ok_total_node']} 201s"
    assert sat["image_files"] == sat["rows_in_db"]
    assert "durable detections/s" in done.stdout


@pytest.mark.bench
@pytest.mark.e2e
def test_quick_benchmark_compares_the_image_flush_modes_as_ratios(tmp_path: Path):
    out = tmp_path / "ingest.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.ingest",
            "--quick",
            "--duration",
            "1.5",
            "--warmup",
            "0",
            "--seed-duration",
            "1",
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    per_s = report["sync_modes"]["durable_per_s"]
    assert set(per_s) == {"syncfs", "fdatasync", "file"} and min(per_s.values()) > 0
    assert report["figures"]["fdatasync_syncfs_ratio"] > 0
    assert report["figures"]["file_syncfs_ratio"] > 0
    assert report["sync_modes"]["runs"]["fdatasync"]["sync_mode"] == "fdatasync"
    assert "fdatasync" in done.stdout and "x1.00 of syncfs" in done.stdout
