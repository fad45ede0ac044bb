"""Rate limits per (recipient, channel) and per channel that say *when*, never drop. Pure.

Each limit is a token bucket (``burst`` sends at once, then one every
``period_s / count``), kept in its GCRA form: one "theoretical arrival time"
(TAT) per bucket instead of a token count and a refill timestamp, which makes the
"when is the next send allowed" answer exact arithmetic. A send passes only if
*both* its channel's bucket and its recipient's bucket allow it; a refused send
takes no tokens from either, and gets the time at which both would allow it,
so the dispatcher can requeue the delivery for then (rate limiting delays an
alert, it never loses one).

This module is only the arithmetic: ``plan`` decides a whole batch of requests
from the TATs it is given and returns the TATs the granted sends moved. Where the
TATs live (the store, shared by every dispatcher worker, or one process's memory)
and how a batch's decision is committed (an optimistic compare-and-set over just
the buckets it moved) is ``alerts/limiter.py``. ``now`` is always passed in; a
bucket that is absent, or whose TAT is not after ``now``, is full.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cloud_plane.alerts.model import ChannelKind


@dataclass(frozen=True)
class Rate:
    """``count`` sends per ``period_s`` seconds, with up to ``burst`` at once (default: count)."""

    count: int
    period_s: float
    burst: int | None = None

    def __post_init__(self) -> None:
        if self.count < 1 or self.period_s <= 0 or (self.burst is not None and self.burst < 1):
            raise ValueError("need count >= 1, period_s > 0, burst >= 1")

    @classmethod
    def per_minute(cls, count: int, *, burst: int | None = None) -> Rate:
        """Return a rate of ``count`` sends a minute."""
        return cls(count=count, period_s=60.0, burst=burst)

    @property
    def interval(self) -> timedelta:
        """Return the steady spacing between sends."""
        return timedelta(seconds=self.period_s / self.count)

    @property
    def tolerance(self) -> timedelta:
        """Return how far ahead of the steady pace a burst may run."""
        return self.interval * ((self.burst or self.count) - 1)


@dataclass(frozen=True)
class Permit:
    """The limiter's answer: ``granted`` (tokens taken, send now) or wait until ``at``."""

    granted: bool
    at: datetime


Request = tuple[str, ChannelKind]
"""One send to ask about: (recipient id, channel)."""


def channel_bucket(channel: ChannelKind) -> str:
    """Return the name of a channel's bucket (every recipient's sends on it)."""
    return f"channel:{channel.value}"


def recipient_bucket(recipient_id: str, channel: ChannelKind) -> str:
    """Return the name of one recipient's bucket on one channel."""
    return f"recipient:{channel.value}:{recipient_id}"


@dataclass(frozen=True)
class RateLimits:
    """The configured rates: ``per_recipient[c]`` applies to each recipient separately on ``c``.

    A channel missing from a mapping has no such limit.
    """

    per_channel: Mapping[ChannelKind, Rate] = field(default_factory=dict)
    per_recipient: Mapping[ChannelKind, Rate] = field(default_factory=dict)

    def buckets(self, recipient_id: str, channel: ChannelKind) -> list[tuple[str, Rate]]:
        """Return the buckets (name, rate) a send to ``recipient_id`` on ``channel`` draws on."""
        found: list[tuple[str, Rate]] = []
        if channel in self.per_channel:
            found.append((channel_bucket(channel), self.per_channel[channel]))
        if channel in self.per_recipient:
            found.append((recipient_bucket(recipient_id, channel), self.per_recipient[channel]))
        return found

    def buckets_of(self, requests: Collection[Request]) -> set[str]:
        """Return the names of every bucket the requests draw on."""
        return {name for r in requests for name, _ in self.buckets(*r)}


@dataclass(frozen=True)
class Plan:
    """A batch's decision: one permit per request, and the TATs the granted sends moved."""

    permits: list[Permit]
    tats: dict[str, datetime]


def allowed_at(
    tats: Mapping[str, datetime], buckets: Sequence[tuple[str, Rate]], now: datetime
) -> datetime:
    """Return the earliest time (≥ now) every one of ``buckets`` allows a send."""
    at = now
    for name, rate in buckets:
        at = max(at, max(tats.get(name, now), now) - rate.tolerance)
    return at


def plan(
    limits: RateLimits,
    tats: Mapping[str, datetime],
    requests: Sequence[Request],
    now: datetime,
) -> Plan:
    """Decide ``requests`` in order against the buckets' ``tats`` (absent: full) at ``now``.

    A granted send moves each of its buckets' TAT on by the bucket's interval (so a later
    request of the batch sees it); a refused one moves nothing and says when both buckets
    would allow it. ``Plan.tats`` holds only the buckets that moved, with their new TAT.
    """
    current = dict(tats)
    moved: dict[str, datetime] = {}
    permits: list[Permit] = []
    for recipient_id, channel in requests:
        buckets = limits.buckets(recipient_id, channel)
        at = allowed_at(current, buckets, now)
        if at > now:
            permits.append(Permit(granted=False, at=at))
            continue
        for name, rate in buckets:
            current[name] = moved[name] = max(current.get(name, now), now) + rate.interval
        permits.append(Permit(granted=True, at=now))
    return Plan(permits=permits, tats=moved)
