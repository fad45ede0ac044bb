"""What storing one read answers: its id and seq, whether it was new, and the hits it raised."""

from __future__ import annotations

from dataclasses import dataclass


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
