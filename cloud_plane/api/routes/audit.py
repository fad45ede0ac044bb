"""The audit log (issue 13): who searched, changed the hotlist, acknowledged an alert, changed
a user or a key. Admins read every entry, managers their sites' entries; viewers none.

JSON pages by default; ``format=csv`` or ``format=jsonl`` streams every matching entry (an
export, itself written to the log as ``audit.export``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from cloud_plane.api.routes.detections import aware
from cloud_plane.deps import Services, StaffAuth, api_actor
from cloud_plane.errors import Forbidden
from cloud_plane.records.audit import (
    MAX_LIMIT,
    AuditQuery,
    export_record,
    narrowed,
    readable_sites,
)
from cloud_plane.store.audit_roles import export_lines
from sync_protocol.audit import ACTOR_MAX, EXPORT_MEDIA_TYPES, AuditRecord

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

MEDIA = EXPORT_MEDIA_TYPES
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid staff token"},
    403: {"description": "A viewer (the audit log needs the admin or manager role)"},
    422: {"description": "A bad filter or cursor"},
}


class AuditEntryOut(BaseModel):
    id: str
    at: datetime
    actor: str
    action: str
    site_id: str | None
    target: str | None
    reason: str | None
    source: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None


def entry_out(record: AuditRecord) -> AuditEntryOut:
    """The API shape of an entry (ids are strings: numbers on SQL, uuids on DynamoDB)."""
    return AuditEntryOut(
        id=str(record.id),
        at=record.at,
        actor=record.actor,
        action=str(record.action),
        site_id=record.site_id,
        target=record.target,
        reason=record.reason,
        source=record.source,
        detail=dict(record.detail),
    )


@router.get(
    "",
    response_model=AuditPage,
    responses={
        **_ERRORS,
        200: {
            "description": "A page of entries (JSON), or every entry as CSV / JSON Lines",
            "content": {media: {} for media in MEDIA.values()},
        },
    },
)
def list_audit(
    services: Services,
    staff: StaffAuth,
    since: Annotated[datetime | None, Query(description="At or after (RFC 3339)")] = None,
    until: Annotated[datetime | None, Query(description="Before (RFC 3339)")] = None,
    actor: Annotated[
        str | None, Query(max_length=ACTOR_MAX, description="e.g. user:ann@example.com, cli")
    ] = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. search")] = None,
    site_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    format: Annotated[Literal["json", "csv", "jsonl"], Query()] = "json",
) -> Any:
    """Entries newest first (admins: all; managers: their sites'), or the whole match as an
    export (``format=csv|jsonl``, streamed, recorded as ``audit.export``)."""
    try:
        scope = readable_sites(staff.role, staff.sites)
    except PermissionError as exc:
        raise Forbidden(str(exc)) from None
    query = AuditQuery(
        since=aware(since, "since"),
        until=aware(until, "until"),
        actor=actor or None,
        action=action or None,
        site_ids=narrowed(scope, site_id or None),
        limit=limit,
        cursor=cursor,
    )
    if format == "json":
        page = services.store.audit.list(query)
        return AuditPage(items=[entry_out(e) for e in page.items], next_cursor=page.next_cursor)
    if cursor:  # a bad cursor: a 422 now, not a broken stream
        services.store.audit.list(replace(query, limit=1))
    services.store.audit.append(export_record(api_actor(services, staff), query, format))
    return StreamingResponse(
        export_lines(services.store.audit, query, format),
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="edgesync-audit.{format}"'},
    )
