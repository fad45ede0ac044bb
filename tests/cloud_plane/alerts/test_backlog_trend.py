"""The sustained-growth rule of the sync backlog, by properties over generated series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cloud_plane.alerts.backlog_trend import sustained_growth
from cloud_plane.records.sites import BacklogSample

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
GROWTH_S = 1800.0
MIN_RISE = 100


def series(counts: list[int], step_s: float) -> list[BacklogSample]:
    return [BacklogSample(T0 + timedelta(seconds=i * step_s), c) for i, c in enumerate(counts)]


def growth(samples: list[BacklogSample]):  # type: ignore[no-untyped-def]
    return sustained_growth(samples, growth_s=GROWTH_S, min_rise=MIN_RISE)


steps = st.floats(min_value=30, max_value=600)


@given(
    start=st.integers(0, 10_000),
    rises=st.lists(st.integers(MIN_RISE, 5_000), min_size=1, max_size=80),
    step_s=steps,
)
def test_a_backlog_rising_for_the_growth_period_grows(
    start: int, rises: list[int], step_s: float
) -> None:
    counts = [start]
    for rise in rises:
        counts.append(counts[-1] + rise)
    samples = series(counts, step_s)
    found = growth(samples)
    # The span the samples really cover (their times are rounded to microseconds).
    if (samples[-1].at - samples[0].at).total_seconds() >= GROWTH_S:
        assert found is not None and found.last == samples[-1] and found.span_s >= GROWTH_S
    else:
        assert found is None  # not yet long enough


@given(
    start=st.integers(0, 100_000),
    drops=st.lists(st.integers(0, 500), min_size=1, max_size=80),
    step_s=steps,
)
def test_a_draining_backlog_never_grows(start: int, drops: list[int], step_s: float) -> None:
    counts = [start]
    for drop in drops:
        counts.append(max(0, counts[-1] - drop))
    assert growth(series(counts, step_s)) is None


@given(
    base=st.integers(0, 1_000),
    peaks=st.lists(st.integers(1, 50_000), min_size=1, max_size=40),
    step_s=steps,
    start_at_peak=st.booleans(),
)
def test_a_sawtooth_that_drains_between_pushes_never_grows(
    base: int, peaks: list[int], step_s: float, start_at_peak: bool
) -> None:
    counts = []
    for peak in peaks:  # each push drains the backlog back to its base level
        counts += [base + peak, base]
    if not start_at_peak:
        counts.insert(0, base)
    assert growth(series(counts, step_s)) is None


def test_too_short_a_history_is_not_growth_yet() -> None:
    assert growth(series([0, 10_000, 20_000], 600)) is None  # 20 min of history
    assert growth(series([0, 10_000, 20_000, 30_000], 600)) is not None  # 30 min


def test_a_rise_below_the_minimum_is_not_growth() -> None:
    assert growth(series([0, 50, 99], 900)) is None
    assert growth(series([0, 50, 100], 900)) is not None
