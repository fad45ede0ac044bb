"""Pages of results and the opaque keyset cursors that continue them."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from cloud_plane.errors import InvalidInput

T = TypeVar("T")

NOT_OURS = "cursor is not one this API returned"
MAX_CURSOR_INT = 2**63 - 1  # what a BIGINT column holds; a larger value overflows the driver
MAX_CURSOR_TEXT = 256  # ids, site/stream names, list names and plates are all shorter


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the cursor of the next (None at the end)."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None


def encode_cursor(values: Sequence[Any]) -> str:
    """Return an opaque cursor for a keyset position."""
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """Return the keyset position of a cursor; raise InvalidInput if it is not one of ours.

    A cursor comes back from the client, so every value is bounded before it reaches SQL:
    our cursors hold only short strings and integers a BIGINT holds (a larger one made the
    driver raise OverflowError, a 500).
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InvalidInput(NOT_OURS) from None
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidInput(NOT_OURS)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InvalidInput(NOT_OURS)
        if isinstance(value, int) and not 0 <= value <= MAX_CURSOR_INT:
            raise InvalidInput(NOT_OURS)
        if isinstance(value, str) and len(value) > MAX_CURSOR_TEXT:
            raise InvalidInput(NOT_OURS)
    return values


def cursor_int(value: Any) -> int:
    """Return the integer held in a cursor (0..2^63-1); raise InvalidInput if it is not one."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CURSOR_INT:
        raise InvalidInput(NOT_OURS)
    return value


def cursor_text(value: Any) -> str:
    """Return the string held in a cursor; raise InvalidInput if it is not one."""
    if not isinstance(value, str) or len(value) > MAX_CURSOR_TEXT:
        raise InvalidInput(NOT_OURS)
    return value


def cursor_time(value: Any) -> datetime:
    """Return the aware time held in a cursor, in UTC; raise InvalidInput if it is not one."""
    if not isinstance(value, str):
        raise InvalidInput(NOT_OURS)
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("a cursor's time is always aware")
        # Converted here, where it can be refused: a time at the edge of the calendar
        # (year 1 at +05:00) overflows on the way to UTC.
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(NOT_OURS) from None


def iter_chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield ``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
