"""Storing one batch of imported reads: cameras, seqs, rows, the plate dictionary and hits.

``store_batch`` runs in ONE transaction whose first statement takes the node's write lock
(the ``node_state`` row, as ingest's writer does: on SQLite the database's write lock, on
PostgreSQL the row lock), so that the check for reads already there, the seqs and the
insert cannot race another import or the live writer. Seq order stays commit order, the
invariant the sync outbox relies on (``local_node.ingest.writer``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from local_node import credentials
from local_node.db.live_hotlist import hotlist_rev, live_matcher
from local_node.db.plate_dictionary import upsert_plates
from local_node.db.tables import Camera, Detection, Hit, NodeState, SyncStream
from local_node.domain.hotlist import HitMatch, HotlistMatcher, LiveEntry
from sync_protocol.detections import detection_uuid

IMPORTED_PREFIX = "imported:"
"""Names of the cameras imports create: ``imported:<the source's camera name>``."""

LOCAL_ONLY_STREAM = ":local-only"
"""Suffix of the stream name local-only ids are derived from (they never travel)."""

LOCAL_ONLY_BASE = -(2**61)
"""Local-only ids derive from ``seq - LOCAL_ONLY_BASE`` (positive for every seq held)."""

_CHUNK = 5000  # values per IN (...): below SQLite's bound-parameter limit (32,766)

BODY = (
    "camera",
    "event_id",
    "source_camera",
    "captured_at_stored",
    "received_at_stored",
    "plate",
    "plate_norm",
    "plate_key",
    "confidence",
    "region",
    "direction",
    "bbox",
    "vehicle_type",
    "vehicle_make",
    "vehicle_model",
    "vehicle_color",
)
"""A read ready to store (``body``): the source's camera name, then its detection values
as bound (times as ``add_stored_times`` makes them)."""
_CAMERA, _EVENT, _RECEIVED, _NORM, _KEY = 0, 1, 4, 6, 7
COLUMNS = [
    "id",
    "seq",
    "camera_id",
    "has_hit",
    "local_only",
    "imported_from",
    *(c.removesuffix("_stored") for c in BODY[1:]),
]
"""The detections columns an import fills, in the order of its value tuples."""
body = itemgetter(*BODY)
"""The ``BODY`` tuple of a parsed read (a dict with its ``*_stored`` times)."""


def _sqlite_time(value: datetime) -> str:
    # What UTCDateTime stores on SQLite (UTC, no offset, always microseconds: compared as
    # text), without the column type's per-value processing; a test holds them equal.
    if value.tzinfo is UTC:  # what the parsers give: the text without its "+00:00"
        return value.isoformat(" ", "microseconds")[:-6]
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def add_stored_times(row: dict[str, Any], dialect: str) -> None:
    """The row's times as the driver is given them (``*_stored``), for ``insert_rows``."""
    if dialect == "sqlite":
        row["captured_at_stored"] = _sqlite_time(row["captured_at"])
        row["received_at_stored"] = _sqlite_time(row["received_at"])
    else:
        row["captured_at_stored"] = row["captured_at"]
        row["received_at_stored"] = row["received_at"]


def camera_name(source: str) -> str:
    """The import camera's name for a source camera (fits the 64-character column)."""
    name = IMPORTED_PREFIX + source
    if len(name) <= 64:
        return name
    digest = hashlib.blake2b(source.encode(), digest_size=4).hexdigest()
    return f"{IMPORTED_PREFIX}{source[:45]}~{digest}"


def ensure_cameras(conn: Connection, sources: Iterable[str], now: datetime) -> dict[str, str]:
    """The camera id of each source camera, creating the import cameras that are missing.

    An import camera is disabled and has a key nobody was ever given (the digest of a secret
    thrown away): it holds reads, it never posts any.
    """
    wanted = {camera_name(s): s for s in sources}
    found = {
        name: cid
        for cid, name in conn.execute(
            select(Camera.id, Camera.name).where(Camera.name.in_(sorted(wanted)))
        )
    }
    for name in sorted(set(wanted) - set(found)):
        cid = credentials.new_id()
        conn.execute(
            insert(Camera.__table__).values(
                id=cid,
                name=name,
                key_hash=credentials.digest(credentials.new_secret("unusable_")),
                created_at=now,
                disabled=True,
            )
        )
        found[name] = cid
    return {source: found[name] for name, source in wanted.items()}


def large_cache(conn: Connection) -> None:
    """On SQLite, a page cache that holds the indexes a batch writes to (128 MiB, this
    connection only): with the default 2 MiB, most of an import's time went to page misses."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-131072")


def take_write_lock(conn: Connection) -> None:
    """Make this transaction the node's one writer until it ends (see the module docstring)."""
    conn.execute(update(NodeState).where(NodeState.id == 1).values(next_seq=NodeState.next_seq))


