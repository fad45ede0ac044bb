"""Versioned wire models of the node ↔ cloud sync (``POST /sync/v1/enroll`` and ``/exchange``).

Forward compatibility: requests (node → cloud) *forbid* unknown fields, replies
(cloud → node) *ignore* them; the cloud is upgraded first. Commands in a reply
are a discriminated union on ``type`` with a catch-all ``UnknownCommand`` so an
older node skips (and acks) a command kind it does not know instead of failing
the whole reply. See ``sync_protocol.wire_types`` for the base models.

Exchange semantics (ARCHITECTURE.md, "Sync semantics"): the node sends one
contiguous ``DetectionBatch`` of its stream plus hits, heartbeat and hotlist
edits; the cloud stores them durably and answers with its ``cloud_epoch`` and,
per stream, the contiguous high-water ``seq`` it holds. The node prunes its
outbox only up to that mark, and resends from it when the epoch changed.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import (
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_serializer,
    model_validator,
)

from sync_protocol.codec import MAX_BATCH_RECORDS
from sync_protocol.columnar import from_columns, to_columns
from sync_protocol.corrections import MAX_CORRECTIONS, ReadCorrection
from sync_protocol.detections import DetectionRecord, Vehicle, detection_uuid
from sync_protocol.hotlist_messages import HotlistDelta, HotlistEntry, HotlistOp, OpResult
from sync_protocol.image_messages import UploadImage
from sync_protocol.plate_rules import MatchKind
from sync_protocol.version import PROTOCOL_VERSION, check_version
from sync_protocol.wire_types import (
    Count,
    Mark,
    PlateText,
    ReplyModel,
    RequestModel,
    Seq,
    Sha256Hex,
    ShortText,
    Text,
    Token,
    UtcDatetime,
)

MAX_HITS = 1_000
MAX_HOTLIST_OPS = 1_000
MAX_CAMERAS = 256
MAX_COMMANDS = 100

ProtocolVersion = Annotated[int, Field(description="sync_protocol.version.PROTOCOL_VERSION")]


def _checked_version(value: int) -> int:
    return check_version(value)


class DetectionBatch(RequestModel):
    """Contiguous detections of one stream: ``records[i].seq == first_seq + i``.

    On the wire the records are columnar (``sync_protocol.columnar``); in Python
    they are ``DetectionRecord`` objects. Both shapes validate.
    """

    stream_id: Token
    first_seq: Seq
    records: list[DetectionRecord] = Field(min_length=1, max_length=MAX_BATCH_RECORDS)

    @model_validator(mode="before")
    @classmethod
    def _from_wire(cls, data: Any) -> Any:
        if isinstance(data, dict) and "columns" in data:
            if set(data) != {"stream_id", "first_seq", "columns"}:
                raise ValueError(f"unexpected batch keys {sorted(data)}")
            try:
                # Bound the work before expanding columns into records.
                size = len(data["columns"]["plate_norm"])
                if size > MAX_BATCH_RECORDS:
                    raise ValueError(f"batch of {size} records exceeds {MAX_BATCH_RECORDS}")
                records = from_columns(data["stream_id"], data["first_seq"], data["columns"])
            except (KeyError, IndexError, TypeError, AttributeError) as exc:
                raise ValueError(f"malformed batch columns: {exc!r}") from exc
            return {
                "stream_id": data["stream_id"],
                "first_seq": data["first_seq"],
                "records": records,
            }
        return data

    @model_validator(mode="after")
    def _contiguous(self) -> Self:
        for i, record in enumerate(self.records):
            if record.seq != self.first_seq + i:
                raise ValueError(
                    f"records must have contiguous seqs from {self.first_seq}: "
                    f"record {i} has seq {record.seq}, expected {self.first_seq + i}"
                )
        return self

    @property
    def last_seq(self) -> int:
        """Return the seq of the last record."""
        return self.first_seq + len(self.records) - 1

    @model_serializer(mode="plain")
    def _to_wire(self) -> dict[str, Any]:
        return {
            "stream_id": self.stream_id,
            "first_seq": self.first_seq,
            "columns": to_columns(self.stream_id, self.first_seq, self.records),
        }


MAX_LOCAL_DELIVERIES = 32
"""Most local deliveries one hit reports (one per fallback recipient and channel)."""

LocalRecipient = Annotated[str, StringConstraints(min_length=1, max_length=254)]
"""Who a local delivery reached: an email address, or a webhook's redacted label."""


class LocalDelivery(RequestModel):
    """One alert the node delivered itself while the cloud was unreachable (offline fallback).

    Only successful deliveries travel. ``recipient`` is the email address, or for a
    webhook a label that never carries the URL's path or query (they often hold tokens).
    """

    channel: Literal["smtp", "webhook"] = Field(description="the node's fallback channel")
    recipient: LocalRecipient = Field(description="email address, or redacted webhook label")
    delivered_at: UtcDatetime = Field(description="when the channel accepted the message (UTC)")
    provider_message_id: Text | None = Field(
        default=None, description="SMTP Message-ID, or the webhook receiver's request id"
    )


