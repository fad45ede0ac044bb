"""Pages of results and the opaque keyset cursors that continue them."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from cloud_plane.errors import InvalidInput

T = TypeVar("T")


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
    """Return the keyset position of a cursor; raise InvalidInput if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API returned") from None
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidInput("cursor is not one this API returned")
    return values


def cursor_time(value: Any) -> datetime:
    """Return the aware time held in a cursor; raise InvalidInput if it is not one."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("cursor is not one this API returned") from None
    if parsed.tzinfo is None:
        raise InvalidInput("cursor is not one this API returned")
    return parsed


def iter_chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield ``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
