"""Reading the node's plate dictionary: the stored plates one search can match.

The index lookups of ``sync_protocol.plate_index.plan_lookup`` on this node's tables
(``plate_rotations``, ``plate_index``), written by ``local_node.db.plate_dictionary``.
Wildcards, whose one rotation range may hold very many keys, are read newest first by
``local_node.db.plate_recency`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from local_node.db.tables import Detection, PlateIndexEntry, PlateRotation
from sync_protocol.plate_index import KeyLookup, RotationRange, key_of_rotation

_INDEX = PlateIndexEntry.__table__  # type: ignore[attr-defined]
_ROTATIONS = PlateRotation.__table__  # type: ignore[attr-defined]
_SEQ = Detection.__table__.c.seq  # type: ignore[attr-defined]
_CHUNK = 500  # keys per IN list: far below SQLite's bound-parameter limit
_RANGES = 100  # rotation ranges per statement (a fuzzy plate with 2 edits has ~150)


@dataclass(frozen=True, slots=True)
class IndexedPlate:
    """A plate the search matches: its newest read's seq, its latest receive time."""

    plate_norm: str
    last_seq: int
    last_received_at: datetime


def matching_plates(conn: Connection, lookup: KeyLookup) -> list[IndexedPlate]:
    """Every stored plate ``lookup`` accepts."""
    keys = _candidate_keys(conn, lookup)
    wanted = sorted(k for k in keys if lookup.accepts_key(k))
    found: list[IndexedPlate] = []
    for start in range(0, len(wanted), _CHUNK):
        rows = conn.execute(
            select(_INDEX.c.plate_norm, _INDEX.c.last_seq, _INDEX.c.last_received_at).where(
                _INDEX.c.plate_key.in_(wanted[start : start + _CHUNK])
            )
        )
        found.extend(IndexedPlate(*r) for r in rows if lookup.accepts_plate(r[0]))
    return found


def log_size(conn: Connection) -> int:
    """About how many reads the log holds (the span of its seqs): two index probes."""
    newest = conn.execute(select(_SEQ).order_by(_SEQ.desc()).limit(1)).scalar()
    oldest = conn.execute(select(_SEQ).order_by(_SEQ).limit(1)).scalar()
    return 0 if newest is None or oldest is None else newest - oldest + 1


def dictionary_size(conn: Connection) -> int:
    """About how many distinct plates the dictionary holds, without counting them.

    SQLite: the largest rowid (rows are only appended; retention's deletes make it an
    over-estimate). PostgreSQL: the planner's estimate, or the log's size before the table
    was first analysed (an over-estimate too: reads are at least as many as plates).
    """
    if conn.dialect.name == "sqlite":
        size = conn.execute(text(f"SELECT max(rowid) FROM {_INDEX.name}")).scalar()
        return int(size or 0)
    estimate = conn.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"),
        {"name": _INDEX.name},
    ).scalar()
    return int(estimate) if estimate is not None and estimate > 0 else log_size(conn)


def _candidate_keys(conn: Connection, lookup: KeyLookup) -> set[str]:
    """The keys of ``exact_keys`` and of the rotations in ``ranges``."""
    keys = set(lookup.exact_keys)
    ranges = list(lookup.ranges)
    for start in range(0, len(ranges), _RANGES):
        chunk = ranges[start : start + _RANGES]
        # One statement for many ranges: index ranges on the primary key (SQLite's
        # multi-index OR, PostgreSQL's UNION ALL). Written as text: building ~150
        # expressions cost more than running them.
        sql, params = _ranges_sql(chunk, conn.dialect.name)
        found = list(conn.execute(text(sql), params).scalars())
        held = _holder(chunk)
        keys.update(key_of_rotation(rot) for rot in found if held(rot))
    return keys


def _ranges_sql(ranges: Sequence[RotationRange], dialect: str) -> tuple[str, dict[str, Any]]:
    """``SELECT rotation`` of the rotations in any of ``ranges``, and its parameters.

    Each range is an index range on the primary key filtered by its rotated glob, so only
    rotations of matching keys come back (a 2-edit fuzzy plate's ranges hold thousands of
    rotations, its globs a few dozen). Ranges without a glob that differ only by length, or
    nest (``1VK`` holds ``1VKR``), are read once.
    """
    spans: list[tuple[str, str | None, str | None]] = []
    for r in sorted(ranges, key=lambda r: r.low):
        last = spans[-1] if spans else None
        if (
            last is not None
            and r.glob is None
            and last[2] is None
            and (last[1] is None or r.low < last[1])
        ):
            wider = None if last[1] is None or r.high is None else max(last[1], r.high)
            spans[-1] = (last[0], wider, None)
        else:
            glob = None if r.glob is None else (r.glob if dialect == "sqlite" else r.like())
            spans.append((r.low, r.high, glob))
    match = "GLOB" if dialect == "sqlite" else "LIKE"
    params: dict[str, Any] = {}
    terms = []
    for i, (low, high, glob) in enumerate(spans):
        params[f"l{i}"] = low
        term = [f"rotation >= :l{i}"]
        if high is not None:
            params[f"h{i}"] = high
            term.append(f"rotation < :h{i}")
        if glob is not None:
            params[f"g{i}"] = glob
            term.append(f"rotation {match} :g{i}")
        terms.append("(" + " AND ".join(term) + ")")
    if dialect == "sqlite":  # one index range per term (SQLite's OR-by-union)
        return f"SELECT rotation FROM {_ROTATIONS.name} WHERE " + " OR ".join(terms), params
    # PostgreSQL turns a long OR into a bitmap heap scan that re-checks every term on every
    # row (26 ms for a 2-edit plate); one index scan per term is a third of that.
    arms = (f"SELECT rotation FROM {_ROTATIONS.name} WHERE {term}" for term in terms)
    return " UNION ALL ".join(arms), params


def _holder(ranges: Sequence[RotationRange]) -> Any:
    """``RotationRange.holds`` over many ranges, in a few dict lookups per rotation.

    A rotation in several ranges passes if one of them holds it (their lengths differ).
    Every range ``plan_lookup`` makes is a prefix range; any other falls back to trying each.
    """
    if any(RotationRange.starting(r.low, r.length) != r for r in ranges):
        return lambda rot: any(r.holds(rot) for r in ranges)
    by_prefix: dict[str, list[RotationRange]] = {}
    for r in ranges:
        by_prefix.setdefault(r.low, []).append(r)
    sizes = sorted({len(p) for p in by_prefix})

    def held(rot: str) -> bool:
        return any(r.holds(rot) for size in sizes for r in by_prefix.get(rot[:size], ()))

    return held
