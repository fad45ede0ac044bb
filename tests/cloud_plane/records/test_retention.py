"""The pure retention policy: bounds, the DAYS argument, the default, cutoffs, the plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cloud_plane.errors import InvalidInput
from cloud_plane.records.retention import (
    Deleted,
    SitePlan,
    check_days,
    cutoff,
    effective_days,
    parse_days,
    plan,
)

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize("days", [1, 90, 3650, None])
def test_days_within_the_bounds_or_null_are_accepted(days: int | None) -> None:
    assert check_days(days) == days


@pytest.mark.parametrize("days", [0, -1, 3651, 1.5, "30", True])
def test_days_outside_the_bounds_or_not_whole_are_refused_naming_the_field(days: object) -> None:
    with pytest.raises(InvalidInput, match="read_retention_days"):
        check_days(days)


def test_the_days_argument_takes_a_number_or_default() -> None:
    assert parse_days(" 30 ") == 30
    assert parse_days("Default") is None


@pytest.mark.parametrize("text", ["forever", "0", "99999", ""])
def test_a_bad_days_argument_is_refused_naming_days(text: str) -> None:
    with pytest.raises(InvalidInput, match="DAYS"):
        parse_days(text)


def test_a_sites_own_days_win_over_the_default_which_applies_without() -> None:
    assert effective_days(7, 90) == 7
    assert effective_days(None, 90) == 90
    assert effective_days(None, None) is None


def test_the_cutoff_is_now_minus_the_days_and_none_keeps_everything() -> None:
    assert cutoff(NOW, 30) == NOW - timedelta(days=30)
    assert cutoff(NOW, None) is None


def test_the_plan_gives_each_site_its_cutoff_and_leaves_out_sites_kept_forever() -> None:
    sites = [("b", None), ("a", 7), ("c", None)]
    assert plan(sites, default_days=30, now=NOW) == [
        SitePlan("a", 7, NOW - timedelta(days=7)),
        SitePlan("b", 30, NOW - timedelta(days=30)),
        SitePlan("c", 30, NOW - timedelta(days=30)),
    ]
    assert plan(sites, default_days=None, now=NOW) == [SitePlan("a", 7, NOW - timedelta(days=7))]


def test_deleted_counts_add_up_and_say_whether_anything_went() -> None:
    assert Deleted(2, 1) + Deleted(3, 0) == Deleted(5, 1)
    assert not Deleted().anything and Deleted(hits=1).anything
