"""Map Frigate's `frigate/events` messages that carry a recognised plate to plate reads.

Frigate (0.16 or later, `lpr` enabled) publishes `{"type": "new"|"update"|"end",
"before": {...}, "after": {...}}` for every change of a tracked object. When it has read
the object's plate, `after.recognized_license_plate` holds it: as a string with
`recognized_license_plate_score` beside it (Frigate's documentation), or as the pair
`[plate, score]` (what Frigate's `TrackedObject.to_dict` really serialises). The event
id is `frigate:<id>`, the same tracked-object id that `tracked_object_update` (`lpr`)
gives, so a site with both topics on stores the car once; and each message is
`refinable`, so a later, better reading of the car replaces the stored one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from local_node.clock import Clock, utc_now
from local_node.ingest.vendors.base import (
    VendorPayloadError,
    VendorRead,
    as_fraction,
    build_detection,
    parse_vendor_model,
    short_text,
)
from local_node.ingest.vendors.frigate import frigate_time

EVENT_TYPES = ("new", "update", "end")


class FrigateTrackedObject(BaseModel):
    """The fields of an event's `after` state that we use (Frigate sends some 40 more)."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    camera: str = Field(min_length=1)
    label: str | None = None
    frame_time: float | None = None
    start_time: float | None = None


def plate_and_score(after: dict[str, Any]) -> tuple[str | None, object]:
    """The plate and its score from `after`, in either of the shapes Frigate has used."""
    value = after.get("recognized_license_plate")
    if isinstance(value, list | tuple):
        plate = value[0] if value else None
        score = value[1] if len(value) > 1 else None
    else:
        plate, score = value, after.get("recognized_license_plate_score")
    if plate is None or (isinstance(plate, str) and not plate.strip()):
        return None, None
    if not isinstance(plate, str):
        raise VendorPayloadError("after.recognized_license_plate", "must be text")
    return plate, score


def _captured_at(state: FrigateTrackedObject, received_at: datetime) -> datetime:
    # frame_time is the frame the object (and so its plate) was last seen in.
    at = state.frame_time if state.frame_time is not None else state.start_time
    return frigate_time(at, received_at)


def parse_frigate_event(message: object, *, clock: Clock = utc_now) -> VendorRead | None:
    """Map one `frigate/events` message to a read, or None when it carries no plate.

    None for messages of another shape and for objects without a recognised plate
    (a person, a car whose plate was not read yet). `clock` stamps reads whose Frigate
    times are missing or not wall-clock times. Raises `VendorPayloadError` naming the
    field (`after.id`, `after.recognized_license_plate`...) when a message with a plate
    does not validate.
    """
    if not isinstance(message, dict) or message.get("type") not in EVENT_TYPES:
        return None
    after = message.get("after")
    if not isinstance(after, dict):
        return None
    plate, score = plate_and_score(after)
    if plate is None:
        return None
    state = parse_vendor_model(FrigateTrackedObject, after, prefix="after")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise VendorPayloadError("after.recognized_license_plate_score", "must be a number")
    confidence = as_fraction(float(score)) if score is not None else None
    values = {
        "plate": plate,
        "captured_at": _captured_at(state, clock()),
        "confidence": confidence,
        "event_id": f"frigate:{state.id}",
        "source_camera": short_text(state.camera),
    }
    sources = {
        "plate": "after.recognized_license_plate",
        "captured_at": "after.frame_time",
        "confidence": "after.recognized_license_plate_score",
        "event_id": "after.id",
        "source_camera": "after.camera",
    }
    return VendorRead(detection=build_detection(values, sources), refinable=True)
