"""The local hotlist: read (viewer), edit (admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from local_node.db import repo
from local_node.db.tables import HotlistEntry
from local_node.deps import AdminAuth, Services, ViewerAuth
from local_node.errors import InvalidInput, NotFound
from sync_protocol.plate_rules import normalize_pattern

router = APIRouter(prefix="/api/v1/hotlist", tags=["hotlist"])

ListName = Annotated[
    str, Path(pattern=r"^[a-z][a-z0-9_-]{0,31}$", description="stolen, wanted, watch, allow, ...")
]
PlateParam = Annotated[str, Path(min_length=1, max_length=32, description="Plate or AB* pattern")]


class HotlistIn(BaseModel):
    """An entry as an admin sets it."""

    reason: str | None = Field(default=None, max_length=500)
    priority: int = Field(default=1, ge=0, le=10)
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
    )


def _norm(plate: str) -> str:
    norm = normalize_pattern(plate)
    if not norm or norm.strip("*?") == "":
        raise InvalidInput("plate must contain letters or digits")
    return norm


@router.get("", response_model=list[HotlistOut])
def list_hotlist(
    services: Services,
    _: ViewerAuth,
    list_name: Annotated[str | None, Query(alias="list", max_length=32)] = None,
    include_deleted: bool = False,
) -> list[HotlistOut]:
    """Hotlist entries (tombstones too, if asked)."""
    rows = repo.list_hotlist(services.engine, include_deleted=include_deleted)
    return [_out(e) for e in rows if list_name is None or e.list_name == list_name]


@router.put("/{list_name}/{plate}", response_model=HotlistOut)
def put_entry(
    list_name: ListName, plate: PlateParam, body: HotlistIn, services: Services, who: AdminAuth
) -> HotlistOut:
    """Create or replace an entry; it matches new reads at once."""
    now = services.clock()
    expires = body.expires_at
    if expires is not None and expires.tzinfo is None:
        raise InvalidInput("expires_at needs a time zone (RFC 3339)")
    entry = HotlistEntry(
        list_name=list_name,
        plate_norm=_norm(plate),
        plate=plate.strip().upper()[:32],
        reason=body.reason,
        priority=body.priority,
        expires_at=expires,
        updated_by=f"token:{who.subject}",
        updated_at=now,
        deleted=False,
        version=None,
    )
    return _out(repo.upsert_hotlist(services.engine, entry))


@router.delete("/{list_name}/{plate}", status_code=204)
def delete_entry(
    list_name: ListName, plate: PlateParam, services: Services, who: AdminAuth
) -> Response:
    """Delete an entry (kept as a tombstone so the deletion can be synced)."""
    if not repo.delete_hotlist(
        services.engine, list_name, _norm(plate), by=f"token:{who.subject}", now=services.clock()
    ):
        raise NotFound(f"no live entry {plate!r} on list {list_name!r}")
    return Response(status_code=204)
