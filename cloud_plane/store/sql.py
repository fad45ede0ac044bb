"""The SQL implementation of ``CloudStore``: SQLite (default, self-hosting) or PostgreSQL.

Concurrency: every write runs in a transaction that takes its lock first (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: ``SELECT ... FOR UPDATE`` on the row that
serialises the change: the stream row for batches, the hotlist counter for
edits, the enrolment row for codes), so concurrent exchanges of one stream or
concurrent edits of the hotlist are applied one after the other.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import uuid
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import and_, delete, false, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from cloud_plane.errors import Conflict, InvalidInput, NotFound
from cloud_plane.store.alerts_sql import AlertSqlMixin
from cloud_plane.store.base import (
    BatchOutcome,
    DetectionQuery,
    EnrollmentRefused,
    Page,
    Role,
    Site,
    StoredDetection,
    StoredHit,
    User,
    decode_cursor,
    encode_cursor,
)
from cloud_plane.store.engine import IMMEDIATE, make_engine
from cloud_plane.store.migrate import upgrade
from cloud_plane.store.rows import from_row
from cloud_plane.store.secret_box import SecretBox
from cloud_plane.store.tables import (
    DetectionRow,
    EnrollmentRow,
    HitRow,
    HotlistOpRow,
    HotlistRow,
    MetaRow,
    NonceRow,
    SiteKeyRow,
    SiteRow,
    StreamRow,
    UserRow,
)
from sync_protocol.detections import DetectionRecord
from sync_protocol.hotlist_messages import HotlistEntry, HotlistOp, OpResult
from sync_protocol.messages import Heartbeat
from sync_protocol.plates import confusion_key, normalize_pattern, plate_matches
from sync_protocol.rules import clamp_made_at, op_wins

FUZZY_SCAN_ROWS = 50_000  # rows one fuzzy page may scan before it returns what it has
LIST_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")

_EPOCH = "epoch"
_HOTLIST_VERSION = "hotlist_version"
_HOTLIST_PURGED = "hotlist_purged"


def new_epoch_id() -> str:
    """Return a fresh random epoch id."""
    return "ep_" + secrets.token_hex(8)


def new_site_id() -> str:
    """Return a fresh random site id."""
    return "site_" + secrets.token_hex(6)


class SqlStore(AlertSqlMixin):
    """``CloudStore`` on SQLAlchemy Core over the tables in ``store/tables.py``.

    The alert calls come from ``AlertSqlMixin`` (``store/alerts_sql.py``).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        fuzzy_scan_rows: int = FUZZY_SCAN_ROWS,
        secret_box: SecretBox | None = None,
    ) -> None:
        self.engine = engine
        self._fuzzy_scan_rows = fuzzy_scan_rows
        # Webhook secrets are sealed with this key; without one (tests, tools) a throwaway key
        # is used, so nothing is ever written in clear.
        self.secret_box = secret_box or SecretBox(Fernet.generate_key())
        self._local = threading.local()

    @classmethod
    def open(cls, url: str, *, secret_box: SecretBox | None = None) -> SqlStore:
        """Connect, run the migrations and create the meta rows (epoch) if new."""
        engine = make_engine(url)
        upgrade(engine)
        store = cls(engine, secret_box=secret_box)
        store._ensure_meta()
        return store

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    # --- transactions ---------------------------------------------------------------------
    @contextmanager
    def _tx(self, *, write: bool = False) -> Iterator[Connection]:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        with self.engine.connect() as conn:
            if write:
                conn = conn.execution_options(**{IMMEDIATE: True})
            with conn.begin():
                self._local.conn = conn
                try:
                    yield conn
                finally:
                    self._local.conn = None

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run the calls made inside in one write transaction."""
        with self._tx(write=True):
            yield

    def _insert(self, conn: Connection, table: Any) -> Any:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    # --- meta ---------------------------------------------------------------------------
    def _ensure_meta(self) -> None:
        with self._tx(write=True) as conn:
            rows = [
                {"name": _EPOCH, "text_value": new_epoch_id(), "int_value": 0},
                {"name": _HOTLIST_VERSION, "text_value": None, "int_value": 0},
                {"name": _HOTLIST_PURGED, "text_value": None, "int_value": 0},
            ]
            conn.execute(self._insert(conn, MetaRow).values(rows).on_conflict_do_nothing())

    def epoch(self) -> str:
        """Return the store's epoch."""
        with self._tx() as conn:
            return conn.execute(
                select(MetaRow.text_value).where(MetaRow.name == _EPOCH)
            ).scalar_one()

    def new_epoch(self) -> str:
        """Replace the epoch and return it."""
        epoch = new_epoch_id()
        with self._tx(write=True) as conn:
            conn.execute(update(MetaRow).where(MetaRow.name == _EPOCH).values(text_value=epoch))
        return epoch

    def _counter(self, conn: Connection, name: str, *, lock: bool = False) -> int:
        stmt = select(MetaRow.int_value).where(MetaRow.name == name)
        return conn.execute(stmt.with_for_update() if lock else stmt).scalar_one()

    # --- sites, enrolment, keys --------------------------------------------------------
    def create_site(self, name: str, *, now: datetime) -> Site:
        """Create a site with a fresh id."""
        row = {"site_id": new_site_id(), "name": name, "created_at": now}
        with self._tx(write=True) as conn:
            conn.execute(self._insert(conn, SiteRow).values(row))
        return Site(site_id=row["site_id"], name=name, created_at=now)

    def get_site(self, site_id: str) -> Site:
        """Return the site; raise NotFound."""
        with self._tx() as conn:
            row = conn.execute(select(SiteRow).where(SiteRow.site_id == site_id)).first()
        if row is None:
            raise NotFound(f"no site {site_id!r}")
        return _site(row._mapping)

    def list_sites(self, site_ids: Collection[str] | None = None) -> list[Site]:
        """Return sites by name (only ``site_ids`` if given)."""
        stmt = select(SiteRow).order_by(SiteRow.name, SiteRow.site_id)
        if site_ids is not None:
            if not site_ids:
                return []
            stmt = stmt.where(SiteRow.site_id.in_(list(site_ids)))
        with self._tx() as conn:
            return [_site(r) for r in conn.execute(stmt).mappings()]

    def revoke_site(self, site_id: str, *, now: datetime) -> Site:
        """Revoke the site (the first revocation time stays); raise NotFound."""
        with self._tx(write=True) as conn:
            conn.execute(
                update(SiteRow)
                .where(SiteRow.site_id == site_id, SiteRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            return self.get_site(site_id)

    def create_enrollment(self, site_id: str, code_hash: str, expires_at: datetime) -> None:
        """Register a one-time code hash for the site; raise NotFound."""
        with self._tx(write=True) as conn:
            self.get_site(site_id)
            conn.execute(
                self._insert(conn, EnrollmentRow).values(
                    code_hash=code_hash, site_id=site_id, expires_at=expires_at
                )
            )

    def consume_enrollment(
        self, code_hash: str, now: datetime, public_key_pem: str, key_id: str
    ) -> Site:
        """Use the code once and register the node's key; raise EnrollmentRefused."""
        with self._tx(write=True) as conn:
            row = conn.execute(
                select(EnrollmentRow).where(EnrollmentRow.code_hash == code_hash).with_for_update()
            ).first()
            if row is None:
                raise EnrollmentRefused("enrolment code is not valid")
            if row.used_at is not None:
                raise EnrollmentRefused("enrolment code was already used; ask for a new one")
            if row.expires_at <= now:
                raise EnrollmentRefused("enrolment code has expired; ask for a new one")
            site = self.get_site(row.site_id)
            if site.revoked:
                raise EnrollmentRefused(f"site {site.site_id!r} was revoked")
            conn.execute(
                update(EnrollmentRow)
                .where(EnrollmentRow.code_hash == code_hash)
                .values(used_at=now, key_id=key_id)
            )
            conn.execute(
                self._insert(conn, SiteKeyRow)
                .values(
                    site_id=site.site_id,
                    key_id=key_id,
                    public_key_pem=public_key_pem,
                    created_at=now,
                )
                .on_conflict_do_nothing()
            )
            conn.execute(
                update(SiteRow).where(SiteRow.site_id == site.site_id).values(enrolled_at=now)
            )
            return self.get_site(site.site_id)

    def get_site_key(self, site_id: str, key_id: str) -> str | None:
        """Return the public key PEM registered for the site under ``key_id``, or None."""
        with self._tx() as conn:
            return conn.execute(
                select(SiteKeyRow.public_key_pem).where(
                    SiteKeyRow.site_id == site_id, SiteKeyRow.key_id == key_id
                )
            ).scalar_one_or_none()

    def remember_nonce(self, key: str, expires_at: datetime, now: datetime) -> bool:
        """Record a nonce until ``expires_at``; return True if it is already recorded."""
        with self._tx(write=True) as conn:
            conn.execute(delete(NonceRow).where(NonceRow.expires_at < now))
            # RETURNING, not rowcount: drivers disagree on rowcount after DO NOTHING.
            inserted = conn.execute(
                self._insert(conn, NonceRow)
                .values(nonce_key=key, expires_at=expires_at)
                .on_conflict_do_nothing()
                .returning(NonceRow.nonce_key)
            ).first()
            return inserted is None

    # --- detections and heartbeats -------------------------------------------------------
    def put_batch(
        self,
        site_id: str,
        stream_id: str,
        records: Sequence[DetectionRecord],
        *,
        received_at: datetime,
    ) -> BatchOutcome:
        """Store a contiguous batch idempotently; refuse it whole past a gap."""
        for i, record in enumerate(records[1:], start=1):
            if record.seq != records[0].seq + i:
                raise ValueError("put_batch needs records with contiguous seqs")
        with self._tx(write=True) as conn:
            mark = self._lock_stream(conn, site_id, stream_id, received_at)
            if not records:
                return BatchOutcome(high_water=mark)
            if records[0].seq > mark + 1:
                return BatchOutcome(high_water=mark, gap=True)
            new = [r for r in records if r.seq > mark]
            if new:
                # One statement with a list of parameter sets (executemany): compiled once and
                # cached, where a multi-VALUES insert was rebuilt and compiled for every batch.
                conn.execute(
                    self._insert(conn, DetectionRow).on_conflict_do_nothing(),
                    [_detection_row(site_id, stream_id, r, received_at) for r in new],
                )
            if new:
                mark = new[-1].seq
                conn.execute(
                    update(StreamRow)
                    .where(StreamRow.site_id == site_id, StreamRow.stream_id == stream_id)
                    .values(high_water=mark, updated_at=received_at)
                )
            return BatchOutcome(high_water=mark, stored=len(new))

    def _lock_stream(self, conn: Connection, site_id: str, stream_id: str, now: datetime) -> int:
        conn.execute(
            self._insert(conn, StreamRow)
            .values(site_id=site_id, stream_id=stream_id, high_water=0, updated_at=now)
            .on_conflict_do_nothing()
        )
        return conn.execute(
            select(StreamRow.high_water)
            .where(StreamRow.site_id == site_id, StreamRow.stream_id == stream_id)
            .with_for_update()
        ).scalar_one()

    def high_water(self, site_id: str, stream_id: str) -> int:
        """Return the contiguous high-water seq held for the stream (0: nothing)."""
        with self._tx() as conn:
            mark = conn.execute(
                select(StreamRow.high_water).where(
                    StreamRow.site_id == site_id, StreamRow.stream_id == stream_id
                )
            ).scalar_one_or_none()
        return mark or 0

    def search_detections(self, query: DetectionQuery) -> Page[StoredDetection]:
        """Return one page of detections, newest first by (received_at, site, stream, seq)."""
        d = DetectionRow
        order = (d.received_at, d.site_id, d.stream_id, d.seq)
        stmt = select(DetectionRow).order_by(*(c.desc() for c in order))
        if query.cursor:
            at, site, stream, seq = decode_cursor(query.cursor, 4)
            stmt = stmt.where(_before(order, (_parse_time(at), site, stream, int(seq))))
        if query.site_ids is not None:
            stmt = stmt.where(d.site_id.in_(list(query.site_ids)) if query.site_ids else false())
        if query.since:
            stmt = stmt.where(d.received_at >= query.since)
        if query.until:
            stmt = stmt.where(d.received_at < query.until)
        pattern = normalize_pattern(query.plate) if query.plate else ""
        with self._tx() as conn:
            if pattern and query.fuzzy:
                return self._fuzzy(conn, stmt, pattern, query.limit)
            if pattern and ("*" in pattern or "?" in pattern):
                # Normalised patterns hold only A-Z, 0-9, * and ?: nothing to escape in LIKE.
                stmt = stmt.where(d.plate_norm.like(pattern.replace("*", "%").replace("?", "_")))
            elif pattern:
                stmt = stmt.where(d.plate_norm == pattern)
            rows = list(conn.execute(stmt.limit(query.limit + 1)).mappings())
        items = [_stored_detection(r) for r in rows]
        if len(items) > query.limit:
            return Page(items[: query.limit], _detection_cursor(items[query.limit - 1]))
        return Page(items, None)

    def _fuzzy(self, conn: Connection, stmt: Any, pattern: str, limit: int) -> Page:
        # Fuzzy matches cannot use an index: scan newest first, bounded per page; a page
        # cut short by the bound still returns a cursor so the caller can go on.
        key = confusion_key(pattern.replace("*", "").replace("?", ""))
        found: list[StoredDetection] = []
        last: StoredDetection | None = None
        rows = conn.execute(stmt.execution_options(yield_per=2000)).mappings()
        for scanned, row in enumerate(rows, start=1):
            last = _stored_detection(row)
            if row["plate_key"] == key or plate_matches(pattern, row["plate_norm"], fuzzy=True):
                found.append(last)
                if len(found) > limit:
                    rows.close()
                    return Page(found[:limit], _detection_cursor(found[limit - 1]))
            if scanned >= self._fuzzy_scan_rows:
                rows.close()
                return Page(found, _detection_cursor(last))
        return Page(found, None)

    def record_heartbeat(self, site_id: str, heartbeat: Heartbeat, received_at: datetime) -> None:
        """Keep the site's latest heartbeat; raise NotFound."""
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(SiteRow)
                .where(
                    SiteRow.site_id == site_id,
                    or_(
                        SiteRow.last_heartbeat_at.is_(None),
                        SiteRow.last_heartbeat_at <= received_at,
                    ),
                )
                .values(last_heartbeat_at=received_at, heartbeat_json=heartbeat.model_dump_json())
            )
            if result.rowcount == 0:
                self.get_site(site_id)

    # --- hits ----------------------------------------------------------------------------
    def put_hit(self, hit: StoredHit) -> bool:
        """Store a hit once per (detection_id, list_name, plate_norm); return True if new."""
        row = {
            "detection_id": str(hit.detection_id),
            "list_name": hit.list_name,
            "plate_norm": hit.plate_norm,
            "site_id": hit.site_id,
            "stream_id": hit.stream_id,
            "seq": hit.seq,
            "match_kind": hit.match_kind,
            "source": hit.source,
            "plate": hit.plate,
            "camera_id": hit.camera_id,
            "captured_at": hit.captured_at,
            "hotlist_version": hit.hotlist_version,
            "created_at": hit.created_at,
            "image_sha256": hit.image_sha256,
        }
        with self._tx(write=True) as conn:
            inserted = conn.execute(
                self._insert(conn, HitRow)
                .values(row)
                .on_conflict_do_nothing()
                .returning(HitRow.detection_id)
            ).first()
            return inserted is not None

    def list_hits(
        self,
        *,
        site_ids: Collection[str] | None = None,
        since: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[StoredHit]:
        """Return hits newest first by cloud receive time."""
        h = HitRow
        order = (h.created_at, h.detection_id, h.list_name, h.plate_norm)
        stmt = select(HitRow).order_by(*(c.desc() for c in order)).limit(limit + 1)
        if cursor:
            at, det, list_name, plate = decode_cursor(cursor, 4)
            stmt = stmt.where(_before(order, (_parse_time(at), det, list_name, plate)))
        if site_ids is not None:
            stmt = stmt.where(h.site_id.in_(list(site_ids)) if site_ids else false())
        if since:
            stmt = stmt.where(h.created_at >= since)
        with self._tx() as conn:
            items = [_stored_hit(r) for r in conn.execute(stmt).mappings()]
        if len(items) > limit:
            last = items[limit - 1]
            position = (last.created_at, str(last.detection_id), last.list_name, last.plate_norm)
            return Page(items[:limit], encode_cursor(position))
        return Page(items, None)

    # --- hotlist -------------------------------------------------------------------------
    def apply_op(
        self, op: HotlistOp, site_id: str | None, *, received_at: datetime
    ) -> tuple[int, OpResult]:
        """Apply one edit by last-writer-wins; return (current version, result)."""
        with self._tx(write=True) as conn:
            # The counter row lock serialises every hotlist write (edits are rare).
            version = self._counter(conn, _HOTLIST_VERSION, lock=True)
            done = conn.execute(
                select(HotlistOpRow).where(HotlistOpRow.op_id == str(op.op_id))
            ).first()
            if done is not None:
                return version, OpResult(
                    status=done.status, version=done.version, reason=done.reason
                )
            result, version = self._apply(conn, op, received_at, version)
            conn.execute(
                self._insert(conn, HotlistOpRow).values(
                    op_id=str(op.op_id),
                    site_id=site_id,
                    status=result.status,
                    version=result.version,
                    reason=result.reason,
                    applied_at=received_at,
                )
            )
            return version, result

    def _apply(
        self, conn: Connection, op: HotlistOp, received_at: datetime, version: int
    ) -> tuple[OpResult, int]:
        reason = _op_problem(op)
        if reason:
            return OpResult(status="rejected", reason=reason), version
        op = op.model_copy(update={"made_at": clamp_made_at(op.made_at, received_at)})
        current = self._entry(conn, op.list_name, op.plate_norm)
        if not op_wins(current, op):
            assert current is not None
            return OpResult(status="superseded", version=current.version), version
        version += 1
        row = {
            "list_name": op.list_name,
            "plate_norm": op.plate_norm,
            "plate": (op.plate or op.plate_norm)[:20],
            "reason": op.reason,
            "priority": op.priority,
            "expires_at": op.expires_at,
            "updated_by": op.made_by,
            "updated_at": op.made_at,
            "op_id": str(op.op_id),
            "deleted": op.action == "delete",
            "version": version,
        }
        if op.action == "delete" and current is not None:
            # A tombstone keeps what was deleted, for the record.
            row.update(plate=current.plate, reason=current.reason, priority=current.priority)
        stmt = self._insert(conn, HotlistRow).values(row)
        keys = {"list_name", "plate_norm"}
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=sorted(keys),
                set_={k: v for k, v in row.items() if k not in keys},
            )
        )
        conn.execute(
            update(MetaRow).where(MetaRow.name == _HOTLIST_VERSION).values(int_value=version)
        )
        return OpResult(status="applied", version=version), version

    def _entry(self, conn: Connection, list_name: str, plate_norm: str) -> HotlistEntry | None:
        row = conn.execute(
            select(HotlistRow).where(
                HotlistRow.list_name == list_name, HotlistRow.plate_norm == plate_norm
            )
        ).first()
        return None if row is None else _entry(row._mapping)

    def get_entry(self, list_name: str, plate_norm: str) -> HotlistEntry | None:
        """Return the entry's state (tombstones included) or None."""
        with self._tx() as conn:
            return self._entry(conn, list_name, plate_norm)

    def list_entries(self, *, include_deleted: bool = False) -> list[HotlistEntry]:
        """Return every entry by (list, plate_norm)."""
        stmt = select(HotlistRow).order_by(HotlistRow.list_name, HotlistRow.plate_norm)
        if not include_deleted:
            stmt = stmt.where(HotlistRow.deleted.is_(False))
        with self._tx() as conn:
            return [_entry(r) for r in conn.execute(stmt).mappings()]

    def changes_since(self, version: int, limit: int) -> list[HotlistEntry]:
        """Return entries with version > ``version``, oldest first."""
        stmt = (
            select(HotlistRow)
            .where(HotlistRow.version > version)
            .order_by(HotlistRow.version)
            .limit(limit)
        )
        with self._tx() as conn:
            return [_entry(r) for r in conn.execute(stmt).mappings()]

    def current_version(self) -> int:
        """Return the hotlist's version (0: never edited)."""
        with self._tx() as conn:
            return self._counter(conn, _HOTLIST_VERSION)

    def oldest_retained_version(self) -> int:
        """Return the oldest version from which every change is still held."""
        with self._tx() as conn:
            return self._counter(conn, _HOTLIST_PURGED) + 1

    # --- users ---------------------------------------------------------------------------
    def create_user(
        self,
        username: str,
        password_hash: str | None,
        role: Role,
        sites: Collection[str],
        *,
        now: datetime,
    ) -> User:
        """Create a staff user; raise Conflict if the username exists."""
        name = username.strip().lower()
        row = {
            "username": name,
            "password_hash": password_hash,
            "role": role,
            "sites_json": json.dumps(sorted(set(sites))),
            "created_at": now,
        }
        try:
            with self._tx(write=True) as conn:
                conn.execute(self._insert(conn, UserRow).values(row))
        except IntegrityError:
            raise Conflict(f"user {name!r} already exists") from None
        return _user(row)

    def get_user(self, username: str) -> User | None:
        """Return the user (case-insensitive) or None."""
        with self._tx() as conn:
            row = conn.execute(
                select(UserRow).where(UserRow.username == username.strip().lower())
            ).first()
        return None if row is None else _user(row._mapping)


