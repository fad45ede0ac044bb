"""The agent's tables (sync_state, sync_streams) and the outbox reads over the detection log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine, RowMapping

from local_node.db.tables import (
    Detection,
    Hit,
    LocalAlertDelivery,
    NodeState,
    SyncState,
    SyncStream,
)
from local_node.sync.outbox import (
    StreamMark,
    acked_through,
    age_seconds,
    backlog_count,
    ordered,
    stream_end,
)

_DETECTION_COLUMNS = [
    c for c in Detection.__table__.c if c.name not in ("plate_key", "image_path", "image_type")
]


@dataclass(frozen=True)
class Enrolment:
    """Who the node is in the cloud (None fields: not enrolled)."""

    site_id: str
    key_id: str
    cloud_url: str
    cloud_epoch: str | None


@dataclass(frozen=True)
class Backlog:
    """Detections the cloud has not acked yet."""

    count: int
    oldest_age_s: float | None


def load_state(conn: Connection) -> RowMapping:
    """The sync_state row (created empty on first use)."""
    row = conn.execute(select(SyncState.__table__).where(SyncState.id == 1)).mappings().first()
    if row is None:
        conn.execute(insert(SyncState.__table__).values(id=1, hotlist_version=0, hits_acked=0))
        row = conn.execute(select(SyncState.__table__).where(SyncState.id == 1)).mappings().one()
    return row


def update_state(conn: Connection, **values: Any) -> None:
    """Change fields of the sync_state row."""
    load_state(conn)
    conn.execute(update(SyncState).where(SyncState.id == 1).values(**values))


def enrolment(conn: Connection) -> Enrolment | None:
    """The node's enrolment, or None when it runs stand-alone."""
    row = load_state(conn)
    if not (row["site_id"] and row["key_id"] and row["cloud_url"]):
        return None
    return Enrolment(row["site_id"], row["key_id"], row["cloud_url"], row["cloud_epoch"])


def streams(conn: Connection) -> list[StreamMark]:
    """Every stream of this database, oldest first."""
    rows = conn.execute(select(SyncStream.stream_id, SyncStream.seq_base, SyncStream.acked))
    return ordered([StreamMark(r.stream_id, r.seq_base, r.acked) for r in rows])


def ensure_streams(conn: Connection, now: datetime) -> list[StreamMark]:
    """Register the node's current stream if it is new, and return every stream.

    The first stream starts just before the oldest row held (a node that ran stand-alone
    and pruned old rows before enrolling still starts its stream at wire seq 1); a later
    one (a restore) starts after every row stored so far.
    """
    current, next_seq = conn.execute(
        select(NodeState.stream_id, NodeState.next_seq).where(NodeState.id == 1)
    ).one()
    known = streams(conn)
    if any(s.stream_id == current for s in known):
        return known
    if known:
        base = next_seq - 1
    else:
        # Seqs at or below 0 are local-only imported reads (local_node.importing): no stream's.
        oldest = conn.execute(select(func.min(Detection.seq)).where(Detection.seq > 0)).scalar_one()
        base = next_seq - 1 if oldest is None else oldest - 1
    conn.execute(
        insert(SyncStream.__table__).values(
            stream_id=current, seq_base=base, acked=0, created_at=now
        )
    )
    return streams(conn)


def save_marks(conn: Connection, marks: Mapping[str, int]) -> None:
    """Store the cloud's acks, stream by stream."""
    for stream_id, acked in marks.items():
        conn.execute(
            update(SyncStream).where(SyncStream.stream_id == stream_id).values(acked=acked)
        )


def _range(stream: StreamMark, known: Sequence[StreamMark]):
    end = stream_end(known, stream)
    cond = Detection.seq > stream.seq_base
    return cond if end is None else cond & (Detection.seq <= end)


def held_spans(conn: Connection, known: Sequence[StreamMark]) -> dict[str, tuple[int, int] | None]:
    """The oldest and newest database seq held for each stream (None: no rows)."""
    out: dict[str, tuple[int, int] | None] = {}
    for stream in known:
        low, high = conn.execute(
            select(func.min(Detection.seq), func.max(Detection.seq)).where(_range(stream, known))
        ).one()
        out[stream.stream_id] = None if low is None else (low, high)
    return out


def detection_rows(conn: Connection, first: int, last: int) -> list[Mapping[str, Any]]:
    """Detection rows with database seqs first..last, in seq order."""
    return list(
        conn.execute(
            select(*_DETECTION_COLUMNS)
            .where(Detection.seq >= first, Detection.seq <= last)
            .order_by(Detection.seq)
        ).mappings()
    )


def pending_hits(conn: Connection, after_id: int, limit: int) -> list[Mapping[str, Any]]:
    """Hits with id > ``after_id`` (not yet stored by the cloud), with their detection.

    Each row also has ``delivered_locally``: the successful offline-fallback deliveries
    of the hit (local_node.alerts), read with one second query for the whole page.
    """
    rows = list(
        conn.execute(
            select(
                Hit.id,
                Hit.detection_id,
                Hit.detection_seq,
                Hit.list_name,
                Hit.entry_plate,
                Hit.match_kind,
                Hit.historical,
                Detection.plate,
                Detection.image_sha256,
                Detection.camera_id,
                Detection.captured_at,
            )
            .join(Detection, Detection.id == Hit.detection_id)
            # Reads imported --local-only never leave the node, nor do their hits.
            .where(Hit.id > after_id, Detection.local_only.is_(False))
            .order_by(Hit.id)
            .limit(limit)
        ).mappings()
    )
    if not rows:
        return []
    delivered = local_deliveries(conn, [r["id"] for r in rows])
    return [{**r, "delivered_locally": delivered.get(r["id"], [])} for r in rows]


def local_deliveries(
    conn: Connection, hit_ids: Sequence[int]
) -> dict[int, list[Mapping[str, Any]]]:
    """The successful local (offline-fallback) deliveries of these hits, oldest first."""
    d = LocalAlertDelivery
    out: dict[int, list[Mapping[str, Any]]] = {}
    for row in conn.execute(
        select(d.hit_id, d.channel, d.recipient, d.attempted_at, d.provider_message_id)
        .where(d.hit_id.in_(hit_ids), d.ok.is_(True))
        .order_by(d.hit_id, d.attempted_at)
    ).mappings():
        out.setdefault(row["hit_id"], []).append(row)
    return out


def backlog(conn: Connection, now: datetime) -> Backlog:
    """How many rows the cloud lacks and how long the oldest has waited."""
    known = streams(conn)
    newest: dict[str, int | None] = {}
    oldest_at = None
    for stream in known:
        cond = _range(stream, known) & (Detection.seq > stream.seq_base + stream.acked)
        low, high = conn.execute(
            select(func.min(Detection.seq), func.max(Detection.seq)).where(cond)
        ).one()
        newest[stream.stream_id] = high
        if low is not None:
            at = conn.execute(
                select(Detection.received_at).where(Detection.seq == low)
            ).scalar_one()
            oldest_at = at if oldest_at is None else min(oldest_at, at)
    return Backlog(backlog_count(known, newest), age_seconds(now, oldest_at))


def deletable_through(engine_or_conn: Engine | Connection) -> int | None:
    """Retention's guard: the largest seq whose row the cloud has acked (None: no limit).

    A node that is not enrolled has no cloud to wait for; an enrolled one never deletes
    a row before the cloud holds it.
    """
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.connect() as conn:
            return deletable_through(conn)
    conn = engine_or_conn
    row = conn.execute(select(SyncState.site_id).where(SyncState.id == 1)).first()
    if row is None or row.site_id is None:
        return None
    return acked_through(streams(conn))
