"""Rate limits per (recipient, channel) and per channel that say *when*, never drop. Pure.

Each limit is a token bucket (``burst`` sends at once, then one every
``period_s / count``), kept in its GCRA form: one "theoretical arrival time"
per bucket instead of a token count and a refill timestamp, which makes the
"when is the next send allowed" answer exact arithmetic. A send passes only if
*both* its channel's bucket and its recipient's bucket allow it; a refused send
takes no tokens from either, and gets the time at which both would allow it,
so the dispatcher can requeue the delivery for then (rate limiting delays an
alert, it never loses one).

State is in memory, per process: with several dispatcher processes each
enforces the limits on its own share. ``now`` is always passed in.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
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


_Key = tuple[str, str] | tuple[str]


class RateLimiter:
    """Token buckets per channel and per (recipient, channel); a missing rate means no limit."""

    def __init__(
        self,
        *,
        per_channel: Mapping[ChannelKind, Rate] | None = None,
        per_recipient: Mapping[ChannelKind, Rate] | None = None,
    ) -> None:
        """Set the limits: ``per_recipient[c]`` applies to each recipient separately on ``c``."""
        self._per_channel = dict(per_channel or {})
        self._per_recipient = dict(per_recipient or {})
        self._tat: dict[_Key, datetime] = {}
        self._lock = threading.Lock()

    def _buckets(self, recipient_id: str, channel: ChannelKind) -> list[tuple[_Key, Rate]]:
        buckets: list[tuple[_Key, Rate]] = []
        if channel in self._per_channel:
            buckets.append(((channel.value,), self._per_channel[channel]))
        if channel in self._per_recipient:
            buckets.append(((recipient_id, channel.value), self._per_recipient[channel]))
        return buckets

    def _allowed_at(self, buckets: list[tuple[_Key, Rate]], now: datetime) -> datetime:
        at = now
        for key, rate in buckets:
            tat = max(self._tat.get(key, now), now)
            at = max(at, tat - rate.tolerance)
        return at

    def next_allowed(self, recipient_id: str, channel: ChannelKind, now: datetime) -> datetime:
        """Return the earliest time a send to ``recipient_id`` on ``channel`` is allowed (≥ now)."""
        with self._lock:
            return self._allowed_at(self._buckets(recipient_id, channel), now)

    def acquire(self, recipient_id: str, channel: ChannelKind, now: datetime) -> Permit:
        """Take a send from both buckets if both allow it at ``now``; else say when they will."""
        with self._lock:
            buckets = self._buckets(recipient_id, channel)
            at = self._allowed_at(buckets, now)
            if at > now:
                return Permit(granted=False, at=at)
            for key, rate in buckets:
                self._tat[key] = max(self._tat.get(key, now), now) + rate.interval
            return Permit(granted=True, at=now)

    def prune(self, now: datetime) -> int:
        """Forget buckets that have refilled completely by ``now``; return how many."""
        with self._lock:
            idle = [key for key, tat in self._tat.items() if tat <= now]
            for key in idle:
                del self._tat[key]
            return len(idle)
