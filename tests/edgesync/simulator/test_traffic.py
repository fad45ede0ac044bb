"""The read schedule: Poisson rate, bursts, re-sends, hotlist share, determinism."""

from __future__ import annotations

import itertools
import random
import uuid
from collections import Counter, defaultdict

import pytest

from edgesync.simulator import plates
from edgesync.simulator.traffic import Read, TrafficConfig, reads_per_vehicle, schedule


def _take(config: TrafficConfig, seed: int, n: int) -> list[Read]:
    return list(itertools.islice(schedule(config, random.Random(seed)), n))


def _until(config: TrafficConfig, seed: int, horizon_s: float) -> list[Read]:
    return list(
        itertools.takewhile(lambda r: r.at < horizon_s, schedule(config, random.Random(seed)))
    )


def test_schedule_averages_the_requested_rate_per_camera_over_a_long_horizon() -> None:
    config = TrafficConfig(cameras=10, rate_per_minute=30, burst_share=0.2)
    horizon = 3600.0
    reads = _until(config, 1, horizon)
    per_camera_per_minute = len(reads) / config.cameras / (horizon / 60)
    assert per_camera_per_minute == pytest.approx(30, rel=0.03)


def test_every_camera_gets_a_fair_share_of_reads() -> None:
    reads = _until(TrafficConfig(cameras=5, rate_per_minute=60), 2, 3600.0)
    counts = Counter(r.camera for r in reads)
    assert set(counts) == set(range(5))
    assert max(counts.values()) / min(counts.values()) < 1.15


def test_reads_come_in_time_order() -> None:
    reads = _take(TrafficConfig(cameras=3, rate_per_minute=120, burst_share=0.5), 3, 5000)
    assert all(a.at <= b.at for a, b in itertools.pairwise(reads))


def test_bursts_are_2_to_4_reads_of_one_plate_by_one_camera_with_distinct_event_ids() -> None:
    reads = _take(TrafficConfig(cameras=4, rate_per_minute=6, burst_share=1.0), 4, 2000)
    # Bursts of two vehicles at one camera may interleave; plates tell the vehicles apart.
    vehicles: dict[tuple[int, str], list[Read]] = defaultdict(list)
    for r in reads:
        vehicles[(r.camera, r.plate)].append(r)
    complete = [v for v in vehicles.values() if v[0].at < reads[-1].at - 5]
    assert complete
    for burst in complete:
        assert [r.burst_index for r in burst] == list(range(len(burst)))
        assert 2 <= len(burst) <= 4
        assert len({r.plate for r in burst}) == 1
        assert len({r.event_id for r in burst}) == len(burst)
        assert burst[-1].at - burst[0].at < 3.5


def test_reads_per_vehicle_accounts_for_bursts() -> None:
    assert reads_per_vehicle(0.0) == 1.0
    assert reads_per_vehicle(1.0) == 3.0


def test_event_ids_are_uuid4_strings() -> None:
    for r in _take(TrafficConfig(), 5, 200):
        assert uuid.UUID(r.event_id).version == 4


def test_seeded_schedule_is_deterministic() -> None:
    config = TrafficConfig(cameras=3, burst_share=0.3, duplicate_share=0.1)
    assert _take(config, 6, 300) == _take(config, 6, 300)
    assert _take(config, 6, 300) != _take(config, 7, 300)


def test_duplicate_share_marks_reads_for_re_sending() -> None:
    reads = _take(TrafficConfig(duplicate_share=0.2), 8, 10_000)
    assert sum(r.resend for r in reads) / len(reads) == pytest.approx(0.2, abs=0.02)


def test_hotlist_plates_appear_at_the_configured_share_of_vehicles() -> None:
    config = TrafficConfig(
        hotlist=("HOT123",), hotlist_share=0.1, misread_share=0.0, burst_share=0.0
    )
    reads = _take(config, 9, 10_000)
    assert sum(r.plate == "HOT123" for r in reads) / len(reads) == pytest.approx(0.1, abs=0.015)


def test_plates_are_well_formed_unless_misread() -> None:
    reads = _take(TrafficConfig(misread_share=0.0), 10, 2000)
    assert all(any(plates.matches(r.plate, f) for f in plates.FORMATS) for r in reads)


def test_metadata_has_the_camera_api_fields() -> None:
    meta = _take(TrafficConfig(), 11, 1)[0].metadata()
    assert {"plate", "event_id", "confidence", "direction", "bbox", "vehicle", "region"} <= set(
        meta
    )
    assert 0 <= meta["confidence"] <= 1
    assert meta["direction"] in ("approaching", "receding")
    assert set(meta["vehicle"]) == {"type", "make", "model", "color"}


def test_rate_zero_schedules_every_read_at_time_zero_for_closed_loop_sending() -> None:
    reads = _take(TrafficConfig(rate_per_minute=0, burst_share=0.5), 12, 500)
    assert {r.at for r in reads} == {0.0}


@pytest.mark.parametrize(
    "bad", [{"cameras": 0}, {"rate_per_minute": -1}, {"burst_share": 1.5}, {"formats": ("xx",)}]
)
def test_invalid_config_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        TrafficConfig(**bad)
