"""Hits: a detection that matched a hotlist entry, found on the node or in the cloud."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

HitSource = Literal["node", "cloud"]


@dataclass(frozen=True)
class StoredHit:
    """A hit, deduplicated by ``(detection_id, list_name, plate_norm)``."""

    detection_id: uuid.UUID
    list_name: str
    plate_norm: str
    site_id: str
    stream_id: str
    seq: int
    match_kind: str
    source: HitSource
    plate: str
    camera_id: str
    captured_at: datetime
    hotlist_version: int
    created_at: datetime
    image_sha256: str | None = None
    historical: bool = False
    """Found among past reads when the entry was added (a retroactive hit), not as it was read."""


HISTORICAL_MARK = "retro_hits_mark"
"""The name of the hotlist version up to which entries were scanned for historical hits."""
