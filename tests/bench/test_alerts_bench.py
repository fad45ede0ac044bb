"""Smoke test of the alert benchmark: `python -m bench.alerts --quick` yields every figure.

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
FIGURES = ["drain_s", "drain_per_s", "hit_to_message_p50_ms", "hit_to_message_p99_ms"]


@pytest.mark.bench
@pytest.mark.e2e
def test_quick_alert_benchmark_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "alerts.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.alerts", "--quick", "--out", str(out)],
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
    assert len(report["targets"]) == 2
    assert report["throughput"]["sent"] == report["throughput"]["deliveries"] == 200
    assert report["throughput"]["ledger_rows"] == 200
    assert report["hit_latency"]["samples"] == 10
    assert "hit -> message" in done.stdout
