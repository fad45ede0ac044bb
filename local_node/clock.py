"""Time as a collaborator: every component takes a `Clock` so tests can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A time given without a zone taken as UTC (the API's documented reading); None stays."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
