"""Hotlist use cases: applying an edit (staff or node), and the delta (or snapshot) a node pulls.

Who may change what is decided here (``sync_protocol.hotlist_rules.change_problem``): staff
change any entry and make it the cloud's; a site creates free keys and changes only the
entries it owns, and every op it sends is attributed to it (``updated_by`` ``site:<id>``,
whatever ``made_by`` claims, which is kept as ``reported_by``). The store applies the rule
inside its write lock (``OpAuthor.refusal``) and records each refusal. A staff edit is also
written to the audit log (``hotlist.add`` / ``hotlist.update`` / ``hotlist.remove``, the
staff member as ``user:<username>``, fleet-wide: the hotlist is every site's), in the same
transaction where the store has one.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.records.audit import staff_actor
from cloud_plane.records.hotlist import OpAuthor
from cloud_plane.store.base import CloudStore
from cloud_plane.store.roles import HotlistStore
from sync_protocol.audit import AuditAction, AuditRecord
from sync_protocol.hotlist_messages import (
    MAX_DELTA_ENTRIES,
    HotlistDelta,
    HotlistEntry,
    HotlistOp,
    OpResult,
)
from sync_protocol.hotlist_rules import (
    CLOUD_OWNER,
    MAX_PLATE_LENGTH,
    InvalidEntry,
    change_problem,
    op_problem,
    site_owner,
    validated_entry_plate,
)
from sync_protocol.rules import needs_snapshot


def staff_author(username: str) -> OpAuthor:
    """Staff (the roles that edit the hotlist) change any entry; it becomes the cloud's."""
    return OpAuthor(site_id=None, owner=CLOUD_OWNER, updated_by=username[:64])


def site_author(site_id: str, made_by: str) -> OpAuthor:
    """An op signed by ``site_id``: attributed to the site, allowed on what it may change."""
    actor = site_owner(site_id)

    def refusal(current: HotlistEntry | None) -> str | None:
        if current is None:
            return None
        live_owner = None if current.deleted else current.owner  # a tombstone is free
        return change_problem(current.list_name, current.plate_norm, live_owner, actor)

    return OpAuthor(
        site_id=site_id, owner=actor, updated_by=actor[:64], reported_by=made_by, refusal=refusal
    )


def apply_op(
    hotlist: HotlistStore, op: HotlistOp, site_id: str | None, *, received_at: datetime
) -> OpResult:
    """Apply one edit by last-writer-wins; an invalid op is rejected without touching the store.

    An invalid op's rejection is not recorded: the same op is rejected again the same way,
    since the check depends on the op alone. A site's op on an entry it does not own is
    refused by the store and recorded (it depends on the entry's state, so a resend must get
    the first answer). ``site_id`` None: a staff edit in the cloud (``made_by`` is the staff
    username the route authenticated).
    """
    reason = op_problem(op)
    if reason:
        return OpResult(status="rejected", reason=reason)
    author = staff_author(op.made_by) if site_id is None else site_author(site_id, op.made_by)
    return hotlist.apply_op(op, author, received_at=received_at)[1]


def normalized_entry_plate(plate: str) -> str:
    """Return the entry key of a staff-entered plate or pattern; raise InvalidInput."""
    try:
        return validated_entry_plate(plate)
    except InvalidEntry as e:
        raise InvalidInput(str(e)) from None


def staff_upsert(
    store: CloudStore,
    *,
    list_name: str,
    plate: str,
    reason: str,
    priority: int,
    expires_at: datetime | None,
    by: str,
    now: datetime,
    source: str | None = None,
) -> HotlistEntry:
    """Create or replace an entry as a staff member (a new version); return its state.

    ``source`` (api, dashboard, import) is what the audit entry says it came through.
    """
    norm = normalized_entry_plate(plate)
    before = store.hotlist.get_entry(list_name, norm)
    op = HotlistOp(
        op_id=uuid.uuid4(),
        action="upsert",
        list_name=list_name,
        plate_norm=norm,
        plate=plate.strip().upper()[:MAX_PLATE_LENGTH] or norm,
        reason=reason,
        priority=priority,
        expires_at=expires_at,
        made_at=_after_current(store.hotlist, list_name, norm, now),
        made_by=by[:64],
    )
    with store.meta.atomic():
        result = apply_op(store.hotlist, op, None, received_at=op.made_at)
        if result.status == "rejected":
            raise InvalidInput(result.reason or "edit refused")
        entry = store.hotlist.get_entry(list_name, norm)
        assert entry is not None
        new = before is None or before.deleted
        action = AuditAction.HOTLIST_ADD if new else AuditAction.HOTLIST_UPDATE
        store.audit.append(_hotlist_record(entry, action, by, now, source))
    return entry


