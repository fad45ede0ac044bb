"""The Lambda cost benchmark: a run yields every figure, and the counts the cost model takes
from it (``cloud_plane/costing/measured.py``) are still what it counts. Times vary by
machine and are not compared. Run it with `pytest -m bench` (a few seconds).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cloud_plane.costing import measured

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("lambda_cost") / "lambda_cost.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.lambda_cost", "--minutes", "2", "--monitor-runs", "3",
         "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Lambda per invocation" in done.stdout
    return json.loads(out.read_text())


@pytest.mark.bench
def test_every_kind_of_invocation_is_reported(report: dict) -> None:
    assert {"exchange", "exchange + heartbeat", "exchange, no reads (hotlist pull)",
            "monitor"} <= set(report["invocations"])  # fmt: skip
    assert all(s["app_ms_median"] > 0 for s in report["invocations"].values())


@pytest.mark.bench
def test_the_cost_models_call_and_unit_counts_are_what_the_bench_counts(report: dict) -> None:
    inv = report["invocations"]
    empty = inv["exchange, no reads (hotlist pull)"]
    assert empty["dynamodb_calls_mean"] == measured.DDB_CALLS_EMPTY_EXCHANGE.value
    assert empty["read_units_mean"] == measured.READ_UNITS_EMPTY_EXCHANGE.value
    assert inv["exchange"]["read_units_mean"] == pytest.approx(
        measured.READ_UNITS_WITH_READS.value, abs=0.1
    )
    assert inv["monitor"]["dynamodb_calls_mean"] == measured.MONITOR_DDB_CALLS.value
    assert inv["monitor"]["read_units_mean"] == measured.MONITOR_READ_UNITS.value


@pytest.mark.bench
def test_the_cost_models_item_sizes_are_what_the_store_writes(report: dict) -> None:
    items = report["items"]
    assert items["by_kind"]["PLATE"]["mean_bytes"] == pytest.approx(
        measured.PLATE_ITEM_BYTES.value, rel=0.03
    )
    assert items["by_kind"]["NONCE"]["mean_bytes"] == measured.NONCE_ITEM_BYTES.value
    chunks = {int(n): b for n, b in items["chunk_bytes_by_reads"].items()}
    assert chunks[17] == pytest.approx(measured.CHUNK_ITEM_BYTES[17], rel=0.05)
