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

import re
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import unquote_to_bytes

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

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""C0 controls (but tab, newline, carriage return) and DEL: no real text holds them, PostgreSQL
refuses NUL in text, and a terminal or log viewer may act on the others."""


def refuse_control_characters(value: str) -> str:
    """Return ``value``; raise ValueError if it holds a control character (NUL, ESC, ...)."""
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters (such as NUL or ESC)")
    return value


def strip_control_characters(value: str) -> str:
    """Return ``value`` without control characters (for text stored before they were refused)."""
    return CONTROL_CHARACTERS.sub("", value)


Printable = AfterValidator(refuse_control_characters)
"""Text without control characters; every free-text type below carries it."""

Token = Annotated[str, StringConstraints(min_length=1, max_length=64), Printable]
"""Identifiers: site, stream, camera, key, list names, command ids."""

ShortText = Annotated[str, StringConstraints(max_length=64), Printable]
"""Short free text: vehicle make/model/colour, region, direction, versions."""

Text = Annotated[str, StringConstraints(max_length=500), Printable]
"""Longer free text: hotlist reasons, rejection reasons."""

MAX_PLATE_LENGTH = 20
"""Most characters of a plate on the wire, as read or normalised (real plates have ~10)."""

PlateText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PLATE_LENGTH), Printable]
"""A plate as read or normalised; real plates are at most ~10 characters."""

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""A SHA-256 digest as 64 lower-case hex digits."""

Seq = Annotated[int, Field(ge=1, le=2**62)]
"""A per-stream sequence number; the first detection of a stream has seq 1."""

Mark = Annotated[int, Field(ge=0, le=2**62)]
"""A high-water mark or hotlist version; 0 means "nothing yet"."""

Count = Annotated[int, Field(ge=0, le=2**62)]
"""A non-negative counter or byte size."""


def request_line_problem(path: str, query_string: bytes) -> str | None:
    """Return why a request's path or query is refused (control characters), or None."""
    if CONTROL_CHARACTERS.search(path):
        return "the path holds control characters (such as NUL)"
    query = unquote_to_bytes(query_string.replace(b"+", b" ")).decode("utf-8", "replace")
    if CONTROL_CHARACTERS.search(query):
        return "the query holds control characters (such as NUL)"
    return None
