"""Map Rekor Scout / OpenALPR agent posts (`alpr_group`, `alpr_results`, `heartbeat`).

The agent posts every JSON value it produces to one URL and tells them apart by
`data_type`. A group (`alpr_group`) is the agent's verdict on one vehicle and is what we
store; per-frame results (`alpr_results`) repeat the same plate many times per vehicle
and are stored only when asked (`store_frames=True`); a heartbeat reports camera health.
Any other `data_type` (alerts, newer kinds) is acknowledged and ignored, because the agent
retries a refused post forever and one unknown kind would block its whole queue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from local_node.ingest.models import Vehicle
from local_node.ingest.vendors.base import (
    VendorPayloadError,
    VendorRead,
    as_fraction,
    build_detection,
    decode_base64_image,
    direction_text,
    epoch_ms_to_datetime,
    parse_vendor_model,
    points_to_bbox,
    short_text,
    vehicle_or_none,
)


def _epoch_ms(value: object) -> object:
    """Accept the agent's millisecond epochs; reject what cannot be a time."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be milliseconds since the Unix epoch")
    try:
        return epoch_ms_to_datetime(value)
    except (OverflowError, OSError, ValueError):
        raise ValueError("is not a plausible time in milliseconds") from None


class _Vendor(BaseModel):
    # The agent adds fields in every release; camera ids are numbers we keep as text.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class AlprPoint(_Vendor):
    """One corner of a plate (`coordinates[]`)."""

    x: float
    y: float


class AlprGuess(_Vendor):
    """One `{name, confidence}` guess of a vehicle attribute."""

    name: str | None = None
    confidence: float = 0.0


class AlprVehicle(_Vendor):
    """`vehicle`: ranked guesses per attribute."""

    color: list[AlprGuess] = Field(default_factory=list)
    make: list[AlprGuess] = Field(default_factory=list)
    make_model: list[AlprGuess] = Field(default_factory=list)
    body_type: list[AlprGuess] = Field(default_factory=list)


class AlprPlate(_Vendor):
    """A plate in one frame (`best_plate`, or an entry of `results[]`)."""

    plate: str | None = None
    confidence: float | None = None
    region: str | None = None
    plate_index: int | None = None
    coordinates: list[AlprPoint] = Field(default_factory=list)
    plate_crop_jpeg: str | None = None


class AlprGroup(_Vendor):
    """`data_type: alpr_group` — the agent's best reading of one vehicle."""

    best_plate_number: str = Field(min_length=1)
    best_confidence: float | None = None
    best_region: str | None = None
    best_uuid: str | None = None
    uuids: list[str] = Field(default_factory=list)
    agent_uid: str | None = None
    camera_id: str | None = None
    epoch_start: datetime
    travel_direction: float | None = None
    vehicle: AlprVehicle | None = None
    best_plate: AlprPlate | None = None
    vehicle_crop_jpeg: str | None = None
    is_preview: bool = False

    _epoch = field_validator("epoch_start", mode="before")(_epoch_ms)


class AlprResults(_Vendor):
    """`data_type: alpr_results` — every plate seen in one video frame."""

    uuid: str = Field(min_length=1)
    camera_id: str | None = None
    epoch_time: datetime
    results: list[AlprPlate] = Field(default_factory=list)

    _epoch = field_validator("epoch_time", mode="before")(_epoch_ms)


class AlprVideoStream(_Vendor):
    """One camera in a heartbeat's `video_streams`."""

    camera_id: str
    camera_name: str | None = None
    fps: float | None = None
    is_streaming: bool | None = None
    last_update: datetime | None = None
    last_plate_read: datetime | None = None

    _epoch = field_validator("last_update", "last_plate_read", mode="before")(_epoch_ms)


class AlprHeartbeat(_Vendor):
    """`data_type: heartbeat` — sent by the agent every minute."""

    agent_uid: str | None = None
    agent_version: str | None = None
    agent_hostname: str | None = None
    timestamp: datetime | None = None
    video_streams: list[AlprVideoStream] = Field(default_factory=list)

    _epoch = field_validator("timestamp", mode="before")(_epoch_ms)


