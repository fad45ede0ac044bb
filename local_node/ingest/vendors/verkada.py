"""Map Verkada Command webhooks of type `lpr` to plate reads; every other type is ignored.

Verkada posts `{"webhook_type", "webhook_id", "org_id", "created_at", "data": {...}}`.
An `lpr` webhook's `data` carries `camera_id`, `created` (detection time, epoch
seconds), `license_plate_number`, `confidence` (0–1) and, since 2025, `detected`
(epoch ms), `crop`, `image_url` and `license_plate_state`.

The image is only a URL. It is never fetched: the node makes no outbound call to an
address a sender chose. The read is stored without an image.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from local_node.ingest.vendors.base import (
    VendorRead,
    as_fraction,
    build_detection,
    parse_vendor_model,
    short_text,
)
from local_node.ingest.vendors.epoch import epoch_parser


class _Vendor(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class VerkadaLprData(_Vendor):
    """`data` of an `lpr` webhook."""

    camera_id: str = Field(min_length=1)
    created: datetime
    license_plate_number: str = Field(min_length=1)
    confidence: float | None = None
    license_plate_state: str | None = None
    image_url: str | None = None

    _created = field_validator("created", mode="before")(epoch_parser(1, "seconds"))


class VerkadaLprWebhook(_Vendor):
    """A whole `lpr` webhook."""

    webhook_type: str
    org_id: str | None = None
    data: VerkadaLprData


class _Envelope(_Vendor):
    webhook_type: str = Field(min_length=1)


@dataclass(frozen=True)
class VerkadaParsed:
    """What one webhook meant: `kind` "lpr" with its read, or another type to ignore."""

    kind: str
    reads: list[VendorRead] = field(default_factory=list)


def event_key(camera_id: str, created: datetime, plate: str) -> str:
    """`verkada:` + a hash of camera, detection second and plate.

    `webhook_id` is not used: Verkada documents it only as "the unique identifier of the
    webhook", which may name the subscription rather than this one event, and a key
    shared by every read would store only the first.
    """
    material = "|".join([camera_id, str(int(created.timestamp())), plate.strip().upper()])
    return "verkada:" + hashlib.sha256(material.encode()).hexdigest()[:32]


def parse_verkada(payload: dict) -> VerkadaParsed:
    """Map one webhook: `lpr` gives one read (no image); other types give `kind` only.

    Raises `VendorPayloadError` naming the Verkada field, e.g.
    `data.license_plate_number`, when an `lpr` webhook does not validate.
    """
    kind = parse_vendor_model(_Envelope, payload).webhook_type.strip()
    if kind.lower() != "lpr":
        return VerkadaParsed(kind=kind)
    data = parse_vendor_model(VerkadaLprWebhook, payload).data
    values = {
        "plate": data.license_plate_number,
        "captured_at": data.created,
        "confidence": as_fraction(data.confidence),
        "event_id": event_key(data.camera_id, data.created, data.license_plate_number),
        "source_camera": short_text(data.camera_id),
        "region": short_text(data.license_plate_state),
    }
    sources = {
        "plate": "data.license_plate_number",
        "captured_at": "data.created",
        "confidence": "data.confidence",
        "source_camera": "data.camera_id",
    }
    return VerkadaParsed(kind="lpr", reads=[VendorRead(detection=build_detection(values, sources))])