class HitRecord(RequestModel):
    """A detection that matched a live hotlist entry at the node (pushed at once)."""

    detection_id: uuid.UUID
    seq: Seq
    list_name: Token = Field(alias="list")
    plate_norm: PlateText = Field(description="the entry's plate_norm (entry key with list)")
    match_kind: MatchKind = Field(description="how the read matched (sync_protocol.plate_rules)")
    hotlist_version: Mark = Field(description="hotlist version the node matched against")
    plate: PlateText = Field(description="plate as read")
    camera_id: Token
    captured_at: UtcDatetime
    image_sha256: Sha256Hex | None = Field(default=None, description="SHA-256 of the image")
    historical: bool = Field(
        default=False,
        description=(
            "found among past reads when the entry was added (a retroactive hit), not when "
            "the read came in: listed on the entry, raises no hit alert. A new field: the "
            "cloud is upgraded first (requests forbid unknown fields); an old node never sends it"
        ),
    )
    delivered_locally: list[LocalDelivery] = Field(
        default_factory=list,
        max_length=MAX_LOCAL_DELIVERIES,
        description=(
            "alerts for this hit the node already delivered itself while the cloud was "
            "unreachable (offline fallback): the cloud records these as delivered and does "
            "not send them again; empty when the node sent none"
        ),
    )


CameraErrorReason = Literal[
    "invalid", "too_large", "bad_image", "unauthenticated", "camera_disabled", "clock_skew"
]
"""What a camera did wrong at its node (a refused post, or a read from a skewed clock):

- ``invalid``: metadata or a vendor event that does not validate (422);
- ``too_large``: a body or image over the node's limit (413);
- ``bad_image``: an image that is not JPEG/PNG by content, or an unsupported body type (415);
- ``unauthenticated``: a missing, unknown or revoked key (401; the post names no camera);
- ``camera_disabled``: the key of a disabled camera (401);
- ``clock_skew``: a stored read whose ``captured_at`` is further from the node's clock than the
  node's ``clock_skew_s`` (late delivery of buffered reads counts too).

A new reason reaches the cloud first (requests forbid what they do not know)."""

ErrorCounts = Annotated[
    dict[CameraErrorReason, Count], Field(max_length=len(get_args(CameraErrorReason)))
]


class CameraHealth(RequestModel):
    """One camera's health in a heartbeat."""

    camera_id: Token
    name: ShortText | None = Field(
        default=None, description="the camera's name on the node (optional: older nodes omit it)"
    )
    last_seen: UtcDatetime | None = None
    detections_last_interval: Count = 0
    errors: Count = Field(
        default=0,
        description="what this camera did wrong at the node within the heartbeat's "
        "errors_window_s: refused posts and skewed reads (0 from nodes before issue 18)",
    )
    errors_by_reason: ErrorCounts = Field(
        default_factory=dict, description="``errors`` by reason (reasons with none left out)"
    )
    clock_offset_s: float | None = Field(
        default=None, description="camera clock minus node clock, seconds (median of reads)"
    )


class BackupState(RequestModel):
    """The node's scheduled database backups: when they last succeeded and failed (issue 13)."""

    last_ok_at: UtcDatetime | None = Field(default=None, description="start of the last good one")
    last_failed_at: UtcDatetime | None = Field(
        default=None, description="start of the last failed one"
    )
    error: Text | None = Field(default=None, description="why the last failed one failed")


class Heartbeat(RequestModel):
    """Node health, sent with every exchange (or alone when there is nothing else)."""

    node_version: ShortText
    uptime_s: float = Field(ge=0)
    disk_used_bytes: Count
    disk_total_bytes: Count
    db_size_bytes: Count
    backlog_count: Count = Field(description="detections not yet acked by the cloud")
    backlog_oldest_age_s: float | None = Field(default=None, ge=0)
    cameras: list[CameraHealth] = Field(default_factory=list, max_length=MAX_CAMERAS)
    errors_window_s: float | None = Field(
        default=None,
        gt=0,
        description="the rolling window camera errors are counted over, seconds (None: a node "
        "that does not count them)",
    )
    unattributed_errors: ErrorCounts = Field(
        default_factory=dict,
        description="refused camera posts within errors_window_s that named no camera "
        "(a missing or unknown key), by reason",
    )
    backup: BackupState | None = Field(
        default=None,
        description="the node's database backups (None: a node before issue 13, or one that "
        "has made none)",
    )


class ResendFrom(ReplyModel):
    """Resend ``stream_id`` from ``seq`` on (e.g. the cloud lost data in a restore)."""

    type: Literal["resend_from"] = "resend_from"
    command_id: Token
    stream_id: Token
    seq: Seq


class Noop(ReplyModel):
    """Do nothing (tests the command path end to end)."""

    type: Literal["noop"] = "noop"
    command_id: Token


