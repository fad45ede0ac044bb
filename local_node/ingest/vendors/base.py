"""What every vendor mapper shares: the mapped read, the payload error and small converters.

A vendor payload goes through two validations. Its own pydantic model (extra fields
ignored, because vendors add fields between versions) checks the vendor's shape; the
mapped values then go through `DetectionIn`, and any error there is reported against
the vendor field it came from, so a camera integrator reads `data.results[0].plate`,
never our internal field name.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from local_node.ingest.models import MAX_TEXT_CHARS, DetectionIn, Vehicle
from sync_protocol import json_depth
from sync_protocol.wire_types import strip_control_characters

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class VendorRead:
    """One plate read mapped from a vendor payload, with the image that came with it.

    `refinable`: the vendor re-sends the same event as its reading improves (Frigate's
    tracked object, a Rekor group after its previews), so a later copy with a higher
    confidence, or a final one after a `preview`, replaces the stored reading instead of
    being answered as a plain repeat.
    """

    detection: DetectionIn
    image: bytes | None = None
    refinable: bool = False
    preview: bool = False


class VendorPayloadError(ValueError):
    """A vendor payload that cannot be mapped; `field` is the vendor's path to the culprit.

    The API layer answers 422 with `str(error)`, which names the field first.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def field_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """Render a pydantic error location as `data.results[0].plate` under `prefix`."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def parse_vendor_model(model: type[M], payload: object, *, prefix: str = "") -> M:
    """Validate `payload` against a vendor model; raise `VendorPayloadError` naming the field."""
    if not isinstance(payload, Mapping):
        raise VendorPayloadError(prefix or "body", "must be a JSON object")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise VendorPayloadError(field_path(first["loc"], prefix), first["msg"]) from None


def decode_json_object(raw: str | bytes, *, field: str = "body") -> dict[str, Any]:
    """Decode a JSON object (a multipart `json` part, an MQTT payload) or raise naming `field`."""
    try:
        value = json_depth.loads(raw)
    except json_depth.JsonTooDeep as exc:
        raise VendorPayloadError(field, str(exc)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VendorPayloadError(field, f"not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise VendorPayloadError(field, "must be a JSON object")
    return value


def build_detection(values: dict[str, Any], sources: Mapping[str, str]) -> DetectionIn:
    """Validate mapped values as a `DetectionIn`, reporting errors at the vendor's field.

    `sources` maps each DetectionIn field to the vendor path it was taken from.
    """
    try:
        return DetectionIn.model_validate(values)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = first["loc"]
        ours = str(loc[0]) if loc else ""
        where = sources.get(ours) or field_path(loc)
        message = str(first["msg"]).removeprefix("Value error, ")
        raise VendorPayloadError(where, message) from None


def as_fraction(value: float | None) -> float | None:
    """Confidence as 0–1: vendors send fractions or percents, and anything above 1 is a percent.

    Values above 100 or below 0 are returned as they are so that validation names them.
    """
    if value is None or math.isnan(value):
        return None
    if 1.0 < value <= 100.0:
        return value / 100.0
    return value


def direction_text(degrees: float | None) -> str | None:
    """Direction of travel as `"86°"`.

    Both Plate Recognizer and OpenALPR give the angle in the image plane (0 at the top,
    clockwise), not a bearing on the ground, so a compass word would claim more than the
    camera knows. Rounded to whole degrees and folded into 0–359.
    """
    if degrees is None or not math.isfinite(degrees):
        return None
    return f"{round(degrees) % 360}°"


def short_text(value: object) -> str | None:
    """A vendor's descriptive text (make, colour, region), trimmed to what we store.

    Descriptive fields never refuse a read: blank becomes None, overlong is cut, control
    characters (which the read model refuses) are dropped.
    """
    if value is None:
        return None
    text = strip_control_characters(str(value)).strip()
    return text[:MAX_TEXT_CHARS] or None


def box_to_bbox(
    xmin: float, ymin: float, xmax: float, ymax: float
) -> tuple[int, int, int, int] | None:
    """Corner box to `[x, y, w, h]`; a degenerate box is dropped rather than refusing the read.

    Negative corners (a box reaching past the frame edge) are clipped to 0 first; a box with
    a corner that is not a finite number (JSON's `NaN`, `Infinity`) is dropped.
    """
    if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)):
        return None
    left, top = max(0, round(xmin)), max(0, round(ymin))
    right, bottom = round(xmax), round(ymax)
    if right <= left or bottom <= top:
        return None
    return (left, top, right - left, bottom - top)


def points_to_bbox(points: Sequence[tuple[float, float]]) -> tuple[int, int, int, int] | None:
    """The upright rectangle around a plate's corner points (OpenALPR `coordinates`)."""
    if not points:
        return None
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    return box_to_bbox(min(xs), min(ys), max(xs), max(ys))


def decode_base64_image(value: str, *, field: str) -> bytes | None:
    """Decode a base64 image string (data-URL prefix tolerated); empty means no image."""
    text = value.strip()
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    if not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise VendorPayloadError(field, "is not valid base64") from None


def epoch_ms_to_datetime(value: float) -> datetime:
    """Milliseconds since the Unix epoch (OpenALPR's clock fields) as UTC."""
    return datetime.fromtimestamp(value / 1000.0, tz=UTC)


def vehicle_or_none(vehicle: Vehicle) -> Vehicle | None:
    """None instead of a vehicle that says nothing, so stored rows stay clean."""
    return vehicle if any(vehicle.model_dump().values()) else None
