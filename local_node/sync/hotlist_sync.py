"""The local hotlist and the cloud's: site edits out as ops, deltas and snapshots in.

Site edits (``PUT``/``DELETE /api/v1/hotlist/...``) store the entry with ``version`` NULL:
such a row *is* the queued op. Its ``op_id`` is derived from the entry key and the edit
time, so a resend is the same op and the cloud applies it once. The reply settles it:

* ``applied``: the row gets the cloud's version (the delta then brings the cloud's copy);
* ``superseded``: a later edit won; the row is marked settled (version 0) and the node pulls
  again from just below that version, so the winner replaces it;
* ``rejected`` (e.g. the entry is the cloud's or another site's, and the node did not know
  yet): the cloud's state wins, but not silently: the row keeps the refusal
  (``refused_reason``, ``refused_at``) for the local admin to see until the next edit of the
  entry (also when the same reply's delta already brought the cloud's state); meanwhile an
  upsert becomes a local tombstone (it must not keep matching as if it were policy), and
  the node re-pulls from just below the entry's version (the cloud says it), or the whole
  hotlist, so the cloud's copy replaces the row at the next exchange.

Incoming entries replace a local row unless the row is a pending edit that wins by the
shared last-writer-wins rule (``sync_protocol.rules``). Any change bumps
``NodeState.hotlist_rev``, so the ingest writer reloads its matcher before the next read.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from local_node.db.tables import HotlistEntry
from sync_protocol.hotlist_messages import HotlistDelta, HotlistOp, OpResult
from sync_protocol.hotlist_messages import HotlistEntry as WireEntry
from sync_protocol.hotlist_rules import MAX_PLATE_LENGTH, entry_problem
from sync_protocol.rules import write_key

log = logging.getLogger(__name__)
_OP_NAMESPACE = uuid.UUID("6f1d9a52-3c1e-4d0e-9a55-0c6f3f2b7e11")
SETTLED = 0  # version of a local row the cloud did not take as is; any delta replaces it


def op_id_of(list_name: str, plate_norm: str, updated_at: datetime, deleted: bool) -> uuid.UUID:
    """The op id of a local edit: the same edit always gets the same id."""
    return uuid.uuid5(
        _OP_NAMESPACE, f"{list_name}\x1f{plate_norm}\x1f{updated_at.isoformat()}\x1f{deleted}"
    )


@dataclass(frozen=True)
class SentOp:
    """A pending edit as it was sent (to settle only if it is still unchanged)."""

    list_name: str
    plate_norm: str
    made_at: datetime


def pending_ops(conn: Connection, limit: int) -> tuple[list[HotlistOp], dict[uuid.UUID, SentOp]]:
    """Site edits the cloud has not confirmed, as ops, oldest first."""
    rows = conn.execute(
        select(HotlistEntry.__table__)
        .where(HotlistEntry.version.is_(None))
        .order_by(HotlistEntry.updated_at)
        .limit(limit)
    ).mappings()
    ops: list[HotlistOp] = []
    sent: dict[uuid.UUID, SentOp] = {}
    for row in rows:
        problem = entry_problem(row["list_name"], row["plate_norm"])
        if problem:
            # Only rows stored before the node applied the shared rule can get here.
            log.error(
                "hotlist entry %s/%s cannot travel (%s); kept local only",
                row["list_name"],
                row["plate_norm"],
                problem,
            )
            _settle(conn, row["list_name"], row["plate_norm"], row["updated_at"])
            continue
        op_id = op_id_of(row["list_name"], row["plate_norm"], row["updated_at"], row["deleted"])
        ops.append(
            HotlistOp(
                op_id=op_id,
                action="delete" if row["deleted"] else "upsert",
                list_name=row["list_name"],
                plate_norm=row["plate_norm"],
                plate=(row["plate"] or row["plate_norm"])[:MAX_PLATE_LENGTH],
                reason=(row["reason"] or "")[:500],
                priority=row["priority"],  # one scale on node and wire (migration 0005)
                expires_at=row["expires_at"],
                made_at=row["updated_at"],
                made_by=(row["updated_by"] or "node")[:64],
            )
        )
        sent[op_id] = SentOp(row["list_name"], row["plate_norm"], row["updated_at"])
    return ops, sent


def _settle(conn: Connection, list_name: str, plate_norm: str, made_at: datetime, **values) -> bool:
    """Settle a pending edit if it is still the one that was sent; True if it was."""
    result = conn.execute(
        update(HotlistEntry)
        .where(
            HotlistEntry.list_name == list_name,
            HotlistEntry.plate_norm == plate_norm,
            HotlistEntry.version.is_(None),
            HotlistEntry.updated_at == made_at,
        )
        .values(version=values.pop("version", SETTLED), **values)
    )
    return result.rowcount > 0


def apply_op_results(
    conn: Connection,
    results: Mapping[uuid.UUID, OpResult],
    sent: Mapping[uuid.UUID, SentOp],
    hotlist_version: int,
    *,
    now: datetime,
) -> tuple[int, bool]:
    """Settle the ops the cloud answered; return (hotlist version to hold, changed)."""
    changed = False
    for op_id, result in results.items():
        op = sent.get(op_id)
        if op is None:
            continue
        if result.status == "applied":
            changed |= _settle(
                conn, op.list_name, op.plate_norm, op.made_at, version=result.version
            )
        elif result.status == "superseded":
            if _settle(conn, op.list_name, op.plate_norm, op.made_at):
                changed = True
                hotlist_version = min(hotlist_version, max(0, (result.version or 1) - 1))
        else:
            log.warning(
                "hotlist edit %s/%s rejected by the cloud: %s",
                op.list_name,
                op.plate_norm,
                result.reason,
            )
            refused = {"refused_reason": (result.reason or "refused")[:500], "refused_at": now}
            if _settle(conn, op.list_name, op.plate_norm, op.made_at, deleted=True, **refused):
                changed = True
                below = max(0, result.version - 1) if result.version else 0
                hotlist_version = min(hotlist_version, below)
            else:
                # The same reply's delta already replaced the edit with the cloud's state:
                # still say that the edit was refused (a newer pending edit has its own op).
                conn.execute(
                    update(HotlistEntry)
                    .where(
                        HotlistEntry.list_name == op.list_name,
                        HotlistEntry.plate_norm == op.plate_norm,
                        HotlistEntry.version.is_not(None),
                    )
                    .values(**refused)
                )
    return hotlist_version, changed


def apply_delta(conn: Connection, delta: HotlistDelta, held_version: int) -> tuple[int, bool]:
    """Apply a delta or snapshot; return (hotlist version now held, changed)."""
    if not delta.snapshot and delta.from_version > held_version:
        log.warning(
            "hotlist delta from %d skipped: the node holds only %d",
            delta.from_version,
            held_version,
        )
        return held_version, False
    local = {
        (r["list_name"], r["plate_norm"]): r
        for r in conn.execute(select(HotlistEntry.__table__)).mappings()
    }
    changed = False
    for entry in delta.entries:
        row = local.get((entry.list_name, entry.plate_norm))
        if _keep_local(row, entry, snapshot=delta.snapshot):
            continue
        _store(conn, entry, exists=row is not None)
        changed = True
    if delta.snapshot:
        wanted = {(e.list_name, e.plate_norm) for e in delta.entries}
        for key, row in local.items():
            if key in wanted or row["version"] is None or row["deleted"]:
                continue  # pending edits stay; they are pushed and settled as usual
            conn.execute(
                update(HotlistEntry)
                .where(HotlistEntry.list_name == key[0], HotlistEntry.plate_norm == key[1])
                .values(deleted=True, version=delta.to_version)
            )
            changed = True
    version = delta.to_version if delta.snapshot else max(held_version, delta.to_version)
    return version, changed


def _keep_local(row: Mapping | None, entry: WireEntry, *, snapshot: bool) -> bool:
    if row is None:
        return False
    if row["version"] is None:  # a pending site edit: last writer wins
        mine = op_id_of(row["list_name"], row["plate_norm"], row["updated_at"], row["deleted"])
        if mine == entry.op_id:
            return False  # the cloud's copy of this very edit
        return write_key(row["updated_at"], mine) > write_key(entry.updated_at, entry.op_id)
    return not snapshot and row["version"] >= entry.version


def _store(conn: Connection, entry: WireEntry, *, exists: bool) -> None:
    values = {
        "plate": entry.plate[:32],
        "reason": entry.reason or None,
        "priority": entry.priority,
        "expires_at": entry.expires_at,
        "updated_by": entry.updated_by[:128] or None,
        "owner": entry.owner,
        "updated_at": entry.updated_at,
        "deleted": entry.deleted,
        "version": entry.version,
    }
    table = HotlistEntry.__table__
    if exists:
        conn.execute(
            update(table)
            .where(table.c.list_name == entry.list_name, table.c.plate_norm == entry.plate_norm)
            .values(**values)
        )
    else:
        conn.execute(
            table.insert().values(list_name=entry.list_name, plate_norm=entry.plate_norm, **values)
        )
