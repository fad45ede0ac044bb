"""Vendor clock fields given as a count since the Unix epoch, as numbers or digit strings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def epoch_parser(per_second: int, unit: str) -> Callable[[object], object]:
    """A pydantic before-validator: a count of `unit`s (`per_second` a second) to UTC.

    Survision sends milliseconds as text ("1729206290098"), Verkada seconds as a number;
    a value that is neither, or out of range, is refused naming the unit.
    """

    def parse(value: object) -> object:
        if value is None or isinstance(value, datetime):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be {unit} since the Unix epoch")
        try:
            return datetime.fromtimestamp(value / per_second, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"is not a plausible time in {unit}") from None

    return parse
