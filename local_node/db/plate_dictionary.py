"""Keeping the node's plate dictionary (``plate_index``, ``plate_rotations``) with its reads.

Every path that stores reads (ingest, import) calls ``record_reads`` in the same
transaction, so the dictionary never misses a plate a search could match. What it holds and
why: ``sync_protocol.plate_index``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from local_node.db.tables import PlateIndexEntry, PlateRotation
from sync_protocol.plate_index import rotations

_INDEX = PlateIndexEntry.__table__  # type: ignore[attr-defined]
_ROTATIONS = PlateRotation.__table__  # type: ignore[attr-defined]
_CHUNK = 500  # rows per statement: far below SQLite's bound-parameter limit


@dataclass(slots=True)
class _Plate:
    plate_key: str
    reads: int
    last_seq: int
    last_received_at: datetime


def record_reads(conn: Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Add stored reads (``plate_norm``, ``plate_key``, ``seq``, ``received_at``) to the
    dictionary; return how many plates were new to it.

    One upsert per distinct plate of the batch, and the rotations of keys not held yet.
    """
    plates: dict[str, _Plate] = {}
    for row in rows:
        seen = plates.get(row["plate_norm"])
        if seen is None:
            plates[row["plate_norm"]] = _Plate(row["plate_key"], 1, row["seq"], row["received_at"])
            continue
        seen.reads += 1
        if row["seq"] > seen.last_seq:
            seen.last_seq, seen.last_received_at = row["seq"], row["received_at"]
    if not plates:
        return 0
    names = list(plates)
    known: set[str] = set()
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        known.update(
            conn.execute(
                select(_INDEX.c.plate_norm).where(_INDEX.c.plate_norm.in_(chunk))
            ).scalars()
        )
    new_keys = {plates[n].plate_key for n in names if n not in known}
    if new_keys:
        held: set[str] = set()
        for start in range(0, len(new_keys), _CHUNK):
            chunk = sorted(new_keys)[start : start + _CHUNK]
            held.update(
                conn.execute(
                    select(_INDEX.c.plate_key).where(_INDEX.c.plate_key.in_(chunk)).distinct()
                ).scalars()
            )
        new_keys -= held
    values = [
        {
            "plate_norm": name,
            "plate_key": p.plate_key,
            "reads": p.reads,
            "last_seq": p.last_seq,
            "last_received_at": p.last_received_at,
        }
        for name, p in plates.items()
    ]
    _upsert_plates(conn, values)
    if new_keys:
        _insert_rotations(conn, [{"rotation": r} for k in sorted(new_keys) for r in rotations(k)])
    return len(names) - len(known)


def _insert(conn: Connection, table: Any) -> Any:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return pg_insert(table)
    if dialect == "sqlite":
        return sqlite_insert(table)
    raise RuntimeError(f"no upsert for the {dialect} dialect")


def _upsert_plates(conn: Connection, values: list[dict[str, Any]]) -> None:
    # One statement run over all rows (executemany): compiled once and cached, where a
    # multi-row VALUES is compiled again for every chunk (most of an import's time).
    stmt = _insert(conn, _INDEX)
    newer = stmt.excluded.last_seq > _INDEX.c.last_seq
    stmt = stmt.on_conflict_do_update(
        index_elements=[_INDEX.c.plate_norm],
        set_={
            "reads": _INDEX.c.reads + stmt.excluded.reads,
            "last_seq": case((newer, stmt.excluded.last_seq), else_=_INDEX.c.last_seq),
            "last_received_at": case(
                (newer, stmt.excluded.last_received_at), else_=_INDEX.c.last_received_at
            ),
        },
    )
    conn.execute(stmt, values)


def _insert_rotations(conn: Connection, values: list[dict[str, str]]) -> None:
    stmt = _insert(conn, _ROTATIONS).on_conflict_do_nothing(index_elements=[_ROTATIONS.c.rotation])
    conn.execute(stmt, values)


def forget_plates(conn: Connection, plate_norms: Iterable[str]) -> int:
    """Drop dictionary rows of plates no read is left of (retention), and the rotations of
    keys no plate has any more; return the plates dropped."""
    names = sorted(set(plate_norms))
    dropped = 0
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        keys = set(
            conn.execute(select(_INDEX.c.plate_key).where(_INDEX.c.plate_norm.in_(chunk))).scalars()
        )
        dropped += conn.execute(_INDEX.delete().where(_INDEX.c.plate_norm.in_(chunk))).rowcount
        still = set(
            conn.execute(
                select(_INDEX.c.plate_key).where(_INDEX.c.plate_key.in_(sorted(keys))).distinct()
            ).scalars()
        )
        gone = [r for k in sorted(keys - still) for r in rotations(k)]
        for at in range(0, len(gone), _CHUNK):
            conn.execute(
                _ROTATIONS.delete().where(_ROTATIONS.c.rotation.in_(gone[at : at + _CHUNK]))
            )
    return dropped