def existing(conn: Connection, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (camera_id, event_id) pairs are stored already."""
    by_camera: dict[str, list[str]] = {}
    for camera_id, event_id in keys:
        by_camera.setdefault(camera_id, []).append(event_id)
    mark = _mark(conn)
    probe = conn.dialect.name == "sqlite"
    cursor = conn.connection.driver_connection.cursor()
    found: set[tuple[str, str]] = set()
    try:
        for camera_id, ids in by_camera.items():
            ids.sort()  # neighbouring keys: the index pages are read in order, once
            # One probe of the span first: a node's ids grow with its seq, so a first import
            # of its export finds nothing there and skips the lookups. SQLite only: there the
            # index orders text as Python sorts it; a PostgreSQL collation may not.
            if probe:
                cursor.execute(
                    "SELECT 1 FROM detections WHERE camera_id = ? "
                    "AND event_id BETWEEN ? AND ? LIMIT 1",
                    (camera_id, ids[0], ids[-1]),
                )
                if cursor.fetchone() is None:
                    continue
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                # Plain SQL on the driver's cursor: the uq_detections_camera_event index
                # answers it; SQLAlchemy's expanding IN cost more than the lookups.
                if probe:
                    cursor.execute(
                        f"SELECT event_id FROM detections WHERE camera_id = {mark} "
                        f"AND event_id IN ({', '.join([mark] * len(chunk))})",
                        (camera_id, *chunk),
                    )
                else:
                    # Never prepared: psycopg prepares a statement run 5 times, and the
                    # generic plan PostgreSQL made while the table was still small scanned
                    # it, comparing each row with 5,000 parameters one by one (1,000 reads/s
                    # at 500,000). Planned each time, the list is a hashed constant.
                    cursor.execute(
                        "SELECT event_id FROM detections WHERE camera_id = %s "
                        "AND event_id = ANY(%s)",
                        (camera_id, chunk),
                        prepare=False,
                    )
                found.update((camera_id, e) for (e,) in cursor.fetchall())
    finally:
        cursor.close()
    return found


def _mark(conn: Connection) -> str:
    """The driver's positional placeholder."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


@dataclass(frozen=True)
class SeqBlock:
    """``count`` seqs from ``first`` and the stream their ids derive from."""

    first: int
    stream_id: str
    base: int


def synced_seqs(conn: Connection, count: int, now: datetime) -> SeqBlock:
    """The next ``count`` seqs of the node's stream, as the live writer takes them."""
    last, stream_id = conn.execute(
        update(NodeState)
        .where(NodeState.id == 1)
        .values(next_seq=NodeState.next_seq + count)
        .returning(NodeState.next_seq, NodeState.stream_id)
    ).one()
    first = last - count
    return SeqBlock(first, stream_id, _stream_base(conn, stream_id, first, now))


def local_only_seqs(conn: Connection, count: int) -> SeqBlock:
    """``count`` seqs below every seq held (0 and negative): outside every sync stream."""
    lowest = conn.execute(select(func.min(Detection.seq))).scalar_one()
    stream_id = conn.execute(select(NodeState.stream_id).where(NodeState.id == 1)).scalar_one()
    top = 1 if lowest is None else min(lowest, 1)
    return SeqBlock(top - count, stream_id + LOCAL_ONLY_STREAM, LOCAL_ONLY_BASE)


def _stream_base(conn: Connection, stream_id: str, first_seq: int, now: datetime) -> int:
    """The stream's base, registering the stream as the writer does if it is new."""
    base = conn.execute(
        select(SyncStream.seq_base).where(SyncStream.stream_id == stream_id)
    ).scalar_one_or_none()
    if base is None:
        others = conn.execute(select(SyncStream.stream_id).limit(1)).first()
        base = 0 if others is None else first_seq - 1
        conn.execute(
            insert(SyncStream.__table__).values(
                stream_id=stream_id, seq_base=base, acked=0, created_at=now
            )
        )
    return base


def live_hotlist(conn: Connection) -> tuple[int, HotlistMatcher[LiveEntry]]:
    """The hotlist revision and a matcher over its live entries."""
    return hotlist_rev(conn), live_matcher(conn)


def prepare(
    records: list[dict[str, Any]], *, cutoff: datetime, dialect: str, share: bool = True
) -> Prepared:
    """What the storing side needs of a chunk's parsed reads (run by the reading process):
    those inside retention, the first of each (camera, event id), oldest first, as ``body``
    tuples, with their ``plate_totals``. ``share``: make equal values of the columns of few
    values one object (``_shared``); a parser whose checks are ``memoized`` did already."""
    kept = [r for r in records if r["received_at"] >= cutoff]
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for r in kept:
        unique.setdefault((r["camera"], r["event_id"]), r)
    rows = sorted(unique.values(), key=itemgetter("received_at"))
    for r in rows:
        if "received_at_stored" not in r:
            add_stored_times(r, dialect)
    bodies = list(map(_shared, map(body, rows))) if share else list(map(body, rows))
    return Prepared(bodies, plate_totals(bodies), len(records) - len(kept), len(kept) - len(rows))


_FEW = (0, 2, 9, 10, 11, 12, 13, 14, 15)  # BODY columns with few distinct values
_SAME: dict[Any, Any] = {}


def _shared(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """``row`` with one object per distinct value in its columns of few values (camera,
    region, vehicle...): pickle then sends each value once a chunk, and the storing side
    builds it once (measured: a third of the chunk's unpickling time)."""
    if len(_SAME) > 100_000:  # a column that has many values after all
        _SAME.clear()
    cells = list(row)
    for i in _FEW:
        cells[i] = _SAME.setdefault(cells[i], cells[i])
    return tuple(cells)


@dataclass(frozen=True)
class Prepared:
    """``prepare``'s answer."""

    rows: list[tuple[Any, ...]]
    plates: dict[str, list[Any]]
    too_old: int
    repeated: int


def plate_totals(rows: Sequence[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Per plate of ``rows`` (oldest first), in plate order (the dictionary's upsert then
    walks its index in order): [plate_key, reads, index of its last read, that read's
    stored receive time], for the plate dictionary once the seqs are known."""
    plates: dict[str, list[Any]] = {}
    for i, row in enumerate(rows):
        seen = plates.get(row[_NORM])
        if seen is None:
            plates[row[_NORM]] = [row[_KEY], 1, i, row[_RECEIVED]]
        else:
            seen[1] += 1
            seen[2] = i
            seen[3] = row[_RECEIVED]  # oldest first: the last is the latest
    return dict(sorted(plates.items()))


def id_maker(stream_id: str) -> Callable[[int], str]:
    """``str(detection_uuid(stream_id, n))`` as a function of n, the stream's hash taken once
    (the same layout; a test holds them equal)."""
    high = detection_uuid(stream_id, 0).int >> 64
    prefix = f"{high:016x}"
    head = f"{prefix[:8]}-{prefix[8:12]}-{prefix[12:16]}-"
    variant = 0b10 << 62  # RFC 4122's, in the low half's top bits

    top, mask = variant >> 48, (1 << 48) - 1

    def make(n: int) -> str:
        if not 0 <= n < 2**62:
            raise ValueError(f"seq {n} outside 0..2**62-1")
        return f"{head}{top | n >> 48:04x}-{n & mask:012x}"

    return make


@dataclass(frozen=True)
class Flags:
    """What every read of one import is stored with."""

    local_only: bool
    imported_from: str


def insert_rows(
    conn: Connection,
    rows: Sequence[tuple[Any, ...]],
    plates: dict[str, list[Any]],
    *,
    block: SeqBlock,
    cameras: dict[str, str],
    matcher: HotlistMatcher[LiveEntry],
    now: datetime,
    flags: Flags,
) -> int:
    """Insert ``rows`` (``body`` tuples, oldest first) with the block's seqs: the detections
    (one executemany of plain tuples), their dictionary entries (``plates``: their
    ``plate_totals``) and their historical hits; return how many hits."""
    if not rows:
        return 0
    make_id, first, base = id_maker(block.stream_id), block.first, block.base
    matches = hotlist_matches(plates, matcher, now)
    local_only, fmt = flags.local_only, flags.imported_from
    values = []
    seq = first
    for row in rows:
        hit = row[_NORM] in matches
        camera_id = cameras[row[_CAMERA]]
        values.append((make_id(seq - base), seq, camera_id, hit, local_only, fmt, *row[1:]))
        seq += 1
    _insert_detections(conn, values)
    upsert_plates(conn, [(name, p[0], p[1], first + p[2], p[3]) for name, p in plates.items()])
    hits = [
        historical_hit(value[0], value[1], m, now)
        for value, row in zip(values if matches else (), rows, strict=False)
        if value[3]
        for m in matches[row[_NORM]]
    ]
    if hits:
        conn.execute(insert(Hit.__table__), hits)
    return len(hits)


def historical_hit(detection_id: str, seq: int, m: HitMatch, now: datetime) -> dict[str, Any]:
    """The ``hits`` row of an imported read that matched ``m`` (a historical hit)."""
    return {
        "detection_id": detection_id,
        "detection_seq": seq,
        "list_name": m.entry.list_name,
        "entry_plate": m.entry.plate_norm,
        "match_kind": m.kind,
        "distance": m.distance,
        "priority": m.entry.priority,
        "reason": m.entry.reason,
        "created_at": now,
        "historical": True,
    }


def _insert_detections(conn: Connection, values: list[tuple[Any, ...]]) -> None:
    """One executemany of plain tuples on SQLite; COPY on PostgreSQL (measured: 15% faster
    than psycopg's executemany of INSERTs at 150,000 reads, client CPU a little lower)."""
    columns = ", ".join(COLUMNS)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection  # in the batch's transaction
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY detections ({columns}) FROM STDIN") as copy,
        ):
            for value in values:
                copy.write_row(value)
        return
    conn.exec_driver_sql(
        f"INSERT INTO detections ({columns}) VALUES ({', '.join(['?'] * len(COLUMNS))})",
        values,
    )


def hotlist_matches(
    plates: dict[str, list[Any]], matcher: HotlistMatcher[LiveEntry], now: datetime
) -> dict[str, list[HitMatch]]:
    """The live hotlist's matches of each plate that has any."""
    if not len(matcher):
        return {}
    found = {name: matcher.match(name, now) for name in plates}
    return {name: m for name, m in found.items() if m}
