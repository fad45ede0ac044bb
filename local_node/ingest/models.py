"""The validated shape of one plate read, whatever format the camera spoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sync_protocol.plate_rules import normalize_plate
from sync_protocol.wire_types import refuse_control_characters

MAX_PLATE_CHARS = 32
MAX_TEXT_CHARS = 64
# A camera clock this far from the node's is broken, not merely skewed.
MAX_CLOCK_DISTANCE = timedelta(days=3650)
MAX_FUTURE = timedelta(days=2)


class Vehicle(BaseModel):
    """What the camera says about the vehicle; every field optional and bounded."""

    model_config = ConfigDict(extra="ignore")

    type: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    make: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    model: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    color: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)

    @field_validator("*")
    @classmethod
    def _printable(cls, value: object) -> object:
        return refuse_control_characters(value) if isinstance(value, str) else value


class DetectionIn(BaseModel):
    """One plate read as a camera reports it (native metadata, or mapped from a vendor format)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    plate: str = Field(min_length=1, max_length=MAX_PLATE_CHARS, description="Plate text as read")
    captured_at: datetime = Field(description="Camera clock, RFC 3339; naive times are UTC")
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    event_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="The camera's own id for this read; a repeat is answered, not stored twice",
    )
    camera_id: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    source_camera: str | None = Field(
        default=None,
        max_length=MAX_TEXT_CHARS,
        description="A vendor's own camera id (lane-2, 1180447723, a Frigate name), kept as is",
    )
    region: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    direction: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    bbox: tuple[int, int, int, int] | None = Field(default=None, description="[x, y, w, h]")
    vehicle: Vehicle | None = None

    @field_validator("*")
    @classmethod
    def _printable(cls, value: object) -> object:
        # Camera text is stored and shown as is: no NUL (PostgreSQL refuses it), no ESC.
        return refuse_control_characters(value) if isinstance(value, str) else value

    @field_validator("plate")
    @classmethod
    def _has_plate_characters(cls, value: str) -> str:
        # Stored, such a read would have an empty normalised plate that no search finds.
        if not normalize_plate(value):
            raise ValueError("plate has no letters or digits")
        return value

    @field_validator("captured_at")
    @classmethod
    def _plausible_time(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        now = datetime.now(UTC)
        if value > now + MAX_FUTURE:
            raise ValueError("captured_at is more than 2 days in the future")
        if value < now - MAX_CLOCK_DISTANCE:
            raise ValueError("captured_at is more than 10 years in the past")
        return value

    @field_validator("bbox")
    @classmethod
    def _non_negative_box(cls, value: tuple[int, int, int, int] | None) -> tuple | None:
        if value is not None and (min(value) < 0 or value[2] == 0 or value[3] == 0):
            raise ValueError("bbox must be [x, y, w, h] with x, y >= 0 and w, h > 0")
        return value
