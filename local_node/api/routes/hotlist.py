"""The local hotlist: read (viewer), edit (admin), and this site's edits the cloud refused.

Each entry says who owns it (``cloud``: only staff change it; ``site:<id>``) and where its
sync stands: ``pending`` (an edit here not yet confirmed), ``refused`` (the cloud refused
this site's last edit, ``refused_reason`` says why; the entry shows the cloud's state) or
``synced``. Editing an entry this site does not own answers 403 at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from local_node.db import repo
from local_node.db.tables import HotlistEntry
from local_node.deps import AdminAudit, AdminAuth, Services, ViewerAuth
from local_node.hotlist import service
from sync_protocol.hotlist_rules import (
    DEFAULT_PRIORITY,
    LIST_NAME_PATTERN,
    MAX_LIST_NAME_LENGTH,
    Priority,
)

router = APIRouter(prefix="/api/v1/hotlist", tags=["hotlist"])

ListName = Annotated[
    str, Path(pattern=LIST_NAME_PATTERN, description="stolen, wanted, watch, allow, ...")
]
PlateParam = Annotated[str, Path(min_length=1, max_length=32, description="Plate or AB* pattern")]


class HotlistIn(BaseModel):
    """An entry as an admin sets it."""

    reason: str | None = Field(default=None, max_length=500)
    priority: Priority = Field(default=DEFAULT_PRIORITY, description="0 lowest, 100 highest")
    expires_at: datetime | None = None


class HotlistOut(BaseModel):
    list: str
    plate: str
    plate_norm: str
    reason: str | None
    priority: int
    expires_at: datetime | None
    updated_by: str | None
    updated_at: datetime
    deleted: bool
    version: int | None
    owner: str | None = Field(
        description="cloud (only staff change it), site:<id>; null: made here, not yet synced"
    )
    sync_state: Literal["synced", "pending", "refused"]
    refused_reason: str | None = Field(description="why the cloud refused this site's edit")
    refused_at: datetime | None


def _out(e: HotlistEntry) -> HotlistOut:
    return HotlistOut(
        list=e.list_name,
        plate=e.plate,
        plate_norm=e.plate_norm,
        reason=e.reason,
        priority=e.priority,
        expires_at=e.expires_at,
        updated_by=e.updated_by,
        updated_at=e.updated_at,
        deleted=e.deleted,
        version=e.version,
        owner=e.owner,
        sync_state=service.sync_state(e),
        refused_reason=e.refused_reason,
        refused_at=e.refused_at,
    )


@router.get("", response_model=list[HotlistOut])
def list_hotlist(
    services: Services,
    _: ViewerAuth,
    list_name: Annotated[str | None, Query(alias="list", max_length=MAX_LIST_NAME_LENGTH)] = None,
    include_deleted: bool = False,
) -> list[HotlistOut]:
    """Hotlist entries (tombstones too, if asked)."""
    rows = repo.list_hotlist(services.engine, include_deleted=include_deleted)
    return [_out(e) for e in rows if list_name is None or e.list_name == list_name]


@router.get("/refused", response_model=list[HotlistOut])
def list_refused(services: Services, _: ViewerAuth) -> list[HotlistOut]:
    """Entries whose last edit here the cloud refused (with why and when), newest first."""
    return [_out(e) for e in repo.list_refused_hotlist(services.engine)]


@router.put("/{list_name}/{plate}", response_model=HotlistOut)
def put_entry(
    list_name: ListName,
    plate: PlateParam,
    body: HotlistIn,
    services: Services,
    who: AdminAuth,
    audit: AdminAudit,
) -> HotlistOut:
    """Create or replace an entry; it matches new reads at once (422 if it could not sync).

    403 if the entry is the cloud's or another site's (only staff, or that site, change it).
    """
    entry = service.put_entry(
        services.engine,
        list_name=list_name,
        plate=plate,
        reason=body.reason,
        priority=body.priority,
        expires_at=body.expires_at,
        by=f"token:{who.subject}",
        now=services.clock(),
        auditor=audit,
    )
    return _out(entry)


@router.delete("/{list_name}/{plate}", status_code=204)
def delete_entry(
    list_name: ListName, plate: PlateParam, services: Services, who: AdminAuth, audit: AdminAudit
) -> Response:
    """Delete an entry (kept as a tombstone so the deletion can be synced); 403 if not ours."""
    service.delete_entry(
        services.engine,
        list_name=list_name,
        plate=plate,
        by=f"token:{who.subject}",
        now=services.clock(),
        auditor=audit,
    )
    return Response(status_code=204)
