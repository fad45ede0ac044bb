"""The limiter over shared buckets: a lost race is read again, contention defers, never drops."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping

from cloud_plane.alerts.limiter import ATTEMPTS, CONTENDED_WAIT, MemoryRateBuckets, RateLimiter
from cloud_plane.alerts.model import ChannelKind
from cloud_plane.alerts.ratelimit import Rate
from cloud_plane.store.rate_roles import SWAP_LIMIT

T0 = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
SMS = ChannelKind.SMS
PER_RECIPIENT = {SMS: Rate.per_minute(5, burst=5)}


class Interleaved:
    """Real buckets where another worker's call slips in after each of the first reads."""

    def __init__(self, state: MemoryRateBuckets, between: Callable[[], object], times: int) -> None:
        self.state, self.between, self.times = state, between, times
        self.swaps = 0

    def read(self, buckets: Collection[str]) -> dict[str, dt.datetime]:
        got = self.state.read(buckets)
        if self.times:
            self.times -= 1
            self.between()
        return got

    def swap(
        self, expected: Mapping[str, dt.datetime | None], new: Mapping[str, dt.datetime]
    ) -> bool:
        self.swaps += 1
        return self.state.swap(expected, new)

    def prune(self, before: dt.datetime) -> int:
        return self.state.prune(before)


def test_a_lost_race_is_decided_again_from_what_the_winner_wrote() -> None:
    shared = MemoryRateBuckets()
    other = RateLimiter(per_recipient=PER_RECIPIENT, state=shared)
    other.acquire_many([("r", SMS)] * 4, T0)  # one token left
    racing = Interleaved(shared, lambda: other.acquire("r", SMS, T0), times=1)
    mine = RateLimiter(per_recipient=PER_RECIPIENT, state=racing)
    [permit] = mine.acquire_many([("r", SMS)], T0)
    assert not permit.granted  # the other worker took the last token between read and swap
    assert permit.at == T0 + dt.timedelta(seconds=12)
    assert racing.swaps == 1  # the second round read a full bucket: nothing left to write


def test_a_race_lost_while_tokens_remain_still_grants_after_reading_again() -> None:
    shared = MemoryRateBuckets()
    other = RateLimiter(per_recipient=PER_RECIPIENT, state=shared)
    racing = Interleaved(shared, lambda: other.acquire("r", SMS, T0), times=2)
    mine = RateLimiter(per_recipient=PER_RECIPIENT, state=racing)
    assert [p.granted for p in mine.acquire_many([("r", SMS)] * 3, T0)] == [True] * 3
    assert racing.swaps == 3
    assert not mine.acquire("r", SMS, T0).granted  # 2 + 3: the burst of 5 in total


def test_buckets_that_keep_changing_defer_the_batch_briefly_and_take_nothing() -> None:
    shared = MemoryRateBuckets()
    other = RateLimiter(per_recipient=PER_RECIPIENT, state=shared)
    racing = Interleaved(shared, lambda: other.acquire("r", SMS, T0), times=ATTEMPTS)
    mine = RateLimiter(per_recipient=PER_RECIPIENT, state=racing)
    permits = mine.acquire_many([("r", SMS), ("s", SMS)], T0)
    assert [(p.granted, p.at) for p in permits] == [(False, T0 + CONTENDED_WAIT)] * 2
    assert shared.read(["recipient:sms:s"]) == {}  # s's token was not taken either
    assert racing.swaps == ATTEMPTS


def test_a_batch_beyond_one_swap_s_buckets_is_decided_in_parts() -> None:
    limiter = RateLimiter(per_recipient=PER_RECIPIENT)
    requests = [(f"r{i}", SMS) for i in range(SWAP_LIMIT + 50)] + [("r0", SMS)] * 5
    permits = limiter.acquire_many(requests, T0)
    assert all(p.granted for p in permits[: SWAP_LIMIT + 50])
    assert [p.granted for p in permits[SWAP_LIMIT + 50 :]] == [True] * 4 + [False]


def test_sends_without_a_rate_never_touch_the_buckets() -> None:
    state = Interleaved(MemoryRateBuckets(), lambda: None, times=0)
    limiter = RateLimiter(per_recipient=PER_RECIPIENT, state=state)
    assert all(p.granted for p in limiter.acquire_many([("r", ChannelKind.EMAIL)] * 50, T0))
    assert state.swaps == 0