def _hotlist_record(
    entry: HotlistEntry, action: AuditAction, by: str, now: datetime, source: str | None
) -> AuditRecord:
    """The audit entry of a staff edit: the entry's key and, for an upsert, its new fields."""
    detail: dict[str, object] = {"list": entry.list_name, "plate": entry.plate}
    if action != AuditAction.HOTLIST_REMOVE:
        detail |= {"reason": entry.reason, "priority": entry.priority}
        detail["expires_at"] = entry.expires_at.isoformat() if entry.expires_at else None
    return AuditRecord(
        at=now,
        actor=staff_actor(by),
        action=action,
        target=f"{entry.list_name}/{entry.plate_norm}",
        source=source,
        detail=detail,
    )


def staff_delete(
    store: CloudStore,
    *,
    list_name: str,
    plate: str,
    by: str,
    now: datetime,
    source: str | None = None,
) -> HotlistEntry:
    """Delete a live entry (kept as a tombstone for deltas); raise NotFound."""
    norm = normalized_entry_plate(plate)
    current = store.hotlist.get_entry(list_name, norm)
    if current is None or current.deleted:
        raise NotFound(f"no live entry {plate!r} on list {list_name!r}")
    op = HotlistOp(
        op_id=uuid.uuid4(),
        action="delete",
        list_name=list_name,
        plate_norm=norm,
        made_at=_after_current(store.hotlist, list_name, norm, now),
        made_by=by[:64],
    )
    with store.meta.atomic():
        apply_op(store.hotlist, op, None, received_at=op.made_at)
        entry = store.hotlist.get_entry(list_name, norm)
        assert entry is not None
        store.audit.append(_hotlist_record(entry, AuditAction.HOTLIST_REMOVE, by, now, source))
    return entry


def _after_current(hotlist: HotlistStore, list_name: str, norm: str, now: datetime) -> datetime:
    """Return ``now``, or just after the stored edit if that is not older (same-instant edits).

    Staff edit the state they see: their edit must win over it under the LWW
    rule even when both carry the same timestamp.
    """
    current = hotlist.get_entry(list_name, norm)
    if current is not None and current.updated_at >= now:
        return current.updated_at + timedelta(microseconds=1)
    return now


def delta_for(
    hotlist: HotlistStore, node_version: int, *, snapshot_threshold: int
) -> HotlistDelta | None:
    """Return what a node at ``node_version`` needs: None (up to date), a delta or a snapshot.

    A snapshot when the node is more than ``snapshot_threshold`` versions
    behind, ahead of the cloud (restored cloud), or behind the oldest change
    still held (``rules.needs_snapshot``). Deltas are capped at
    ``MAX_DELTA_ENTRIES``; a capped delta ends at its last entry's version and
    the node pulls the rest next time.
    """
    current = hotlist.current_version()
    if node_version == current:
        return None
    behind = current - node_version
    if behind > snapshot_threshold or needs_snapshot(
        node_version, hotlist.oldest_retained_version(), current
    ):
        return _snapshot(hotlist, current)
    changes = hotlist.changes_since(node_version, MAX_DELTA_ENTRIES)
    if needs_snapshot(node_version, hotlist.oldest_retained_version()):
        # A tombstone purge raised the mark past the node while the changes were read: they
        # may lack a deletion the node never got. (Read after them: a purge raises the mark
        # before, or together with, removing anything.)
        return _snapshot(hotlist, current)
    if len(changes) >= MAX_DELTA_ENTRIES:
        to_version = changes[-1].version
    else:
        to_version = max([current, *(e.version for e in changes)])
    return HotlistDelta(from_version=node_version, to_version=to_version, entries=changes)


def _snapshot(hotlist: HotlistStore, current: int) -> HotlistDelta:
    """Return every live entry (up to ``MAX_DELTA_ENTRIES``) as a snapshot."""
    entries = hotlist.list_entries(include_deleted=False)[:MAX_DELTA_ENTRIES]
    # A concurrent edit may land between the reads: never claim less than we send.
    to_version = max([current, *(e.version for e in entries)])
    return HotlistDelta(from_version=0, to_version=to_version, entries=entries, snapshot=True)
