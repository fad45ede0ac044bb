"""Map Hikvision ANPR alarms (ISAPI `EventNotificationAlert`, eventType ANPR) to plate reads.

A camera set to push alarms to an HTTP host ("alarm server" / "HTTP listening") posts
every alarm to the same URL: ANPR reads as multipart (`anpr.xml` and up to three
pictures), and other alarms (video loss, motion, heartbeats with `eventState inactive`)
as XML. The camera retries a refused post, so everything that is not an ANPR read is
acknowledged and ignored; an ANPR alarm whose plate is `unknown` (a vehicle seen, its
plate not read) is ignored too.

Picture: one image is stored per read. The scene (`detectionPicture`, else the vehicle
crop `vehiclePicture`) is preferred to the plate crop (`licensePlatePicture`): it shows
the vehicle (colour, type, make — evidence a person checks a hit against), it is the
picture the XML's `plateRect` refers to, and a plate crop can be cut from the scene while
the scene cannot be had from the crop. The plate crop is stored when it is all the
camera sent.

`plateRect` is not stored as the box: its units differ between firmware (pixels on some,
0–1000 of the frame on others, and the samples' aspect ratios suggest the latter), so a
box could not be trusted to mark the plate.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from local_node.ingest.models import Vehicle
from local_node.ingest.vendors.base import (
    VendorPayloadError,
    VendorRead,
    as_fraction,
    build_detection,
    short_text,
    vehicle_or_none,
)
from local_node.ingest.vendors.isapi_xml import child, parse_xml, text
from local_node.ingest.vendors.multipart_parts import Part

ROOT = "EventNotificationAlert"
ANPR = f"{ROOT}/ANPR"

# Picture part names (lower case, without extension), best first; see the module docstring.
SCENE_PICTURES = ("detectionpicture", "vehiclepicture", "backgroundpicture")
PLATE_PICTURE = "licenseplatepicture"

# What the camera writes where it read nothing; stored, these would pollute every facet.
_NOTHING = {"", "unknown", "none", "null"}
# `vehicleType` "vehicle" only says that a vehicle was there.
_NO_TYPE = _NOTHING | {"vehicle", "other"}
# `countryAbbreviation` when the country was not recognised.
_NO_COUNTRY = _NOTHING | {"non"}
_SHORT_OFFSET = re.compile(r"([+-])(\d:\d\d)$")
# The event UUID of current firmware is 64 characters; a longer value is hashed into the key.
_MAX_UUID = 100


@dataclass(frozen=True)
class HikvisionParsed:
    """What one alarm post meant: a read to store, or the reason it is acknowledged only."""

    read: VendorRead | None = None
    ignored: str | None = None


def _stem(label: str) -> str:
    return label.rsplit("/", 1)[-1].split(".", 1)[0].strip().lower()


def is_xml_part(part: Part) -> bool:
    """An ISAPI XML part: named `*.xml`, or declared as XML."""
    return part.label.lower().endswith(".xml") or "xml" in part.media_type


def find_xml_part(parts: list[Part]) -> Part | None:
    """The alarm document: the part named or declared as XML, else the first that looks like XML."""
    for part in parts:
        if is_xml_part(part):
            return part
    return next((p for p in parts if p.data.lstrip().startswith(b"<")), None)


def choose_picture(parts: list[Part]) -> Part | None:
    """The picture to store: the scene, else the plate crop, else any other non-XML part."""
    document = find_xml_part(parts)
    pictures = [p for p in parts if p is not document and not is_xml_part(p) and p.data]
    by_stem = {_stem(p.label): p for p in reversed(pictures)}
    for stem in (*SCENE_PICTURES, PLATE_PICTURE):
        if stem in by_stem:
            return by_stem[stem]
    return pictures[0] if pictures else None


def _time(alert: Element) -> datetime:
    where = f"{ROOT}/dateTime"
    value = text(alert, "dateTime")
    if value is None:
        raise VendorPayloadError(where, "is missing")
    # Old firmware writes the offset without its leading zero ("-8:00").
    value = _SHORT_OFFSET.sub(r"\g<1>0\g<2>", value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise VendorPayloadError(where, "is not an ISO 8601 date and time") from None
    # A time without an offset is taken as UTC, as for the native endpoint.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _confidence(anpr: Element) -> float | None:
    value = text(anpr, "confidenceLevel")
    if value is None:
        return None
    try:
        return as_fraction(float(value))
    except ValueError:
        raise VendorPayloadError(f"{ANPR}/confidenceLevel", "is not a number") from None


def source_camera(alert: Element) -> str | None:
    """The sending device (MAC, else IP address) and channel, e.g. `bc:5e:33:62:2a:5c/1`."""
    device = text(alert, "macAddress") or text(alert, "ipAddress") or text(alert, "deviceID")
    if device is None:
        return None
    channel = text(alert, "channelID") or text(alert, "dynChannelID")
    return short_text(f"{device}/{channel}" if channel else device)


def event_key(alert: Element, captured_at: datetime, plate: str) -> str:
    """`hikvision:` + the alarm's `UUID`; without one, a hash of device, channel, time and plate.

    A resent alarm (the camera's retry, or its upload of alarms stored while the network
    was down, `isDataRetransmission`) keeps its UUID, so it maps to the same read.
    """
    uuid = text(alert, "UUID")
    if uuid and len(uuid) <= _MAX_UUID:
        return f"hikvision:{uuid}"
    material = "|".join(
        [
            uuid or "",
            source_camera(alert) or "",
            captured_at.astimezone(UTC).isoformat(),
            plate.strip().upper(),
        ]
    )
    return "hikvision:" + hashlib.sha256(material.encode()).hexdigest()[:32]


def _vehicle(anpr: Element) -> Vehicle | None:
    kind = text(anpr, "vehicleType")
    color = text(child(anpr, "vehicleInfo"), "color")
    # `vehicleLogoRecog` is a numeric brand code from a table Hikvision does not publish.
    return vehicle_or_none(
        Vehicle(
            type=short_text(kind) if (kind or "").lower() not in _NO_TYPE else None,
            color=short_text(color) if (color or "").lower() not in _NOTHING else None,
        )
    )


def _optional(value: str | None, nothing: set[str]) -> str | None:
    return short_text(value) if (value or "").lower() not in nothing else None


def parse_hikvision(xml: bytes, picture: bytes | None, *, field: str = "body") -> HikvisionParsed:
    """Map one alarm's XML (and the chosen picture) to a read, or to an acknowledged ignore.

    `field` names where the XML came from (`body`, or the multipart part's name) in the
    error of a document that is not well-formed. Raises `VendorPayloadError` naming the
    element path, e.g. `EventNotificationAlert/ANPR/licensePlate`.
    """
    alert = parse_xml(xml, field=field)
    if alert.tag != ROOT:
        raise VendorPayloadError(ROOT, f"the document's root element is <{alert.tag[:40]}>")
    event_type = text(alert, "eventType")
    if event_type is None:
        raise VendorPayloadError(f"{ROOT}/eventType", "is missing")
    if event_type.upper() != "ANPR":
        return HikvisionParsed(ignored=short_text(event_type))
    if (text(alert, "eventState") or "active").lower() == "inactive":
        return HikvisionParsed(ignored="ANPR (inactive)")
    anpr = child(alert, "ANPR")
    if anpr is None:
        raise VendorPayloadError(ANPR, "is missing")
    if child(anpr, "licensePlate") is None:
        raise VendorPayloadError(f"{ANPR}/licensePlate", "is missing")
    plate = text(anpr, "licensePlate")
    if plate is None:
        raise VendorPayloadError(f"{ANPR}/licensePlate", "is empty")
    if plate.lower() in _NOTHING:
        return HikvisionParsed(ignored="ANPR without a plate")
    captured_at = _time(alert)
    values = {
        "plate": plate,
        "captured_at": captured_at,
        "confidence": _confidence(anpr),
        "event_id": event_key(alert, captured_at, plate),
        "source_camera": source_camera(alert),
        "region": _optional(text(alert, "countryAbbreviation"), _NO_COUNTRY),
        "direction": _optional(text(anpr, "direction"), _NOTHING),
        "vehicle": _vehicle(anpr),
    }
    sources = {
        "plate": f"{ANPR}/licensePlate",
        "captured_at": f"{ROOT}/dateTime",
        "confidence": f"{ANPR}/confidenceLevel",
        "event_id": f"{ROOT}/UUID",
        "source_camera": f"{ROOT}/macAddress",
    }
    return HikvisionParsed(
        read=VendorRead(detection=build_detection(values, sources), image=picture or None)
    )
