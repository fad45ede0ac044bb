"""Sizes and durations as people type them (``5MiB``, ``512MB``, ``5m``, ``30d``) for settings.

Each parser takes what a setting may be given (a number, or a string from the environment or
a flag) and returns the plain number the field holds; a plain number keeps its old meaning
(bytes, seconds, days), so existing configurations read the same. The annotated types put a
parser in front of a field's own type and constraints::

    max_body_bytes: ByteSize = Field(default=5 * MiB, ge=1024)

Sizes: ``B``, decimal ``K``/``KB``, ``M``/``MB``, ``G``/``GB``, ``T``/``TB`` (powers of 1000)
and binary ``KiB``, ``MiB``, ``GiB``, ``TiB`` (also ``Ki``...; powers of 1024), any case.
Durations: ``ms``, ``s``, ``m``/``min``, ``h``, ``d``, ``w``, also combined (``1h30m``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

SIZE_UNITS: dict[str, int] = {
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "ki": 1024,
    "kib": 1024,
    "mi": 1024**2,
    "mib": 1024**2,
    "gi": 1024**3,
    "gib": 1024**3,
    "ti": 1024**4,
    "tib": 1024**4,
}
DURATION_UNITS: dict[str, float] = {
    "ms": 0.001,
    "s": 1,
    "sec": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "d": 86_400,
    "w": 7 * 86_400,
}
SIZE_HELP = (
    "bytes, or a number with a unit: 512KB, 5MiB, 1G (KB/MB/GB: powers of 1000; "
    "KiB/MiB/GiB: of 1024)"
)
DURATION_HELP = "seconds, or a number with a unit: 500ms, 30s, 5m, 2h, 1d (or combined: 1h30m)"
DAYS_HELP = "days, or a duration with a unit: 30d, 12h, 2w"

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_SIZE = re.compile(rf"^({_NUMBER})\s*([a-z]*)$", re.IGNORECASE)
_DURATION_PART = re.compile(rf"({_NUMBER})\s*([a-z]+)", re.IGNORECASE)
_DURATION = re.compile(rf"^(?:{_NUMBER}\s*[a-z]+\s*)+$", re.IGNORECASE)


def _plain_number(value: str) -> float | int | None:
    """``"300"`` -> 300, ``"0.5"`` -> 0.5, ``"-1"`` -> -1 (the field's bounds judge it)."""
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return None


def parse_size(value: Any) -> Any:
    """Bytes from ``5MiB``, ``512MB``, ``1G`` or a plain number of bytes.

    Anything that is not a string (a number, None) is handed on to the field's own type.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    plain = _plain_number(text)
    if plain is not None:
        return plain
    match = _SIZE.match(text)
    factor = SIZE_UNITS.get(match.group(2).lower()) if match else None
    if match is None or factor is None:
        raise ValueError(f"{value!r} is not a size: use {SIZE_HELP}")
    return round(float(match.group(1)) * factor)


def parse_duration(value: Any) -> Any:
    """Seconds from ``5m``, ``30s``, ``2h``, ``1d``, ``1h30m`` or a plain number of seconds."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    plain = _plain_number(text)
    if plain is not None:
        return plain
    seconds = _unit_seconds(text)
    if seconds is None:
        raise ValueError(f"{value!r} is not a duration: use {DURATION_HELP}")
    return seconds


def parse_days(value: Any) -> Any:
    """Days from ``30d``, ``12h``, ``2w`` or a plain number of days."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    plain = _plain_number(text)
    if plain is not None:
        return plain
    seconds = _unit_seconds(text)
    if seconds is None:
        raise ValueError(f"{value!r} is not a number of days: use {DAYS_HELP}")
    return seconds / 86_400


def _unit_seconds(text: str) -> float | None:
    if not _DURATION.match(text):
        return None
    total = 0.0
    for number, unit in _DURATION_PART.findall(text):
        factor = DURATION_UNITS.get(unit.lower())
        if factor is None:
            return None
        total += float(number) * factor
    # A whole number of seconds stays an int, so int fields (token lifetimes) accept "1h".
    return int(total) if total == int(total) else total


ByteSize = Annotated[int, BeforeValidator(parse_size)]
"""A size in bytes; accepts units (``5MiB``)."""
OptionalByteSize = Annotated[int | None, BeforeValidator(parse_size)]
"""A size in bytes or unset."""
Seconds = Annotated[float, BeforeValidator(parse_duration)]
"""A duration in seconds; accepts units (``5m``)."""
WholeSeconds = Annotated[int, BeforeValidator(parse_duration)]
"""A duration in whole seconds (lifetimes stored as int); accepts units (``1h``)."""
Days = Annotated[float, BeforeValidator(parse_days)]
"""A duration in days; accepts units (``30d``, ``12h``)."""
