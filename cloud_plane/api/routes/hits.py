"""Hits across sites (raised by nodes or by the cloud's own matching), newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cloud_plane.api.routes.detections import aware
from cloud_plane.deps import Services, StaffAuth

router = APIRouter(prefix="/api/v1/hits", tags=["hits"])


class HitOut(BaseModel):
    detection_id: str
    list: str
    plate_norm: str
    site_id: str
    stream_id: str
    seq: int
    match_kind: str
    source: str
    plate: str
    camera_id: str
    captured_at: datetime
    hotlist_version: int
    created_at: datetime
    image_sha256: str | None
    historical: bool = Field(
        default=False, description="a past read found when the entry was added (retroactive)"
    )


class HitPage(BaseModel):
    items: list[HitOut]
    next_cursor: str | None


@router.get("", response_model=HitPage)
def list_hits(
    services: Services,
    staff: StaffAuth,
    site_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query(description="Stored at or after (cloud clock)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> HitPage:
    """Return hits in the caller's sites, newest first."""
    page = services.store.hits.list_hits(
        site_ids=staff.scope(site_id), since=aware(since, "since"), limit=limit, cursor=cursor
    )
    items = [
        HitOut(
            detection_id=str(h.detection_id),
            list=h.list_name,
            plate_norm=h.plate_norm,
            site_id=h.site_id,
            stream_id=h.stream_id,
            seq=h.seq,
            match_kind=h.match_kind,
            source=h.source,
            plate=h.plate,
            camera_id=h.camera_id,
            captured_at=h.captured_at,
            hotlist_version=h.hotlist_version,
            created_at=h.created_at,
            image_sha256=h.image_sha256,
            historical=h.historical,
        )
        for h in page.items
    ]
    return HitPage(items=items, next_cursor=page.next_cursor)
