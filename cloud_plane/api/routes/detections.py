"""Detection metadata across sites: search by plate, site and time, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from cloud_plane.deps import Services, StaffAuth, api_actor
from cloud_plane.errors import InvalidInput
from cloud_plane.records.audit import search_record
from cloud_plane.records.detections import DetectionQuery, StoredDetection
from sync_protocol.audit import REASON_MAX
from sync_protocol.detections import Vehicle
from sync_protocol.plate_rules import MAX_EDITS_SUPPORTED, normalize_pattern

router = APIRouter(prefix="/api/v1/detections", tags=["detections"])


class DetectionOut(BaseModel):
    id: str
    site_id: str
    stream_id: str
    seq: int
    event_id: str | None
    camera_id: str
    source_camera: str | None
    captured_at: datetime
    received_at: datetime
    ingested_at: datetime
    plate: str
    plate_norm: str
    confidence: float | None
    region: str | None
    direction: str | None
    bbox: list[int] | None
    vehicle: Vehicle | None
    image_sha256: str | None


class DetectionPage(BaseModel):
    items: list[DetectionOut]
    next_cursor: str | None


def detection_out(d: StoredDetection) -> DetectionOut:
    """Return the API shape of a stored detection."""
    r = d.record
    return DetectionOut(
        id=str(r.id),
        site_id=d.site_id,
        stream_id=d.stream_id,
        seq=r.seq,
        event_id=r.event_id,
        camera_id=r.camera_id,
        source_camera=r.source_camera,
        captured_at=r.captured_at,
        received_at=r.received_at,
        ingested_at=d.ingested_at,
        plate=r.plate,
        plate_norm=r.plate_norm,
        confidence=r.confidence,
        region=r.region,
        direction=r.direction,
        bbox=list(r.bbox) if r.bbox else None,
        vehicle=r.vehicle,
        image_sha256=r.image_sha256,
    )


def aware(value: datetime | None, name: str) -> datetime | None:
    """Return ``value`` if it has a time zone; raise InvalidInput naming the parameter."""
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f"{name} needs a time zone (RFC 3339, e.g. ...Z)")
    return value


@router.get("", response_model=DetectionPage)
def list_detections(
    services: Services,
    staff: StaffAuth,
    plate: Annotated[
        str | None,
        Query(max_length=64, description="Exact (normalised), AB* prefix/wildcard, or fuzzy"),
    ] = None,
    fuzzy: Annotated[
        bool, Query(description="Also match OCR confusions and up to `edits` edits")
    ] = False,
    edits: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_EDITS_SUPPORTED,
            description="With fuzzy: the edits a plain plate may be away (0: confusions only)",
        ),
    ] = 1,
    site_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[
        datetime | None, Query(description="Received at or after (node clock)")
    ] = None,
    until: Annotated[datetime | None, Query(description="Received before (node clock)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    reason: Annotated[
        str | None,
        Query(max_length=REASON_MAX, description="Why you search (optional; audit-logged)"),
    ] = None,
) -> DetectionPage:
    """Search detections across the caller's sites, newest first, with cursor paging.

    The search (its first page: later pages continue it) is written to the audit log with
    the caller, the filters and ``reason``.
    """
    if plate is not None and not normalize_pattern(plate):
        raise InvalidInput("plate has no letters or digits")
    query = DetectionQuery(
        plate=plate,
        fuzzy=fuzzy,
        max_edits=edits,
        site_ids=staff.scope(site_id),
        since=aware(since, "since"),
        until=aware(until, "until"),
        limit=limit,
        cursor=cursor,
    )
    if cursor is None:
        services.store.audit.append(search_record(api_actor(services, staff, reason), query))
    page = services.store.detections.search_detections(query)
    return DetectionPage(items=[detection_out(d) for d in page.items], next_cursor=page.next_cursor)
