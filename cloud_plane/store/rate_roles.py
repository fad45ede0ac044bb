"""The store's rate-limit role: GCRA buckets shared by every dispatcher worker.

A bucket is a name (``alerts/ratelimit.py`` makes them: one per channel, one per
recipient and channel) and its theoretical arrival time (TAT). The limiter reads the
buckets a batch of deliveries draws on, decides the batch in memory, and writes the
TATs it moved back with ``swap``: a compare-and-set over exactly those buckets, all or
nothing. Two workers that read the same bucket and both try to move it: one swap wins,
the other changes nothing and answers False (the limiter reads again). Nothing is locked
between the read and the swap, and buckets of other recipients are never touched, so
deliveries to different people meet only on a per-channel bucket, if one is configured.

A bucket whose TAT is not after now is full, the same as an absent one: ``prune`` may
forget it (SQL deletes such rows; DynamoDB lets a TTL on each item expire them instead).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Protocol

SWAP_LIMIT = 100
"""The most buckets one ``swap`` takes (a DynamoDB transaction's 100 items)."""


class RateLimitStore(Protocol):
    """Rate-limit buckets: read some, compare-and-set some, forget refilled ones."""

    def read(self, buckets: Collection[str]) -> dict[str, datetime]:
        """Return the TAT of each of ``buckets`` that exists (absent ones are left out)."""
        ...

    def swap(self, expected: Mapping[str, datetime | None], new: Mapping[str, datetime]) -> bool:
        """Set every bucket of ``new`` if each still has its ``expected`` TAT; else change none.

        ``expected[b]`` None: ``b`` must not exist (it is created). ``expected`` and ``new``
        name the same buckets, at most ``SWAP_LIMIT`` (ValueError otherwise). Return True if
        the buckets were set, False if any had changed (nothing was written). Of concurrent
        swaps expecting the same TAT of a bucket, at most one succeeds.
        """
        ...

    def prune(self, before: datetime) -> int:
        """Forget buckets whose TAT is at or before ``before`` (refilled); return how many.

        Where the backend expires idle buckets itself (DynamoDB's TTL) this forgets nothing
        and returns 0; either way a forgotten bucket reads as absent, which means the same.
        """
        ...


def check_swap(expected: Mapping[str, datetime | None], new: Mapping[str, datetime]) -> None:
    """Raise ValueError unless ``expected`` and ``new`` name the same 1..SWAP_LIMIT buckets."""
    if set(expected) != set(new):
        raise ValueError("a swap's expected and new TATs must name the same buckets")
    if not 0 < len(new) <= SWAP_LIMIT:
        raise ValueError(f"a swap takes 1..{SWAP_LIMIT} buckets, not {len(new)}")
