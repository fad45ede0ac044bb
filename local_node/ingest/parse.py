"""Turning a camera's HTTP body into a validated read and its image (native format)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import ValidationError

from local_node.errors import InvalidInput, PayloadTooLarge, UnsupportedMedia
from local_node.images.store import sniff_image_kind
from local_node.ingest.models import DetectionIn
from sync_protocol import json_depth

DECLARED_KINDS = {
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/pjpeg": "jpeg",
    "image/png": "png",
}


class MetadataInvalid(InvalidInput):
    """Metadata that fails validation; `errors` lists each field in FastAPI's shape."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or "body" for e in errors)
        super().__init__(f"invalid metadata: {fields}")
        self.errors = errors


def validation_errors(exc: ValidationError, prefix: str = "body") -> list[dict[str, Any]]:
    """Pydantic errors without the offending input (which may be huge or hostile)."""
    return [{"loc": [prefix, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]


def load_json_object(raw: bytes | str, *, where: str = "body") -> dict[str, Any]:
    """Decode a JSON object, refusing nesting deeper than any read needs before parsing."""
    try:
        value = json_depth.loads(raw)
    except json_depth.JsonTooDeep as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{where} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidInput(f"{where} must be a JSON object")
    return value


def parse_metadata(raw: bytes | str | dict[str, Any], *, where: str = "body") -> DetectionIn:
    """Validate metadata given as JSON text or an already-decoded object."""
    if isinstance(raw, (bytes, str)):
        raw = load_json_object(raw, where=where)
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where} must be a JSON object")
    try:
        return DetectionIn.model_validate(raw)
    except ValidationError as exc:
        raise MetadataInvalid(validation_errors(exc, where)) from None


def check_image(data: bytes, *, declared: str | None, limit: int) -> str:
    """Return the image kind by content; refuse other content or a contradicting declaration."""
    if len(data) > limit:
        raise PayloadTooLarge(f"image is {len(data)} bytes; the limit is {limit}")
    kind = sniff_image_kind(data)
    if kind is None:
        raise UnsupportedMedia("image is neither JPEG nor PNG (checked by its content)")
    declared_kind = DECLARED_KINDS.get((declared or "").split(";")[0].strip().lower())
    if declared and declared.lower().startswith("image/") and declared_kind != kind:
        raise UnsupportedMedia(f"image declared as {declared} but its content is {kind.upper()}")
    return kind


def decode_image_b64(value: Any, *, limit: int) -> bytes:
    """Decode the `image_b64` field of a JSON body, bounded before decoding."""
    if not isinstance(value, str):
        raise InvalidInput("image_b64 must be a base64 string")
    if len(value) > (limit * 4) // 3 + 8:
        raise PayloadTooLarge(f"image_b64 decodes to more than the limit of {limit} bytes")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("image_b64 is not valid base64") from None
