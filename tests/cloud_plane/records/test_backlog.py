"""Backlog samples: one per slot holding the slot's lowest backlog, bounded, round-tripped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cloud_plane.records.backlog import (
    BACKLOG_WINDOW_S,
    MAX_BACKLOG_SAMPLES,
    SAMPLE_SPACING_S,
    add_sample,
    decode_samples,
    encode_samples,
)
from cloud_plane.records.sites import BacklogSample

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def at(seconds: float, count: int, oldest: float | None = None) -> BacklogSample:
    return BacklogSample(T0 + timedelta(seconds=seconds), count, oldest)


def test_heartbeats_within_a_slot_keep_its_lowest_backlog() -> None:
    samples = add_sample((), at(0, 500))
    samples = add_sample(samples, at(5, 20, 3.0))  # drained between pushes
    samples = add_sample(samples, at(10, 700))
    assert samples == (at(0, 20, 3.0),)


def test_a_heartbeat_a_slot_later_adds_a_sample() -> None:
    samples = add_sample(add_sample((), at(0, 5)), at(SAMPLE_SPACING_S, 9))
    assert [s.count for s in samples] == [5, 9]


def test_samples_older_than_the_window_are_dropped() -> None:
    samples = add_sample((), at(0, 1))
    samples = add_sample(samples, at(BACKLOG_WINDOW_S + 1, 2))
    assert samples == (at(BACKLOG_WINDOW_S + 1, 2),)


def test_samples_never_exceed_the_bound() -> None:
    samples: tuple[BacklogSample, ...] = ()
    for i in range(3 * MAX_BACKLOG_SAMPLES):
        samples = add_sample(samples, at(i * SAMPLE_SPACING_S / 2, i))
    assert len(samples) <= MAX_BACKLOG_SAMPLES
    assert samples[-1].count == 3 * MAX_BACKLOG_SAMPLES - 1  # the newest slot, just opened


def test_an_older_heartbeat_adds_nothing() -> None:
    samples = add_sample((), at(600, 5))
    assert add_sample(samples, at(0, 1)) == samples


def test_samples_round_trip_through_their_text() -> None:
    samples = (at(0, 120, 30.5), at(120, 4300, None))
    assert decode_samples(encode_samples(samples)) == samples
    assert decode_samples(None) == ()