class _Envelope(_Vendor):
    data_type: str = Field(min_length=1)


@dataclass(frozen=True)
class CameraHealth:
    """One agent camera's state from a heartbeat.

    The stream URL is left out on purpose: it often carries the camera's password.
    """

    camera_id: str
    camera_name: str | None
    fps: float | None
    is_streaming: bool | None
    last_update: datetime | None
    last_plate_read: datetime | None


@dataclass(frozen=True)
class AgentHeartbeat:
    """An agent's heartbeat, for the node to update camera health."""

    agent_uid: str | None
    agent_version: str | None
    agent_hostname: str | None
    timestamp: datetime | None
    video_streams: tuple[CameraHealth, ...]


@dataclass(frozen=True)
class OpenAlprParsed:
    """What one agent post meant: reads to store, a heartbeat, or nothing.

    `kind` is the post's `data_type` ("alpr_group", "alpr_results", "heartbeat") or
    "ignored" for any other type; `reads` is empty unless there is something to store.
    """

    kind: Literal["alpr_group", "alpr_results", "heartbeat", "ignored"]
    reads: list[VendorRead] = field(default_factory=list)
    heartbeat: AgentHeartbeat | None = None
    data_type: str | None = None


def _best(guesses: list[AlprGuess]) -> str | None:
    named = [g for g in guesses if g.name and g.name.strip()]
    return max(named, key=lambda g: g.confidence).name if named else None


def _make_and_model(vehicle: AlprVehicle) -> tuple[str | None, str | None]:
    """Make and model from ONE candidate, so a kenworth is never stored as a Daily.

    The agent ranks `make` and `make_model` separately, and their best guesses may
    disagree (`make[0]` kenworth, `make_model[0]` iveco_daily). The model candidate names
    both (`<make>_<model>`), so when there is one it gives both; `make` is used only
    when there is no model guess at all.
    """
    make_model = _best(vehicle.make_model)
    if not make_model:
        return _best(vehicle.make), None
    prefix, sep, rest = make_model.partition("_")
    if sep and prefix and rest:
        return prefix, rest
    # A model name without its make: the separate make guess may be another vehicle's.
    return None, make_model


def _vehicle(vehicle: AlprVehicle | None) -> Vehicle | None:
    if vehicle is None:
        return None
    make, model = _make_and_model(vehicle)
    return vehicle_or_none(
        Vehicle(
            type=short_text(_best(vehicle.body_type)),
            make=short_text(make),
            model=short_text(model),
            color=short_text(_best(vehicle.color)),
        )
    )


def _group_event_id(group: AlprGroup) -> str:
    if group.best_uuid:
        return group.best_uuid
    if group.uuids:
        return group.uuids[0]
    # Old agents without uuids: derive a key that a resent post reproduces.
    material = "|".join(
        [
            group.agent_uid or "",
            group.camera_id or "",
            group.epoch_start.isoformat(),
            group.best_plate_number.strip().upper(),
        ]
    )
    return "openalpr:" + hashlib.sha256(material.encode()).hexdigest()[:32]


def _map_group(payload: dict) -> VendorRead:
    group = parse_vendor_model(AlprGroup, payload)
    best = group.best_plate
    image = None
    if best and best.plate_crop_jpeg:
        image = decode_base64_image(best.plate_crop_jpeg, field="best_plate.plate_crop_jpeg")
    if image is None and group.vehicle_crop_jpeg:
        image = decode_base64_image(group.vehicle_crop_jpeg, field="vehicle_crop_jpeg")
    values = {
        "plate": group.best_plate_number,
        "captured_at": group.epoch_start,
        "confidence": as_fraction(group.best_confidence),
        "event_id": _group_event_id(group),
        "source_camera": short_text(group.camera_id),
        "region": short_text(group.best_region),
        "direction": direction_text(group.travel_direction),
        "bbox": points_to_bbox([(p.x, p.y) for p in best.coordinates]) if best else None,
        "vehicle": _vehicle(group.vehicle),
    }
    sources = {
        "plate": "best_plate_number",
        "captured_at": "epoch_start",
        "confidence": "best_confidence",
        "event_id": "best_uuid",
        "source_camera": "camera_id",
    }
    # A preview is the agent's early guess, sent again as a final group with the same
    # uuid; both may be bettered by a later copy, so both are refinable.
    return VendorRead(
        detection=build_detection(values, sources),
        image=image,
        refinable=True,
        preview=group.is_preview,
    )


