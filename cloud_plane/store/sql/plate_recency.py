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

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    bindparam,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.engine import Connection

from cloud_plane.store.investigation_tables import PlateIndexRow, PlateRotationRow
from sync_protocol.plate_index import (
    END,
    JOIN_COUNT,
    KeyLookup,
    PageFloor,
    walk_goes_on,
    walk_threshold,
)
from sync_protocol.plate_rules import confusion_key

_P = PlateIndexRow.__table__
_R = PlateRotationRow.__table__
# The covering index ``ix_cloud_plate_index_recent``, in its order: batches resume by keyset.
_ORDER = (_P.c.last_received_at, _P.c.plate_key, _P.c.plate_norm, _P.c.site_id)
_BATCH = 64  # dictionary rows per round trip; a page of 50 usually needs one
TOP = chr(0x10FFFF)
"""Above every site id: ``(t, TOP)`` bounds every read received at t in the search order."""

Plates = Iterator[list[tuple[str, datetime]]]


def single_range(lookup: KeyLookup) -> bool:
    """Whether the lookup is one rotation range and nothing else (every wildcard's is)."""
    return len(lookup.ranges) == 1 and not lookup.exact_keys


def walk_cost(
    conn: Connection, lookup: KeyLookup, limit: int, walk_above: int | None
) -> int | None:
    """None when the pattern joins its range; else (its range holds more than ``walk_above``
    keys, None: ``walk_threshold``, where the join's probe per key and the walk's rows per
    page meet) what the join would cost, in walked rows: a walk that reads that many hands
    over to the join (PostgreSQL)."""
    if walk_above is None:
        walk_above = walk_threshold(limit, dictionary_size(conn), _rows_per_probe(conn))
    cap = JOIN_COUNT * walk_above + 1
    held = select(literal(1)).where(*_in_range(conn, lookup)).limit(cap)
    count = int(conn.execute(select(func.count()).select_from(held.subquery())).scalar_one())
    if count <= walk_above:
        return None
    return count * _rows_per_probe(conn)


WALK_ROWS_PER_PROBE = {"postgresql": 30}
"""Walked dictionary rows one probe of the join costs (``walk_threshold``), by dialect.

Cloud PostgreSQL, 10 sites (1.9 M dictionary rows; ``python -m bench.search``, EXPLAIN
ANALYZE): the join probed ~10 us a candidate key (9,464 keys, 14,602 site plates: 96 ms),
the windowed walk read ~0.2-0.4 us a row (65,536 rows: 12.5 ms). SQLite: 1."""


def _rows_per_probe(conn: Connection) -> int:
    return WALK_ROWS_PER_PROBE.get(conn.dialect.name, 1)


def plates_newest_first(
    conn: Connection,
    lookup: KeyLookup,
    site_ids: Collection[str] | None,
    *,
    since: datetime | None,
    walk: int | None,
    floor: PageFloor[Any] | None = None,
) -> Plates:
    """Every plate ``lookup`` (``single_range``) accepts over the sites, with its newest read
    there, newest first (plates with no read at or after ``since`` left out): lists of them,
    one per round trip. ``walk``: by the newest-read index (``walk_cost``'s answer: what the
    join costs), None: by the join. ``floor``: the page being filled; once it shuts out the
    plates still to come, no further round trip is made (the last one would only have told
    the merge that it is done)."""
    joined = _filtered(
        conn,
        select(*_ORDER)
        .select_from(_R.join(_P, _P.c.plate_key == _key_of(conn, _R.c.rotation)))
        .where(*_in_range(conn, lookup)),
        lookup,
        site_ids,
        since,
    )
    if walk is None:
        return _batches(conn, joined, lookup, floor=floor)
    if conn.dialect.name == "postgresql":
        return _windows(conn, lookup, site_ids, since, joined, walk, floor)
    key = _P.c.plate_key.op("||")("")
    walked = select(*_ORDER).where(_match(conn, key, confusion_key(lookup.pattern)))
    return _batches(conn, _filtered(conn, walked, lookup, site_ids, since), lookup, floor=floor)


def _filtered(
    conn: Connection,
    stmt: Select[Any],
    lookup: KeyLookup,
    site_ids: Collection[str] | None,
    since: datetime | None,
) -> Select[Any]:
    """``stmt`` kept to the literal pattern, the sites and ``since``, newest first."""
    # ``column || ''`` is served by no index: the walk keeps to the newest-read index (not the
    # primary key's range of a site or a literal prefix, then a sort of all it holds), and the
    # join to the rotation range.
    if not lookup.fuzzy:
        stmt = stmt.where(_match(conn, _P.c.plate_norm.op("||")(""), lookup.pattern))
    if site_ids is not None:
        stmt = stmt.where(_P.c.site_id.op("||")("").in_(sorted(site_ids)))
    if since is not None:
        stmt = stmt.where(_P.c.last_received_at >= since)
    return stmt.order_by(*(c.desc() for c in _ORDER))


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


