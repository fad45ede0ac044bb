"""Shared building blocks of the wire models: base configs and bounded field types.

Forward-compatibility rule (applies to every model in this package):

* **Requests** (node → cloud) derive from ``RequestModel`` and *forbid* unknown
  fields. The cloud is always upgraded before the nodes, so it knows every field
  an older node can send; an unknown field therefore means a bug or tampering and
  is refused loudly instead of being silently dropped.
* **Replies** (cloud → node) derive from ``ReplyModel`` and *ignore* unknown
  fields, so that nodes already in the field keep working when a newer cloud
  adds a field. New behaviour that an old node must not ignore needs a protocol
  version bump (``sync_protocol.version``) instead.

All models are frozen (messages are values), all strings are length-bounded and
all datetimes are timezone-aware and normalised to UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints


class RequestModel(BaseModel):
    """Base of node → cloud messages: strict, unknown fields refused."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


class ReplyModel(BaseModel):
    """Base of cloud → node messages: unknown fields ignored (newer cloud, older node)."""

    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware datetime, converted to UTC; naive datetimes are refused."""

Token = Annotated[str, StringConstraints(min_length=1, max_length=64)]
"""Identifiers: site, stream, camera, key, list names, command ids."""

ShortText = Annotated[str, StringConstraints(max_length=64)]
"""Short free text: vehicle make/model/colour, region, direction, versions."""

Text = Annotated[str, StringConstraints(max_length=500)]
"""Longer free text: hotlist reasons, rejection reasons."""

MAX_PLATE_LENGTH = 20
"""Most characters of a plate on the wire, as read or normalised (real plates have ~10)."""

PlateText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PLATE_LENGTH)]
"""A plate as read or normalised; real plates are at most ~10 characters."""

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""A SHA-256 digest as 64 lower-case hex digits."""

Seq = Annotated[int, Field(ge=1, le=2**62)]
"""A per-stream sequence number; the first detection of a stream has seq 1."""

Mark = Annotated[int, Field(ge=0, le=2**62)]
"""A high-water mark or hotlist version; 0 means "nothing yet"."""

Count = Annotated[int, Field(ge=0, le=2**62)]
"""A non-negative counter or byte size."""
