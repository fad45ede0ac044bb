"""Smoke test of the sync benchmark: `python -m bench.sync --quick` yields every figure.

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
FIGURES = ["drain_per_s", "drain_s", "wire_bytes_per_detection", "hit_p50_ms", "hit_p99_ms"]


@pytest.mark.bench
@pytest.mark.e2e
def test_quick_sync_benchmark_reports_every_figure(tmp_path: Path):
    out = tmp_path / "sync.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.sync", "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())

    figures = report["figures"]
    missing = [name for name in FIGURES if not (figures.get(name) or 0) > 0]
    assert not missing, f"figures missing or not positive: {missing} in {figures}"
    assert {t["result"] for t in report["targets"]} <= {"PASS", "MISS"}
    assert len(report["targets"]) == 4
    drain = report["drain"]
    assert drain["records"] == 20_000
    assert drain["hits_stored_in_cloud"] >= drain["hits_in_backlog"] > 0
    assert drain["wire"]["requests"] > 0
    latency = report["hit_latency"]
    assert latency["samples"] == 10 and latency["missed"] == 0
    assert "backlog drained, detections/s" in done.stdout
