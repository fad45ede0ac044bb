"""Images on demand through the sync channel (issue 14): the command and the node's answers.

The cloud never calls into a site. A staff member's request becomes an ``UploadImage``
command in the reply to the node's next exchange; the node answers with the image's bytes
(self-hosted: a signed ``PUT /sync/v1/images/{request_id}``, the body being the image and the
JWT bound to it like an exchange's; AWS mode: a ``PUT`` to the presigned S3 URL with the
headers the command names, the checksum among them) or, when it no longer holds the image,
with a signed ``ImageMissing``. An idle node learns that a command waits by a cheap signed
``CommandPoll`` (read-only at the cloud) every push interval instead of a full exchange.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from sync_protocol.wire_types import (
    Count,
    ReplyModel,
    RequestModel,
    Sha256Hex,
    Text,
    Token,
    UtcDatetime,
)

IMAGE_UPLOAD_PATH = "/sync/v1/images/{request_id}"
IMAGE_MISSING_PATH = "/sync/v1/images/{request_id}/missing"
COMMAND_POLL_PATH = "/sync/v1/commands"
SHA256_HEADER = "X-Image-SHA256"
"""The image's SHA-256 (hex) on the upload and on the image the cloud serves."""

MAX_UPLOAD_HEADERS = 16
HeaderName = Annotated[str, StringConstraints(min_length=1, max_length=128)]
HeaderValue = Annotated[str, StringConstraints(max_length=2_048)]
UploadUrl = Annotated[str, StringConstraints(min_length=1, max_length=8_192)]


class UploadImage(ReplyModel):
    """Upload the image of one read for ``request_id`` (or report it missing)."""

    type: Literal["upload_image"] = "upload_image"
    command_id: Token
    request_id: Token
    detection_id: uuid.UUID
    sha256: Sha256Hex | None = Field(
        default=None, description="the image_sha256 the cloud holds for the read"
    )
    upload_url: UploadUrl | None = Field(
        default=None,
        description="where to PUT the bytes: a presigned S3 URL (AWS mode); None: the signed "
        "IMAGE_UPLOAD_PATH of the cloud the node syncs with",
    )
    upload_headers: dict[HeaderName, HeaderValue] = Field(
        default_factory=dict,
        max_length=MAX_UPLOAD_HEADERS,
        description="headers the presigned PUT must carry (content type, checksum)",
    )
    expires_at: UtcDatetime = Field(description="the upload is refused after this")
    max_bytes: Count = Field(description="largest image the cloud accepts")


MissingReason = Literal["pruned", "unknown", "no_image", "unreadable"]
"""Why the node cannot upload: pruned by its retention, no such read, a read without an
image, or an image damaged on disk."""


class ImageMissing(RequestModel):
    """The node has no image to upload for ``request_id`` (signed, to IMAGE_MISSING_PATH)."""

    site_id: Token
    request_id: Token
    reason: MissingReason
    detail: Text | None = None


class CommandPoll(RequestModel):
    """An idle node asks whether commands wait for it (signed; the cloud only reads)."""

    site_id: Token
    node_time: UtcDatetime


class CommandPollReply(ReplyModel):
    """How many commands wait for the node: more than none, and it exchanges at once."""

    waiting: Count = 0
    poll_interval_s: float | None = Field(
        default=None,
        ge=0,
        le=3_600,
        description="the shortest period the cloud asks the node to poll at; 0: not at all "
        "(commands ride on exchanges: an AWS-mode cloud pays a request per poll); None: the "
        "node's own",
    )
