"""Hotlist use cases at a site: an admin puts or deletes an entry (mirrors the cloud's service).

Each edit is validated by the shared rules (``sync_protocol.hotlist_rules``), so the node
stores only what the wire can carry and the cloud will accept, and is stored in one
transaction with one bump of the hotlist revision (the ingest writer reloads its matcher
before the next read). The stored row, with ``version`` NULL, is the op the sync agent
sends (``local_node.sync.hotlist_sync``).

Who may change an entry is the shared rule (``hotlist_rules.change_problem``): this site
changes entries it owns and creates free ones; an entry the node knows to be the cloud's or
another site's is refused here at once (403), before anything is queued. If the node did
not know yet, the cloud refuses the op and the sync keeps the refusal on the row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session

from local_node.audit.recorder import Auditor
from local_node.db import repo
from local_node.db.tables import HotlistEntry
from local_node.errors import Forbidden, InvalidInput, NotFound
from sync_protocol.audit import AuditAction
from sync_protocol.hotlist_rules import (
    CLOUD_OWNER,
    MAX_PLATE_LENGTH,
    InvalidEntry,
    change_problem,
    list_name_problem,
    site_owner,
    validated_entry_plate,
)


def sync_state(entry: HotlistEntry) -> Literal["synced", "pending", "refused"]:
    """Where an entry's last edit stands: pending (not confirmed by the cloud yet), refused
    (the cloud refused this site's edit; the row shows the cloud's state) or synced."""
    if entry.version is None:
        return "pending"
    return "refused" if entry.refused_reason else "synced"


def entry_key(list_name: str, plate: str) -> tuple[str, str]:
    """Return ``(list, plate_norm)`` of an entry as typed; raise InvalidInput (422)."""
    problem = list_name_problem(list_name)
    if problem:
        raise InvalidInput(problem)
    try:
        return list_name, validated_entry_plate(plate)
    except InvalidEntry as e:
        raise InvalidInput(str(e)) from None


def put_entry(
    engine: Engine,
    *,
    list_name: str,
    plate: str,
    reason: str | None,
    priority: int,
    expires_at: datetime | None,
    by: str,
    now: datetime,
    auditor: Auditor | None = None,
) -> HotlistEntry:
    """Create or replace an entry as a pending site edit; it matches new reads at once.

    With an ``auditor``, the change is recorded (``hotlist.add`` or ``hotlist.update``) in the
    same transaction: no edit without its audit entry, no entry for an edit that failed.
    """
    list_name, norm = entry_key(list_name, plate)
    if expires_at is not None and expires_at.tzinfo is None:
        raise InvalidInput("expires_at needs a time zone (RFC 3339)")
    entry = HotlistEntry(
        list_name=list_name,
        plate_norm=norm,
        plate=plate.strip().upper()[:MAX_PLATE_LENGTH] or norm,
        reason=reason,
        priority=priority,
        expires_at=expires_at,
        updated_by=by,
        updated_at=now,
        deleted=False,
        version=None,
    )
    with Session(engine, expire_on_commit=False) as session:
        entry.owner = _owner_for_edit(session, list_name, norm)
        before = repo.get_hotlist_row(session, list_name, norm)
        live = before is not None and not before.deleted  # read before the row is replaced
        repo.put_hotlist_row(session, entry)
        repo.bump_hotlist_rev(session)
        if auditor is not None:
            auditor.record(
                AuditAction.HOTLIST_UPDATE if live else AuditAction.HOTLIST_ADD,
                target=f"{list_name}/{norm}",
                detail={
                    "list": list_name,
                    "plate": entry.plate,
                    "priority": priority,
                    "entry_reason": reason,
                    "expires_at": expires_at.isoformat() if expires_at else None,
                },
                within=session,
            )
        session.commit()
    return entry


def delete_entry(
    engine: Engine,
    *,
    list_name: str,
    plate: str,
    by: str,
    now: datetime,
    auditor: Auditor | None = None,
) -> None:
    """Delete a live entry (kept as a tombstone so the deletion syncs); raise NotFound.

    With an ``auditor``, ``hotlist.remove`` is recorded in the same transaction.
    """
    list_name, norm = entry_key(list_name, plate)
    with Session(engine, expire_on_commit=False) as session:
        _owner_for_edit(session, list_name, norm)
        if not repo.tombstone_hotlist_row(session, list_name, norm, by=by, now=now):
            raise NotFound(f"no live entry {plate!r} on list {list_name!r}")
        repo.bump_hotlist_rev(session)
        if auditor is not None:
            auditor.record(
                AuditAction.HOTLIST_REMOVE,
                target=f"{list_name}/{norm}",
                detail={"list": list_name, "plate": plate},
                within=session,
            )
        session.commit()


def _owner_for_edit(session: Session, list_name: str, norm: str) -> str | None:
    """Return the owner the edited entry keeps or gets; raise Forbidden if it is not ours.

    None: this site, whose id the node does not know yet (not enrolled); the cloud stamps it.
    """
    site_id = repo.own_site_id(session)
    row = repo.get_hotlist_row(session, list_name, norm)
    live_owner = None if row is None or row.deleted else row.owner
    if site_id is None and live_owner != CLOUD_OWNER:
        return live_owner  # not enrolled: only the cloud's entries are surely not ours
    mine = site_owner(site_id or "")
    problem = change_problem(list_name, norm, live_owner, mine)
    if problem:
        raise Forbidden(problem)
    return mine
