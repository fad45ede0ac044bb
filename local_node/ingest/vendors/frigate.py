"""Map Frigate's licence-plate updates (MQTT `frigate/tracked_object_update`) to plate reads.

Frigate publishes `{"type": "lpr", "id", "name", "plate", "score", "camera",
"timestamp"[, "plate_box"]}` each time its reading of a tracked car improves, and
`{"type": "lpr", "plate": null, "camera"}` when the last car leaves a dedicated LPR
camera. The event id is Frigate's tracked-object id and each read is `refinable`: a later
message about the same car with a higher score replaces the stored reading, one with a
lower or equal score is a repeat.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from local_node.clock import Clock, utc_now
from local_node.ingest.vendors.base import (
    VendorRead,
    as_fraction,
    box_to_bbox,
    build_detection,
    parse_vendor_model,
    short_text,
)

# Epoch seconds before this (2001-09-09) are not wall-clock times: some Frigate builds
# put a monotonic counter (seconds since boot) in `timestamp`.
_EARLIEST_EPOCH = 1_000_000_000
# Beyond this a value is in milliseconds, not seconds.
_MILLISECONDS_FROM = 100_000_000_000


class FrigateLpr(BaseModel):
    """The fields of an `lpr` tracked-object update that we use."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    type: str
    id: str = Field(min_length=1)
    camera: str = Field(min_length=1)
    plate: str
    name: str | None = None
    score: float | None = None
    timestamp: float | None = None
    plate_box: list[float] | None = None

    @field_validator("plate_box")
    @classmethod
    def _four_numbers(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and len(value) != 4:
            raise ValueError("must be [x1, y1, x2, y2]")
        return value


def frigate_time(timestamp: float | None, received_at: datetime) -> datetime:
    """A Frigate time (epoch seconds, or milliseconds) as UTC; `received_at` when unusable."""
    if timestamp is None or timestamp < _EARLIEST_EPOCH:
        # No usable camera time: the moment the message arrived is the best we have.
        return received_at
    seconds = timestamp / 1000.0 if timestamp >= _MILLISECONDS_FROM else timestamp
    return datetime.fromtimestamp(seconds, tz=UTC)


def _bbox(box: list[float] | None) -> tuple[int, int, int, int] | None:
    if box is None:
        return None
    # A box in fractions of the frame cannot become pixels without the frame size.
    if all(0.0 <= v <= 1.0 for v in box) and any(v != int(v) for v in box):
        return None
    return box_to_bbox(*box)


def parse_frigate_lpr(message: dict, *, clock: Clock = utc_now) -> VendorRead | None:
    """Map one `tracked_object_update` message to a read, or None if it is not a plate read.

    None for other update types (face, description, classification) and for the
    "no car left" notice that has no plate. `clock` stamps reads whose Frigate
    timestamp is missing or not a wall-clock time. Raises `VendorPayloadError` naming
    the field when an `lpr` update with a plate does not validate.
    """
    if not isinstance(message, dict) or message.get("type") != "lpr":
        return None
    if message.get("plate") in (None, ""):
        return None
    update = parse_vendor_model(FrigateLpr, message)
    values = {
        "plate": update.plate,
        "captured_at": frigate_time(update.timestamp, clock()),
        "confidence": as_fraction(update.score),
        "event_id": f"frigate:{update.id}",
        "source_camera": short_text(update.camera),
        "bbox": _bbox(update.plate_box),
    }
    sources = {
        "plate": "plate",
        "captured_at": "timestamp",
        "confidence": "score",
        "event_id": "id",
        "source_camera": "camera",
    }
    return VendorRead(detection=build_detection(values, sources), image=None, refinable=True)
