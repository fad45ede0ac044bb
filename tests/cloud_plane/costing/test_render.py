"""The estimate's table and JSON."""

from __future__ import annotations

import json

from cloud_plane.costing.estimate import estimate
from cloud_plane.costing.render import as_json, comparison_line, table
from cloud_plane.costing.usage import Inputs

SEED = estimate(Inputs(sites=1, cameras=20, reads_per_minute=10))


def test_the_json_has_lines_totals_inputs_assumptions_usage_and_dated_prices() -> None:
    doc = json.loads(json.dumps(as_json(SEED)))
    assert doc["schema"] == 1 and doc["region"] == "us-east-1"
    assert {"inputs", "assumptions", "usage", "lines", "total_usd", "free_tier_usd",
            "excluded_usd", "comparison", "dominant", "prices", "measured",
            "write_units_per_read"} <= set(doc)  # fmt: skip
    assert doc["inputs"]["sites"] == 1 and doc["assumptions"]["dynamodb_ms_per_call"] > 0
    for line in doc["lines"]:
        assert {"service", "usd", "free_tier_usd", "excluded", "parts"} <= set(line)
        for part in line["parts"]:
            assert {"item", "quantity", "price", "usd_per_unit", "unit", "usd"} <= set(part)
            assert part["price"] in doc["prices"]
    for p in doc["prices"].values():
        assert {"usd", "unit", "source", "verified", "taken"} <= set(p)


def test_the_json_total_is_the_sum_of_the_included_lines() -> None:
    doc = as_json(SEED)
    included = sum(line["usd"] for line in doc["lines"] if not line["excluded"])
    assert abs(doc["total_usd"] - included) < 0.01 * len(doc["lines"])


def test_the_json_measured_figures_name_the_command_that_measured_them() -> None:
    measured = as_json(SEED)["measured"]
    assert "bench.lambda_cost" in measured["PLATE_ITEM_BYTES"]["source"]
    assert list(measured["BENCH_DYNAMO_WU_PER_READ"]["paced 5 s"]) == [17.0, 1.357]


def test_the_table_has_a_line_per_service_and_the_total() -> None:
    text = table(SEED)
    for line in SEED.lines:
        assert line.service in text
    total = next(x for x in text.splitlines() if x.startswith("total (excluding SMS)"))
    assert total.split()[-1] == f"{SEED.total_usd:.2f}"


def test_the_comparison_line_names_the_customers_estimate_and_the_goal() -> None:
    line = comparison_line(SEED)
    assert "$150-250" in line and "goal < $10" in line
    assert ("PASS" in line) or ("MISS" in line)
