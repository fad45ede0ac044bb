"""One full-cloud site's month: the stack's hours and counts, the load's requests and bytes."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import pytest

from cloud_plane.costing.full_cloud import (
    SiteAssumptions,
    SiteInputs,
    Stack,
    db_gib,
    lcu_by_dimension,
    site_usage,
)

SEED = SiteInputs(cameras=20, reads_per_minute=10)


def test_the_tasks_run_the_whole_month_at_the_designs_sizes() -> None:
    u = site_usage(SEED)
    assert u.api_vcpu_hours == pytest.approx(2 * 0.5 * 720)
    assert u.api_gb_hours == pytest.approx(2 * 1.0 * 720)
    assert u.agent_vcpu_hours == pytest.approx(0.25 * 720)
    assert u.agent_gb_hours == pytest.approx(0.5 * 720)


def test_every_task_and_the_albs_two_azs_hold_a_public_ipv4_address() -> None:
    assert Stack().public_ips == 2 + 1 + 2
    assert site_usage(SEED).ipv4_hours == pytest.approx(5 * 720)


def test_every_read_is_one_put_and_one_delete_of_its_image() -> None:
    u = site_usage(SEED)
    assert u.reads == 20 * 10 * 60 * 24 * 30
    assert u.puts == u.reads and u.deletes == u.reads


def test_images_are_stored_for_the_image_retention_and_hits_for_theirs() -> None:
    no_hits = dataclasses.replace(SEED, hits_per_month=0)
    # 288,000 reads a day x 30 days x 50,000 bytes
    assert site_usage(no_hits).image_gib == pytest.approx(288_000 * 30 * 50_000 / 2**30)
    week = dataclasses.replace(no_hits, image_retention_days=7)
    assert site_usage(week).image_gib == pytest.approx(site_usage(no_hits).image_gib * 7 / 30)
    # 30 hits a month kept 365 days: 365 hit images at any time
    assert site_usage(SEED).image_gib - site_usage(no_hits).image_gib == pytest.approx(
        365 * 50_000 / 2**30
    )


def test_the_albs_lcus_at_the_seed_are_its_processed_bytes() -> None:
    lcus = lcu_by_dimension(SEED, SiteAssumptions())
    # 200 reads a minute x 60 x (50,000 + 1,500) bytes = 0.618 GB an hour
    assert lcus["processed bytes"] == pytest.approx(0.618)
    assert lcus["new connections"] == pytest.approx(200 / 60 / 25)
    assert site_usage(SEED).lcu == lcus["processed bytes"]


def test_the_database_holds_the_metadata_retention_of_reads_and_the_plate_dictionary() -> None:
    a = SiteAssumptions()
    expected = (288_000 * 400 * 615 + 2_500_000 * 806) / 2**30
    assert db_gib(SEED, a) == pytest.approx(expected)


def test_rds_storage_autoscales_from_twenty_gigabytes_leaving_a_tenth_free() -> None:
    small = site_usage(dataclasses.replace(SEED, metadata_retention_days=30))
    assert small.rds_storage_gib == 20.0
    seed = site_usage(SEED)
    assert seed.rds_storage_gib == pytest.approx(-(-seed.db_gib // 0.9))
    assert not seed.rds_over_max


def test_data_past_the_autoscaling_limit_is_flagged_and_billed_at_the_limit() -> None:
    big = site_usage(dataclasses.replace(SEED, cameras=400))
    assert big.rds_over_max and big.rds_storage_gib == 1000.0


def test_multi_az_doubles_the_instance_hours_and_the_storage() -> None:
    one, two = site_usage(SEED), site_usage(dataclasses.replace(SEED, multi_az=True))
    assert two.rds_instance_hours == 2 * one.rds_instance_hours
    assert two.rds_storage_gib == 2 * one.rds_storage_gib


def test_logs_grow_with_the_reads() -> None:
    assert site_usage(dataclasses.replace(SEED, cameras=40)).log_gib > site_usage(SEED).log_gib


@pytest.mark.parametrize("field", ["cameras", "reads_per_minute", "image_kb",
                                   "image_retention_days", "metadata_retention_days"])  # fmt: skip
def test_a_non_positive_input_is_refused_by_name(field: str) -> None:
    with pytest.raises(ValueError, match=f"{field} must be positive"):
        dataclasses.replace(SEED, **cast(dict[str, Any], {field: 0}))
