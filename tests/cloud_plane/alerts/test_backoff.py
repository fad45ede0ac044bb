"""Retry timing: exponential with full jitter, a cap, a bound on attempts, provider hints."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from cloud_plane.alerts.backoff import RetryPolicy, retry_delay

FAILED_AT = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)


class _MaxRng(random.Random):
    """Always draws the top of the range, so the jitter's ceiling is visible."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_delay_ceiling_doubles_per_attempt() -> None:
    rng = _MaxRng()
    assert [retry_delay(n, base=2, cap=300, rng=rng) for n in range(1, 6)] == [2, 4, 8, 16, 32]


def test_delay_never_exceeds_the_cap() -> None:
    assert retry_delay(30, base=2, cap=300, rng=_MaxRng()) == 300


def test_delay_is_jittered_between_zero_and_the_ceiling() -> None:
    rng = random.Random(7)
    delays = [retry_delay(4, base=2, cap=300, rng=rng) for _ in range(200)]
    assert all(0 <= d <= 16 for d in delays)
    assert len({round(d, 6) for d in delays}) > 150


def test_same_seed_gives_same_delays() -> None:
    a = [retry_delay(n, base=1, cap=60, rng=random.Random(3)) for n in range(1, 8)]
    b = [retry_delay(n, base=1, cap=60, rng=random.Random(3)) for n in range(1, 8)]
    assert a == b


def test_attempt_numbers_start_at_one() -> None:
    with pytest.raises(ValueError):
        retry_delay(0, base=1, cap=60, rng=random.Random())


def test_policy_schedules_the_next_attempt_after_the_failure() -> None:
    at = RetryPolicy(base_s=2, cap_s=300).next_attempt_at(3, FAILED_AT, _MaxRng())
    assert at == FAILED_AT + dt.timedelta(seconds=8)


def test_policy_gives_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.next_attempt_at(2, FAILED_AT, random.Random()) is not None
    assert policy.next_attempt_at(3, FAILED_AT, random.Random()) is None


def test_policy_gives_up_at_once_on_a_permanent_failure() -> None:
    assert RetryPolicy().next_attempt_at(1, FAILED_AT, random.Random(), retryable=False) is None


def test_policy_waits_at_least_the_providers_retry_after() -> None:
    at = RetryPolicy(base_s=1, cap_s=10).next_attempt_at(1, FAILED_AT, _MaxRng(), retry_after_s=120)
    assert at == FAILED_AT + dt.timedelta(seconds=120)


def test_policy_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(base_s=10, cap_s=1)
