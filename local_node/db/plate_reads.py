"""Reading many plates' newest reads for a newest-first merge, several plates a round trip.

``merge_newest`` asks for one plate's reads at a time. On SQLite a statement costs
microseconds, but on PostgreSQL every one is a round trip, and a page of 50 visits about 50
plates; so the fetcher reads the plate asked for together with the next plates the merge
will visit (it sees them coming through ``ReadAhead``), in one ``UNION ALL`` statement of
per-plate ``ORDER BY seq DESC LIMIT n`` arms, each an index range on ``(plate_norm, seq)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, select, union_all
from sqlalchemy.engine import Connection
from sqlmodel import col

from local_node.db.tables import Detection

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


class PlateReads:
    """``fetch(plate, n)`` for ``merge_newest``: a plate's newest seqs passing ``filters``,
    read with the plates that come next in ``ahead`` (pairs of plate and bound)."""

    def __init__(
        self,
        conn: Connection,
        ahead: ReadAhead[tuple[str, int]],
        filters: list[ColumnElement[bool]],
    ) -> None:
        self._conn = conn
        self._ahead = ahead
        self._filters = filters
        self._held: dict[str, list[int]] = {}
        self._rounds = 0
        self._statements: dict[int, Select[Any]] = {}

    def __call__(self, plate: str, n: int) -> list[int]:
        """The plate's ``n`` newest seqs, newest first."""
        if plate not in self._held:
            width = WIDTHS[min(self._rounds, len(WIDTHS) - 1)]
            self._rounds += 1
            batch = [plate] + [p for p, _ in self._ahead.upcoming(width - 1) if p != plate]
            batch = [p for p in dict.fromkeys(batch) if p not in self._held]
            for name in batch:
                self._held[name] = []
            params: dict[str, object] = {f"p{i}": p for i, p in enumerate(batch)}
            params["n"] = n
            for row in self._conn.execute(self._statement(len(batch)), params):
                self._held[row[0]].append(row[1])
        return self._held.pop(plate)

    def _statement(self, size: int) -> Select[Any]:
        if size not in self._statements:
            arms = [
                select(col(Detection.plate_norm), col(Detection.seq))
                .where(*self._filters, col(Detection.plate_norm) == bindparam(f"p{i}"))
                .order_by(col(Detection.seq).desc())
                .limit(bindparam("n"))
                .subquery()
                for i in range(size)
            ]
            union = union_all(*(select(arm.c.plate_norm, arm.c.seq) for arm in arms)).subquery()
            self._statements[size] = select(union.c.plate_norm, union.c.seq).order_by(
                union.c.plate_norm, union.c.seq.desc()
            )
        return self._statements[size]
