"""What the cloud's audit log is asked for, and who is named in it (pure; issue 13).

The entry itself, its action names and its export formats are shared with the node
(``sync_protocol.audit``). Here: the filters of a listing (``AuditQuery``), how an actor is
written (``user:<username>``, ``cli``, ``system``), and which entries a staff member may
read: an admin every entry, a manager the entries of their own sites and nothing
fleet-wide (user changes, staff hotlist edits carry no site), a viewer none.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

CLI_ACTOR = "cli"
SYSTEM_ACTOR = "system"
MAX_LIMIT = 1000
AUDIT_ROLES = ("admin", "manager")  # who may read the audit log (a manager: their sites)


def staff_actor(username: str) -> str:
    """The actor of an action a signed-in staff member took."""
    return f"user:{username}"


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


def narrowed(scope: Collection[str] | None, site_id: str | None) -> Collection[str] | None:
    """``scope`` narrowed to one site asked for (outside the scope: no site, so nothing)."""
    if site_id is None:
        return scope
    if scope is not None and site_id not in scope:
        return frozenset()
    return frozenset({site_id})
