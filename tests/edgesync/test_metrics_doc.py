"""docs/operations/metrics.md is generated from the registries and is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from edgesync.metrics_doc import metrics_of, node_registry, render

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "operations" / "metrics.md"


def test_checked_in_reference_is_what_the_registries_generate():
    assert DOC.read_text() == render(), "docs/operations/metrics.md is stale: run `make docs`"


def test_the_command_prints_the_reference():
    out = subprocess.run(
        [sys.executable, "-m", "edgesync.metrics_doc"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert out.stdout == render()


def test_labels_of_a_metric_without_samples_are_listed():
    by_name = {m.name: m for m in metrics_of(node_registry())}
    assert by_name["edgesync_node_http_request_seconds"].labels == ("route", "method", "status")


def test_counters_are_listed_by_the_series_queries_use():
    by_name = {m.name: m for m in metrics_of(node_registry())}
    assert by_name["edgesync_node_reads_stored"].series == ("edgesync_node_reads_stored_total",)
