"""``HotlistStore`` on DynamoDB: last-writer-wins edits, one transaction per op, versions in order.

Decisions:

- Items: the counter ``keys.meta("hotlist_version")``; one entry item per (list, plate) in
  the ``HOTLIST`` partition (``list_entries`` is one strongly consistent Query); one
  *change* item per version in the ``HOTLISTVER`` partition (sk the padded version, the
  entry's state at that version, ``superseded_by`` the version that replaced it); one
  op-result item per ``op_id`` (refused ops also carry gsi1 keys, ``HOTLISTREFUSED`` by
  time, for ``list_refused``).
- ``apply_op`` reads the counter, the op's earlier result and the entry (strongly
  consistent), decides exactly as the SQL store (``author.refusal`` first, then the clamped
  LWW compare), and commits one TransactWriteItems guarded by the counter's value as read:
  a winning op sets the counter to version + 1, puts the entry and the new change item,
  marks the replaced state's change item ``superseded_by`` and puts the op result; a
  refused or superseded op puts only its result beside a ConditionCheck of the counter. Any
  concurrent edit fails the guard and the op is decided again on the new state
  (``Contended`` after ``ATTEMPTS`` rounds). The op-result put is conditional too, so a
  resent op id applies once. Edits are rare: ten write units for an applied op (five items,
  doubled by the transaction).
- Versions become visible in order. They *commit* in order: version N + 1 can commit only
  while the counter reads N. ``changes_since`` reads the counter C first, then the change
  items in (v, C] with a strongly consistent Query on the table (an index is only
  eventually consistent and could show N + 1 before N). A Query is only read-committed per
  item (it may see one item of a transaction before another), so the change log is kept
  whole above the purge mark (one item per version, deleted only at or below the mark) and
  the read checks it has every version above the mark up to C: a missing one is committed
  but not yet visible, and the read waits (``GAP_WAITS_S``) and reads again, or raises
  ``Contended``, never answering past a gap.
  States superseded at or below C are left out, so each entry comes once at its latest
  state, as in SQL.
- ``oldest_retained_version`` is ``keys.meta("hotlist_purged")`` + 1 (the purge mark), as in
  SQL. ``purge_tombstones`` picks tombstones applied before the cutoff (the op item's
  ``applied_at``), oldest version first, raises the mark to the highest of them *first*, then
  deletes each tombstone with its change item in one transaction conditional on the entry
  still being that tombstone (a plate put again meanwhile stays: the put and the delete
  exclude each other through the entry and the change item the put marks), then deletes
  superseded change items at or below the mark (no reader from the mark up reads them, and
  no writer touches a superseded item again). So below the mark the log has holes by
  design: the gap check covers only versions above the mark, read afresh on every round;
  a reader that meets a hole the purge just made reads the raised mark on its next round,
  and ``delta_for`` reads the mark again after the changes, giving that node a snapshot.
- The entry's own expiry is stored as ``entry_expires_at``: ``expires_at`` is the table's
  TTL attribute, and an entry must not vanish when it expires (nodes need its state).
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime
from typing import Any

from cloud_plane.records.hotlist import OpAuthor, RefusedOp
from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.table import Contended, attempts
from sync_protocol.hotlist_messages import HotlistEntry, HotlistOp, OpResult
from sync_protocol.rules import clamp_made_at, op_wins

log = logging.getLogger(__name__)
COUNTER = keys.meta("hotlist_version")
PURGED = keys.meta("hotlist_purged")
_VALUE = {"#value": "value"}  # VALUE is a DynamoDB reserved word
GAP_WAITS_S = (0.02, 0.05, 0.1, 0.2)  # a committed transaction's items all show within ms


class DynamoHotlist:
    """``HotlistStore`` over the single table."""

    def __init__(self, db: DynamoDb) -> None:
        self._table = db.table

    def apply_op(
        self, op: HotlistOp, author: OpAuthor, *, received_at: datetime
    ) -> tuple[int, OpResult]:
        """Apply one edit by last-writer-wins; return (current version, result)."""
        for _ in attempts(f"apply hotlist op {op.op_id}"):
            version = self.current_version()
            done = self._table.get(keys.hotlist_op(str(op.op_id)))
            if done is not None:
                return version, OpResult(
                    status=done["status"], version=done.get("version"), reason=done.get("reason")
                )
            current = self.get_entry(op.list_name, op.plate_norm)
            refusal = author.refusal(current)
            new_version = version
            if refusal is not None:
                result = OpResult(
                    status="rejected",
                    reason=refusal,
                    version=None if current is None else current.version,
                )
                actions = [self._guard(version)]
            else:
                op = op.model_copy(update={"made_at": clamp_made_at(op.made_at, received_at)})
                if not op_wins(current, op):
                    assert current is not None  # op_wins is True when there is no entry
                    result = OpResult(status="superseded", version=current.version)
                    actions = [self._guard(version)]
                else:
                    new_version = version + 1
                    result = OpResult(status="applied", version=new_version)
                    actions = self._store(op, author, current, version)
            actions.append(
                self._table.tx_put(
                    _op_item(op, author, result, received_at),
                    condition="attribute_not_exists(pk)",
                )
            )
            if self._table.transact_write(actions):
                return new_version, result
        raise AssertionError("unreachable")  # attempts() raises when the rounds run out

    def _guard(self, version: int) -> dict[str, Any]:
        """Return a check that the counter still reads ``version`` (no edit slipped in)."""
        return self._table.tx_check(
            COUNTER, _counter_is(version), names=_VALUE, values={":v": version}
        )

    def _store(
        self, op: HotlistOp, author: OpAuthor, current: HotlistEntry | None, version: int
    ) -> list[dict[str, Any]]:
        """Return the writes of a winning op: counter, entry, change item, the old one marked."""
        new = version + 1
        state = {
            "list_name": op.list_name,
            "plate_norm": op.plate_norm,
            "plate": (op.plate or op.plate_norm)[:20],
            "reason": op.reason,
            "priority": op.priority,
            "entry_expires_at": keys.time_text(op.expires_at) if op.expires_at else None,
            "updated_by": author.updated_by,
            "reported_by": author.reported_by,
            "owner": author.owner,
            "updated_at": keys.time_text(op.made_at),
            "op_id": str(op.op_id),
            "deleted": op.action == "delete",
            "version": new,
        }
        if op.action == "delete" and current is not None:
            # A tombstone keeps what was deleted, for the record.
            state.update(plate=current.plate, reason=current.reason, priority=current.priority)
        actions = [
            self._table.tx_update(
                COUNTER,
                "SET #value = :new",
                condition=_counter_is(version),
                names=_VALUE,
                values={":v": version, ":new": new},
            ),
            self._table.tx_put({**keys.hotlist_entry(op.list_name, op.plate_norm), **state}),
            self._table.tx_put(
                {**keys.hotlist_change(new), **state}, condition="attribute_not_exists(pk)"
            ),
        ]
        if current is not None:
            # The replaced state's change item exists (every stored state wrote one); the
            # condition keeps a broken log from growing a stub item instead.
            actions.append(
                self._table.tx_update(
                    keys.hotlist_change(current.version),
                    "SET superseded_by = :new",
                    condition="attribute_exists(pk)",
                    values={":new": new},
                )
            )
        return actions

    def get_entry(self, list_name: str, plate_norm: str) -> HotlistEntry | None:
        """Return the entry's state (tombstones included) or None."""
        item = self._table.get(keys.hotlist_entry(list_name, plate_norm))
        return None if item is None else _entry(item)

    def list_entries(self, *, include_deleted: bool = False) -> list[HotlistEntry]:
        """Return every entry by (list, plate_norm)."""
        items = self._table.query(
            "pk = :pk AND begins_with(sk, :entry)",
            values={":pk": "HOTLIST", ":entry": "ENTRY#"},
            consistent=True,
        )
        entries = [_entry(i) for i in items if include_deleted or not i["deleted"]]
        return sorted(entries, key=lambda e: (e.list_name, e.plate_norm))

    def changes_since(self, version: int, limit: int) -> list[HotlistEntry]:
        """Return entries with version > ``version``, oldest first (see the module docstring)."""
        top = self.current_version()
        first = max(version + 1, 1)
        if first > top or limit <= 0:
            return []
        for wait in (*GAP_WAITS_S, None):
            # The mark is read afresh each round: a purge raises it before it deletes.
            changes = self._read_log(first, top, limit, self._purge_mark())
            if changes is not None:
                return changes
            if wait is not None:
                time.sleep(wait)
        raise Contended(
            f"hotlist versions {first}..{top} are committed but not all visible yet;"
            " ask again (no change was skipped)"
        )

    def _read_log(self, first: int, top: int, limit: int, purged: int) -> list[HotlistEntry] | None:
        """Return up to ``limit`` latest states in versions first..top, or None at a gap.

        Versions at or below the purge mark ``purged`` have holes by design: not checked.
        """
        expected, found = max(first, purged + 1), []
        for item in self._table.query(
            "pk = :pk AND sk BETWEEN :lo AND :hi",
            values={
                ":pk": keys.HOTLIST_CHANGES,
                ":lo": keys.hotlist_change(first)["sk"],
                ":hi": keys.hotlist_change(top)["sk"],
            },
            consistent=True,
            page_size=min(max(limit, 100), 1000),
        ):
            if item["version"] > purged:
                if item["version"] != expected:
                    return None  # a version not visible yet: never answer past it
                expected += 1
            replaced = item.get("superseded_by")
            if replaced is None or replaced > top:
                found.append(_entry(item))
                if len(found) >= limit:
                    return found
        return found if expected >= top + 1 else None

    def current_version(self) -> int:
        """Return the hotlist's version (0: never edited)."""
        item = self._table.get(COUNTER)
        return 0 if item is None else int(item["value"])

    def list_refused(self, limit: int = 100) -> list[RefusedOp]:
        """Return the ops refused by ``author.refusal``, newest first."""
        items = self._table.query(
            "gsi1pk = :pk",
            values={":pk": "HOTLISTREFUSED"},
            index="gsi1",
            forward=False,
            limit=limit,
        )
        return [
            RefusedOp(
                op_id=uuid.UUID(i["op_id"]),
                site_id=i.get("site_id"),
                action=i.get("action"),
                list_name=i.get("list_name"),
                plate_norm=i.get("plate_norm"),
                reported_by=i.get("reported_by"),
                reason=i.get("reason") or "",
                refused_at=keys.parse_time_text(i["applied_at"]),
            )
            for i in items
        ]

    def oldest_retained_version(self) -> int:
        """Return the oldest version from which every change is still held."""
        return self._purge_mark() + 1

    def _purge_mark(self) -> int:
        item = self._table.get(PURGED)
        return 0 if item is None else int(item["value"])

    def purge_tombstones(self, deleted_before: datetime, limit: int) -> int:
        """Remove up to ``limit`` tombstones applied before ``deleted_before`` (see the module)."""
        chosen = self._purgeable(deleted_before, limit) if limit > 0 else []
        removed = 0
        if chosen:
            # Raised before anything is deleted, so a reader missing a deleted item sees it.
            self._table.update(
                PURGED,
                "SET #value = :m",
                condition="attribute_not_exists(pk) OR #value < :m",
                names=_VALUE,
                values={":m": max(e.version for e in chosen)},
            )
        for entry in chosen:
            gone = self._table.transact_write(
                [
                    self._table.tx_delete(
                        keys.hotlist_entry(entry.list_name, entry.plate_norm),
                        condition="#ver = :v AND #deleted = :yes",
                        names={"#ver": "version", "#deleted": "deleted"},
                        values={":v": entry.version, ":yes": True},
                    ),
                    self._table.tx_delete(keys.hotlist_change(entry.version)),
                ]
            )
            removed += int(gone)  # False: the plate was put again meanwhile, and stays
        mark = self._purge_mark()
        if mark > 0 and limit > 0:
            swept = self._sweep_log(mark, limit)
            if swept:
                log.info("hotlist purge: %d superseded change items at or below %d", swept, mark)
        return removed

    def _purgeable(self, deleted_before: datetime, limit: int) -> list[HotlistEntry]:
        """Return up to ``limit`` tombstones the cloud applied before ``deleted_before``."""
        cutoff = keys.time_text(deleted_before)
        # made_at (clamped to the receive time) is never after the op was applied, so this
        # narrows the candidates without losing any; the op item then says when it was applied.
        candidates = sorted(
            (e for e in self.list_entries(include_deleted=True) if e.deleted),
            key=lambda e: e.version,
        )
        candidates = [e for e in candidates if keys.time_text(e.updated_at) < cutoff]
        chosen: list[HotlistEntry] = []
        for start in range(0, len(candidates), limit):
            chunk = candidates[start : start + limit]
            ops = self._table.batch_get([keys.hotlist_op(str(e.op_id)) for e in chunk])
            applied = {o["op_id"]: o["applied_at"] for o in ops}
            for e in chunk:
                # No op item (not expected): the entry's own time is the best there is.
                if applied.get(str(e.op_id), keys.time_text(e.updated_at)) < cutoff:
                    chosen.append(e)
                    if len(chosen) >= limit:
                        return chosen
        return chosen

    def _sweep_log(self, mark: int, limit: int) -> int:
        """Delete up to ``limit`` superseded change items at or below ``mark``; return how many."""
        stale = [
            {"pk": i["pk"], "sk": i["sk"]}
            for i in self._table.query(
                "pk = :pk AND sk <= :hi",
                values={":pk": keys.HOTLIST_CHANGES, ":hi": keys.hotlist_change(mark)["sk"]},
                filter="attribute_exists(superseded_by)",
                limit=limit,
                page_size=1000,
            )
        ]
        self._table.batch_write(deletes=stale)
        return len(stale)


