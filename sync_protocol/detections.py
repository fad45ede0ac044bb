"""One detection's metadata as it crosses the wire, and the derived detection id.

``DetectionRecord`` is the per-detection model; batches of them travel in
``sync_protocol.messages.DetectionBatch`` in a columnar layout (see
``sync_protocol.columnar``). Images never travel; only their SHA-256 does.

Detection ids: a node should give each stored detection the id
``detection_uuid(stream_id, seq)``, a UUIDv8 derived from the stream and seq it
is stored under. Such ids cost nothing on the wire (the batch carries only
``stream_id`` and ``first_seq``), whereas a random UUIDv4 costs 16 incompressible
bytes per detection. Any other id is still accepted and travels explicitly.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated

from pydantic import Field

from sync_protocol.wire_types import (
    PlateText,
    RequestModel,
    Seq,
    Sha256Hex,
    ShortText,
    Token,
    UtcDatetime,
)

Pixel = Annotated[int, Field(ge=0, le=65_535)]
"""A pixel coordinate or size in the camera frame."""

BBox = tuple[Pixel, Pixel, Pixel, Pixel]
"""The plate's bounding box ``(x, y, w, h)`` in pixels of the camera frame."""


class Vehicle(RequestModel):
    """What the camera says about the vehicle; every attribute is optional."""

    type: ShortText | None = Field(default=None, description="car, van, truck, bus, motorcycle…")
    make: ShortText | None = Field(default=None, description="manufacturer, e.g. Ford")
    model: ShortText | None = Field(default=None, description="model, e.g. Transit")
    color: ShortText | None = Field(default=None, description="colour as the camera names it")


class DetectionRecord(RequestModel):
    """One plate read by one camera, as stored by the node under ``seq``."""

    id: uuid.UUID = Field(description="node detection id; ideally detection_uuid(stream, seq)")
    seq: Seq = Field(description="per-stream monotonic sequence number given at storage")
    event_id: Token | None = Field(default=None, description="camera's own id, for idempotency")
    camera_id: Token = Field(description="node camera that delivered the read")
    source_camera: Token | None = Field(default=None, description="vendor's own camera id")
    captured_at: UtcDatetime = Field(description="camera clock, UTC; never used for ordering")
    received_at: UtcDatetime = Field(description="node clock, UTC")
    plate: PlateText = Field(description="plate text as read")
    plate_norm: PlateText = Field(description="normalised plate text (sync_protocol.plate_rules)")
    confidence: float | None = Field(default=None, ge=0.0, le=1.0, description="OCR confidence")
    region: ShortText | None = Field(default=None, description="plate region, e.g. gb, eu-de")
    direction: ShortText | None = Field(default=None, description="approaching, receding…")
    bbox: BBox | None = Field(default=None, description="plate box (x, y, w, h) in pixels")
    vehicle: Vehicle | None = Field(default=None, description="vehicle attributes if known")
    image_sha256: Sha256Hex | None = Field(default=None, description="SHA-256 of the image")


def detection_uuid(stream_id: str, seq: int) -> uuid.UUID:
    """Return the UUIDv8 id a node gives the detection stored as ``(stream_id, seq)``.

    Layout (RFC 9562 UUIDv8): 60 bits of SHA-256(stream_id) | version 8 |
    variant | 62 bits of seq. Distinct streams collide only with probability
    ~n²/2⁶¹, and a v8 id can never equal a random v4 id.
    """
    if not 0 <= seq < 2**62:
        raise ValueError(f"seq {seq} outside 0..2**62-1")
    stream_bits = int.from_bytes(hashlib.sha256(stream_id.encode()).digest()[:8]) >> 4
    high = ((stream_bits >> 12) << 16) | (0x8 << 12) | (stream_bits & 0xFFF)  # 48 | ver | 12
    low = (0b10 << 62) | seq  # variant | 62
    return uuid.UUID(int=(high << 64) | low)


_SEQ_BITS = (1 << 62) - 1


def stream_prefix(stream_id: str) -> str:
    """The first 64 bits, as text (three groups), of every id ``detection_uuid`` gives the
    stream's reads: the stream's part of the id."""
    return str(detection_uuid(stream_id, 0))[:18]


def id_parts(value: uuid.UUID) -> tuple[str, int] | None:
    """``(stream_prefix, seq)`` of an id laid out as ``detection_uuid`` lays it out; None for
    an id of another version (its stream cannot be told from it)."""
    if value.version != 8:
        return None
    return str(value)[:18], value.int & _SEQ_BITS
