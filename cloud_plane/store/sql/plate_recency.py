"""A wildcard's matching plates, newest read first, straight from the cloud's dictionary.

As on the node (``local_node.db.plate_recency``): a wildcard's one rotation range, filtered
by its rotated glob in SQL, joined to ``cloud_plate_index`` by key and ordered by each
plate's newest read hands over plates in the order a newest-first page visits them, a batch
at a time, so a page reads about a page's worth of plates however many match. A broad
pattern (its range holds more than about ``sqrt(limit * plates)`` keys) walks the
dictionary's covering newest-read index instead, matching keys (and plates) in SQL. Both
keep to the query's sites and its ``since`` in SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from math import isqrt
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select, text, tuple_
from sqlalchemy.engine import Connection

from cloud_plane.store.investigation_tables import PlateIndexRow, PlateRotationRow
from sync_protocol.plate_index import END, KeyLookup
from sync_protocol.plate_rules import confusion_key

PROBE_PLATES = 2000
"""A wildcard joins at least this many candidate keys before it walks the dictionary."""

_P = PlateIndexRow.__table__
_R = PlateRotationRow.__table__
# The covering index ``ix_cloud_plate_index_recent``, in its order: batches resume by keyset.
_ORDER = (_P.c.last_received_at, _P.c.plate_key, _P.c.plate_norm, _P.c.site_id)
_BATCH = 64  # dictionary rows per round trip; a page of 50 usually needs one

Plates = Iterator[list[tuple[str, datetime]]]


def single_range(lookup: KeyLookup) -> bool:
    """Whether the lookup is one rotation range and nothing else (every wildcard's is)."""
    return len(lookup.ranges) == 1 and not lookup.exact_keys


def walks(conn: Connection, lookup: KeyLookup, limit: int, walk_above: int | None) -> bool:
    """Whether the pattern is broad enough to walk the dictionary rather than join its range:
    its range holds more than ``walk_above`` keys (None: ``max(PROBE_PLATES, sqrt((limit + 1)
    * plates))``, where the join's probe per key and the walk's rows per page meet)."""
    if walk_above is None:
        walk_above = max(PROBE_PLATES, isqrt((limit + 1) * dictionary_size(conn)))
    held = select(literal(1)).where(*_in_range(conn, lookup)).limit(walk_above + 1)
    count = conn.execute(select(func.count()).select_from(held.subquery())).scalar_one()
    return int(count) > walk_above


def plates_newest_first(
    conn: Connection,
    lookup: KeyLookup,
    site_ids: Collection[str] | None,
    *,
    since: datetime | None,
    walk: bool,
) -> Plates:
    """Every plate ``lookup`` (``single_range``) accepts over the sites, with its newest read
    there, newest first (plates with no read at or after ``since`` left out): lists of them,
    one per round trip. ``walk``: by the newest-read index (``walks``), else by the join."""
    # ``column || ''`` is served by no index: the walk keeps to the newest-read index (not the
    # primary key's range of a site or a literal prefix, then a sort of all it holds), and the
    # join to the rotation range.
    if walk:
        key = _P.c.plate_key.op("||")("")
        stmt = select(*_ORDER).where(_match(conn, key, confusion_key(lookup.pattern)))
    else:
        stmt = select(*_ORDER).select_from(
            _R.join(_P, _P.c.plate_key == _key_of(conn, _R.c.rotation))
        )
        stmt = stmt.where(*_in_range(conn, lookup))
    if not lookup.fuzzy:
        stmt = stmt.where(_match(conn, _P.c.plate_norm.op("||")(""), lookup.pattern))
    if site_ids is not None:
        stmt = stmt.where(_P.c.site_id.op("||")("").in_(sorted(site_ids)))
    if since is not None:
        stmt = stmt.where(_P.c.last_received_at >= since)
    return _batches(conn, stmt.order_by(*(c.desc() for c in _ORDER)), lookup)


def dictionary_size(conn: Connection) -> int:
    """About how many (site, plate) rows the dictionary holds, without counting them.

    SQLite: the largest rowid (rows are only appended; retention's deletes make it an
    over-estimate). PostgreSQL: the planner's estimate, or a count before the table was
    first analysed.
    """
    if conn.dialect.name == "sqlite":
        return int(conn.execute(text(f"SELECT max(rowid) FROM {_P.name}")).scalar() or 0)
    estimate = conn.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"), {"name": _P.name}
    ).scalar()
    if estimate is not None and estimate > 0:
        return int(estimate)
    return int(conn.execute(select(func.count()).select_from(_P)).scalar_one())


def _batches(conn: Connection, stmt: Select[Any], lookup: KeyLookup) -> Plates:
    """Run ``stmt`` ``_BATCH`` rows a round trip (keyset on ``_ORDER``); each plate once, at
    its newest row (a plate read at several sites has a row per site)."""
    seen: set[str] = set()
    after: tuple[Any, ...] | None = None
    while True:
        page = stmt if after is None else stmt.where(tuple_(*_ORDER) < tuple_(*after))
        rows = conn.execute(page.limit(_BATCH)).all()
        found = []
        for last, key, plate, _site in rows:
            if plate in seen or not (lookup.accepts_key(key) and lookup.accepts_plate(plate)):
                continue
            seen.add(plate)
            found.append((plate, last))
        if found:
            yield found
        if len(rows) < _BATCH:
            return
        after = tuple(rows[-1])


def _in_range(conn: Connection, lookup: KeyLookup) -> list[ColumnElement[bool]]:
    (span,) = lookup.ranges
    terms = [_R.c.rotation >= span.low]
    if span.high is not None:
        terms.append(_R.c.rotation < span.high)
    if span.glob is not None:
        terms.append(_match(conn, _R.c.rotation, span.glob))
    return terms


def _match(conn: Connection, column: Any, glob: str) -> ColumnElement[bool]:
    """``column`` matches a ``*``/``?`` pattern: GLOB on SQLite, LIKE elsewhere (plates and
    rotations hold no LIKE metacharacters)."""
    if conn.dialect.name == "sqlite":
        return column.op("GLOB")(glob)
    return column.like(glob.replace("*", "%").replace("?", "_"))


def _key_of(conn: Connection, rotation: Any) -> ColumnElement[str]:
    """SQL for ``key_of_rotation``: the text after ``END``, then the text before it."""
    find = func.instr if conn.dialect.name == "sqlite" else func.strpos
    at = find(rotation, END)
    return func.substr(rotation, at + 1).concat(func.substr(rotation, 1, at - 1))
