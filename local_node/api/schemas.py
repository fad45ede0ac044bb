"""Response models of the node API (the wire shapes people and scripts rely on)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from local_node.db.tables import Detection, Hit


class HitOut(BaseModel):
    list: str
    plate: str
    reason: str | None
    priority: int
    match: str
    distance: float


class IngestOut(BaseModel):
    id: str
    seq: int
    plate_norm: str
    hits: list[HitOut]


class VehicleOut(BaseModel):
    type: str | None = None
    make: str | None = None
    model: str | None = None
    color: str | None = None


class DetectionOut(BaseModel):
    id: str
    seq: int
    event_id: str | None
    camera_id: str
    source_camera: str | None
    captured_at: datetime
    received_at: datetime
    plate: str
    plate_norm: str
    confidence: float | None
    region: str | None
    direction: str | None
    bbox: list[int] | None
    vehicle: VehicleOut | None
    image_url: str | None
    image_sha256: str | None
    image_pruned: bool
    hits: list[HitOut]


class DetectionPage(BaseModel):
    items: list[DetectionOut]
    next_cursor: str | None


def hit_out(hit: Hit) -> HitOut:
    """A stored hit as the API shows it."""
    return HitOut(
        list=hit.list_name,
        plate=hit.entry_plate,
        reason=hit.reason,
        priority=hit.priority,
        match=hit.match_kind,
        distance=hit.distance,
    )


def detection_out(row: Detection, hits: list[Hit]) -> DetectionOut:
    """A stored detection as the API shows it."""
    vehicle = None
    if any((row.vehicle_type, row.vehicle_make, row.vehicle_model, row.vehicle_color)):
        vehicle = VehicleOut(
            type=row.vehicle_type,
            make=row.vehicle_make,
            model=row.vehicle_model,
            color=row.vehicle_color,
        )
    has_image = row.image_path is not None and row.image_pruned_at is None
    return DetectionOut(
        id=row.id,
        seq=row.seq,
        event_id=row.event_id,
        camera_id=row.camera_id,
        source_camera=row.source_camera,
        captured_at=row.captured_at,
        received_at=row.received_at,
        plate=row.plate,
        plate_norm=row.plate_norm,
        confidence=row.confidence,
        region=row.region,
        direction=row.direction,
        bbox=json.loads(row.bbox) if row.bbox else None,
        vehicle=vehicle,
        image_url=f"/api/v1/detections/{row.id}/image" if has_image else None,
        image_sha256=row.image_sha256,
        image_pruned=row.image_path is not None and row.image_pruned_at is not None,
        hits=[hit_out(h) for h in hits],
    )


INGEST_RESPONSES: dict[int | str, dict[str, Any]] = {  # what every camera ingest route answers
    200: {
        "description": "A repeat of a stored event_id: the first read's answer",
        "model": IngestOut,
    },
    401: {"description": "Missing or unknown camera key"},
    413: {"description": "Body or image over the limit"},
    415: {"description": "Image is not JPEG/PNG by content, or body type unsupported"},
    422: {"description": "Invalid metadata"},
    503: {"description": "Overloaded; retry after the Retry-After seconds"},
    507: {"description": "Disk budget exhausted and nothing can be pruned"},
}
