"""The DynamoDB capacity benchmark: its batching, and a smoke run that yields every figure.

The smoke run checks that the benchmark runs and reports, not the figures (the target is
the benchmark's PASS/MISS line, never an assertion). Run it with `pytest -m bench`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bench.dynamo.traffic import MAX_RECORDS, backlog_batches, push_batches
from tests.cloud_plane.store.contracts.builders import NOW, records

REPO = Path(__file__).resolve().parents[2]


def test_a_node_in_sync_pushes_what_arrived_since_its_last_push() -> None:
    reads = [
        r.model_copy(update={"received_at": NOW + timedelta(seconds=s)})
        for r, s in zip(records("st", 1, 5), (0.1, 0.5, 1.9, 2.1, 7.0), strict=True)
    ]
    assert [[r.seq for r in b] for b in push_batches(reads, 2.0)] == [[1, 2, 3], [4], [5]]


def test_a_node_draining_a_backlog_sends_the_wires_largest_batches() -> None:
    sizes = [len(b) for b in backlog_batches(records("st", 1, MAX_RECORDS + 3))]
    assert sizes == [MAX_RECORDS, 3]


@pytest.mark.bench
@pytest.mark.e2e
def test_quick_dynamo_benchmark_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "dynamo.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.dynamo", "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert [load["phase"] for load in report["loads"]] == ["steady", "unpaced-2s", "backlog"]
    assert all(load["write_units_per_read"] >= 1 for load in report["loads"])
    assert all(s["read_units"] > 0 for s in report["searches"])
    assert {t["verdict"] for t in report["targets"]} <= {"PASS", "MISS"}
    assert len(report["targets"]) == 2  # the unpaced comparison has no target
    assert "write units per read" in done.stdout
