"""Map Genetec AutoVu reads pushed as JSON (SharpV HTTP extension, Security Center export).

Two shapes are in the field, told apart by their plate field:

- SharpV's HTTP extension: `PlateRead`, `Timestamp` (ISO 8601), `Id` (the read's GUID),
  `LprCameraName`, `SourceUrl` (the Sharp), `PlateAnalytics` (`[{Key, Score, Value}]`:
  "State Name", "Confidence Score", ...), `ContextImage`/`PlateImage` base64 JPEGs.
- Security Center's read export (the template most integrations use): `Plate`,
  `DateUtc` + `TimeUtc`, `CameraName`, `SharpName`, `VehicleID` (the read's GUID),
  `ConfidenceScore`, `State`, `Attributes` ({"Vehicle Make": ..., "Relative Motion": ...}),
  `ContextImage`/`PlateImage`. Values are text and "-" means none.

One push is one read. The context image (the scene) is kept, else the plate crop.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from local_node.ingest.models import Vehicle
from local_node.ingest.vendors.base import (
    VendorPayloadError,
    VendorRead,
    as_fraction,
    build_detection,
    decode_base64_image,
    parse_vendor_model,
    short_text,
    vehicle_or_none,
)

_NONE = {"", "-", "unknown", "none"}
_EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
_DATE = re.compile(r"^(\d{1,4})[/:.-](\d{1,2})[/:.-](\d{1,4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?$")


class GenetecAnalytic(BaseModel):
    """One `PlateAnalytics` entry of a SharpV read."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    Key: str
    Value: str | None = None


