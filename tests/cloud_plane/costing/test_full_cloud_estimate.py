"""The full-cloud site priced: sums checked by hand from list prices, what scales, the plane."""

from __future__ import annotations

import dataclasses

import pytest

from cloud_plane.costing.estimate import estimate
from cloud_plane.costing.full_cloud import SiteInputs
from cloud_plane.costing.full_cloud_estimate import FullCloudEstimate, full_cloud_estimate
from cloud_plane.costing.usage import Inputs

PLANE = Inputs(sites=1, cameras=20, reads_per_minute=10)
SEED = SiteInputs(cameras=20, reads_per_minute=10)
HOURS = 720  # a 30-day month


def by_service(e: FullCloudEstimate) -> dict[str, float]:
    return {line.service: line.usd for line in e.lines}


@pytest.fixture(scope="module")
def seed() -> FullCloudEstimate:
    return full_cloud_estimate(PLANE, SEED)


def test_fargate_is_the_tasks_vcpu_and_memory_hours_at_list_prices(seed: FullCloudEstimate) -> None:
    # us-east-1 Linux x86_64: $0.04048 a vCPU-hour, $0.004445 a GB-hour
    api = 2 * (0.5 * 0.04048 + 1.0 * 0.004445) * HOURS
    agent = (0.25 * 0.04048 + 0.5 * 0.004445) * HOURS
    assert by_service(seed)["ECS Fargate"] == pytest.approx(api + agent)  # $44.43


def test_the_alb_is_its_hours_and_the_lcus_of_the_read_rate(seed: FullCloudEstimate) -> None:
    # $0.0225 an hour; 0.618 GB an hour processed = 0.618 LCU at $0.008 an LCU-hour
    assert by_service(seed)["Application Load Balancer"] == pytest.approx(
        HOURS * 0.0225 + 0.618 * HOURS * 0.008
    )


def test_five_public_ipv4_addresses_cost_half_a_cent_an_hour_each(seed: FullCloudEstimate) -> None:
    assert by_service(seed)["Public IPv4 addresses"] == pytest.approx(5 * 0.005 * HOURS)


def test_s3_images_are_storage_puts_gets_and_lists(seed: FullCloudEstimate) -> None:
    reads = 8_640_000
    gib = (288_000 * 30 + 365) * 50_000 / 2**30
    expected = (
        gib * 0.023  # S3 Standard GB-month
        + reads / 1000 * 0.005  # PUT
        + (reads * 0.1 + 30) / 1000 * 0.0004  # GET: a tenth of the images, each hit's
        + reads / 1000 / 1000 * 0.005  # LIST, a page of 1,000 keys for the retention
    )
    assert by_service(seed)["S3 images"] == pytest.approx(expected)


def test_rds_is_the_instance_and_its_provisioned_gp3(seed: FullCloudEstimate) -> None:
    storage = seed.usage.rds_storage_gib
    assert seed.usage.backup_beyond_free_gib == 0.0  # a week of changes fits the free share
    assert by_service(seed)["RDS PostgreSQL"] == pytest.approx(HOURS * 0.032 + storage * 0.115)


def test_the_site_total_is_the_sum_of_its_lines_and_the_whole_adds_the_plane(
    seed: FullCloudEstimate,
) -> None:
    assert seed.site_usd == pytest.approx(sum(by_service(seed).values()))
    assert seed.total_usd == pytest.approx(seed.site_usd + estimate(PLANE).total_usd)


def test_the_plane_is_the_hybrid_estimate_unchanged(seed: FullCloudEstimate) -> None:
    assert seed.plane.total_usd == estimate(PLANE).total_usd


def test_more_cameras_cost_more_s3_and_alb() -> None:
    few = by_service(full_cloud_estimate(PLANE, SEED))
    many = by_service(full_cloud_estimate(PLANE, dataclasses.replace(SEED, cameras=40)))
    assert many["S3 images"] > few["S3 images"]
    assert many["Application Load Balancer"] > few["Application Load Balancer"]
    assert many["ECS Fargate"] == few["ECS Fargate"]  # priced at the minimum task count


def test_each_site_adds_its_stack_and_the_plane_is_counted_once() -> None:
    three = full_cloud_estimate(dataclasses.replace(PLANE, sites=3), SEED)
    plane = estimate(dataclasses.replace(PLANE, sites=3)).total_usd
    assert three.total_usd == pytest.approx(3 * three.site_usd + plane)


def test_the_seed_site_falls_within_the_customers_estimate(seed: FullCloudEstimate) -> None:
    assert 150.0 <= seed.total_usd <= 250.0