class UnknownCommand(ReplyModel):
    """A command kind this node does not know (newer cloud): ack it and skip it."""

    type: ShortText
    command_id: Token


_KNOWN_COMMANDS = frozenset({"resend_from", "noop", "upload_image"})


def _command_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in _KNOWN_COMMANDS else "unknown"


Command = Annotated[
    Annotated[ResendFrom, Tag("resend_from")]
    | Annotated[Noop, Tag("noop")]
    | Annotated[UploadImage, Tag("upload_image")]
    | Annotated[UnknownCommand, Tag("unknown")],
    Discriminator(_command_tag),
]
"""A command from the cloud, discriminated by ``type``."""


class ExchangeRequest(RequestModel):
    """One signed push from a node; every part is optional except the identity."""

    protocol_version: ProtocolVersion = PROTOCOL_VERSION
    site_id: Token
    stream_id: Token = Field(description="the node's current detection stream")
    node_time: UtcDatetime = Field(description="node clock when sending (skew estimate)")
    cloud_epoch: Token | None = Field(
        default=None, description="epoch of the last reply the node applied; None at first"
    )
    batch: DetectionBatch | None = None
    hits: list[HitRecord] = Field(default_factory=list, max_length=MAX_HITS)
    heartbeat: Heartbeat | None = None
    hotlist_ops: list[HotlistOp] = Field(default_factory=list, max_length=MAX_HOTLIST_OPS)
    hotlist_version: Mark = Field(description="hotlist version the node holds")
    acked_commands: list[Token] = Field(default_factory=list, max_length=MAX_COMMANDS)
    corrections: list[ReadCorrection] = Field(
        default_factory=list,
        max_length=MAX_CORRECTIONS,
        description="better readings of reads the cloud acknowledged (oldest first)",
    )

    _check_version = field_validator("protocol_version")(_checked_version)

    @model_validator(mode="after")
    def _batch_in_stream(self) -> Self:
        if self.batch is not None and self.batch.stream_id != self.stream_id:
            raise ValueError(
                f"batch stream_id {self.batch.stream_id!r} != request stream_id {self.stream_id!r}"
            )
        return self


class ExchangeReply(ReplyModel):
    """The cloud's answer: what it holds durably, hotlist changes, op results, commands."""

    protocol_version: ProtocolVersion = PROTOCOL_VERSION
    cloud_epoch: Token = Field(description="changes when the cloud store is restored")
    ack: dict[Token, Mark] = Field(
        default_factory=dict, description="stream_id → contiguous high-water seq held durably"
    )
    hotlist: HotlistDelta | None = None
    op_results: dict[uuid.UUID, OpResult] = Field(default_factory=dict)
    commands: list[Command] = Field(default_factory=list, max_length=MAX_COMMANDS)
    retry_after_s: float | None = Field(default=None, ge=0, le=86_400)
    push_interval_s: float | None = Field(
        default=None,
        gt=0,
        le=3_600,
        description="the shortest period the cloud asks the node to push reads at (hits still "
        "go at once); the node pushes at the longer of this and its own; None: its own",
    )

    _check_version = field_validator("protocol_version")(_checked_version)


class EnrollRequest(RequestModel):
    """A node joins a site with a one-time code and registers its public key."""

    protocol_version: ProtocolVersion = PROTOCOL_VERSION
    code: Annotated[str, Field(min_length=6, max_length=128)]
    public_key_pem: Annotated[str, Field(min_length=1, max_length=4_096)]
    node_name: ShortText
    node_version: ShortText
    # Optional: older nodes omit it. Only bounded here, not checked against a zone database:
    # the cloud ignores a name its own database lacks (with a warning), so a node whose
    # tzdata differs still enrols.
    timezone: ShortText | None = Field(
        default=None,
        description="The node's IANA time zone (e.g. Europe/Berlin); the cloud keeps it as "
        "the site's zone when the site has none",
    )

    _check_version = field_validator("protocol_version")(_checked_version)


class EnrollReply(ReplyModel):
    """The site the node now belongs to and the id under which its key is registered."""

    protocol_version: ProtocolVersion = PROTOCOL_VERSION
    site_id: Token
    site_name: Text
    key_id: Token
    cloud_epoch: Token

    _check_version = field_validator("protocol_version")(_checked_version)


__all__ = [
    "CameraErrorReason",
    "CameraHealth",
    "Command",
    "DetectionBatch",
    "DetectionRecord",
    "EnrollReply",
    "EnrollRequest",
    "ExchangeReply",
    "ExchangeRequest",
    "Heartbeat",
    "HitRecord",
    "HotlistDelta",
    "HotlistEntry",
    "HotlistOp",
    "LocalDelivery",
    "Noop",
    "OpResult",
    "ResendFrom",
    "UnknownCommand",
    "UploadImage",
    "Vehicle",
    "detection_uuid",
]
