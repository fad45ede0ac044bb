"""Data access for everything but the ingest write path (which lives in ingest/writer.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlmodel import Session

from local_node.db.access import (  # noqa: F401 - the camera and token functions' old home
    NewCredential,
    camera_by_key,
    create_camera,
    create_token,
    list_cameras,
    token_role,
)
from local_node.db.tables import (
    Detection,
    DetectionRevision,
    Hit,
    HotlistEntry,
    NodeState,
    SyncState,
)
from local_node.images.store import ImageStore


def ensure_state(engine: Engine, now: datetime) -> NodeState:
    """Create the node's state row (and with it a new stream id) on a new database."""
    with Session(engine, expire_on_commit=False) as session:
        state = session.get(NodeState, 1)
        if state is None:
            state = NodeState(id=1, stream_id=str(uuid.uuid4()), created_at=now)
            session.add(state)
            session.commit()
            session.refresh(state)
        return state


def start_new_stream(engine: Engine) -> str:
    """Give a restored database a new stream id so its reused seqs are never taken as dups."""
    stream_id = str(uuid.uuid4())
    with Session(engine, expire_on_commit=False) as session:
        session.exec(update(NodeState).where(NodeState.id == 1).values(stream_id=stream_id))
        session.commit()
    return stream_id


def get_detection(engine: Engine, detection_id: str) -> tuple[Detection, list[Hit]] | None:
    """A detection with its hits."""
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(Detection, detection_id)
        if row is None:
            return None
        hits = session.exec(select(Hit).where(Hit.detection_id == detection_id)).scalars().all()
        return row, list(hits)


def earlier_readings(engine: Engine, detection_id: str) -> list[DetectionRevision]:
    """The readings a detection's better readings replaced, oldest first (its history)."""
    with Session(engine, expire_on_commit=False) as session:
        query = (
            select(DetectionRevision)
            .where(DetectionRevision.detection_id == detection_id)
            .where(DetectionRevision.kind == "reading")
            .order_by(DetectionRevision.id)
        )
        return list(session.exec(query).scalars().all())


def hits_for(engine: Engine, detection_ids: Sequence[str]) -> dict[str, list[Hit]]:
    """Hits of several detections, grouped by detection id."""
    out: dict[str, list[Hit]] = {d: [] for d in detection_ids}
    if not detection_ids:
        return out
    with Session(engine, expire_on_commit=False) as session:
        for hit in session.exec(select(Hit).where(Hit.detection_id.in_(detection_ids))).scalars():
            out[hit.detection_id].append(hit)
    return out


def list_hotlist(engine: Engine, *, include_deleted: bool = False) -> Sequence[HotlistEntry]:
    """Hotlist entries, live ones only unless asked."""
    with Session(engine, expire_on_commit=False) as session:
        query = select(HotlistEntry).order_by(HotlistEntry.list_name, HotlistEntry.plate_norm)
        if not include_deleted:
            query = query.where(HotlistEntry.deleted.is_(False))
        return session.exec(query).scalars().all()


def list_refused_hotlist(engine: Engine) -> Sequence[HotlistEntry]:
    """Entries whose last site edit the cloud refused, most recently refused first."""
    with Session(engine, expire_on_commit=False) as session:
        query = (
            select(HotlistEntry)
            .where(HotlistEntry.refused_at.is_not(None))
            .order_by(HotlistEntry.refused_at.desc())
        )
        return session.exec(query).scalars().all()


def get_hotlist_row(session: Session, list_name: str, plate_norm: str) -> HotlistEntry | None:
    """The entry (tombstones included) in ``session``, or None."""
    return session.get(HotlistEntry, (list_name, plate_norm))


def own_site_id(session: Session) -> str | None:
    """The site this node is enrolled in, or None (not enrolled)."""
    return session.exec(select(SyncState.site_id).where(SyncState.id == 1)).scalar()


def put_hotlist_row(session: Session, entry: HotlistEntry) -> None:
    """Insert or replace an entry in ``session`` (the caller bumps the revision and commits)."""
    session.merge(entry)


def tombstone_hotlist_row(
    session: Session, list_name: str, plate_norm: str, *, by: str, now: datetime
) -> bool:
    """Turn a live entry into a pending tombstone in ``session``; False if none was live."""
    row = session.get(HotlistEntry, (list_name, plate_norm))
    if row is None or row.deleted:
        return False
    row.deleted = True
    row.updated_by = by
    row.updated_at = now
    row.version = None
    row.refused_reason = row.refused_at = None  # a new edit: the old refusal is answered
    return True


def bump_hotlist_rev(conn: Session | Connection) -> None:
    """Tell the ingest writer (in any process) to reload its matcher: the one place it is bumped.

    Call it in the transaction that changed the hotlist, so a writer never sees the change
    without the new revision.
    """
    conn.execute(
        update(NodeState).where(NodeState.id == 1).values(hotlist_rev=NodeState.hotlist_rev + 1)
    )


def image_bytes_total(engine: Engine) -> int:
    """Bytes of images currently held (not yet pruned)."""
    with Session(engine, expire_on_commit=False) as session:
        total = session.exec(
            select(func.coalesce(func.sum(Detection.image_bytes), 0)).where(
                Detection.image_path.is_not(None), Detection.image_pruned_at.is_(None)
            )
        ).scalar_one()
        return int(total)


def remove_orphan_images(
    engine: Engine, images: ImageStore, now: datetime, *, hours: int = 2
) -> int:
    """Delete recent images no row points at (a crash between the write and the commit)."""
    recent = images.recent_files(now, hours)
    if not recent:
        return 0
    referenced: set[str] = set()
    with Session(engine) as session:
        for start in range(0, len(recent), 500):
            chunk = recent[start : start + 500]
            referenced.update(
                session.exec(select(Detection.image_path).where(Detection.image_path.in_(chunk)))
                .scalars()
                .all()
            )
    orphans = [path for path in recent if path not in referenced]
    images.delete_many(orphans)
    return len(orphans)


@dataclass(frozen=True)
class HeldImage:
    """What a read recorded about its image: where, how big, which bytes."""

    id: str
    image_path: str
    image_bytes: int | None
    image_sha256: str | None


def _held(since: datetime | None) -> list:
    conds = [Detection.image_path.is_not(None), Detection.image_pruned_at.is_(None)]
    if since is not None:
        conds.append(Detection.received_at >= since)
    return conds


def count_held_images(engine: Engine, since: datetime | None = None) -> int:
    """Reads whose image is held (not pruned), received at or after `since` if given."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(Detection).where(*_held(since))
            ).scalar_one()
        )


def held_images(
    engine: Engine, since: datetime | None = None, limit: int | None = None
) -> Iterator[HeldImage]:
    """The held images' records, newest read first, streamed (no list of all in memory)."""
    query = (
        select(Detection.id, Detection.image_path, Detection.image_bytes, Detection.image_sha256)
        .where(*_held(since))
        .order_by(Detection.seq.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        row: Row
        for row in conn.execution_options(yield_per=1000).execute(query):
            yield HeldImage(*row)


def newest_received_at(engine: Engine) -> datetime | None:
    """When the newest stored read arrived (node clock), or None on an empty log."""
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(Detection.received_at))).scalar_one_or_none()
    if isinstance(newest, str):  # SQLite aggregates lose the column type
        newest = datetime.fromisoformat(newest)
    if newest is not None and newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return newest