class GenetecRead(BaseModel):
    """One AutoVu read, in either shape (field names are Genetec's)."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    plate: str = Field(validation_alias=AliasChoices("PlateRead", "Plate"), min_length=1)
    timestamp: str | None = Field(
        default=None, validation_alias=AliasChoices("Timestamp", "DateTimeUtc")
    )
    date_utc: str | None = Field(default=None, validation_alias="DateUtc")
    time_utc: str | None = Field(default=None, validation_alias="TimeUtc")
    read_id: str | None = Field(
        default=None, validation_alias=AliasChoices("Id", "ReadId", "Guid", "VehicleID")
    )
    camera: str | None = Field(
        default=None,
        validation_alias=AliasChoices("LprCameraName", "CameraName", "UnitName"),
    )
    unit: str | None = Field(default=None, validation_alias=AliasChoices("SharpName", "SourceUrl"))
    confidence: str | None = Field(
        default=None, validation_alias=AliasChoices("ConfidenceScore", "Confidence")
    )
    state: str | None = Field(default=None, validation_alias="State")
    attributes: dict[str, Any] = Field(default_factory=dict, validation_alias="Attributes")
    analytics: list[GenetecAnalytic] = Field(
        default_factory=list, validation_alias="PlateAnalytics"
    )
    context_image: str | None = Field(default=None, validation_alias="ContextImage")
    plate_image: str | None = Field(default=None, validation_alias="PlateImage")

    @field_validator("attributes", mode="before")
    @classmethod
    def _null_attributes(cls, value: object) -> object:
        return {} if value is None else value

    @field_validator("analytics", mode="before")
    @classmethod
    def _null_analytics(cls, value: object) -> object:
        return [] if value is None else value


def _text(value: object) -> str | None:
    text = short_text(value)
    return None if text is None or text.lower() in _NONE else text


def _utc_date_time(date_text: str, time_text: str) -> datetime:
    """`DateUtc` + `TimeUtc` as UTC; the date order is the one the export template used.

    Year first (`2024-10-24`, `2024:10:24`) is unambiguous. Otherwise the US order
    (`10/24/2024`, Security Center's default) unless the first number cannot be a month.
    """
    date = _DATE.match(date_text.strip())
    if date is None:
        raise VendorPayloadError("DateUtc", "must be a date such as 10/24/2024 or 2024-10-24")
    a, b, c = (int(part) for part in date.groups())
    year, month, day = (a, b, c) if len(date.group(1)) == 4 else (c, a, b)
    if len(date.group(1)) != 4 and a > 12:
        month, day = b, a
    clock = _TIME.match(time_text.strip())
    if clock is None:
        raise VendorPayloadError("TimeUtc", "must be a time such as 20:29:26")
    hours, minutes, seconds = (int(part) for part in clock.groups()[:3])
    micros = int((clock.group(4) or "0").ljust(6, "0"))
    try:
        return datetime(year, month, day, hours, minutes, seconds, micros, tzinfo=UTC)
    except ValueError as exc:
        raise VendorPayloadError("DateUtc", f"is not a valid date and time ({exc})") from None


def _captured_at(read: GenetecRead) -> tuple[datetime, str]:
    if read.timestamp:
        try:
            return datetime.fromisoformat(read.timestamp.strip()), "Timestamp"
        except ValueError:
            raise VendorPayloadError("Timestamp", "must be an ISO 8601 date and time") from None
    if read.date_utc and read.time_utc:
        return _utc_date_time(read.date_utc, read.time_utc), "DateUtc"
    raise VendorPayloadError("Timestamp", "is missing (or DateUtc and TimeUtc)")


def _facts(read: GenetecRead) -> dict[str, str]:
    """Attributes and PlateAnalytics as one {key: value}, "-" values dropped."""
    facts = {key: text for key, value in read.attributes.items() if (text := _text(value))}
    for entry in read.analytics:
        text = _text(entry.Value)
        if text:
            facts.setdefault(entry.Key, text)
    return facts


def _confidence(read: GenetecRead, facts: dict[str, str]) -> float | None:
    raw = _text(read.confidence) or facts.get("Confidence Score")
    if raw is None:
        return None
    try:
        return as_fraction(float(raw))
    except ValueError:
        raise VendorPayloadError("ConfidenceScore", "must be a number (percent)") from None


def _event_id(read: GenetecRead, captured_at: datetime) -> str:
    guid = (read.read_id or "").strip().lower()
    if guid and guid != _EMPTY_GUID:
        return f"genetec:{guid}"[:128]
    material = "|".join(
        [read.unit or "", read.camera or "", captured_at.isoformat(), read.plate.upper()]
    )
    return "genetec:" + hashlib.sha256(material.encode()).hexdigest()[:32]


def _image(read: GenetecRead) -> bytes | None:
    if read.context_image:
        image = decode_base64_image(read.context_image, field="ContextImage")
        if image:
            return image
    if read.plate_image:
        return decode_base64_image(read.plate_image, field="PlateImage")
    return None


def parse_genetec(payload: dict) -> list[VendorRead]:
    """Map one AutoVu read to a list of one `VendorRead` with its decoded image.

    Raises `VendorPayloadError` naming the Genetec field, e.g. `PlateRead` or `DateUtc`.
    """
    read = parse_vendor_model(GenetecRead, payload)
    captured_at, time_field = _captured_at(read)
    facts = _facts(read)
    vehicle = Vehicle(
        type=facts.get("Vehicle Type"),
        make=facts.get("Vehicle Make"),
        model=facts.get("Vehicle Model"),
        color=facts.get("Vehicle Color"),
    )
    values = {
        "plate": read.plate,
        "captured_at": captured_at,
        "confidence": _confidence(read, facts),
        "event_id": _event_id(read, captured_at),
        "source_camera": _text(read.camera) or _text(read.unit),
        "region": _text(read.state) or facts.get("State Name"),
        "direction": facts.get("Relative Motion"),
        "vehicle": vehicle_or_none(vehicle),
    }
    sources = {
        "plate": "PlateRead" if "PlateRead" in payload else "Plate",
        "captured_at": time_field,
        "confidence": "ConfidenceScore",
        "event_id": "Id",
    }
    return [VendorRead(detection=build_detection(values, sources), image=_image(read))]
