"""Keeping the cloud's plate dictionary (``cloud_plate_index``, ``cloud_plate_rotations``).

``put_batch`` calls ``record_reads`` for the reads it really stored, and retention calls
``forget_reads`` for the reads it deleted, each in its own transaction, so the dictionary
never misses a plate a search could match and forgets plates no read is left of. What it
holds and why: ``sync_protocol.plate_index``. The dictionary is per site (a search scoped to
some sites reads only theirs); the permuterm rows are shared by every site's keys.

On PostgreSQL, a batch that adds plates takes a shared advisory lock and retention takes it
exclusively, each before touching a dictionary row: otherwise a batch could see a key still
held (and skip its rotations) while retention, not seeing the batch's plate yet, deletes them.
Batches hold it shared, so they never wait on one another.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from cloud_plane.store.investigation_tables import PlateIndexRow, PlateRotationRow
from sync_protocol.plate_index import rotations

_INDEX = PlateIndexRow.__table__
_ROTATIONS = PlateRotationRow.__table__
_CHUNK = 500  # rows or parameters per statement: far below SQLite's bound-parameter limit
_LOCK = 0x14_D1C7  # the advisory lock id of the rotations (any constant of our own)


@dataclass(slots=True)
class _Plate:
    plate_key: str
    reads: int
    last_received_at: datetime


def record_reads(conn: Connection, site_id: str, rows: Iterable[Mapping[str, Any]]) -> int:
    """Add a site's newly stored reads (``plate_norm``, ``plate_key``, ``received_at``) to the
    dictionary; return how many plates were new to the site.

    One upsert per distinct plate of the batch (reads added, the newest receive time kept),
    and the rotations of keys no site held yet.
    """
    plates: dict[str, _Plate] = {}
    for row in rows:
        seen = plates.get(row["plate_norm"])
        if seen is None:
            plates[row["plate_norm"]] = _Plate(row["plate_key"], 1, row["received_at"])
            continue
        seen.reads += 1
        seen.last_received_at = max(seen.last_received_at, row["received_at"])
    if not plates:
        return 0
    names = sorted(plates)
    known: set[str] = set()
    for chunk in _chunks(names):
        known.update(
            conn.execute(
                select(_INDEX.c.plate_norm).where(
                    _INDEX.c.site_id == site_id, _INDEX.c.plate_norm.in_(chunk)
                )
            ).scalars()
        )
    new_keys = {plates[n].plate_key for n in names if n not in known}
    if new_keys:
        _lock(conn, shared=True)
        for chunk in _chunks(sorted(new_keys)):
            held = select(_INDEX.c.plate_key).where(_INDEX.c.plate_key.in_(chunk)).distinct()
            new_keys -= set(conn.execute(held).scalars())
    _upsert_plates(
        conn,
        [
            {
                "site_id": site_id,
                "plate_norm": name,
                "plate_key": p.plate_key,
                "reads": p.reads,
                "last_received_at": p.last_received_at,
            }
            for name, p in sorted(plates.items())
        ],
    )
    values = [{"rotation": r} for k in sorted(new_keys) for r in rotations(k)]
    for chunk in _chunks(values):
        stmt = _insert(conn, _ROTATIONS).values(chunk)
        conn.execute(stmt.on_conflict_do_nothing(index_elements=[_ROTATIONS.c.rotation]))
    return len(names) - len(known)


def forget_reads(conn: Connection, site_id: str, plate_norms: Iterable[str]) -> int:
    """Take a site's deleted reads (one plate per read) off the dictionary; return the plates
    dropped because no read of them is left there.

    The rotations of keys no plate of any site has any more go too.
    """
    counts = Counter(plate_norms)
    if not counts:
        return 0
    # The lock before any dictionary row: a batch takes its shared lock before its rows, so
    # taking it after ours (which that batch may wait on) could deadlock.
    _lock(conn, shared=False)
    for name, n in sorted(counts.items()):
        conn.execute(
            _INDEX.update()
            .where(_INDEX.c.site_id == site_id, _INDEX.c.plate_norm == name)
            .values(reads=_INDEX.c.reads - n)
        )
    gone: dict[str, str] = {}  # plate -> key of the plates with no read left
    for chunk in _chunks(sorted(counts)):
        where = (
            _INDEX.c.site_id == site_id,
            _INDEX.c.plate_norm.in_(chunk),
            _INDEX.c.reads <= 0,
        )
        found = conn.execute(select(_INDEX.c.plate_norm, _INDEX.c.plate_key).where(*where))
        gone.update({row.plate_norm: row.plate_key for row in found})
        conn.execute(_INDEX.delete().where(*where))
    if not gone:
        return 0
    keys = set(gone.values())
    for chunk in _chunks(sorted(keys)):
        held = select(_INDEX.c.plate_key).where(_INDEX.c.plate_key.in_(chunk)).distinct()
        keys -= set(conn.execute(held).scalars())
    for chunk in _chunks([r for k in sorted(keys) for r in rotations(k)]):
        conn.execute(_ROTATIONS.delete().where(_ROTATIONS.c.rotation.in_(chunk)))
    return len(gone)


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _lock(conn: Connection, *, shared: bool) -> None:
    """Hold the rotations' advisory lock to the end of the transaction (SQLite: one writer)."""
    if conn.dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
        conn.execute(select(lock(_LOCK)))


def _insert(conn: Connection, table: Any) -> Any:
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def _upsert_plates(conn: Connection, values: list[dict[str, Any]]) -> None:
    for chunk in _chunks(values):
        stmt = _insert(conn, _INDEX).values(chunk)
        newer = stmt.excluded.last_received_at > _INDEX.c.last_received_at
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[_INDEX.c.site_id, _INDEX.c.plate_norm],
                set_={
                    "reads": _INDEX.c.reads + stmt.excluded.reads,
                    "last_received_at": case(
                        (newer, stmt.excluded.last_received_at), else_=_INDEX.c.last_received_at
                    ),
                },
            )
        )
