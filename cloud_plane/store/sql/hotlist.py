"""``HotlistStore`` on SQL: versioned last-writer-wins edits, serialised by the counter row.

``purge_tombstones`` takes the same counter row lock, so an edit and a purge never interleave:
a plate put again while a purge runs is either a tombstone the purge removes before the put
(which then creates it afresh) or a live entry the purge does not touch. The rows it removes
and the raised purge mark (``HOTLIST_PURGED``) commit together, so a reader sees both or
neither.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Connection

from cloud_plane.records.hotlist import OpAuthor, RefusedOp
from cloud_plane.store.sql.database import HOTLIST_PURGED, HOTLIST_VERSION, SqlDatabase
from cloud_plane.store.tables import HotlistOpRow, HotlistRow, MetaRow
from sync_protocol.hotlist_messages import HotlistEntry, HotlistOp, OpResult
from sync_protocol.rules import clamp_made_at, op_wins


class SqlHotlist:
    """``HotlistStore`` over the hotlist, op log and counter rows."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def apply_op(
        self, op: HotlistOp, author: OpAuthor, *, received_at: datetime
    ) -> tuple[int, OpResult]:
        """Apply one edit by last-writer-wins; return (current version, result)."""
        with self._db.tx(write=True) as conn:
            # The counter row lock serialises every hotlist write (edits are rare), so the
            # ownership rule and the LWW compare both see the state the write replaces.
            version = self._db.counter(conn, HOTLIST_VERSION, lock=True)
            done = conn.execute(
                select(HotlistOpRow).where(HotlistOpRow.op_id == str(op.op_id))
            ).first()
            if done is not None:
                return version, OpResult(
                    status=done.status, version=done.version, reason=done.reason
                )
            current = self._entry(conn, op.list_name, op.plate_norm)
            refusal = author.refusal(current)
            if refusal is not None:
                result = OpResult(
                    status="rejected",
                    reason=refusal,
                    version=None if current is None else current.version,
                )
            else:
                result, version = self._apply(conn, op, author, current, received_at, version)
            conn.execute(
                self._db.insert(conn, HotlistOpRow).values(
                    op_id=str(op.op_id),
                    site_id=author.site_id,
                    status=result.status,
                    version=result.version,
                    reason=result.reason,
                    applied_at=received_at,
                    action=op.action,
                    list_name=op.list_name,
                    plate_norm=op.plate_norm,
                    reported_by=author.reported_by,
                )
            )
            return version, result

    def _apply(
        self,
        conn: Connection,
        op: HotlistOp,
        author: OpAuthor,
        current: HotlistEntry | None,
        received_at: datetime,
        version: int,
    ) -> tuple[OpResult, int]:
        op = op.model_copy(update={"made_at": clamp_made_at(op.made_at, received_at)})
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
            "updated_by": author.updated_by,
            "reported_by": author.reported_by,
            "owner": author.owner,
            "updated_at": op.made_at,
            "op_id": str(op.op_id),
            "deleted": op.action == "delete",
            "version": version,
        }
        if op.action == "delete" and current is not None:
            # A tombstone keeps what was deleted, for the record.
            row.update(plate=current.plate, reason=current.reason, priority=current.priority)
        stmt = self._db.insert(conn, HotlistRow).values(row)
        keys = {"list_name", "plate_norm"}
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=sorted(keys),
                set_={k: v for k, v in row.items() if k not in keys},
            )
        )
        conn.execute(
            update(MetaRow).where(MetaRow.name == HOTLIST_VERSION).values(int_value=version)
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
        with self._db.tx() as conn:
            return self._entry(conn, list_name, plate_norm)

    def list_entries(self, *, include_deleted: bool = False) -> list[HotlistEntry]:
        """Return every entry by (list, plate_norm)."""
        stmt = select(HotlistRow).order_by(HotlistRow.list_name, HotlistRow.plate_norm)
        if not include_deleted:
            stmt = stmt.where(HotlistRow.deleted.is_(False))
        with self._db.tx() as conn:
            return [_entry(r) for r in conn.execute(stmt).mappings()]

    def changes_since(self, version: int, limit: int) -> list[HotlistEntry]:
        """Return entries with version > ``version``, oldest first."""
        stmt = (
            select(HotlistRow)
            .where(HotlistRow.version > version)
            .order_by(HotlistRow.version)
            .limit(limit)
        )
        with self._db.tx() as conn:
            return [_entry(r) for r in conn.execute(stmt).mappings()]

    def current_version(self) -> int:
        """Return the hotlist's version (0: never edited)."""
        with self._db.tx() as conn:
            return self._db.counter(conn, HOTLIST_VERSION)

    def list_refused(self, limit: int = 100) -> list[RefusedOp]:
        """Return the ops refused by ``author.refusal``, newest first."""
        stmt = (
            select(HotlistOpRow)
            .where(HotlistOpRow.status == "rejected")
            .order_by(HotlistOpRow.applied_at.desc(), HotlistOpRow.op_id)
            .limit(limit)
        )
        with self._db.tx() as conn:
            return [
                RefusedOp(
                    op_id=uuid.UUID(r["op_id"]),
                    site_id=r["site_id"],
                    action=r["action"],
                    list_name=r["list_name"],
                    plate_norm=r["plate_norm"],
                    reported_by=r["reported_by"],
                    reason=r["reason"] or "",
                    refused_at=r["applied_at"],
                )
                for r in conn.execute(stmt).mappings()
            ]

    def purge_tombstones(self, deleted_before: datetime, limit: int) -> int:
        """Remove up to ``limit`` tombstones deleted before ``deleted_before``, oldest first.

        Return how many went; the purge mark rises to the highest version removed.
        """
        if limit <= 0:
            return 0
        op = HotlistOpRow
        # When the cloud applied the delete (its op row), not the op's own made_at: a delete
        # made long ago by a node that was offline must still reach the other nodes as a delta.
        applied_before = or_(
            op.applied_at < deleted_before,
            and_(op.op_id.is_(None), HotlistRow.updated_at < deleted_before),
        )
        with self._db.tx(write=True) as conn:
            self._db.counter(conn, HOTLIST_VERSION, lock=True)  # no edit runs meanwhile
            versions = list(
                conn.execute(
                    select(HotlistRow.version)
                    .outerjoin(op, op.op_id == HotlistRow.op_id)
                    .where(HotlistRow.deleted.is_(True), applied_before)
                    .order_by(HotlistRow.version)
                    .limit(limit)
                ).scalars()
            )
            if not versions:
                return 0
            conn.execute(
                delete(HotlistRow).where(
                    HotlistRow.version.in_(versions), HotlistRow.deleted.is_(True)
                )
            )
            conn.execute(
                update(MetaRow)
                .where(MetaRow.name == HOTLIST_PURGED, MetaRow.int_value < max(versions))
                .values(int_value=max(versions))
            )
            return len(versions)

    def oldest_retained_version(self) -> int:
        """Return the oldest version from which every change is still held."""
        with self._db.tx() as conn:
            return self._db.counter(conn, HOTLIST_PURGED) + 1


def _entry(row: Any) -> HotlistEntry:
    return HotlistEntry(
        list_name=row["list_name"],
        plate_norm=row["plate_norm"],
        plate=row["plate"],
        reason=row["reason"],
        priority=row["priority"],
        expires_at=row["expires_at"],
        updated_by=row["updated_by"],
        reported_by=row["reported_by"],
        owner=row["owner"],
        updated_at=row["updated_at"],
        op_id=uuid.UUID(row["op_id"]),
        deleted=row["deleted"],
        version=row["version"],
    )
