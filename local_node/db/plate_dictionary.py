"""Keeping the node's plate dictionary (``plate_index``, ``plate_rotations``) with its reads.

Every path that stores reads (ingest, import) calls ``record_reads`` in the same
transaction, so the dictionary never misses a plate a search could match; the path that
deletes reads (retention) calls ``forget_deleted_reads`` in its transaction, so it keeps no
plate that has no read left and its ``reads`` counts stay right. What it holds and
why: ``sync_protocol.plate_index``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, case, select
from sqlalchemy.engine import Connection

from local_node.db.tables import Detection, PlateIndexEntry, PlateRotation
from sync_protocol.plate_index import rotations

_INDEX = PlateIndexEntry.__table__  # type: ignore[attr-defined]
_ROTATIONS = PlateRotation.__table__  # type: ignore[attr-defined]
_DETECTIONS = Detection.__table__  # type: ignore[attr-defined]
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
        seen.last_seq = max(seen.last_seq, row["seq"])
        seen.last_received_at = max(seen.last_received_at, row["received_at"])
    if not plates:
        return 0
    stored_time = _INDEX.c.last_received_at.type.dialect_impl(conn.dialect).bind_processor(
        conn.dialect
    )
    return upsert_plates(
        conn,
        [
            (
                name,
                p.plate_key,
                p.reads,
                p.last_seq,
                stored_time(p.last_received_at) if stored_time else p.last_received_at,
            )
            for name, p in sorted(plates.items())
        ],
    )


def upsert_plates(conn: Connection, plates: list[tuple[str, str, int, int, Any]]) -> int:
    """Add reads to the dictionary, per plate ``(plate_norm, plate_key, reads, last_seq,
    last_received_at as the driver is given it)``; return how many plates were new to it.

    One upsert per plate (best in plate_norm order: neighbouring pages), and the rotations
    of keys not held yet.
    """
    if not plates:
        return 0
    names = [p[0] for p in plates]
    known = _present(conn, "plate_norm", names)
    new_keys = {p[1] for p in plates if p[0] not in known}
    if new_keys:
        new_keys -= _present(conn, "plate_key", sorted(new_keys))
    mark = _mark(conn)
    # Plain SQL run over all rows (executemany): SQLAlchemy's per-row parameter handling
    # cost more than the upserts themselves in a large import (local_node.importing).
    conn.exec_driver_sql(
        f"INSERT INTO plate_index (plate_norm, plate_key, reads, last_seq, last_received_at) "
        f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark}) ON CONFLICT (plate_norm) DO UPDATE SET "
        "reads = plate_index.reads + excluded.reads, "
        # The latest receive time, not that of the newest seq: they differ for reads stored
        # out of time order (history imports, writers racing), and search skips a plate
        # whose latest read came before ``since`` (the migration's backfill agrees: MAX).
        "last_received_at = CASE WHEN excluded.last_received_at > plate_index.last_received_at "
        "THEN excluded.last_received_at ELSE plate_index.last_received_at END, "
        "last_seq = CASE WHEN excluded.last_seq > plate_index.last_seq "
        "THEN excluded.last_seq ELSE plate_index.last_seq END",
        plates,
    )
    if new_keys:
        conn.exec_driver_sql(
            f"INSERT INTO plate_rotations (rotation) VALUES ({mark}) "
            "ON CONFLICT (rotation) DO NOTHING",
            [(r,) for k in sorted(new_keys) for r in rotations(k)],
        )
    return len(names) - len(known)


def _mark(conn: Connection) -> str:
    """The driver's positional placeholder."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _present(conn: Connection, column: str, values: list[str]) -> set[str]:
    """Which of ``values`` the dictionary holds in ``column`` (plate_norm or plate_key)."""
    mark = _mark(conn)
    found: set[str] = set()
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        sql = (
            f"SELECT DISTINCT {column} FROM plate_index "
            f"WHERE {column} IN ({', '.join([mark] * len(chunk))})"
        )
        found.update(v for (v,) in conn.exec_driver_sql(sql, tuple(chunk)))
    return found


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


def forget_deleted_reads(conn: Connection, deleted: Mapping[str, int]) -> int:
    """Take reads just deleted (plate → how many) off the dictionary, in the deleting
    transaction: plates with no read left are forgotten (``forget_plates``), the others'
    ``reads`` go down so the counts stay right. Returns the plates forgotten."""
    names = sorted(deleted)
    still: set[str] = set()
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        still.update(
            conn.execute(
                select(_DETECTIONS.c.plate_norm)
                .where(_DETECTIONS.c.plate_norm.in_(chunk))
                .distinct()
            ).scalars()
        )
    if still:
        fewer = bindparam("fewer", type_=BigInteger())
        conn.execute(
            _INDEX.update()
            .where(_INDEX.c.plate_norm == bindparam("name"))
            .values(reads=case((_INDEX.c.reads > fewer, _INDEX.c.reads - fewer), else_=0)),
            [{"name": name, "fewer": deleted[name]} for name in sorted(still)],
        )
    return forget_plates(conn, [name for name in names if name not in still])
