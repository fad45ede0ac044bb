"""Checking and normalising one imported value (pure): plates, times, confidences, boxes.

The rules are ingest's (``local_node.ingest.models``, ``local_node.ingest.vendors.base``),
written as plain functions because a pydantic model per line costs more than the whole
import budget (20 µs a read at 50,000 reads/s). A bad value raises ``LineError`` naming
the field; descriptive text never refuses a read (trimmed like a vendor's, see
``short_text``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any, TypeVar

from local_node.ingest.models import (
    MAX_CLOCK_DISTANCE,
    MAX_FUTURE,
    MAX_PLATE_CHARS,
    MAX_TEXT_CHARS,
)
from local_node.ingest.vendors.base import as_fraction, short_text
from sync_protocol.plate_rules import normalize_plate
from sync_protocol.wire_types import CONTROL_CHARACTERS

__all__ = [
    "LineError",
    "TimeWindow",
    "bbox_json",
    "confidence",
    "memoized",
    "plate",
    "short_text",
    "text",
]

MAX_EVENT_ID = 128  # detections.event_id

T = TypeVar("T")
MEMO_LIMIT = 50_000


def memoized(check: Callable[[Any], T], limit: int = MEMO_LIMIT) -> Callable[[Any], T]:
    """``check`` remembering its answers for the texts it was given (up to ``limit`` of them,
    then forgotten at once): a file's cameras, regions, boxes and plates come back again and
    again, and one dict look-up costs less than checking them anew. A text ``check`` refuses
    is not remembered: it raises every time, as it would have. Equal texts then also give
    the same object, which pickles once a chunk."""
    known: dict[Any, T] = {}
    missing = object()

    def answer(value: Any) -> T:
        found = known.get(value, missing)
        if found is missing:
            found = check(value)
            if len(known) >= limit:
                known.clear()
            known[value] = found
        return found  # type: ignore[return-value]

    return answer


def text(value: object) -> str | None:
    """``short_text`` (blank: None, overlong: cut, control characters dropped), faster on the
    common cases: empty, and printable text."""
    if not value:
        return None
    found = (value if isinstance(value, str) else str(value)).strip()
    if not found.isprintable():
        found = short_text(found) or ""
    return found[:MAX_TEXT_CHARS] or None


class LineError(ValueError):
    """A value of one line that cannot be imported; ``field`` is the source's column name."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def plate(value: object, field: str) -> tuple[str, str]:
    """The plate as read (stripped) and normalised, bounded like ingest's."""
    text = "" if value is None else str(value).strip()
    if not text:
        raise LineError(field, "is empty")
    if len(text) > MAX_PLATE_CHARS:
        raise LineError(field, f"is longer than {MAX_PLATE_CHARS} characters")
    if CONTROL_CHARACTERS.search(text):
        raise LineError(field, "holds control characters (such as NUL or ESC)")
    if "\ufffd" in text:
        raise LineError(field, "is not valid UTF-8")
    norm = normalize_plate(text)
    if not norm:
        raise LineError(field, "has no letters or digits")
    return text, norm[:MAX_PLATE_CHARS]


def confidence(value: object, field: str) -> float | None:
    """A confidence as 0..1: a fraction, or a percent (anything above 1, up to 100)."""
    if value is None or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise LineError(field, f"{value!r} is not a number") from None
    fraction = as_fraction(number)
    if fraction is None:
        return None
    if not 0.0 <= fraction <= 1.0:
        raise LineError(field, f"{value!r} is outside 0..1 and 0..100")
    return fraction


_BBOX_TEXT = re.compile(r"\[\s*(\d{1,5})\s*,\s*(\d{1,5})\s*,\s*(\d{1,5})\s*,\s*(\d{1,5})\s*\]")


def bbox_json(box: object, field: str) -> str | None:
    """``[x, y, w, h]`` (a list or its JSON text) as the stored JSON text, checked like ingest."""
    if box is None or box == "":
        return None
    if isinstance(box, str):
        plain = _BBOX_TEXT.fullmatch(box)  # the common case, without a JSON round trip
        if plain:
            box = [int(n) for n in plain.groups()]
        else:
            try:
                box = json.loads(box)
            except ValueError:
                raise LineError(field, "is not a JSON list [x, y, w, h]") from None
    if not isinstance(box, list | tuple) or len(box) != 4:
        raise LineError(field, "is not a list [x, y, w, h]")
    try:
        x, y, w, h = (int(v) for v in box)
    except (TypeError, ValueError):
        raise LineError(field, "holds a value that is not a whole number") from None
    if min(x, y, w, h) < 0 or w == 0 or h == 0 or max(x, y, w, h) > 65_535:
        raise LineError(field, "must be [x, y, w, h] with x, y >= 0 and 0 < w, h <= 65535")
    return f"[{x}, {y}, {w}, {h}]"  # json.dumps of the list, as ingest stores it


_EPOCH = re.compile(r"\d{9,13}(\.\d+)?")


class TimeWindow:
    """Parses times to UTC (naive ones in ``zone``) and refuses implausible ones like ingest."""

    def __init__(self, now: datetime, zone: tzinfo = UTC) -> None:
        self.zone = zone
        self.earliest = now - MAX_CLOCK_DISTANCE
        self.latest = now + MAX_FUTURE

    def parse(self, value: object, field: str) -> datetime:
        """An RFC 3339 / ISO 8601 time, or seconds (or milliseconds) since the epoch."""
        if value.__class__ is str and len(value) == 32 and value.endswith("+00:00"):
            # The node export's own form (UTC, microseconds): no zone to apply or convert.
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                return self._within(parsed, field)
        text = "" if value is None else str(value).strip()
        if not text:
            raise LineError(field, "is empty")
        try:
            if _EPOCH.fullmatch(text):
                seconds = float(text)
                parsed = datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, UTC)
            else:
                parsed = datetime.fromisoformat(text)
        except (ValueError, OverflowError, OSError):
            raise LineError(field, f"{text[:40]!r} is not an ISO 8601 time") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.zone)
        return self._within(parsed.astimezone(UTC), field)

    def _within(self, parsed: datetime, field: str) -> datetime:
        if parsed > self.latest:
            raise LineError(field, "is more than 2 days in the future")
        if parsed < self.earliest:
            raise LineError(field, "is more than 10 years in the past")
        return parsed


def event_id(value: object, field: str) -> str:
    """A source's own id for the read, bounded like the column."""
    text = "" if value is None else str(value).strip()
    if not text:
        raise LineError(field, "is empty")
    if len(text) > MAX_EVENT_ID or CONTROL_CHARACTERS.search(text):
        raise LineError(field, f"is not an id (at most {MAX_EVENT_ID} printable characters)")
    return text


def finite(value: object, field: str) -> float | None:
    """A number, or None when empty."""
    if value is None or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise LineError(field, f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise LineError(field, f"{value!r} is not a finite number")
    return number
