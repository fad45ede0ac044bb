"""Every price says what it is, where it comes from, when it was taken, how far it was checked."""

from __future__ import annotations

import re

import pytest

from cloud_plane.costing.prices import PRICES, Price, price


@pytest.mark.parametrize("name", sorted(PRICES))
def test_every_price_cites_an_aws_pricing_page_and_a_date(name: str) -> None:
    p = PRICES[name]
    assert p.source.startswith("https://aws.amazon.com/")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.taken)
    assert p.unit and p.usd >= 0


def test_anything_not_read_on_an_aws_page_says_where_it_was_read() -> None:
    unsourced = [n for n, p in PRICES.items() if p.verified == "secondary" and not p.seen_at]
    assert unsourced == []


def test_a_price_with_an_unknown_verification_is_refused() -> None:
    with pytest.raises(ValueError, match="verified must be"):
        Price(1.0, "thing", "https://aws.amazon.com/x/", "probably")


def test_an_unknown_price_name_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="dynamodb_write_million"):
        price("dynamodb_writes")


def test_dynamodb_on_demand_requests_are_the_november_2024_prices() -> None:
    assert price("dynamodb_write_million").usd == 0.625
    assert price("dynamodb_read_million").usd == 0.125
