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
from local_node.db.plate_dictionary import record_reads
from local_node.db.tables import Camera, Detection, Hit, HotlistEntry, NodeState, SyncStream
from local_node.domain.hotlist import HitMatch, HotlistMatcher, LiveEntry
from sync_protocol.detections import detection_uuid

IMPORTED_PREFIX = "imported:"
"""Names of the cameras imports create: ``imported:<the source's camera name>``."""

LOCAL_ONLY_STREAM = ":local-only"
"""Suffix of the stream name local-only ids are derived from (they never travel)."""

LOCAL_ONLY_BASE = -(2**61)
"""Local-only ids derive from ``seq - LOCAL_ONLY_BASE`` (positive for every seq held)."""

_CHUNK = 500  # values per IN (...): far below SQLite's bound-parameter limit
_COLUMNS = [
    "id",
    "seq",
    "event_id",
    "camera_id",
    "source_camera",
    "captured_at",
    "received_at",
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
    "has_hit",
    "local_only",
    "imported_from",
]


_ROW_VALUES = itemgetter(
    *(f"{c}_stored" if c in ("captured_at", "received_at") else c for c in _COLUMNS)
)


def _sqlite_time(value: datetime) -> str:
    # What UTCDateTime stores on SQLite (UTC, no offset, always microseconds: compared as
    # text), without the column type's per-value processing; a test holds them equal.
    if value.utcoffset():  # the parsers give UTC already: the conversion is rarely needed
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
    found: set[tuple[str, str]] = set()
    for camera_id, ids in by_camera.items():
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            # Plain SQL: the uq_detections_camera_event index answers it; SQLAlchemy's
            # expanding IN cost more than the lookups.
            sql = (
                f"SELECT event_id FROM detections WHERE camera_id = {mark} "
                f"AND event_id IN ({', '.join([mark] * len(chunk))})"
            )
            rows = conn.exec_driver_sql(sql, (camera_id, *chunk))
            found.update((camera_id, e) for (e,) in rows)
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
    rev = conn.execute(select(NodeState.hotlist_rev).where(NodeState.id == 1)).scalar_one()
    entries = conn.execute(
        select(
            HotlistEntry.list_name,
            HotlistEntry.plate_norm,
            HotlistEntry.reason,
            HotlistEntry.priority,
            HotlistEntry.expires_at,
        ).where(HotlistEntry.deleted.is_(False))
    ).all()
    return rev, HotlistMatcher(LiveEntry(*e) for e in entries)


def hotlist_rev(conn: Connection) -> int:
    """The node's hotlist revision (bumped on every change)."""
    return conn.execute(select(NodeState.hotlist_rev).where(NodeState.id == 1)).scalar_one()


def assign(rows: Sequence[dict[str, Any]], block: SeqBlock) -> None:
    """Give ``rows`` (oldest first) the block's seqs and the ids derived from them."""
    make_id = id_maker(block.stream_id)
    seq, base = block.first, block.base
    for row in rows:
        row["seq"] = seq
        row["id"] = make_id(seq - base)
        seq += 1


def id_maker(stream_id: str) -> Callable[[int], str]:
    """``str(detection_uuid(stream_id, n))`` as a function of n, the stream's hash taken once
    (the same layout; a test holds them equal)."""
    high = detection_uuid(stream_id, 0).int >> 64
    prefix = f"{high:016x}"
    head = f"{prefix[:8]}-{prefix[8:12]}-{prefix[12:16]}-"
    variant = 0b10 << 62

    def make(n: int) -> str:
        if not 0 <= n < 2**62:
            raise ValueError(f"seq {n} outside 0..2**62-1")
        low = f"{variant | n:016x}"
        return f"{head}{low[:4]}-{low[4:]}"

    return make


def hit_rows(
    rows: Sequence[dict[str, Any]], matcher: HotlistMatcher[LiveEntry], now: datetime
) -> list[dict[str, Any]]:
    """Mark the rows that match the live hotlist; their hits, all historical."""
    if not len(matcher):
        for row in rows:
            row["has_hit"] = False
        return []
    seen: dict[str, list[HitMatch]] = {}
    out: list[dict[str, Any]] = []
    for row in rows:
        norm = row["plate_norm"]
        matches = seen.get(norm)
        if matches is None:
            matches = seen[norm] = matcher.match(norm, now)
        row["has_hit"] = bool(matches)
        out.extend(
            {
                "detection_id": row["id"],
                "detection_seq": row["seq"],
                "list_name": m.entry.list_name,
                "entry_plate": m.entry.plate_norm,
                "match_kind": m.kind,
                "distance": m.distance,
                "priority": m.entry.priority,
                "reason": m.entry.reason,
                "created_at": now,
                "historical": True,
            }
            for m in matches
        )
    return out


def insert_rows(conn: Connection, rows: Sequence[dict[str, Any]], hits: Sequence[dict]) -> None:
    """Insert the detections (one executemany), their dictionary entries and their hits."""
    if not rows:
        return
    for row in rows:
        if "received_at_stored" not in row:
            add_stored_times(row, conn.dialect.name)
    values = list(map(_ROW_VALUES, rows))
    mark = _mark(conn)
    sql = (
        f"INSERT INTO detections ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(_COLUMNS))})"
    )
    conn.exec_driver_sql(sql, values)
    record_reads(conn, rows)
    if hits:
        conn.execute(insert(Hit.__table__), list(hits))
