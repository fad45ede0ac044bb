"""The rows a read is stored as: its detection row and the rows of its hits."""

from __future__ import annotations

import json
from datetime import datetime

from local_node.domain.hotlist import HitMatch
from local_node.images.store import StoredImage
from local_node.ingest.models import DetectionIn
from sync_protocol.plate_rules import confusion_key, normalize_plate


def read_row(
    camera_id: str,
    detection: DetectionIn,
    kind: str | None,
    now: datetime,
    stored: StoredImage | None,
    preview: bool = False,
) -> dict:
    """The detection row of a read (``id``, ``seq`` and ``has_hit`` are set by the writer)."""
    d = detection
    norm = normalize_plate(d.plate)
    vehicle = d.vehicle
    return {
        "event_id": d.event_id,
        "camera_id": camera_id,
        "source_camera": d.source_camera,
        "captured_at": d.captured_at,
        "received_at": now,
        "plate": d.plate,
        "plate_norm": norm,
        "plate_key": confusion_key(norm),
        "confidence": d.confidence,
        "region": d.region,
        "direction": d.direction,
        "bbox": json.dumps(list(d.bbox)) if d.bbox else None,
        "vehicle_type": vehicle.type if vehicle else None,
        "vehicle_make": vehicle.make if vehicle else None,
        "vehicle_model": vehicle.model if vehicle else None,
        "vehicle_color": vehicle.color if vehicle else None,
        "image_path": stored.path if stored else None,
        "image_sha256": stored.sha256 if stored else None,
        "image_bytes": stored.size if stored else None,
        "image_type": kind if stored else None,
        "image_pruned_at": None,
        "preview": preview,
    }


def hit_row(row: dict, match: HitMatch, now: datetime) -> dict:
    """The hit row of a read (``id``, ``seq``) matching a hotlist entry."""
    return {
        "detection_id": row["id"],
        "detection_seq": row["seq"],
        "list_name": match.entry.list_name,
        "entry_plate": match.entry.plate_norm,
        "match_kind": match.kind,
        "distance": match.distance,
        "priority": match.entry.priority,
        "reason": match.entry.reason,
        "created_at": now,
    }
