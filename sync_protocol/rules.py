"""Pure sync rules both sides apply: ack marks, what to send next, hotlist conflicts, backoff.

Hotlist conflict rule (last writer wins): every write of an entry carries
``(made_at, op_id)``; of two writes of the same ``(list, plate_norm)`` the one
with the larger pair wins, deletions (tombstones) included. The pair is a total
order, so ``merge_entries`` is commutative, associative and idempotent:
**concurrent edits of one entry end the same on every side**, whatever order
they arrive in. The cloud's ``version`` is *not* part of the rule (it is the
order of arrival, which differs between sides). Site clocks can be skewed, so
the cloud clamps ``made_at`` to its own receive time (``clamp_made_at``) before
applying an op, so that a node with a clock in the future cannot win forever.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sync_protocol.hotlist_messages import HotlistEntry, HotlistOp

# A node's heartbeat waits for its next push when pushes come at least this often (far inside
# the cloud's offline threshold) instead of making an exchange of its own; the node's
# scheduler does so and the cloud's cost model counts on it.
HEARTBEAT_RIDES_WITHIN_S = 10.0


class SeqGap(ValueError):
    """The records the cloud lacks are no longer held by the node."""


@dataclass(frozen=True)
class SeqRange:
    """An inclusive range of seqs ``first..last``."""

    first: int
    last: int

    @property
    def count(self) -> int:
        """Return how many seqs the range holds."""
        return self.last - self.first + 1


def contiguous_high_water(held: Iterable[int | tuple[int, int]], start: int = 1) -> int:
    """Return the largest ``h`` with every seq in ``start..h`` held; ``start - 1`` if none.

    ``held`` mixes single seqs and inclusive ``(first, last)`` ranges, in any
    order and overlapping; this is the mark the cloud may ack for a stream.
    """
    ranges = sorted((s, s) if isinstance(s, int) else (s[0], s[1]) for s in held)
    mark = start - 1
    for first, last in ranges:
        if first > mark + 1:
            break  # a gap: nothing after it counts
        mark = max(mark, last)
    return mark


def next_acked_mark(
    *, current: int, reply_ack: int | None, known_epoch: str | None, reply_epoch: str
) -> int:
    """Return the node's new acked mark for its stream after a reply.

    Within one cloud epoch the mark only moves forward (a stale or reordered
    reply cannot rewind it). When the epoch changed the cloud was restored,
    so the cloud's mark wins even if lower: the node resends from it.
    """
    cloud_mark = 0 if reply_ack is None else reply_ack
    if known_epoch is not None and known_epoch != reply_epoch:
        return cloud_mark
    return max(current, cloud_mark)


def batch_after_ack(
    *, acked: int, oldest_held: int, newest: int, max_count: int
) -> SeqRange | None:
    """Return the next batch to send after ``acked``, or None when all is acked.

    ``oldest_held..newest`` is what the node still holds for the stream. Raises
    ``SeqGap`` if the cloud needs seqs the node has already dropped (the caller
    reports the loss and starts from ``oldest_held``; it must not hide it).
    """
    if max_count < 1:
        raise ValueError("max_count must be positive")
    first = acked + 1
    if first > newest:
        return None
    if first < oldest_held:
        raise SeqGap(f"cloud holds up to seq {acked} but node holds only from {oldest_held}")
    return SeqRange(first, min(newest, first + max_count - 1))


def write_key(made_at: datetime, op_id: UUID) -> tuple[datetime, str]:
    """Return the total order key of a hotlist write (later wins)."""
    return (made_at, str(op_id))


def op_wins(current: HotlistEntry | None, op: HotlistOp) -> bool:
    """Return True if ``op`` should replace ``current`` (None: no entry yet)."""
    if current is None:
        return True
    return write_key(op.made_at, op.op_id) > write_key(current.updated_at, current.op_id)


def merge_entries(a: HotlistEntry, b: HotlistEntry) -> HotlistEntry:
    """Return the winner of two states of one entry (order-independent)."""
    if (a.list_name, a.plate_norm) != (b.list_name, b.plate_norm):
        raise ValueError("merge_entries needs two states of the same (list, plate_norm)")
    return a if write_key(a.updated_at, a.op_id) >= write_key(b.updated_at, b.op_id) else b


def clamp_made_at(made_at: datetime, received_at: datetime) -> datetime:
    """Return ``made_at`` no later than ``received_at`` (a skewed clock cannot win the future)."""
    return min(made_at, received_at)


def needs_snapshot(
    node_version: int, oldest_retained_version: int, current_version: int | None = None
) -> bool:
    """Return True if a node at ``node_version`` must get a snapshot instead of a delta.

    The cloud keeps changes (and tombstones) with version ≥
    ``oldest_retained_version``; a delta needs every change after
    ``node_version``. A node *ahead* of the cloud (the cloud was restored) also
    needs a snapshot.
    """
    if current_version is not None and node_version > current_version:
        return True
    return node_version + 1 < oldest_retained_version


def backoff_delays(
    base: float, cap: float, rng: random.Random, *, attempts: int | None = None
) -> Iterator[float]:
    """Yield retry delays: exponential with full jitter, ``uniform(0, min(cap, base·2ⁿ))``.

    Full jitter spreads nodes that failed together (a cloud outage) so they do
    not return in lockstep. Endless unless ``attempts`` is given.
    """
    if base <= 0 or cap < base:
        raise ValueError(f"need 0 < base <= cap, got base={base}, cap={cap}")
    n = 0
    while attempts is None or n < attempts:
        # Cap the exponent too, so 2**n never overflows a float on a long outage.
        yield rng.uniform(0, min(cap, base * 2 ** min(n, 60)))
        n += 1
