"""Reading many plates' newest reads for a newest-first merge, several plates a round trip.

``merge_newest`` asks for one plate's reads at a time. On SQLite a statement costs
microseconds, but on PostgreSQL every one is a round trip, and a page of 50 visits about 50
plates; so the fetcher reads the plate asked for together with the next plates the merge
will visit (it sees them coming through ``ReadAhead``), in one ``UNION ALL`` statement of
per-plate ``ORDER BY seq DESC LIMIT n`` arms, each an index range on ``(plate_norm, seq)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Generic, TypeVar

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.engine import Connection

from local_node.db.types import UTCDateTime

T = TypeVar("T")
WIDTHS = (4, 8, 16, 32)  # plates a round trip, growing while the merge keeps going


class ReadAhead(Generic[T]):
    """An iterator whose next items can be looked at before they are reached."""

    def __init__(self, source: Iterable[T]) -> None:
        self._source = iter(source)
        self._items: list[T] = []
        self._at = 0

    def __iter__(self) -> Iterator[T]:
        while self._pull(self._at + 1):
            self._at += 1
            yield self._items[self._at - 1]

    def upcoming(self, count: int) -> list[T]:
        """The next ``count`` items (fewer at the end), without moving."""
        self._pull(self._at + count)
        return self._items[self._at : self._at + count]

    def _pull(self, size: int) -> bool:
        while len(self._items) < size:
            item = next(self._source, None)
            if item is None:
                return False
            self._items.append(item)
        return True


@dataclass(frozen=True)
class ReadFilters:
    """What every read of a merged search must pass besides its plate (None: no bound)."""

    below: int | None = None
    """Seqs below this (the cursor)."""
    since: datetime | None = None
    until: datetime | None = None
    camera_id: str | None = None

    def shape(self) -> tuple[bool, ...]:
        """Which bounds are set: the statement's shape, what it is cached by."""
        return (
            self.below is not None,
            self.since is not None,
            self.until is not None,
            self.camera_id is not None,
        )


_TERMS = ("seq < :below", "received_at >= :since", "received_at < :until", "camera_id = :camera")


@lru_cache(maxsize=64)
def _statement(size: int, shape: tuple[bool, ...]) -> TextClause:
    """``size`` arms of one shape, as plain SQL built once: making the same statement from
    SQLAlchemy's expression objects (32 subqueries) on every search cost more than running
    it on PostgreSQL (``python -m bench.search``)."""
    where = " AND ".join(
        ["plate_norm = :p{i}", *(t for t, on in zip(_TERMS, shape, strict=True) if on)]
    )
    arms = " UNION ALL ".join(
        f"SELECT * FROM (SELECT plate_norm, seq FROM detections WHERE {where.format(i=i)} "
        f"ORDER BY seq DESC LIMIT :n) a{i}"
        for i in range(size)
    )
    stmt = text(f"SELECT plate_norm, seq FROM ({arms}) u ORDER BY plate_norm, seq DESC")
    times = [
        bindparam(name, type_=UTCDateTime())
        for name, on in zip(("since", "until"), shape[1:3], strict=True)
        if on
    ]
    return stmt.bindparams(*times) if times else stmt


class PlateReads:
    """``fetch(plate, n)`` for ``merge_newest``: a plate's newest seqs passing ``filters``,
    read with the plates that come next in ``ahead`` (pairs of plate and bound)."""

    def __init__(
        self, conn: Connection, ahead: ReadAhead[tuple[str, int]], filters: ReadFilters
    ) -> None:
        self._conn = conn
        self._ahead = ahead
        self._shape = filters.shape()
        values = {
            "below": filters.below,
            "since": filters.since,
            "until": filters.until,
            "camera": filters.camera_id,
        }
        self._params: dict[str, object] = {k: v for k, v in values.items() if v is not None}
        self._held: dict[str, list[int]] = {}
        self._rounds = 0

    def __call__(self, plate: str, n: int) -> list[int]:
        """The plate's ``n`` newest seqs, newest first."""
        if plate not in self._held:
            width = WIDTHS[min(self._rounds, len(WIDTHS) - 1)]
            self._rounds += 1
            batch = [plate] + [p for p, _ in self._ahead.upcoming(width - 1) if p != plate]
            batch = [p for p in dict.fromkeys(batch) if p not in self._held]
            for name in batch:
                self._held[name] = []
            params = {**self._params, "n": n}
            params.update((f"p{i}", p) for i, p in enumerate(batch))
            for row in self._conn.execute(_statement(len(batch), self._shape), params):
                self._held[row[0]].append(row[1])
        return self._held.pop(plate)
