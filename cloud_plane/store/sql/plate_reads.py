"""Many plates' newest read keys for the search's newest-first merge, a few dozen plates a
statement, the page's rows fetched whole only once the merge has chosen them.

As on the node (``local_node.db.plate_reads``): a page of 50 visits about 50 plates, and
each plate may hold many reads, of which the page keeps one or two. So the merge works on
keys: ``ReadKeys`` reads a group of plates' newest keys ``(received_at, site_id, stream_id,
seq)`` in one ``UNION ALL`` statement, each arm a backward range of
``ix_cloud_detections_plate_order`` (the search's whole order, no sort; on PostgreSQL an
index-only scan where the table is vacuumed), and ``page_rows`` fetches the chosen keys'
rows by primary key. The statements are plain SQL built once per shape: built from
SQLAlchemy's expressions (32 subqueries) on every search, they cost more Python than the
lookups cost PostgreSQL (``python -m bench.search``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, TextualSelect, and_, bindparam, or_, select, text, tuple_
from sqlalchemy.engine import Connection, RowMapping

from cloud_plane.store.tables import DetectionRow

_D = DetectionRow
Key = tuple[datetime, str, str, int]
"""A read's place in the search's order: (received_at, site_id, stream_id, seq)."""

_COLUMNS = "plate_norm, received_at, site_id, stream_id, seq"
_ORDER = "received_at DESC, site_id DESC, stream_id DESC, seq DESC"
_TERMS = (
    "(received_at, site_id, stream_id, seq) < (:k0, :k1, :k2, :k3)",
    # ``|| ''``: no index serves it, so no plan reads a whole site through the primary key.
    "site_id || '' IN :sites",
    "camera_id = :camera",
    "received_at >= :since",
    "received_at < :until",
)
_TIMES = ("k0", "since", "until")


@dataclass(frozen=True)
class ReadScope:
    """What every read of a merged search must pass besides its plate (None: no bound)."""

    below: Key | None = None
    """Keys below this one (the cursor)."""
    site_ids: tuple[str, ...] | None = None
    camera_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def shape(self) -> tuple[bool, ...]:
        """Which bounds are set: the statement's shape, what it is cached by."""
        return (
            self.below is not None,
            self.site_ids is not None,
            self.camera_id is not None,
            self.since is not None,
            self.until is not None,
        )

    def params(self) -> dict[str, Any]:
        """The bound values of the set bounds."""
        out: dict[str, Any] = {}
        if self.below is not None:
            out.update(zip(("k0", "k1", "k2", "k3"), self.below, strict=True))
        if self.site_ids is not None:
            out["sites"] = list(self.site_ids)
        for name, value in (("camera", self.camera_id), ("since", self.since)):
            if value is not None:
                out[name] = value
        if self.until is not None:
            out["until"] = self.until
        return out


@lru_cache(maxsize=256)
def _statement(size: int, limit: int, shape: tuple[bool, ...]) -> TextualSelect:
    """``size`` arms of one shape: each plate's ``limit`` newest keys."""
    where = " AND ".join(
        ["plate_norm = :p{i}", *(t for t, on in zip(_TERMS, shape, strict=True) if on)]
    )
    # LIMIT written in: a bound LIMIT gets PostgreSQL's generic plan once prepared.
    arms = " UNION ALL ".join(
        f"SELECT * FROM (SELECT {_COLUMNS} FROM {_D.__tablename__} "
        f"WHERE {where.format(i=i)} ORDER BY {_ORDER} LIMIT {int(limit)}) a{i}"
        for i in range(size)
    )
    stmt = text(arms)
    times = _D.received_at.type
    binds = [bindparam(name, type_=times) for name in _TIMES if f":{name}" in arms]
    if shape[1]:
        binds.append(bindparam("sites", expanding=True))
    if binds:
        stmt = stmt.bindparams(*binds)
    return stmt.columns(_D.plate_norm, _D.received_at, _D.site_id, _D.stream_id, _D.seq)


class ReadKeys:
    """``fetch(plate, n)`` for ``merge_newest``: a plate's ``n`` newest keys in the scope,
    newest first, read with the plates the merge visits next (``visiting``, which grows as
    plates come) in one statement: a round trip per group, not per plate."""

    FIRST_GROUP, MAX_GROUP = 4, 32

    def __init__(self, conn: Connection, scope: ReadScope) -> None:
        self._conn = conn
        self._shape, self._params = scope.shape(), scope.params()
        self.visiting: list[str] = []
        self._at = 0  # where in ``visiting`` the next group starts
        self._held: dict[str, list[Key]] = {}
        self._group = self.FIRST_GROUP

    def __call__(self, plate: str, n: int) -> list[Key]:
        if plate not in self._held:
            start = self.visiting.index(plate, self._at)
            group = self.visiting[start : start + self._group]
            self._at = start + len(group)
            self._load([p for p in dict.fromkeys(group) if p not in self._held], n)
            self._group = min(2 * self._group, self.MAX_GROUP)
        return self._held.pop(plate)

    def _load(self, group: list[str], n: int) -> None:
        params = {**self._params, **{f"p{i}": p for i, p in enumerate(group)}}
        loaded: dict[str, list[Key]] = {plate: [] for plate in group}
        for plate, *key in self._conn.execute(_statement(len(group), n, self._shape), params):
            loaded[plate].append(tuple(key))
        for keys in loaded.values():
            keys.sort(reverse=True)  # a union promises no order
        self._held.update(loaded)


def page_rows(conn: Connection, keys: Sequence[Key]) -> list[RowMapping]:
    """The rows of ``keys``, in their order."""
    if not keys:
        return []
    wanted = [(site, stream, seq) for _, site, stream, seq in keys]
    if conn.dialect.name == "postgresql":  # a bitmap OR of primary-key lookups
        by_key: ColumnElement[bool] = tuple_(_D.site_id, _D.stream_id, _D.seq).in_(wanted)
    else:  # SQLite scans the table for a row-value IN list (107 ms at 0.58 M reads), but
        # looks each term of an OR up by the primary key (5 ms); PostgreSQL plans that OR
        # too, a millisecond slower than the list
        by_key = or_(*(and_(_D.site_id == a, _D.stream_id == b, _D.seq == c) for a, b, c in wanted))
    found = {
        (r["site_id"], r["stream_id"], r["seq"]): r
        for r in conn.execute(select(DetectionRow).where(by_key)).mappings()
    }
    return [found[k] for k in wanted]
