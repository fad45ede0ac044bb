"""Rate limits that queue rather than drop: they say when, with time passed in."""

from __future__ import annotations

import datetime as dt

from cloud_plane.alerts.limiter import RateLimiter
from cloud_plane.alerts.model import ChannelKind
from cloud_plane.alerts.ratelimit import Rate, RateLimits, plan, recipient_bucket

T0 = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
SMS = ChannelKind.SMS


def _s(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_a_burst_passes_then_sends_are_spaced() -> None:
    limiter = RateLimiter(per_recipient={SMS: Rate(count=6, period_s=60, burst=3)})
    assert [limiter.acquire("r", SMS, T0).granted for _ in range(3)] == [True] * 3
    refused = limiter.acquire("r", SMS, T0)
    assert not refused.granted
    assert refused.at == _s(10)


def test_a_refused_send_is_allowed_at_the_time_it_was_given() -> None:
    limiter = RateLimiter(per_recipient={SMS: Rate(count=1, period_s=30)})
    assert limiter.acquire("r", SMS, T0).granted
    at = limiter.acquire("r", SMS, _s(1)).at
    assert at == _s(30)
    assert not limiter.acquire("r", SMS, at - dt.timedelta(microseconds=1)).granted
    assert limiter.acquire("r", SMS, at).granted


def test_a_refused_send_takes_no_token() -> None:
    limiter = RateLimiter(per_recipient={SMS: Rate(count=1, period_s=30)})
    limiter.acquire("r", SMS, T0)
    for second in range(1, 29):
        limiter.acquire("r", SMS, _s(second))
    assert limiter.acquire("r", SMS, _s(30)).granted


def test_recipients_have_separate_buckets() -> None:
    limiter = RateLimiter(per_recipient={SMS: Rate(count=1, period_s=60)})
    assert limiter.acquire("alice", SMS, T0).granted
    assert limiter.acquire("bob", SMS, T0).granted
    assert not limiter.acquire("alice", SMS, T0).granted


def test_channel_limit_is_shared_by_all_recipients() -> None:
    limiter = RateLimiter(per_channel={SMS: Rate(count=2, period_s=1)})
    assert limiter.acquire("alice", SMS, T0).granted
    assert limiter.acquire("bob", SMS, T0).granted
    refused = limiter.acquire("carol", SMS, T0)
    assert not refused.granted and refused.at == _s(0.5)


def test_the_later_of_the_two_limits_decides() -> None:
    limiter = RateLimiter(
        per_channel={SMS: Rate(count=10, period_s=1)},
        per_recipient={SMS: Rate(count=1, period_s=60)},
    )
    limiter.acquire("alice", SMS, T0)
    assert limiter.acquire("alice", SMS, _s(1)).at == _s(60)


def test_a_send_refused_by_its_recipient_limit_leaves_the_channel_bucket_alone() -> None:
    limiter = RateLimiter(
        per_channel={SMS: Rate(count=2, period_s=60)},
        per_recipient={SMS: Rate(count=1, period_s=60)},
    )
    limiter.acquire("alice", SMS, T0)
    assert not limiter.acquire("alice", SMS, T0).granted
    assert limiter.acquire("bob", SMS, T0).granted


def test_channels_without_a_rate_are_unlimited() -> None:
    limiter = RateLimiter(per_recipient={SMS: Rate(count=1, period_s=60)})
    assert all(limiter.acquire("r", ChannelKind.EMAIL, T0).granted for _ in range(100))


def test_every_queued_send_eventually_goes_none_dropped() -> None:
    limiter = RateLimiter(per_channel={SMS: Rate(count=5, period_s=1)})
    pending = [f"r{i}" for i in range(50)]
    now, sent_at = T0, []
    while pending:
        permit = limiter.acquire(pending[0], SMS, now)
        if permit.granted:
            sent_at.append(now)
            pending.pop(0)
        else:
            now = permit.at
    assert len(sent_at) == 50
    assert sent_at[-1] - sent_at[0] <= dt.timedelta(seconds=10)


def test_next_allowed_peeks_without_taking() -> None:
    limiter = RateLimiter(per_recipient={SMS: Rate(count=1, period_s=60)})
    assert limiter.next_allowed("r", SMS, T0) == T0
    assert limiter.next_allowed("r", SMS, T0) == T0
    limiter.acquire("r", SMS, T0)
    assert limiter.next_allowed("r", SMS, T0) == _s(60)


def test_tokens_refill_after_a_quiet_period() -> None:
    limiter = RateLimiter(per_recipient={SMS: Rate(count=3, period_s=60)})
    for _ in range(3):
        limiter.acquire("r", SMS, T0)
    later = _s(3600)
    assert [limiter.acquire("r", SMS, later).granted for _ in range(3)] == [True] * 3


def test_prune_forgets_refilled_buckets_only() -> None:
    limiter = RateLimiter(per_recipient={SMS: Rate(count=1, period_s=60)})
    limiter.acquire("old", SMS, T0)
    limiter.acquire("new", SMS, _s(50))
    assert limiter.prune(_s(60)) == 1
    assert not limiter.acquire("new", SMS, _s(60)).granted


def test_rate_per_minute() -> None:
    assert Rate.per_minute(30).interval == dt.timedelta(seconds=2)


def test_plan_decides_a_batch_in_order_each_request_seeing_the_ones_before() -> None:
    limits = RateLimits(per_recipient={SMS: Rate(count=6, period_s=60, burst=3)})
    decided = plan(limits, {}, [("r", SMS)] * 5, T0)
    assert [p.granted for p in decided.permits] == [True] * 3 + [False] * 2
    assert [p.at for p in decided.permits[3:]] == [_s(10), _s(10)]
    assert decided.tats == {recipient_bucket("r", SMS): _s(30)}


def test_plan_starts_from_the_tats_it_is_given() -> None:
    limits = RateLimits(per_recipient={SMS: Rate(count=1, period_s=60)})
    taken_elsewhere = {recipient_bucket("r", SMS): _s(60)}
    decided = plan(limits, taken_elsewhere, [("r", SMS), ("s", SMS)], T0)
    assert [(p.granted, p.at) for p in decided.permits] == [(False, _s(60)), (True, T0)]
    assert decided.tats == {recipient_bucket("s", SMS): _s(60)}


def test_plan_of_refusals_only_moves_no_bucket() -> None:
    limits = RateLimits(per_channel={SMS: Rate(count=1, period_s=60)})
    full = {"channel:sms": _s(60)}
    decided = plan(limits, full, [("r", SMS), ("s", SMS)], T0)
    assert not any(p.granted for p in decided.permits)
    assert decided.tats == {} and full == {"channel:sms": _s(60)}
