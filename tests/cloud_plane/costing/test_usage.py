"""The usage model: exchanges from the node's ticks, write units rebuilt from item sizes."""

from __future__ import annotations

import dataclasses

import pytest

from cloud_plane.costing import measured
from cloud_plane.costing.usage import (
    Inputs,
    chunk_bytes,
    exchange_write_units,
    exchanges_per_minute,
    site_item_units,
    usage,
)

SEED = Inputs(sites=1, cameras=20, reads_per_minute=10)


def rebuilt_wu_per_read(reads_per_exchange: float, gap_s: float, heartbeats: bool) -> float:
    """What the model says a read costs when every exchange ships ``reads_per_exchange``."""
    per_exchange = sum(exchange_write_units(SEED, reads_per_exchange, gap_s).values()) + 1
    beat = site_item_units(20) * 2 / 200 if heartbeats else 0.0  # every 30 s, 200 reads/min
    return per_exchange / reads_per_exchange + beat


@pytest.mark.parametrize(
    ("load", "gap_s", "heartbeats"),
    [("paced 5 s", 5.0, True), ("unpaced 2 s", 2.0, True), ("backlog", 1500.0, False)],
)
def test_rebuilt_write_units_match_what_bench_dynamo_measured(
    load: str, gap_s: float, heartbeats: bool
) -> None:
    reads_per_exchange, measured_wu = measured.BENCH_DYNAMO_WU_PER_READ[load]
    got = rebuilt_wu_per_read(reads_per_exchange, gap_s, heartbeats)
    assert got == pytest.approx(measured_wu, rel=0.05)


def test_chunk_bytes_are_the_measured_points_and_grow_between_them() -> None:
    assert chunk_bytes(17) == measured.CHUNK_ITEM_BYTES[17]
    assert chunk_bytes(10) < chunk_bytes(13) < chunk_bytes(17)
    assert chunk_bytes(1000) > chunk_bytes(500)


def test_the_seed_node_exchanges_once_per_push_period() -> None:
    # 12 pushes (5 s); every hotlist tick finds a push within 10 s and every heartbeat rides
    # on a push (reads always wait at the seed's 200 a minute).
    assert exchanges_per_minute(SEED) == pytest.approx(12.0, abs=0.01)


def test_the_model_is_within_a_few_percent_of_the_node_schedulers_measured_rate() -> None:
    assert exchanges_per_minute(SEED) == pytest.approx(
        measured.NODE_EXCHANGES_PER_MINUTE.value, rel=0.05
    )


def test_pushes_paced_past_the_hotlist_interval_leave_the_pulls_their_own_exchanges() -> None:
    slow = dataclasses.replace(SEED, push_interval_s=20.0)
    # 3 pushes, 6 pulls (none covered: a push every 20 s, a pull every 10 s), heartbeats
    # alone (pushes farther apart than HEARTBEAT_RIDES_WITHIN_S): 2.
    assert exchanges_per_minute(slow) == pytest.approx(3.0 + 6.0 + 2.0, abs=0.01)


def test_a_quiet_site_pushes_only_when_a_read_waits() -> None:
    quiet = dataclasses.replace(SEED, cameras=1, reads_per_minute=0.1)
    assert exchanges_per_minute(quiet) < 6.0 + 2.0 + 1.0


def test_a_longer_push_interval_costs_fewer_write_units_per_read() -> None:
    def wu_per_read(push_s: float) -> float:
        u = usage(dataclasses.replace(SEED, push_interval_s=push_s))
        return sum(u.write_units.values()) / u.reads

    assert wu_per_read(2.0) > wu_per_read(5.0) > wu_per_read(10.0)


def test_pushing_less_often_than_the_hotlist_pull_saves_nothing() -> None:
    # Past 10 s the node's hotlist ticks (and lone heartbeats) exchange and carry the reads,
    # so batches stop growing: the node's hotlist interval has to grow with it.
    def wu_per_read(push_s: float, hotlist_s: float = 10.0) -> float:
        u = usage(dataclasses.replace(SEED, push_interval_s=push_s, hotlist_interval_s=hotlist_s))
        return sum(u.write_units.values()) / u.reads

    assert wu_per_read(15.0) == pytest.approx(wu_per_read(5.0), rel=0.01)
    assert wu_per_read(15.0, hotlist_s=30.0) < wu_per_read(5.0)


def test_a_longer_push_interval_means_fewer_exchanges_and_api_requests() -> None:
    fast = usage(dataclasses.replace(SEED, push_interval_s=2.0))
    slow = usage(SEED)
    assert fast.exchanges == pytest.approx(
        slow.exchanges + 18 * 43_200, rel=0.01
    )  # 30 vs 12 pushes a min
    assert fast.api_requests > slow.api_requests


def test_storage_grows_with_retention_and_nothing_else_does() -> None:
    month = usage(SEED)
    quarter = usage(dataclasses.replace(SEED, retention_days=90))
    assert quarter.table_gib == pytest.approx(3 * month.table_gib)
    assert quarter.write_units == month.write_units


def test_a_seed_month_stores_about_seven_gigabytes_of_reads() -> None:
    # 8.64 M reads x (514 B plate item + 100 B overhead + a chunk's share ~90 B, ~17 reads
    # to a chunk; the dictionary's share: 0.18 new keys x 4.06 items x 230 B).
    per_read = 704 + 0.18 * 4.06 * 230
    assert usage(SEED).table_gib == pytest.approx(8.64e6 * per_read / 2**30, rel=0.02)


def test_the_monitor_runs_every_minute_whatever_the_sites() -> None:
    assert usage(SEED).invocations["monitor"] == 43_200
    assert usage(dataclasses.replace(SEED, sites=10)).invocations["monitor"] == 43_200


@pytest.mark.parametrize(
    "field", ["sites", "cameras", "reads_per_minute", "retention_days", "push_interval_s"]
)
@pytest.mark.parametrize("value", [0, -1])
def test_a_non_positive_input_is_refused_by_name(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=f"{field} must be positive"):
        dataclasses.replace(SEED, **{field: value})
