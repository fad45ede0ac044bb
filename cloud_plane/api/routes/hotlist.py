"""The authoritative hotlist: read (any staff), edit (admin), and the sites' refused edits.

Staff edits make an entry the cloud's (only staff change it after); entries a site made say
``owner`` ``site:<id>``. ``GET /refused`` lists the ops sites sent on entries they do not own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from cloud_plane.deps import AdminAuth, Services, StaffAuth
from cloud_plane.errors import InvalidInput
from cloud_plane.hotlist import service
from sync_protocol.hotlist_messages import HotlistEntry
from sync_protocol.hotlist_rules import (
    DEFAULT_PRIORITY,
    LIST_NAME_PATTERN,
    MAX_LIST_NAME_LENGTH,
    Priority,
)
from sync_protocol.wire_types import Printable

router = APIRouter(prefix="/api/v1/hotlist", tags=["hotlist"])

ListName = Annotated[
    str, Path(pattern=LIST_NAME_PATTERN, description="stolen, wanted, watch, allow, ...")
]
PlateParam = Annotated[str, Path(min_length=1, max_length=32, description="Plate or AB* pattern")]


class HotlistIn(BaseModel):
    """An entry as an admin sets it."""

    reason: Annotated[str, Printable] | None = Field(default=None, max_length=500)
    priority: Priority = Field(default=DEFAULT_PRIORITY, description="0 lowest, 100 highest")
    expires_at: datetime | None = None


class HotlistOut(BaseModel):
    list: str
    plate: str
    plate_norm: str
    reason: str | None
    priority: int
    expires_at: datetime | None
    updated_by: str | None = Field(description="staff username, or site:<id> for a site's edit")
    reported_by: str | None = Field(default=None, description="user the site's node named")
    owner: str = Field(description="cloud (staff only) or site:<id> (that site, or staff)")
    updated_at: datetime
    deleted: bool
    version: int | None


class RefusedOut(BaseModel):
    """An edit a site sent on an entry it does not own; the cloud changed nothing."""

    op_id: str
    site_id: str | None
    action: str | None
    list: str | None
    plate_norm: str | None
    reported_by: str | None
    reason: str
    refused_at: datetime


def _out(e: HotlistEntry) -> HotlistOut:
    return HotlistOut(
        list=e.list_name,
        plate=e.plate,
        plate_norm=e.plate_norm,
        reason=e.reason or None,
        priority=e.priority,
        expires_at=e.expires_at,
        updated_by=e.updated_by,
        reported_by=e.reported_by,
        owner=e.owner,
        updated_at=e.updated_at,
        deleted=e.deleted,
        version=e.version,
    )


@router.get("", response_model=list[HotlistOut])
def list_hotlist(
    services: Services,
    _: StaffAuth,
    list_name: Annotated[str | None, Query(alias="list", max_length=MAX_LIST_NAME_LENGTH)] = None,
    include_deleted: bool = False,
) -> list[HotlistOut]:
    """Return hotlist entries (tombstones too, if asked)."""
    rows = services.store.hotlist.list_entries(include_deleted=include_deleted)
    return [_out(e) for e in rows if list_name is None or e.list_name == list_name]


@router.get("/refused", response_model=list[RefusedOut])
def list_refused(
    services: Services,
    who: StaffAuth,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[RefusedOut]:
    """Return the edits sites sent on entries they do not own, newest first (sites in scope)."""
    return [
        RefusedOut(
            op_id=str(r.op_id),
            site_id=r.site_id,
            action=r.action,
            list=r.list_name,
            plate_norm=r.plate_norm,
            reported_by=r.reported_by,
            reason=r.reason,
            refused_at=r.refused_at,
        )
        for r in services.store.hotlist.list_refused(limit)
        if r.site_id is None or who.can_see(r.site_id)
    ]


class EntryHitOut(BaseModel):
    """A read that matched the entry: as it came in, or found when the entry was added."""

    detection_id: str
    site_id: str
    camera_id: str
    plate: str = Field(description="as read")
    match_kind: str
    captured_at: datetime
    historical: bool = Field(description="found among past reads when the entry was added")
    source: str = Field(description="node or cloud: which one found it")


class EntryHitPage(BaseModel):
    items: list[EntryHitOut]
    next_cursor: str | None


@router.get("/{list_name}/{plate}/hits", response_model=EntryHitPage)
def entry_hits(
    list_name: ListName,
    plate: PlateParam,
    services: Services,
    who: StaffAuth,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> EntryHitPage:
    """Return the entry's hits (historical ones flagged), newest read first, sites in scope.

    A page may hold fewer than ``limit`` items for staff scoped to some sites (others' hits
    are left out of it); follow ``next_cursor`` until it is null.
    """
    norm = service.normalized_entry_plate(plate)
    page = services.store.hits.list_entry_hits(list_name, norm, limit=limit, cursor=cursor)
    items = [
        EntryHitOut(
            detection_id=str(h.detection_id),
            site_id=h.site_id,
            camera_id=h.camera_id,
            plate=h.plate,
            match_kind=h.match_kind,
            captured_at=h.captured_at,
            historical=h.historical,
            source=h.source,
        )
        for h in page.items
        if who.can_see(h.site_id)
    ]
    return EntryHitPage(items=items, next_cursor=page.next_cursor)


@router.put("/{list_name}/{plate}", response_model=HotlistOut)
def put_entry(
    list_name: ListName, plate: PlateParam, body: HotlistIn, services: Services, who: AdminAuth
) -> HotlistOut:
    """Create or replace an entry (a new hotlist version; nodes pull it as a delta)."""
    if body.expires_at is not None and body.expires_at.tzinfo is None:
        raise InvalidInput("expires_at needs a time zone (RFC 3339)")
    entry = service.staff_upsert(
        services.store,
        list_name=list_name,
        plate=plate,
        reason=body.reason or "",
        priority=body.priority,
        expires_at=body.expires_at,
        by=who.username,
        now=services.clock(),
        source="api",
    )
    services.retro.kick()  # the entry's past reads: historical hits (hotlist/retro.py)
    return _out(entry)


@router.delete("/{list_name}/{plate}", status_code=204)
def delete_entry(
    list_name: ListName, plate: PlateParam, services: Services, who: AdminAuth
) -> Response:
    """Delete an entry (kept as a tombstone so nodes learn of the deletion)."""
    service.staff_delete(
        services.store,
        list_name=list_name,
        plate=plate,
        by=who.username,
        now=services.clock(),
        source="api",
    )
    return Response(status_code=204)
