"""Staging a chunk's reads in a SQLite file of its own, so the storing side binds nothing.

SQLite only. The reading process writes a chunk's ``store.BODY`` tuples (oldest first) into
table ``stage`` of a fresh file (``write``): journal and fsync off, no index, rowid =
position + 1. The storing process attaches that file and, in the batch's transaction,
checks for reads already there and inserts the whole chunk with one ``INSERT ... SELECT``
that computes seq, id, camera and ``has_hit`` in SQL (``insert_staged``). The per-row
Python (building value tuples, ids, binding 21 parameters a row, unpickling the chunk) then
runs nowhere on the storing side, and the staging write runs on the reader's core, which
idled half the time. Should some of the chunk be stored already (a re-run), its rows are
read back (``read_rows``) and stored the ordinary way (``store.insert_rows``).

Measured (``python -m bench.importing --lines 500000 --format node-csv``, 2 cores shared
with another benchmark, load about 2, runs alternated with the pickled path): first run
12.3-16.1 s wall and 15.1-17.8 s CPU pickled, 9.6-10.9 s and 12.6-12.9 s CPU staged; the
re-run is unchanged (6.8-8.1 s). With ``--random-ids`` the CPU drops less (16.5-17.2 s ->
15.0-15.2 s) and the wall time is within the noise (12.9-14.2 s -> 12.7-15.0 s): the
inserts' page misses dominate; its re-run is a little slower (7.7-7.9 s -> 8.3-9.2 s: the
reader stages reads that are all there). The storing side now waits for the reader about
half the time: the reader (parsing, then the staging write) is the bottleneck.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from local_node.db.plate_dictionary import upsert_plates
from local_node.db.tables import Hit
from local_node.domain.hotlist import HotlistMatcher, LiveEntry
from local_node.importing import store
from local_node.importing.store import BODY, Flags, SeqBlock
from sync_protocol.detections import stream_prefix

SCHEMA = "import_stage"
"""The name the staging file is attached under."""

MAX_CAMERAS = 500
"""Source cameras a chunk may name and still be inserted by SQL (one CASE arm each)."""

_MASK = (1 << 48) - 1
_TOP = 0b10 << 14  # id_maker's variant bits, in the fourth group of the id


@dataclass(frozen=True)
class Staged:
    """A chunk written to a staging file: where, how many rows, which source cameras."""

    path: str
    count: int
    cameras: tuple[str, ...]


def write(path: Path, rows: Sequence[tuple[Any, ...]]) -> Staged:
    """Write ``rows`` (``store.BODY`` tuples, oldest first) to a new staging file at ``path``."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # A scratch file read once by the storing side: no journal, no fsync.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        # No declared types: the values keep the types the executemany would have bound.
        conn.execute(f"CREATE TABLE stage ({', '.join(BODY)})")
        conn.execute("BEGIN")
        # A fresh table numbers its rows 1, 2, ...: the rowid is the position + 1.
        conn.executemany(
            f"INSERT INTO stage ({', '.join(BODY)}) VALUES ({', '.join(['?'] * len(BODY))})",
            rows,
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return Staged(str(path), len(rows), tuple(sorted({r[0] for r in rows})))


def attach(conn: Connection, staged: Staged) -> None:
    """Attach the staging file to ``conn``'s SQLite connection, before its transaction begins
    (SQLite refuses ATTACH inside one; pysqlite begins only at the first write)."""
    conn.connection.driver_connection.execute(f"ATTACH DATABASE ? AS {SCHEMA}", (staged.path,))


def detach(conn: Connection) -> None:
    """Detach the staging file; if that fails, the connection is thrown away instead, so the
    pool never hands out a connection with a stage attached."""
    try:
        conn.connection.driver_connection.execute(f"DETACH DATABASE {SCHEMA}")
    except Exception:
        conn.invalidate()


def remove(staged: Staged) -> None:
    """Delete the staging file (it served its one batch)."""
    Path(staged.path).unlink(missing_ok=True)


def _camera_case(staged: Staged, cameras: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A CASE mapping ``s.camera`` (the source camera) to its camera id, and its parameters
    (one arm per source camera of the chunk: a handful)."""
    params: dict[str, str] = {}
    for i, name in enumerate(staged.cameras):
        params[f"c{i}"], params[f"i{i}"] = name, cameras[name]
    arms = " ".join(f"WHEN :c{i} THEN :i{i}" for i in range(len(staged.cameras)))
    return f"CASE s.camera {arms} END", params


def stored_positions(conn: Connection, staged: Staged, cameras: dict[str, str]) -> set[int]:
    """The rowids of staged reads whose (camera id, event id) is stored already: one lookup
    a row in the unique index, the stage driving (CROSS JOIN keeps that order)."""
    case, params = _camera_case(staged, cameras)
    found = conn.exec_driver_sql(
        f"SELECT s.rowid FROM {SCHEMA}.stage AS s CROSS JOIN main.detections AS d "
        f"ON d.camera_id = {case} AND d.event_id = s.event_id",
        params,
    )
    return {rowid for (rowid,) in found}


def read_rows(conn: Connection, staged: Staged, skip: set[int]) -> list[tuple[Any, ...]]:
    """The staged rows (oldest first) but those at rowids ``skip``, as ``store.BODY`` tuples."""
    if len(skip) == staged.count:  # a re-run: nothing to read back
        return []
    rows = conn.exec_driver_sql(
        f"SELECT rowid, {', '.join(BODY)} FROM {SCHEMA}.stage ORDER BY rowid"
    )
    return [tuple(r[1:]) for r in rows if r[0] not in skip]


def id_sql(n: str) -> str:
    """SQL for ``store.id_maker(stream)(n)`` of the SQL expression ``n``, given the stream's
    id head (its first three groups and their dashes) as parameter ``:head``."""
    return f"printf('%s%04x-%012x', :head, {_TOP} | (({n}) >> 48), ({n}) & {_MASK})"


def id_head(stream_id: str) -> str:
    """The first three groups of the stream's ids, with their dashes (``id_sql``'s :head)."""
    return stream_prefix(stream_id) + "-"


def insert_staged(
    conn: Connection,
    staged: Staged,
    plates: dict[str, list[Any]],
    *,
    block: SeqBlock,
    cameras: dict[str, str],
    matcher: HotlistMatcher[LiveEntry],
    now: datetime,
    flags: Flags,
) -> int:
    """``store.insert_rows`` of the staged rows, the detections by one ``INSERT ... SELECT``:
    the same rows, seqs, ids, dictionary entries and hits; return how many hits."""
    make_id, first = store.id_maker(block.stream_id), block.first
    make_id(first - block.base), make_id(first + staged.count - 1 - block.base)  # in range
    matches = store.hotlist_matches(plates, matcher, now)
    _insert_detections(conn, staged, block, cameras, sorted(matches), flags)
    upsert_plates(conn, [(name, p[0], p[1], first + p[2], p[3]) for name, p in plates.items()])
    if not matches:
        return 0
    hits = [
        store.historical_hit(make_id(seq - block.base), seq, m, now)
        for seq, plate in _hit_rows(conn, first, sorted(matches))
        for m in matches[plate]
    ]
    conn.execute(insert(Hit.__table__), hits)
    return len(hits)


def _insert_detections(
    conn: Connection,
    staged: Staged,
    block: SeqBlock,
    cameras: dict[str, str],
    hit_plates: list[str],
    flags: Flags,
) -> None:
    """One ``INSERT ... SELECT`` of every staged row, in rowid (time) order."""
    n = "(:start + s.rowid)"
    case, cases = _camera_case(staged, cameras)
    params: dict[str, Any] = {
        **cases,
        "head": id_head(block.stream_id),
        "start": block.first - block.base - 1,
        "first": block.first,
        "hit": json.dumps(hit_plates),
        "local_only": flags.local_only,
        "fmt": flags.imported_from,
    }
    body = ", ".join(f"s.{c}" for c in BODY[1:])
    conn.exec_driver_sql(
        f"INSERT INTO main.detections ({', '.join(store.COLUMNS)}) "
        f"SELECT {id_sql(n)}, :first + s.rowid - 1, {case}, "
        "s.plate_norm IN (SELECT value FROM json_each(:hit)), :local_only, :fmt, "
        f"{body} FROM {SCHEMA}.stage AS s ORDER BY s.rowid",
        params,
    )


def _hit_rows(conn: Connection, first: int, plates: list[str]) -> list[tuple[int, str]]:
    """(seq, plate) of the staged reads of ``plates``, oldest first."""
    found = conn.exec_driver_sql(
        f"SELECT s.rowid, s.plate_norm FROM {SCHEMA}.stage AS s "
        "WHERE s.plate_norm IN (SELECT value FROM json_each(?)) ORDER BY s.rowid",
        (json.dumps(plates),),
    )
    return [(first + rowid - 1, plate) for rowid, plate in found]


def usable(staged: Staged) -> bool:
    """Whether the SQL insert can take this chunk (few enough cameras for its CASE)."""
    return len(staged.cameras) <= MAX_CAMERAS