def _batches(
    conn: Connection,
    stmt: Select[Any],
    lookup: KeyLookup,
    after: tuple[Any, ...] | None = None,
    seen: set[str] | None = None,
    *,
    floor: PageFloor[Any] | None = None,
) -> Plates:
    """Run ``stmt`` ``_BATCH`` rows a round trip (keyset on ``_ORDER``, from below ``after``);
    each plate once (not those ``seen``), at its newest row (a plate read at several sites
    has a row per site); none once ``floor`` shuts out what is below ``after``."""
    seen = set() if seen is None else seen
    while True:
        if _shut_out(floor, after):
            return
        page = stmt if after is None else stmt.where(tuple_(*_ORDER) < tuple_(*after))
        rows = conn.execute(page.limit(_BATCH)).all()
        found = _new_plates(rows, lookup, seen)
        if found:
            yield found
        if len(rows) < _BATCH:
            return
        after = tuple(rows[-1])


def _shut_out(floor: PageFloor[Any] | None, after: tuple[Any, ...] | None) -> bool:
    """Whether the page shuts out every plate below the keyset ``after`` (newest read first)."""
    return floor is not None and after is not None and floor.shuts_out((after[0], TOP))


def _new_plates(
    rows: Iterable[Sequence[Any]], lookup: KeyLookup, seen: set[str]
) -> list[tuple[str, datetime]]:
    """The plates of dictionary rows (``_ORDER`` first, newest first) that the lookup
    accepts and that were not ``seen`` yet, each with its newest read; ``seen`` grows."""
    found = []
    for last, key, plate, *_ in rows:
        if plate in seen or not (lookup.accepts_key(key) and lookup.accepts_plate(plate)):
            continue
        seen.add(plate)
        found.append((plate, last))
    return found


_FIRST_WINDOW, _LAST_WINDOW = 2048, 16384  # dictionary rows a round trip of the walk
_COLUMNS = ", ".join(c.name for c in _ORDER)


def _windows(
    conn: Connection,
    lookup: KeyLookup,
    site_ids: Collection[str] | None,
    since: datetime | None,
    joined: Select[Any],
    join_cost: int,
    floor: PageFloor[Any] | None = None,
) -> Plates:
    """The walk on PostgreSQL: the newest-read index read a window at a time, filtered.

    As on the node (``local_node.db.plate_recency._windows``): asked for the first rows
    matching LIKE filters in index order, PostgreSQL's planner guessed that almost none
    match and scanned the whole dictionary, then sorted (64 ms at 1.9 M rows). A window
    behind a LIMIT written into the statement is read backwards from the index alone, then
    filtered; its last row (and size) comes back as an extra row, where the next one resumes.
    A walk whose rate of matches says a page would cost more than ``join_cost`` rows
    (``walk_goes_on``: few plates matched after all) hands over to ``joined`` below its
    last window.
    """
    where = ["p.plate_key LIKE :key"]
    params: dict[str, Any] = {"key": _like(confusion_key(lookup.pattern))}
    if not lookup.fuzzy:
        where.append("p.plate_norm LIKE :plate")
        params["plate"] = _like(lookup.pattern)
    if site_ids is not None:
        where.append("p.site_id IN :sites")
        params["sites"] = sorted(site_ids)
    if since is not None:
        where.append("p.last_received_at >= :since")
        params["since"] = since
    seen: set[str] = set()
    after: tuple[Any, ...] | None = None
    scan, walked = _FIRST_WINDOW, 0
    while True:
        if _shut_out(floor, after):
            return
        if not walk_goes_on(walked, len(seen), join_cost):
            yield from _batches(conn, joined, lookup, after, seen, floor=floor)
            return
        stmt = _window_statement(" AND ".join(where), scan, after is not None, site_ids is not None)
        keyset = dict(zip(("a0", "a1", "a2", "a3"), after or (), strict=False))
        rows = conn.execute(stmt, {**params, **keyset}).all()
        tail = [r for r in rows if r[4]]
        found = _new_plates(sorted((r for r in rows if not r[4]), reverse=True), lookup, seen)
        if found:
            yield found
        if not tail or tail[0][4] < scan:
            return
        after, scan, walked = tuple(tail[0][:4]), min(2 * scan, _LAST_WINDOW), walked + scan


@lru_cache(maxsize=64)
def _window_statement(where: str, scan: int, resume: bool, sites: bool) -> TextClause:
    """``_windows``' statement: matching rows (last column 0), then the window's last row
    with the window's size (``scan`` written in: psycopg prepares statements it runs often,
    and the generic plan of ``LIMIT $n`` sorted the table)."""
    keyset = f"WHERE ({_COLUMNS}) < (:a0, :a1, :a2, :a3) " if resume else ""
    order = ", ".join(f"{c.name} DESC" for c in _ORDER)
    clause = text(
        f"WITH w AS MATERIALIZED (SELECT {_COLUMNS} FROM {_P.name} {keyset}"
        f"ORDER BY {order} LIMIT {int(scan)}) "
        f"SELECT {_COLUMNS}, 0 FROM w p WHERE {where} UNION ALL "
        f"SELECT * FROM (SELECT {_COLUMNS}, (SELECT count(*) FROM w) FROM w "
        f"ORDER BY {', '.join(c.name for c in _ORDER)} LIMIT 1) t"
    )
    if sites:
        clause = clause.bindparams(bindparam("sites", expanding=True))
    return clause


def _like(glob: str) -> str:
    return glob.replace("*", "%").replace("?", "_")


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
