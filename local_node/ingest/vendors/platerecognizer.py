"""Map Plate Recognizer Stream and Snapshot webhook events to plate reads.

Stream posts `multipart/form-data` with a part `json` (the event) and a part `upload`
(the JPEG), or the event alone as JSON; Snapshot posts the same event shape with
`hook.event = "image.done"` and `data.camera_id = null`. One event carries every plate
seen in one image, so it maps to one read per result, all sharing the image.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from local_node.ingest.models import Vehicle
from local_node.ingest.vendors.base import (
    VendorRead,
    as_fraction,
    box_to_bbox,
    build_detection,
    direction_text,
    parse_vendor_model,
    short_text,
    vehicle_or_none,
)

# Vendor placeholders that mean "the model could not tell"; storing them would make
# "Unknown" the most common make in every search facet.
_UNKNOWN = {"", "unknown", "generic"}


class _Vendor(BaseModel):
    # Vendors add fields between versions; numeric ids (Snapshot hook ids) become text.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class PrBox(_Vendor):
    """`box`: pixel corners of the plate."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float


class PrRegion(_Vendor):
    """`region`: the plate's country/state code and its score."""

    code: str | None = None
    score: float | None = None


class PrVehicle(_Vendor):
    """`vehicle`: the detected vehicle's type (Sedan, Big Truck, ...)."""

    type: str | None = None
    score: float | None = None


class PrMakeModel(_Vendor):
    """One `model_make` guess."""

    make: str | None = None
    model: str | None = None
    score: float = 0.0


class PrColor(_Vendor):
    """One `color` guess."""

    color: str | None = None
    score: float = 0.0


class PrResult(_Vendor):
    """One entry of `data.results`: a plate and what was seen around it."""

    plate: str = Field(min_length=1)
    score: float | None = None
    dscore: float | None = None
    box: PrBox | None = None
    region: PrRegion | None = None
    vehicle: PrVehicle | None = None
    model_make: list[PrMakeModel] = Field(default_factory=list)
    color: list[PrColor] = Field(default_factory=list)
    direction: float | None = None

    @field_validator("direction", mode="before")
    @classmethod
    def _blank_direction(cls, value: object) -> object:
        # Stream sent "" before it estimated direction, and null when it cannot.
        return None if value == "" else value

    @field_validator("model_make", "color", mode="before")
    @classmethod
    def _null_list(cls, value: object) -> object:
        return [] if value is None else value


class PrData(_Vendor):
    """`data`: the image's metadata and its results."""

    camera_id: str | None = None
    timestamp: datetime
    filename: str | None = None
    results: list[PrResult] = Field(default_factory=list)

    @field_validator("results", mode="before")
    @classmethod
    def _null_results(cls, value: object) -> object:
        return [] if value is None else value


class PrHook(_Vendor):
    """`hook`: which webhook fired (`recognition` from Stream, `image.done` from Snapshot)."""

    target: str | None = None
    id: str | None = None
    event: str | None = None


class PrEvent(_Vendor):
    """A whole Plate Recognizer webhook event."""

    hook: PrHook | None = None
    data: PrData


def event_key(camera_id: str | None, timestamp: datetime, plate: str) -> str:
    """The idempotency key of one plate in one event: `pr:` + 32 hex digits.

    Built from the vendor camera, the event time (normalised to UTC, so `Z` and `+00:00`
    agree) and the plate. The result's index is left out on purpose: a resent event keeps
    its key even if the results come back in another order or filtered, and the same
    plate twice in one image is one vehicle. Different plates give different keys.
    """
    moment = timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
    material = "|".join(
        [camera_id or "", moment.astimezone(UTC).isoformat(), plate.strip().upper()]
    )
    return "pr:" + hashlib.sha256(material.encode()).hexdigest()[:32]


def _best_vehicle(result: PrResult) -> Vehicle | None:
    make = model = color = None
    known = [m for m in result.model_make if (m.make or "").strip().lower() not in _UNKNOWN]
    if known:
        best = max(known, key=lambda m: m.score)
        make = short_text(best.make)
        if (best.model or "").strip().lower() not in _UNKNOWN:
            model = short_text(best.model)
    colors = [c for c in result.color if (c.color or "").strip().lower() not in _UNKNOWN]
    if colors:
        color = short_text(max(colors, key=lambda c: c.score).color)
    kind = result.vehicle.type if result.vehicle else None
    if (kind or "").strip().lower() in _UNKNOWN:
        kind = None
    return vehicle_or_none(Vehicle(type=short_text(kind), make=make, model=model, color=color))


def parse_platerecognizer(event: dict, upload: bytes | None) -> list[VendorRead]:
    """Map one Stream/Snapshot webhook event (and its `upload` image) to one read per result.

    An event without results (Snapshot posts one for every image) maps to an empty list.
    Raises `VendorPayloadError` naming the vendor field, e.g. `data.results[0].plate`.
    """
    parsed = parse_vendor_model(PrEvent, event)
    data = parsed.data
    image = upload or None
    reads: list[VendorRead] = []
    for index, result in enumerate(data.results):
        at = f"data.results[{index}]"
        values = {
            # Plate Recognizer reports plates in lower case; plates are written in upper case.
            "plate": result.plate.upper(),
            "captured_at": data.timestamp,
            "confidence": as_fraction(result.score),
            "event_id": event_key(data.camera_id, data.timestamp, result.plate),
            "source_camera": short_text(data.camera_id),
            "region": short_text(result.region.code) if result.region else None,
            "direction": direction_text(result.direction),
            "bbox": (
                box_to_bbox(result.box.xmin, result.box.ymin, result.box.xmax, result.box.ymax)
                if result.box
                else None
            ),
            "vehicle": _best_vehicle(result),
        }
        sources = {
            "plate": f"{at}.plate",
            "captured_at": "data.timestamp",
            "confidence": f"{at}.score",
            "source_camera": "data.camera_id",
        }
        reads.append(VendorRead(detection=build_detection(values, sources), image=image))
    return reads
