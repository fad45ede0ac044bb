"""The rate limiter: ``ratelimit.plan`` over bucket state that every worker can share.

The state is a ``RateLimitStore`` (``store/rate_roles.py``): the cloud store's
``rate_limits`` role in a running cloud, so the limits hold in total across every
dispatcher process and Lambda instance; ``MemoryRateBuckets`` for one process (unit
tests, tools). A batch of requests costs one read and one write:

1. read the TATs of the buckets the batch draws on (and no others);
2. decide the whole batch with ``plan`` (pure);
3. ``swap`` the TATs it moved, expecting what was read: all or nothing.

A lost swap (another worker moved one of those buckets meanwhile) changed nothing: read
again and decide again, up to ``attempts`` times. Still contended, every request of the
batch is refused until ``contended_wait`` from now: its delivery is deferred, no token
is taken, nothing is sent over the limit and nothing is dropped. No lock is held between
the read and the swap, and a swap touches only its own buckets, so workers sending to
different people meet only on a per-channel bucket, if one is configured.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime, timedelta

from cloud_plane.alerts.model import ChannelKind
from cloud_plane.alerts.ratelimit import Permit, Rate, RateLimits, Request, allowed_at, plan
from cloud_plane.store.rate_roles import SWAP_LIMIT, RateLimitStore, check_swap

log = logging.getLogger(__name__)

ATTEMPTS = 4
CONTENDED_WAIT = timedelta(seconds=1)


class MemoryRateBuckets:
    """``RateLimitStore`` in this process's memory (one worker only)."""

    def __init__(self) -> None:
        self._tats: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def read(self, buckets: Collection[str]) -> dict[str, datetime]:
        """Return the TAT of each of ``buckets`` that exists."""
        with self._lock:
            return {b: self._tats[b] for b in buckets if b in self._tats}

    def swap(self, expected: Mapping[str, datetime | None], new: Mapping[str, datetime]) -> bool:
        """Set every bucket of ``new`` if each still has its ``expected`` TAT; else none."""
        check_swap(expected, new)
        with self._lock:
            if any(self._tats.get(b) != tat for b, tat in expected.items()):
                return False
            self._tats.update(new)
            return True

    def prune(self, before: datetime) -> int:
        """Forget the buckets whose TAT is at or before ``before``; return how many."""
        with self._lock:
            idle = [b for b, tat in self._tats.items() if tat <= before]
            for b in idle:
                del self._tats[b]
            return len(idle)


class RateLimiter:
    """Token buckets per channel and per (recipient, channel); a missing rate means no limit."""

    def __init__(
        self,
        *,
        per_channel: Mapping[ChannelKind, Rate] | None = None,
        per_recipient: Mapping[ChannelKind, Rate] | None = None,
        state: RateLimitStore | None = None,
        attempts: int = ATTEMPTS,
        contended_wait: timedelta = CONTENDED_WAIT,
    ) -> None:
        """Set the limits (``per_recipient[c]``: each recipient separately on ``c``) and where
        the buckets live (default: this process's memory)."""
        self.limits = RateLimits(dict(per_channel or {}), dict(per_recipient or {}))
        self.state: RateLimitStore = state if state is not None else MemoryRateBuckets()
        self.attempts = attempts
        self.contended_wait = contended_wait

    def acquire(self, recipient_id: str, channel: ChannelKind, now: datetime) -> Permit:
        """Take a send from both buckets if both allow it at ``now``; else say when they will."""
        return self.acquire_many([(recipient_id, channel)], now)[0]

    def acquire_many(self, requests: Sequence[Request], now: datetime) -> list[Permit]:
        """Decide ``requests`` in order (one read and one swap per batch); a permit each."""
        permits: list[Permit] = []
        for part in self._parts(requests):
            permits += self._acquire(part, now)
        return permits

    def next_allowed(self, recipient_id: str, channel: ChannelKind, now: datetime) -> datetime:
        """Return the earliest time a send to ``recipient_id`` on ``channel`` is allowed (≥ now)."""
        buckets = self.limits.buckets(recipient_id, channel)
        if not buckets:
            return now
        return allowed_at(self.state.read([name for name, _ in buckets]), buckets, now)

    def prune(self, now: datetime) -> int:
        """Forget buckets that have refilled completely by ``now``; return how many."""
        return self.state.prune(now)

    def _acquire(self, requests: Sequence[Request], now: datetime) -> list[Permit]:
        buckets = self.limits.buckets_of(requests)
        if not buckets:
            return [Permit(granted=True, at=now) for _ in requests]
        for _ in range(self.attempts):
            current = self.state.read(buckets)
            decided = plan(self.limits, current, requests, now)
            # Nothing granted: nothing to write. A refusal read from a stale TAT is still
            # right (TATs only grow), at worst the delivery comes back early and waits again.
            if not decided.tats:
                return decided.permits
            expected = {b: current.get(b) for b in decided.tats}
            if self.state.swap(expected, decided.tats):
                return decided.permits
        log.warning(
            "rate-limit buckets kept changing under %d request(s); deferred %s",
            len(requests),
            self.contended_wait,
        )
        return [Permit(granted=False, at=now + self.contended_wait) for _ in requests]

    def _parts(self, requests: Sequence[Request]) -> Iterator[Sequence[Request]]:
        """Split ``requests`` in order into runs that each draw on ≤ SWAP_LIMIT buckets."""
        start, seen = 0, set[str]()
        for i, request in enumerate(requests):
            names = {name for name, _ in self.limits.buckets(*request)}
            if len(seen | names) > SWAP_LIMIT:
                yield requests[start:i]
                start, seen = i, set()
            seen |= names
        if start < len(requests):
            yield requests[start:]
