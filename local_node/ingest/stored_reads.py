"""The reads a batch repeats: found by (camera, event id), with their hits and their rows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine, RowMapping

from local_node.db.tables import Detection, Hit
from local_node.ingest import refine
from local_node.ingest.results import HitOut, IngestResult, hit_out

_DETECTIONS = Detection.__table__  # type: ignore[attr-defined]
_HITS = Hit.__table__  # type: ignore[attr-defined]

Key = tuple[str, str]


def stored_reads(
    engine: Engine, wanted: set[Key]
) -> tuple[dict[Key, IngestResult], dict[Key, RowMapping]]:
    """For each stored (camera id, event id) of ``wanted``: its answer as a repeat, and its row."""
    if not wanted:
        return {}, {}
    found: dict[Key, IngestResult] = {}
    stored: dict[Key, RowMapping] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(*refine.STORED_COLUMNS, _DETECTIONS.c.camera_id, _DETECTIONS.c.event_id).where(
                _DETECTIONS.c.event_id.in_({event_id for _, event_id in wanted})
            )
        ).mappings()
        matched = [r for r in rows if (r["camera_id"], r["event_id"]) in wanted]
        hit_map: dict[str, list[HitOut]] = {}
        if matched:
            for h in conn.execute(
                select(_HITS).where(_HITS.c.detection_id.in_([r["id"] for r in matched]))
            ).mappings():
                hit_map.setdefault(h["detection_id"], []).append(hit_out(dict(h)))
        for r in matched:
            key = (r["camera_id"], r["event_id"])
            stored[key] = r
            found[key] = IngestResult(
                id=r["id"],
                seq=r["seq"],
                plate_norm=r["plate_norm"],
                hits=hit_map.get(r["id"], []),
                created=False,
            )
    return found, stored
