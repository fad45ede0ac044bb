"""The full-cloud estimate's table and JSON."""

from __future__ import annotations

import dataclasses
import json

from cloud_plane.costing.full_cloud import SiteInputs
from cloud_plane.costing.full_cloud_estimate import full_cloud_estimate
from cloud_plane.costing.render_full_cloud import as_json, summary_lines, table
from cloud_plane.costing.usage import Inputs

PLANE = Inputs(sites=1, cameras=20, reads_per_minute=10)
SEED = full_cloud_estimate(PLANE, SiteInputs(cameras=20, reads_per_minute=10))


def test_the_table_has_a_line_per_service_and_the_site_total() -> None:
    text = table(SEED)
    for line in SEED.lines:
        assert any(row.startswith(line.service) for row in text.splitlines())
    total = next(x for x in text.splitlines() if x.startswith("site total"))
    assert total.split()[-1] == f"{SEED.site_usd:.2f}"


def test_the_table_holds_the_planes_own_table() -> None:
    assert "total (excluding SMS)" in table(SEED) and "DynamoDB" in table(SEED)


def test_the_side_by_side_has_the_hybrid_plane_full_cloud_and_the_customer() -> None:
    head, hybrid, full, customer = summary_lines(SEED)
    assert head.startswith("side by side, a month (20 cameras a site")
    assert hybrid.startswith("  hybrid: the cloud plane alone (site hardware not counted)")
    assert hybrid.split()[-1] == f"{SEED.plane.total_usd:.2f}"
    assert full.split()[-1] == f"{SEED.total_usd:.2f}"
    assert "customer's own" in customer and customer.split()[-1] == "150-250"


def test_the_side_by_side_counts_the_sites() -> None:
    three = full_cloud_estimate(dataclasses.replace(PLANE, sites=3), SEED.site_inputs)
    assert "3 sites' stacks + the cloud plane" in table(three)


def test_the_table_says_the_logs_are_an_estimate_and_names_region_and_date() -> None:
    text = table(SEED)
    assert "CloudWatch Logs is an estimate" in text
    assert "us-east-1" in text and "2026-12-06" in text and "on-demand" in text


def test_data_past_the_rds_limit_is_warned_about() -> None:
    big = full_cloud_estimate(PLANE, SiteInputs(cameras=400, reads_per_minute=10))
    assert "WARNING" in table(big) and "WARNING" not in table(SEED)


def test_the_json_has_the_site_its_lines_the_summary_and_the_planes_json() -> None:
    doc = json.loads(json.dumps(as_json(SEED)))
    assert doc["region"] == "us-east-1" and doc["prices_taken"] == "2026-12-06"
    assert doc["site_inputs"]["image_kb"] == 50.0 and doc["stack"]["api_tasks"] == 2
    assert {line["service"] for line in doc["site_lines"]} == {x.service for x in SEED.lines}
    assert abs(doc["site_usd"] - sum(line["usd"] for line in doc["site_lines"])) < 0.05
    assert doc["summary"]["customer_full_cloud_usd"] == [150.0, 250.0]
    assert doc["plane"]["total_usd"] == doc["summary"]["hybrid_plane_usd"]
