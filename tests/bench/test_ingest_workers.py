"""`bench.ingest --workers 1 2`: one run measures each worker count beside the bare endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.ingest import workers

REPO = Path(__file__).resolve().parents[2]
QUICK = [sys.executable, "-m", "bench.ingest", "--quick", "--image-sync", "none"]


def test_each_worker_count_is_a_ratio_to_the_bare_endpoint_and_to_one_worker() -> None:
    runs = {1: {"ok_per_s": 300.0}, 2: {"ok_per_s": 450.0}}
    result = workers.compare([1, 2], lambda n: runs[n], bare_per_s=600.0)
    assert result["ratios"] == {
        "workers1_bare_ratio": 0.5,
        "workers2_bare_ratio": 0.75,
        "workers2_workers1_ratio": 1.5,
    }


def test_a_worker_count_below_one_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"at least 1, not \[0\]"):
        workers.parse_counts([1, 0])


@pytest.mark.bench
@pytest.mark.e2e
def test_quick_benchmark_measures_one_and_two_workers_in_the_same_run(tmp_path: Path) -> None:
    out = tmp_path / "ingest.json"
    done = subprocess.run(
        [*QUICK, "--workers", "1", "2", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert set(report["workers"]["runs"]) == {"1", "2"}
    assert all(run["rows_match"] for run in report["workers"]["runs"].values())
    assert report["figures"]["workers2_workers1_ratio"] > 0
    assert "N=2" in done.stdout
