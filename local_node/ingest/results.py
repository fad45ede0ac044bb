"""What storing one read answers: its id and seq, whether it was new, and the hits it raised."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HitOut:
    """A hit as the camera API returns it."""

    list: str
    plate: str
    reason: str | None
    priority: int
    match: str
    distance: float


@dataclass(frozen=True)
class IngestResult:
    """The outcome of one read: `created` is False when it repeated a stored event_id."""

    id: str
    seq: int
    plate_norm: str
    hits: list[HitOut]
    created: bool
    new_hits: int = 0  # hits a better reading of a stored read raised (``ingest.refine``)

    def as_repeat(self) -> IngestResult:
        """The same outcome, answered to a repeat of the read (``created`` False)."""
        return IngestResult(self.id, self.seq, self.plate_norm, self.hits, created=False)


def hit_out(h: Mapping[str, Any]) -> HitOut:
    """A stored hit row as the camera API returns it."""
    return HitOut(
        list=h["list_name"],
        plate=h["entry_plate"],
        reason=h["reason"],
        priority=h["priority"],
        match=h["match_kind"],
        distance=h["distance"],
    )
