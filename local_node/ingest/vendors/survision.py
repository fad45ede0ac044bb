"""Map a Survision LPR camera's HTTP push (JSON) to a plate read.

The camera posts its XML recognition message converted to JSON, attributes prefixed
with `@`: `{"anpr": {"@date": ms, "@session", "@id", "decision": {"@plate",
"@reliability", "@context_isoAlpha2", "@x", "@y", "@width", "@height", "@direction",
"jpeg": base64}}}`, every value a string. It names itself only in the
`survision-serial-number` header, so the route passes that in.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from local_node.ingest.vendors.base import (
    VendorRead,
    as_fraction,
    box_to_bbox,
    build_detection,
    decode_base64_image,
    parse_vendor_model,
    short_text,
)
from local_node.ingest.vendors.epoch import epoch_parser

# `@direction` says which side of the vehicle the camera saw; "unknown" says nothing.
_DIRECTIONS = {"front", "rear"}


class _Vendor(BaseModel):
    # Firmware adds attributes between versions; every value arrives as text.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class SurvisionDecision(_Vendor):
    """`anpr.decision`: the camera's verdict on one vehicle, with its image."""

    plate: str = Field(validation_alias="@plate", min_length=1)
    reliability: float | None = Field(default=None, validation_alias="@reliability")
    context: str | None = Field(default=None, validation_alias="@context")
    iso2: str | None = Field(default=None, validation_alias="@context_isoAlpha2")
    iso3: str | None = Field(default=None, validation_alias="@context_isoAlpha3")
    x: float | None = Field(default=None, validation_alias="@x")
    y: float | None = Field(default=None, validation_alias="@y")
    width: float | None = Field(default=None, validation_alias="@width")
    height: float | None = Field(default=None, validation_alias="@height")
    direction: str | None = Field(default=None, validation_alias="@direction")
    jpeg: str | None = None


class SurvisionAnpr(_Vendor):
    """`anpr`: when the vehicle was read and the camera's session/read counters."""

    date: datetime = Field(validation_alias="@date")
    session: str | None = Field(default=None, validation_alias="@session")
    id: str | None = Field(default=None, validation_alias="@id")
    decision: SurvisionDecision

    _date = field_validator("date", mode="before")(epoch_parser(1000, "milliseconds"))


class SurvisionPush(_Vendor):
    """A whole HTTP push."""

    anpr: SurvisionAnpr


def event_key(serial: str | None, anpr: SurvisionAnpr) -> str:
    """`survision:` + a hash of serial, `@date`, `@session`, `@id` and plate.

    The camera has no read id of its own: `@session`/`@id` count from 1 again after a
    restart, so they only tell apart reads of the same millisecond.
    """
    material = "|".join(
        [
            serial or "",
            str(int(anpr.date.timestamp() * 1000)),
            anpr.session or "",
            anpr.id or "",
            anpr.decision.plate.strip().upper(),
        ]
    )
    return "survision:" + hashlib.sha256(material.encode()).hexdigest()[:32]


def _region(decision: SurvisionDecision) -> str | None:
    for code in (decision.iso2, decision.iso3, decision.context):
        text = short_text(code)
        if text:
            return text.lower()
    return None


def _bbox(d: SurvisionDecision) -> tuple[int, int, int, int] | None:
    if None in (d.x, d.y, d.width, d.height):
        return None
    # `@x`/`@y` are the plate's top-left corner (checked against the sample's image).
    x, y, w, h = d.x or 0.0, d.y or 0.0, d.width or 0.0, d.height or 0.0
    return box_to_bbox(x, y, x + w, y + h)


def parse_survision(push: dict, *, serial: str | None = None) -> list[VendorRead]:
    """Map one push to its read (a list of one), with the decoded `jpeg` if it carries one.

    Raises `VendorPayloadError` naming the vendor field, e.g. `anpr.decision.@plate`.
    """
    anpr = parse_vendor_model(SurvisionPush, push).anpr
    decision = anpr.decision
    image = None
    if decision.jpeg:
        image = decode_base64_image(decision.jpeg, field="anpr.decision.jpeg")
    direction = (decision.direction or "").strip().lower()
    values = {
        "plate": decision.plate,
        "captured_at": anpr.date,
        "confidence": as_fraction(decision.reliability),
        "event_id": event_key(serial, anpr),
        "source_camera": short_text(serial),
        "region": _region(decision),
        "direction": direction if direction in _DIRECTIONS else None,
        "bbox": _bbox(decision),
    }
    sources = {
        "plate": "anpr.decision.@plate",
        "captured_at": "anpr.@date",
        "confidence": "anpr.decision.@reliability",
        "source_camera": "survision-serial-number",
    }
    return [VendorRead(detection=build_detection(values, sources), image=image)]