def _before(columns: Sequence[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """Return ``columns < values`` in lexicographic (keyset) order, portable SQL."""
    column, value = columns[0], values[0]
    if len(columns) == 1:
        return column < value
    return or_(column < value, and_(column == value, _before(columns[1:], values[1:])))


def _parse_time(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("cursor is not one this API returned") from None
    if parsed.tzinfo is None:
        raise InvalidInput("cursor is not one this API returned")
    return parsed


def _op_problem(op: HotlistOp) -> str | None:
    if not LIST_NAME.match(op.list_name):
        return f"list name {op.list_name!r} must match {LIST_NAME.pattern}"
    norm = normalize_pattern(op.plate_norm)
    if norm != op.plate_norm:
        return f"plate_norm {op.plate_norm!r} is not normalised (expected {norm!r})"
    if not norm.strip("*?"):
        return "plate_norm must contain letters or digits"
    return None


def _site(row: Any) -> Site:
    heartbeat = row["heartbeat_json"]
    return Site(
        site_id=row["site_id"],
        name=row["name"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        enrolled_at=row["enrolled_at"],
        last_heartbeat_at=row["last_heartbeat_at"],
        heartbeat=Heartbeat.model_validate_json(heartbeat) if heartbeat else None,
    )


def _detection_row(
    site_id: str, stream_id: str, r: DetectionRecord, ingested_at: datetime
) -> dict[str, Any]:
    vehicle = r.vehicle
    return {
        "site_id": site_id,
        "stream_id": stream_id,
        "seq": r.seq,
        "id": str(r.id),
        "event_id": r.event_id,
        "camera_id": r.camera_id,
        "source_camera": r.source_camera,
        "captured_at": r.captured_at,
        "received_at": r.received_at,
        "ingested_at": ingested_at,
        "plate": r.plate,
        "plate_norm": r.plate_norm,
        "plate_key": confusion_key(r.plate_norm),
        "confidence": r.confidence,
        "region": r.region,
        "direction": r.direction,
        "bbox": json.dumps(list(r.bbox)) if r.bbox is not None else None,
        "vehicle_type": vehicle.type if vehicle else None,
        "vehicle_make": vehicle.make if vehicle else None,
        "vehicle_model": vehicle.model if vehicle else None,
        "vehicle_color": vehicle.color if vehicle else None,
        "image_sha256": r.image_sha256,
    }


def _stored_detection(row: Any) -> StoredDetection:
    vehicle = {k: row[f"vehicle_{k}"] for k in ("type", "make", "model", "color")}
    record = DetectionRecord.model_validate(
        {
            "id": uuid.UUID(row["id"]),
            "seq": row["seq"],
            "event_id": row["event_id"],
            "camera_id": row["camera_id"],
            "source_camera": row["source_camera"],
            "captured_at": row["captured_at"],
            "received_at": row["received_at"],
            "plate": row["plate"],
            "plate_norm": row["plate_norm"],
            "confidence": row["confidence"],
            "region": row["region"],
            "direction": row["direction"],
            "bbox": json.loads(row["bbox"]) if row["bbox"] else None,
            "vehicle": vehicle if any(v is not None for v in vehicle.values()) else None,
            "image_sha256": row["image_sha256"],
        }
    )
    return StoredDetection(
        site_id=row["site_id"],
        stream_id=row["stream_id"],
        ingested_at=row["ingested_at"],
        record=record,
    )


def _detection_cursor(d: StoredDetection) -> str:
    return encode_cursor((d.record.received_at.isoformat(), d.site_id, d.stream_id, d.record.seq))


def _stored_hit(row: Any) -> StoredHit:
    return from_row(StoredHit, row, detection_id=uuid.UUID(row["detection_id"]))


def _entry(row: Any) -> HotlistEntry:
    return HotlistEntry(
        list_name=row["list_name"],
        plate_norm=row["plate_norm"],
        plate=row["plate"],
        reason=row["reason"],
        priority=row["priority"],
        expires_at=row["expires_at"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
        op_id=uuid.UUID(row["op_id"]),
        deleted=row["deleted"],
        version=row["version"],
    )


def _user(row: Any) -> User:
    return User(
        username=row["username"],
        role=row["role"],
        sites=frozenset(json.loads(row["sites_json"])),
        created_at=row["created_at"],
        password_hash=row["password_hash"],
    )
