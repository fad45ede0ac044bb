"""The site dashboard is a Grafana dashboard model whose queries name metrics the node exposes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.deploy.metric_series import METRIC, node_series, unknown_metrics

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "site-dashboard.json"


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels(dashboard: dict) -> list[dict]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def exprs(dashboard: dict) -> list[str]:
    return [t["expr"] for p in panels(dashboard) for t in p["targets"]]


def test_every_query_names_only_metrics_a_node_exposes(dashboard):
    missing = {e: unknown_metrics(e, node_series()) for e in exprs(dashboard)}
    assert not {e: m for e, m in missing.items() if m}


def test_every_panel_queries_an_edgesync_metric(dashboard):
    assert all(any(METRIC.search(t["expr"]) for t in p["targets"]) for p in panels(dashboard)), (
        "a panel without an edgesync query"
    )


def test_a_misspelt_metric_would_be_caught():
    expr = "sum(rate(edgesync_node_reads_stored[5m]))"  # a counter is queried as _total
    assert unknown_metrics(expr, node_series()) == {"edgesync_node_reads_stored"}


def test_histogram_buckets_and_counter_totals_count_as_exposed():
    assert {
        "edgesync_node_http_request_seconds_bucket",
        "edgesync_node_reads_rejected_total",
    } <= node_series()


def test_the_dashboard_covers_ingest_latency_errors_backlog_disk_and_cameras(dashboard):
    text = " ".join(exprs(dashboard))
    for needed in (
        "edgesync_node_reads_stored_total",
        "histogram_quantile(0.95",
        'status=~"5.."',
        "edgesync_node_sync_backlog_records",
        "edgesync_node_sync_last_success_timestamp_seconds",
        "edgesync_node_disk_free_bytes",
        "edgesync_node_image_budget_bytes",
        "edgesync_node_camera_last_read_timestamp_seconds",
        "edgesync_node_camera_errors_last_hour",
    ):
        assert needed in text, needed


def test_queries_use_the_prometheus_datasource_variable(dashboard):
    [variable] = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
    assert variable["query"] == "prometheus"
    uids = {t["datasource"]["uid"] for p in panels(dashboard) for t in p["targets"]}
    assert uids == {"${" + variable["name"] + "}"}


def test_it_is_a_grafana_dashboard_model(dashboard):
    assert dashboard["schemaVersion"] >= 36 and dashboard["uid"] and dashboard["title"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert all({"h", "w", "x", "y"} <= set(p["gridPos"]) for p in dashboard["panels"])
    assert all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in dashboard["panels"])
