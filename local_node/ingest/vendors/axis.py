"""Map AXIS License Plate Verifier (FF Group's LPR app on Axis cameras) push events to reads.

The app's "Push events" (HTTP POST) send one JSON event per vehicle state — `new` on the
first reading, `update` when the plate text, direction or zone changes, `lost` when the
vehicle has left (the final reading) — either as `multipart/form-data` with a part
`event` (the JSON) and a part `image` (a JPEG), or as `application/json` with the
pictures as base64 in `ImageArray`. Every value is a string, numbers included.

All events of one vehicle share its `carID`, so they map to one read: the key is the
camera and the carID, the read is `refinable`, and `new`/`update` are `preview`s of the
final `lost`, so a better or final reading replaces the first one (see `VendorRead`).
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict, Field, field_validator

from local_node.ingest.models import Vehicle
from local_node.ingest.vendors.base import (
    VendorPayloadError,
    VendorRead,
    as_fraction,
    box_to_bbox,
    build_detection,
    decode_base64_image,
    epoch_ms_to_datetime,
    parse_vendor_model,
    short_text,
    vehicle_or_none,
)

# `datetime`: "YYYYMMDD HHMMSSFFF" with an optional "+HHMM"; it is the camera's local time.
_DATETIME = re.compile(r"^(\d{8}) ?(\d{6})(\d{3})? ?([+-]\d{4})?$")
_NOTHING = {"", "unknown", "unk", "null", "none"}
# States of a vehicle before its final (`lost`) event; "updated" is the older apps' word.
PREVIEW_STATES = {"new", "update", "updated"}
# No camera frame is wider or taller than this many pixels.
MAX_PIXELS = 100_000


class _Vendor(BaseModel):
    # The app adds fields between versions and sends every number as a string.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, populate_by_name=True)


class AxisCameraInfo(_Vendor):
    """`camera_info`: the camera that sent the event."""

    SerialNumber: str | None = None
    MACAddress: str | None = None
    ProdShortName: str | None = None


class AxisVehicleInfo(_Vendor):
    """`vehicle_info`: type, colour and (with the MMR option) make and model."""

    type: str | None = None
    color: str | None = None
    brand: str | None = None
    make: str | None = None
    model: str | None = None


class AxisImage(_Vendor):
    """One entry of `ImageArray` (JSON posts): a picture as base64."""

    ImageType: str | None = None
    ImageFormat: str | None = None
    BinaryImage: str | None = None


class AxisEvent(_Vendor):
    """One push event of the License Plate Verifier."""

    plateUTF8: str | None = None
    plateASCII: str | None = None
    plateUnicode: str | None = None
    plateText: str | None = None
    plateConfidence: float | None = None
    plateCountry: str | None = None
    plateISO3166_2: str | None = Field(default=None, alias="plateISO3166-2")
    carState: str | None = None
    carID: str | None = None
    carMoveDirection: str | None = None
    capture_timestamp: int | None = None
    capture_ts: int | None = None
    local_datetime: str | None = Field(default=None, alias="datetime")
    plateCoordinates: list[float] | None = None
    sensorProviderID: str | None = None
    camera_info: AxisCameraInfo | None = None
    vehicle_info: AxisVehicleInfo | None = None
    ImageArray: list[AxisImage] | None = None

    @field_validator(
        "plateConfidence", "capture_timestamp", "capture_ts", "plateCoordinates", mode="before"
    )
    @classmethod
    def _blank_is_absent(cls, value: object) -> object:
        # The app sends "" (and "0" for timestamps) where it has no value.
        if value in ("", "0", 0):
            return None
        return value


def _plate(event: AxisEvent) -> str:
    for value in (event.plateUTF8, event.plateASCII, event.plateUnicode, event.plateText):
        if value and value.strip():
            return value.strip()
    raise VendorPayloadError("plateUTF8", "is missing or empty")


def _parse_local_datetime(value: str) -> datetime:
    match = _DATETIME.match(value.strip())
    if not match:
        raise VendorPayloadError("datetime", "is not YYYYMMDD HHMMSSFFF")
    day, clock, millis, offset = match.groups()
    try:
        moment = datetime.strptime(day + clock, "%Y%m%d%H%M%S")
    except ValueError:
        raise VendorPayloadError("datetime", "is not a valid date and time") from None
    moment += timedelta(milliseconds=int(millis or 0))
    if offset:
        sign = 1 if offset[0] == "+" else -1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        return moment.replace(tzinfo=timezone(sign * delta))
    return moment.replace(tzinfo=UTC)


def captured_at(event: AxisEvent) -> datetime:
    """`capture_timestamp` (ms, UTC), else `capture_ts` (ns), else `datetime`.

    `datetime` is the camera's local time without an offset in every sample, so it is the
    last resort (taken as UTC unless it carries `+HHMM`).
    """
    try:
        if event.capture_timestamp is not None:
            return epoch_ms_to_datetime(event.capture_timestamp)
        if event.capture_ts is not None:
            return epoch_ms_to_datetime(event.capture_ts / 1_000_000)
    except (OverflowError, OSError, ValueError):
        raise VendorPayloadError("capture_timestamp", "is not a plausible time") from None
    if event.local_datetime:
        return _parse_local_datetime(event.local_datetime)
    raise VendorPayloadError("capture_timestamp", "is missing (and so is datetime)")


def source_camera(event: AxisEvent) -> str | None:
    """The camera's serial number, else its MAC address, else the app's sensor id."""
    info = event.camera_info or AxisCameraInfo()
    for value in (info.SerialNumber, info.MACAddress, event.sensorProviderID):
        if value and value.strip():
            return short_text(value)
    return None


def event_key(event: AxisEvent, plate: str, at: datetime) -> str:
    """`axis:` + a hash of the camera and `carID`; without a carID, of camera, time and plate.

    The plate is left out when there is a carID on purpose: an `update` may change it,
    and it is still the same vehicle.
    """
    camera = source_camera(event) or ""
    if event.carID and event.carID.strip():
        material = f"{camera}|car|{event.carID.strip()}"
    else:
        material = f"{camera}|{at.astimezone(UTC).isoformat()}|{plate.upper()}"
    return "axis:" + hashlib.sha256(material.encode()).hexdigest()[:32]


def _bbox(coordinates: list[float] | None) -> tuple[int, int, int, int] | None:
    # `plateCoordinates` is [left, top, width, height] in pixels of the frame. A value no
    # frame can have (NaN, infinite, beyond any sensor) drops the box, not the read.
    if coordinates is None or len(coordinates) != 4:
        return None
    if not all(math.isfinite(c) and abs(c) <= MAX_PIXELS for c in coordinates):
        return None
    left, top, width, height = coordinates
    return box_to_bbox(left, top, left + width, top + height)


def _known(value: str | None) -> str | None:
    return short_text(value) if (value or "").strip().lower() not in _NOTHING else None


def _vehicle(info: AxisVehicleInfo | None) -> Vehicle | None:
    if info is None:
        return None
    return vehicle_or_none(
        Vehicle(
            type=_known(info.type),
            make=_known(info.brand or info.make),
            model=_known(info.model),
            color=_known(info.color),
        )
    )


def _inline_image(event: AxisEvent) -> bytes | None:
    for index, item in enumerate(event.ImageArray or []):
        if item.BinaryImage:
            return decode_base64_image(item.BinaryImage, field=f"ImageArray[{index}].BinaryImage")
    return None


def parse_axis(event: dict, image: bytes | None) -> VendorRead:
    """Map one push event (and the `image` part, if any) to one read.

    Without an `image` part the first `ImageArray` picture is used. Raises
    `VendorPayloadError` naming the app's field, e.g. `plateUTF8`.
    """
    parsed = parse_vendor_model(AxisEvent, event)
    plate = _plate(parsed)
    at = captured_at(parsed)
    state = (parsed.carState or "").strip().lower()
    values = {
        "plate": plate,
        "captured_at": at,
        "confidence": as_fraction(parsed.plateConfidence),
        "event_id": event_key(parsed, plate, at),
        "source_camera": source_camera(parsed),
        "region": _known(parsed.plateISO3166_2) or _known(parsed.plateCountry),
        "direction": _known(parsed.carMoveDirection),
        "bbox": _bbox(parsed.plateCoordinates),
        "vehicle": _vehicle(parsed.vehicle_info),
    }
    sources = {
        "plate": "plateUTF8",
        "captured_at": "capture_timestamp",
        "confidence": "plateConfidence",
        "source_camera": "camera_info.SerialNumber",
    }
    has_car = bool(parsed.carID and parsed.carID.strip())
    return VendorRead(
        detection=build_detection(values, sources),
        image=image or _inline_image(parsed),
        refinable=has_car,
        preview=has_car and state in PREVIEW_STATES,
    )