def frame_plate_read(
    *, uuid: str, camera_id: str | None, captured_at: datetime, index: int, result: AlprPlate
) -> VendorRead:
    """One plate of a frame (`results[index]`) as a read with event id `uuid:plate_index`.

    Shared by the agent's `alpr_results` and the open-source daemon (`alprd`), so one
    frame gives the same reads whichever endpoint it is posted to.
    """
    at = f"results[{index}]"
    if not result.plate or not result.plate.strip():
        raise VendorPayloadError(f"{at}.plate", "is missing or empty")
    image = None
    if result.plate_crop_jpeg:
        image = decode_base64_image(result.plate_crop_jpeg, field=f"{at}.plate_crop_jpeg")
    plate_index = result.plate_index if result.plate_index is not None else index
    values = {
        "plate": result.plate,
        "captured_at": captured_at,
        "confidence": as_fraction(result.confidence),
        # A frame's uuid names the frame; the plate index tells its plates apart.
        "event_id": f"{uuid}:{plate_index}",
        "source_camera": short_text(camera_id),
        "region": short_text(result.region),
        "bbox": points_to_bbox([(p.x, p.y) for p in result.coordinates]),
    }
    sources = {
        "plate": f"{at}.plate",
        "captured_at": "epoch_time",
        "confidence": f"{at}.confidence",
        "event_id": "uuid",
        "source_camera": "camera_id",
    }
    return VendorRead(detection=build_detection(values, sources), image=image)


def _map_frames(payload: dict) -> list[VendorRead]:
    frame = parse_vendor_model(AlprResults, payload)
    return [
        frame_plate_read(
            uuid=frame.uuid,
            camera_id=frame.camera_id,
            captured_at=frame.epoch_time,
            index=index,
            result=result,
        )
        for index, result in enumerate(frame.results)
    ]


def _map_heartbeat(payload: dict) -> AgentHeartbeat:
    beat = parse_vendor_model(AlprHeartbeat, payload)
    return AgentHeartbeat(
        agent_uid=beat.agent_uid,
        agent_version=beat.agent_version,
        agent_hostname=beat.agent_hostname,
        timestamp=beat.timestamp,
        video_streams=tuple(
            CameraHealth(
                camera_id=s.camera_id,
                camera_name=s.camera_name,
                fps=s.fps,
                is_streaming=s.is_streaming,
                last_update=s.last_update,
                last_plate_read=s.last_plate_read,
            )
            for s in beat.video_streams
        ),
    )


def parse_openalpr(payload: dict, *, store_frames: bool = False) -> OpenAlprParsed:
    """Map one agent post by its `data_type`.

    `alpr_group` gives one read; `alpr_results` gives one read per plate when
    `store_frames` is true and none otherwise (groups already cover every vehicle, and
    frames would store the same car dozens of times); `heartbeat` gives an
    `AgentHeartbeat`; other types are `kind="ignored"`. Raises `VendorPayloadError`
    naming the field when a post of a known type does not validate.
    """
    data_type = parse_vendor_model(_Envelope, payload).data_type
    if data_type == "alpr_group":
        return OpenAlprParsed(kind="alpr_group", reads=[_map_group(payload)], data_type=data_type)
    if data_type == "alpr_results":
        reads = _map_frames(payload) if store_frames else []
        return OpenAlprParsed(kind="alpr_results", reads=reads, data_type=data_type)
    if data_type == "heartbeat":
        return OpenAlprParsed(
            kind="heartbeat", heartbeat=_map_heartbeat(payload), data_type=data_type
        )
    return OpenAlprParsed(kind="ignored", data_type=data_type)
