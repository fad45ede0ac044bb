"""Reads as the dashboard lists them: site and camera names, whether each was a hit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cloud_plane.records.detections import StoredDetection
from cloud_plane.records.sites import Site
from cloud_plane.store.base import CloudStore


@dataclass(frozen=True)
class ReadRow:
    """One read, ready for a table or a CSV line."""

    detection_id: str
    plate: str
    plate_norm: str
    site_id: str
    site_name: str
    camera_id: str
    camera: str
    received_at: datetime
    captured_at: datetime
    confidence: float | None
    hit: bool
    previous_plate: str | None = None
    """Set when a better reading corrected the read: the plate it was read as before."""


def camera_names(sites: Iterable[Site]) -> dict[tuple[str, str], str]:
    """(site, camera id) → the camera's name as its node last reported it."""
    return {
        (s.site_id, c.camera_id): c.name
        for s in sites
        if s.heartbeat is not None
        for c in s.heartbeat.cameras
        if c.name
    }


def read_rows(
    store: CloudStore, items: list[StoredDetection], sites: Mapping[str, Site]
) -> list[ReadRow]:
    """Rows for ``items`` (one indexed hit lookup for the whole page)."""
    hits = store.hits.hit_detections([str(d.record.id) for d in items])
    names = camera_names(sites.values())
    rows = []
    for d in items:
        r = d.record
        site = sites.get(d.site_id)
        rows.append(
            ReadRow(
                detection_id=str(r.id),
                plate=r.plate,
                plate_norm=r.plate_norm,
                site_id=d.site_id,
                site_name=site.name if site else d.site_id,
                camera_id=r.camera_id,
                camera=names.get((d.site_id, r.camera_id), r.camera_id),
                received_at=r.received_at,
                captured_at=r.captured_at,
                confidence=r.confidence,
                hit=str(r.id) in hits,
                previous_plate=d.previous_plate if d.corrected else None,
            )
        )
    return rows
