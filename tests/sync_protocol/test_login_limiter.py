"""Login back-off: per address (exponential, long cap), per username (short cap, not when clean)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync_protocol.login_limiter import LoginLimiter, LoginThrottled


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _limiter(clock: Clock, **kw) -> LoginLimiter:
    return LoginLimiter(max_failures=3, window_s=300, clock=clock, **kw)


def _retry_after(limiter: LoginLimiter, address: str, username: str) -> int | None:
    try:
        limiter.begin(address, username)
    except LoginThrottled as exc:
        return exc.retry_after_s
    return None


def test_an_address_waits_exponentially_longer_up_to_its_cap() -> None:
    clock = Clock()
    limiter = _limiter(clock, address_cap_s=20)
    waits = []
    for i in range(9):
        assert _retry_after(limiter, "203.0.113.9", f"user{i}@example.com") is None
        waits.append(limiter.addresses.wait("203.0.113.9", clock().timestamp()))
        if waits[-1]:
            assert _retry_after(limiter, "203.0.113.9", "x@example.com") == waits[-1]
        clock.advance(waits[-1])
    assert waits == [0, 0, 1, 2, 4, 8, 16, 20, 20]


def test_a_username_under_attack_waits_at_most_its_short_cap() -> None:
    clock = Clock()
    limiter = _limiter(clock, user_cap_s=30)
    for i in range(12):  # many attacker addresses, each failing once
        limiter.begin(f"198.51.100.{i}", "alice@example.com")
        clock.advance(0.001)
    wait = _retry_after(limiter, "198.51.100.1", "alice@example.com")
    assert wait == 30


def test_a_clean_address_is_not_held_by_the_usernames_back_off() -> None:
    clock = Clock()
    limiter = _limiter(clock)
    for i in range(12):
        limiter.begin(f"198.51.100.{i}", "alice@example.com")
    assert _retry_after(limiter, "192.0.2.1", "alice@example.com") is None


def test_a_correct_password_takes_its_attempt_back_and_forgets_the_username() -> None:
    clock = Clock()
    limiter = _limiter(clock)
    for _ in range(5):
        limiter.begin("192.0.2.1", "alice@example.com")
        limiter.succeeded("192.0.2.1", "alice@example.com")
    assert limiter.addresses.failures("192.0.2.1", clock().timestamp()) == 0
    assert limiter.users.failures("alice@example.com", clock().timestamp()) == 0


def test_parallel_attempts_count_before_their_answers() -> None:
    clock = Clock()
    limiter = _limiter(clock)
    for i in range(3):
        limiter.begin("203.0.113.9", f"user{i}@example.com")  # none answered yet
    with pytest.raises(LoginThrottled):
        limiter.begin("203.0.113.9", "user9@example.com")


def test_failures_are_forgotten_a_window_after_the_next_allowed_attempt() -> None:
    clock = Clock()
    limiter = _limiter(clock)
    for i in range(3):
        limiter.begin("203.0.113.9", f"user{i}@example.com")
    clock.advance(1 + 300 + 1)
    assert limiter.addresses.failures("203.0.113.9", clock().timestamp()) == 0


def test_memory_is_bounded_under_a_spray_from_many_addresses() -> None:
    clock = Clock()
    limiter = _limiter(clock, max_tracked=50)
    for i in range(500):
        limiter.begin(f"10.0.{i // 256}.{i % 256}", f"user{i}@example.com")
    assert len(limiter.addresses) == 50 and len(limiter.users) == 50
