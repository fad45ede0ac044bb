"""The alert rules in docs/operations/monitoring.md parse and name metrics that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.deploy.metric_series import cloud_series, node_series, unknown_metrics

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "operations" / "monitoring.md"


def yaml_blocks() -> list[object]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)]


@pytest.fixture(scope="module")
def rules() -> list[dict]:
    [groups] = [b for b in yaml_blocks() if isinstance(b, dict) and "groups" in b]
    return [rule for group in groups["groups"] for rule in group["rules"]]


def test_every_yaml_block_parses():
    assert len(yaml_blocks()) >= 2


def test_every_rule_has_an_alert_name_an_expression_a_severity_and_a_summary(rules):
    for rule in rules:
        assert rule["alert"] and rule["expr"], rule
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule
        assert rule["annotations"]["summary"], rule


def test_alert_names_are_unique(rules):
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))


def test_every_rule_names_only_metrics_the_node_or_cloud_exposes(rules):
    known = node_series() | cloud_series()
    missing = {r["alert"]: unknown_metrics(r["expr"], known) for r in rules}
    assert not {alert: names for alert, names in missing.items() if names}


def test_the_rules_watch_sync_disk_and_cameras(rules):
    text = " ".join(rule["expr"] for rule in rules)
    for needed in (
        "edgesync_node_sync_last_success_timestamp_seconds",
        "edgesync_node_disk_free_bytes",
        "edgesync_node_camera_last_read_timestamp_seconds",
    ):
        assert needed in text, needed
