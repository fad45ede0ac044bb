"""What the cloud's audit log is asked for, and who is named in it (pure; issue 13).

The entry itself, its action names and its export formats are shared with the node
(``sync_protocol.audit``). Here: the filters of a listing (``AuditQuery``), how an actor is
written (``user:<username>``, ``cli``, ``system``), and which entries a staff member may
read: an admin every entry, a manager the entries of their own sites and nothing
fleet-wide (user changes, staff hotlist edits carry no site), a viewer none.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloud_plane.records.detections import DetectionQuery
from sync_protocol.audit import AuditAction, AuditRecord

CLI_ACTOR = "cli"
SYSTEM_ACTOR = "system"
MAX_LIMIT = 1000
AUDIT_ROLES = ("admin", "manager")  # who may read the audit log (a manager: their sites)


def staff_actor(username: str) -> str:
    """The actor of an action a signed-in staff member took."""
    return f"user:{username}"


@dataclass(frozen=True)
class Actor:
    """Who acts, when and through what (``api``, ``dashboard``, ``cli``): what an audited use
    case needs from its caller to write the entry."""

    name: str
    at: datetime
    source: str
    reason: str | None = None  # the caller's own words, if they gave any

    def record(
        self,
        action: AuditAction,
        *,
        target: str | None = None,
        site_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> AuditRecord:
        """The entry of ``action`` taken by this actor."""
        return AuditRecord(
            at=self.at,
            actor=self.name,
            action=action,
            target=target,
            reason=self.reason,
            source=self.source,
            site_id=site_id,
            detail=dict(detail or {}),
        )


def staff_acting(username: str, at: datetime, source: str, reason: str | None = None) -> Actor:
    """A signed-in staff member acting through ``source``."""
    return Actor(staff_actor(username), at, source, reason or None)


def search_record(
    by: Actor, query: DetectionQuery, action: AuditAction = AuditAction.SEARCH
) -> AuditRecord:
    """The entry of a search of reads (or of their export): what was asked, over which sites.

    A search of one site is that site's entry (its managers see it); one over several sites
    or all of them is fleet-wide (admins see it), its sites in the detail.
    """
    site_id, sites = _scope(query.site_ids)
    detail = _present(
        plate=query.plate,
        fuzzy=query.fuzzy or None,
        edits=query.max_edits if query.fuzzy else None,  # the budget matters to fuzzy alone
        camera=query.camera_id,
        since=query.since,
        until=query.until,
        sites=sites,
    )
    return by.record(action, target=query.plate, site_id=site_id, detail=detail)


def _scope(site_ids: Collection[str] | None) -> tuple[str | None, str | list[str]]:
    """(the entry's site: the one site asked for, else None; the sites for its detail)."""
    if site_ids is None:
        return None, "all"
    sites = sorted(site_ids)
    return (sites[0] if len(sites) == 1 else None), sites


def _present(**fields: Any) -> dict[str, Any]:
    """The fields given (None left out), times as ISO text."""
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in fields.items()
        if value is not None
    }


@dataclass(frozen=True)
class AuditQuery:
    """One page of entries, newest first.

    ``since`` inclusive, ``until`` exclusive; ``actor`` and ``action`` exact;
    ``site_ids`` None: every entry, fleet-wide ones included; a collection: only entries
    of those sites (empty: none).
    """

    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    action: str | None = None
    site_ids: Collection[str] | None = None
    limit: int = 100
    cursor: str | None = None


def readable_sites(role: str, sites: Collection[str] | None) -> Collection[str] | None:
    """The ``site_ids`` a reader of ``role`` may list (None: all); raise PermissionError."""
    if role not in AUDIT_ROLES:
        raise PermissionError("the audit log needs the admin or manager role")
    if role == "admin":
        return None
    return frozenset(sites or ())


EXPORT_FORMATS = ("csv", "jsonl")


def export_record(by: Actor, query: AuditQuery, fmt: str) -> AuditRecord:
    """The entry of an export of the audit log itself: its filters and format."""
    site_id, sites = _scope(query.site_ids)
    detail = _present(
        format=fmt,
        since=query.since,
        until=query.until,
        actor=query.actor,
        action=query.action,
        sites=sites,
    )
    return by.record(AuditAction.AUDIT_EXPORT, site_id=site_id, detail=detail)


def narrowed(scope: Collection[str] | None, site_id: str | None) -> Collection[str] | None:
    """``scope`` narrowed to one site asked for (outside the scope: no site, so nothing)."""
    if site_id is None:
        return scope
    if scope is not None and site_id not in scope:
        return frozenset()
    return frozenset({site_id})
