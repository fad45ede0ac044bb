"""Map the open-source OpenALPR daemon's (`alprd`) posts to plate reads.

`alprd` (openalpr/openalpr, `src/daemon.cpp`) posts one JSON object per video frame in
which it found plates: `alpr.toJson(results)` (`version`, `data_type: "alpr_results"`,
`epoch_time`, `results[]`) plus `uuid` (`<site_id>-cam<n>-<epoch ms>`), `camera_id`
(1..n in the order of the `stream =` lines), `site_id` and, when set, `company_id`. It
deletes a post from its queue on ANY HTTP answer (it only retries when the connection
itself fails), so whatever the node refuses is lost. Hence this mapping is lenient
wherever leniency loses nothing:

- a plate that does not validate is skipped and reported (`skipped`), the frame's other
  plates are stored;
- `epoch_time` in seconds (the daemon's documented sample) is taken as seconds;
- a frame without `uuid` gets a key derived from site, camera and time;
- `data_type` may be absent (older daemons).

A frame is refused only when nothing of it can be stored. Each plate keeps the event id
`uuid:plate_index` that the agent's `alpr_results` path gives, so the same frame is the
same read whichever endpoint it reached.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from local_node.ingest.vendors.base import (
    VendorPayloadError,
    VendorRead,
    epoch_ms_to_datetime,
    parse_vendor_model,
)
from local_node.ingest.vendors.openalpr import AlprPlate, frame_plate_read

# Below this an epoch is in seconds (1e11 s is the year 5138; 1e11 ms is 1973).
_SECONDS_BELOW = 100_000_000_000


def _frame_time(value: object) -> object:
    """The daemon's `epoch_time`: milliseconds, or seconds in its documented sample."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number (milliseconds since the Unix epoch)")
    try:
        if value < _SECONDS_BELOW:
            return datetime.fromtimestamp(value, tz=UTC)
        return epoch_ms_to_datetime(value)
    except (OverflowError, OSError, ValueError):
        raise ValueError("is not a plausible time") from None


class AlprdFrame(BaseModel):
    """One daemon post; `results` stay raw so that one bad plate does not sink the rest."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    data_type: str | None = None
    uuid: str | None = None
    camera_id: str | None = None
    site_id: str | None = None
    epoch_time: datetime
    results: list[Any] = Field(default_factory=list)

    _epoch = field_validator("epoch_time", mode="before")(_frame_time)


@dataclass(frozen=True)
class AlprdParsed:
    """The reads of one frame, and what was skipped (plates, or a plate's broken crop)."""

    reads: list[VendorRead] = field(default_factory=list)
    skipped: list[VendorPayloadError] = field(default_factory=list)


def _frame_key(frame: AlprdFrame) -> str:
    if frame.uuid and frame.uuid.strip():
        return frame.uuid.strip()
    # No uuid (not seen from a real daemon): a key that a resent frame reproduces.
    material = "|".join([frame.site_id or "", frame.camera_id or "", frame.epoch_time.isoformat()])
    return "alprd:" + hashlib.sha256(material.encode()).hexdigest()[:32]


def _plate_read(
    frame: AlprdFrame, key: str, index: int, plate: AlprPlate, skipped: list[VendorPayloadError]
) -> VendorRead:
    def read(result: AlprPlate) -> VendorRead:
        return frame_plate_read(
            uuid=key,
            camera_id=frame.camera_id,
            captured_at=frame.epoch_time,
            index=index,
            result=result,
        )

    try:
        return read(plate)
    except VendorPayloadError as exc:
        if not exc.field.endswith("plate_crop_jpeg"):
            raise
        # A broken crop must not cost the plate: keep the read, report the image lost.
        skipped.append(exc)
        return read(plate.model_copy(update={"plate_crop_jpeg": None}))


def parse_alprd(payload: dict) -> AlprdParsed:
    """Map one daemon post to one read per valid plate; report the plates skipped.

    Raises `VendorPayloadError` naming the field when the frame itself is unusable
    (`epoch_time`, a `data_type` other than `alpr_results`, `results` not a list) or when
    it has plates and none of them validates.
    """
    frame = parse_vendor_model(AlprdFrame, payload)
    if frame.data_type not in (None, "alpr_results"):
        raise VendorPayloadError(
            "data_type",
            f"{frame.data_type!r} is not the daemon's alpr_results; "
            "post Rekor agent data to /api/v1/ingest/openalpr",
        )
    key = _frame_key(frame)
    reads: list[VendorRead] = []
    skipped: list[VendorPayloadError] = []
    for index, raw in enumerate(frame.results):
        try:
            plate = parse_vendor_model(AlprPlate, raw, prefix=f"results[{index}]")
            reads.append(_plate_read(frame, key, index, plate, skipped))
        except VendorPayloadError as exc:
            skipped.append(exc)
    if skipped and not reads:
        raise skipped[0]
    return AlprdParsed(reads=reads, skipped=skipped)
