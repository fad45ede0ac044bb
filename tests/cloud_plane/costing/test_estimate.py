"""Usage x prices: hand-checked arithmetic, what scales with sites, the seed's verdict."""

from __future__ import annotations

import dataclasses

import pytest

from cloud_plane.costing import measured
from cloud_plane.costing.estimate import Part, estimate, lines_for
from cloud_plane.costing.usage import Assumptions, Inputs, Usage

SEED = Inputs(sites=1, cameras=20, reads_per_minute=10)


@pytest.mark.parametrize(
    ("quantity", "name", "usd"),
    [
        (2_000_000, "dynamodb_write_million", 1.25),  # 2 M x $0.625/M
        (8_000_000, "dynamodb_read_million", 1.00),  # 8 M x $0.125/M
        (100_000, "lambda_gb_second", 1.66667),  # 100,000 x $0.0000166667
        (3_000_000, "lambda_request_million", 0.60),
        (20_000, "secrets_api_10k", 0.10),  # 2 x $0.05 per 10,000
        (3_000, "ses_thousand", 0.30),
        (1, "dashboard_month", 3.00),
        (10, "dynamodb_storage_gb_month", 2.50),
    ],
)
def test_a_part_costs_its_quantity_times_its_price(quantity: float, name: str, usd: float) -> None:
    assert Part("x", quantity, name).usd == pytest.approx(usd, rel=1e-5)


def test_a_free_tier_takes_off_at_most_its_allowance() -> None:
    assert Part("x", 2_500_000, "lambda_request_million").free_usd == pytest.approx(0.20)
    assert Part("x", 100_000, "lambda_request_million").free_usd == pytest.approx(0.02)


def test_per_service_lines_from_a_known_usage() -> None:
    u = Usage(reads=1e6, exchanges=1e5, exchanges_with_reads=1e5, reads_per_exchange=10,
              heartbeats=0, write_units={"plate items": 1.6e6}, read_units={"x": 8e5},
              table_gib=4.0, api_requests=2e5, invocations={"api": 2e5, "monitor": 0.0},
              gb_seconds={"api": 6e4}, log_gib=1.0, log_stored_gib=3.0, sqs_requests=1e6,
              emails=1000, sms=100, staff_mau=5, secrets_calls=10_000)  # fmt: skip
    lines = {line.service: line for line in lines_for(u, Assumptions(alarms=8, dashboards=1))}
    # 1.6 M WU $1.00 + 0.8 M RU $0.10 + 4 GB x ($0.25 + $0.20) $1.80
    assert lines["DynamoDB"].usd == pytest.approx(2.90)
    # 0.2 M calls $0.04 + 60,000 GB-s $1.00
    assert lines["Lambda"].usd == pytest.approx(1.04, abs=1e-4)
    assert lines["API Gateway (HTTP API)"].usd == pytest.approx(0.20)
    # 1 GB $0.50 + 3 GB-month $0.09 + 8 alarms $0.80 + a dashboard $3
    assert lines["CloudWatch"].usd == pytest.approx(4.39)
    assert lines["SQS"].usd == pytest.approx(0.40)
    assert lines["Secrets Manager"].usd == pytest.approx(0.45)
    assert lines["Cognito"].usd == 0.0
    assert lines["SES"].usd == pytest.approx(0.10)
    assert lines["SNS SMS (US, excluded)"].excluded


def test_the_total_leaves_sms_out() -> None:
    e = estimate(SEED)
    assert e.total_usd == pytest.approx(sum(x.usd for x in e.lines if not x.excluded))
    sms = next(x for x in e.lines if x.excluded)
    assert sms.usd > 0 and e.total_usd + sms.usd > e.total_usd


def _by_service(inputs: Inputs) -> dict[str, float]:
    return {line.service: line.usd for line in estimate(inputs).lines}


def test_doubling_the_sites_doubles_what_each_read_costs() -> None:
    one = estimate(SEED)
    two = estimate(dataclasses.replace(SEED, sites=2))
    assert sum(two.usage.write_units.values()) - two.usage.write_units["alerts"] == pytest.approx(
        2 * (sum(one.usage.write_units.values()) - one.usage.write_units["alerts"])
    )
    assert two.usage.table_gib == pytest.approx(2 * one.usage.table_gib)
    assert two.usage.exchanges == pytest.approx(2 * one.usage.exchanges)


def test_doubling_the_sites_leaves_the_fixed_lines_alone() -> None:
    one, two = _by_service(SEED), _by_service(dataclasses.replace(SEED, sites=2))
    for service in ("Secrets Manager", "Cognito", "EventBridge", "SES"):
        assert two[service] == one[service]
    parts = {p.item: p.usd for x in estimate(dataclasses.replace(SEED, sites=2)).lines
             for p in x.parts}  # fmt: skip
    assert parts["alarms"] == pytest.approx(0.80)
    assert parts["dashboards"] == pytest.approx(3.00)


def test_a_longer_push_interval_lowers_the_bill() -> None:
    assert (
        estimate(dataclasses.replace(SEED, push_interval_s=2.0)).total_usd
        > estimate(SEED).total_usd
    )


def test_longer_retention_raises_only_storage() -> None:
    month = estimate(SEED)
    quarter = estimate(dataclasses.replace(SEED, retention_days=90))
    delta = quarter.total_usd - month.total_usd
    # Two more months of the seed's ~5.8 GB at $0.25 + $0.20 a GB-month.
    assert delta == pytest.approx(2 * month.usage.table_gib * 0.45, rel=1e-6)


def test_dynamodb_dominates_the_seed() -> None:
    assert estimate(SEED).dominant().service == "DynamoDB"


def test_the_seed_costs_under_a_sixth_of_the_customers_full_cloud_estimate() -> None:
    assert estimate(SEED).total_usd < 150 / 6


NO_DICTIONARY = Assumptions(new_keys_per_read=0.0, revisits_per_read=0.0)


def test_the_plate_dictionary_keeps_the_seed_over_ten_dollars_within_the_free_tiers() -> None:
    # What the README says: under the goal with the always-free tiers before issue 14's
    # plate dictionary, over it with the dictionary.
    with_it, without = estimate(SEED), estimate(SEED, NO_DICTIONARY)
    assert without.total_usd - without.free_tier_usd < 10.0
    assert with_it.total_usd - with_it.free_tier_usd > 10.0


def test_the_plate_dictionary_is_priced_per_new_key_and_per_revisit() -> None:
    u = estimate(SEED).usage
    expected = u.reads * (0.18 * measured.DICTIONARY_WU_PER_NEW_KEY.value + 0.15)
    assert u.write_units["plate dictionary"] == pytest.approx(expected)
    assert "plate dictionary" not in {
        k for k, v in estimate(SEED, NO_DICTIONARY).usage.write_units.items() if v
    }


def test_at_list_prices_the_seed_is_over_ten_dollars() -> None:
    assert estimate(SEED).total_usd > 10.0