def _counter_is(version: int) -> str:
    # The counter item is made by the first edit: before it, version 0 means "absent".
    return "attribute_not_exists(pk) OR #value = :v" if version == 0 else "#value = :v"


def _op_item(
    op: HotlistOp, author: OpAuthor, result: OpResult, received_at: datetime
) -> dict[str, Any]:
    item = {
        **keys.hotlist_op(str(op.op_id)),
        "op_id": str(op.op_id),
        "site_id": author.site_id,
        "status": result.status,
        "version": result.version,
        "reason": result.reason,
        "applied_at": keys.time_text(received_at),
        "action": op.action,
        "list_name": op.list_name,
        "plate_norm": op.plate_norm,
        "reported_by": author.reported_by,
    }
    if result.status == "rejected":
        item |= keys.hotlist_refused_index(received_at, str(op.op_id))
    return item


def _entry(item: dict[str, Any]) -> HotlistEntry:
    expires = item.get("entry_expires_at")
    return HotlistEntry(
        list_name=item["list_name"],
        plate_norm=item["plate_norm"],
        plate=item["plate"],
        reason=item["reason"],
        priority=item["priority"],
        expires_at=keys.parse_time_text(expires) if expires else None,
        updated_by=item["updated_by"],
        reported_by=item.get("reported_by"),
        owner=item["owner"],
        updated_at=keys.parse_time_text(item["updated_at"]),
        op_id=uuid.UUID(item["op_id"]),
        deleted=item["deleted"],
        version=item["version"],
    )
