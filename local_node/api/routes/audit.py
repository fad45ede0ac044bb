"""The audit log for admins: a filtered page as JSON (newest first), or an export (CSV, JSONL).

An export streams every matching entry oldest first and is itself recorded (``audit.export``).
Listing pages is not recorded: it shows what the export would, to the same admins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from local_node.audit import queries
from local_node.audit.export import export_lines
from local_node.clock import as_utc
from local_node.deps import AdminAudit, Services
from sync_protocol.audit import EXPORT_MEDIA_TYPES as MEDIA_TYPES
from sync_protocol.audit import AuditRecord

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditEntryOut(BaseModel):
    """One audited action."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    reason: str | None
    source: str | None
    detail: dict[str, Any]


class AuditPageOut(BaseModel):
    """A page of entries, newest first; pass ``next_before`` as ``before`` for the next one."""

    items: list[AuditEntryOut]
    next_before: int | None


def entry_out(r: AuditRecord) -> AuditEntryOut:
    """The API's shape of an entry."""
    return AuditEntryOut(
        id=int(r.id or 0),
        at=r.at,
        actor=r.actor,
        action=str(r.action),
        target=r.target,
        reason=r.reason,
        source=r.source,
        detail=dict(r.detail),
    )


@router.get(
    "",
    response_model=AuditPageOut,
    responses={
        200: {"content": {media: {} for media in MEDIA_TYPES.values()}},
        401: {"description": "No token, or an unknown, revoked or expired one"},
        403: {"description": "The token is not an admin token"},
    },
)
def list_audit(
    services: Services,
    audit: AdminAudit,
    since: Annotated[datetime | None, Query(description="At or after (naive = UTC)")] = None,
    until: Annotated[datetime | None, Query(description="Before (naive = UTC)")] = None,
    actor: Annotated[
        str | None, Query(max_length=200, description="user:NAME, token:ID, cli")
    ] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="search, hotlist.add, ...")
    ] = None,
    before: Annotated[int | None, Query(ge=1, description="Entries with a smaller id")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    format: Annotated[
        Literal["json", "csv", "jsonl"], Query(description="json: a page; csv, jsonl: export all")
    ] = "json",
) -> Any:
    """Audit entries (admins only): a page newest first, or every match as CSV or JSON lines."""
    f = queries.AuditFilter(since=as_utc(since), until=as_utc(until), actor=actor, action=action)
    if format != "json":
        lines = export_lines(services.engine, f, format, audit)
        return StreamingResponse(
            lines,
            media_type=MEDIA_TYPES[format],
            headers={
                "Content-Disposition": f'attachment; filename="audit.{format}"',
                "Cache-Control": "no-store",
            },
        )
    rows, next_before = queries.page(services.engine, f, before_id=before, limit=limit)
    return AuditPageOut(items=[entry_out(r) for r in rows], next_before=next_before)
