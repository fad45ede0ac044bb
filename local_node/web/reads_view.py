"""Reads as the pages list them: newest first, with camera names and hits (shared by pages)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from local_node.db import repo
from local_node.db.access import list_cameras
from local_node.db.tables import Detection, Hit


@dataclass(frozen=True)
class ReadRow:
    """One read in a list."""

    read: Detection
    camera: str
    hits: list[Hit]

    @property
    def has_image(self) -> bool:
        return self.read.image_path is not None and self.read.image_pruned_at is None


def camera_names(engine: Engine) -> dict[str, str]:
    """Camera id -> name (deleted cameras too: their reads stay)."""
    return {c.id: c.name for c in list_cameras(engine, include_deleted=True)}


def with_hits(engine: Engine, reads: list[Detection]) -> list[ReadRow]:
    """The reads with their camera names and hits (two indexed queries, whatever the page)."""
    names = camera_names(engine)
    hits = repo.hits_for(engine, [r.id for r in reads])
    return [ReadRow(r, names.get(r.camera_id, r.camera_id), hits.get(r.id, [])) for r in reads]
