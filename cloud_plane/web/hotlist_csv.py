"""Hotlist entries from a form or a CSV file: each field checked, each problem said by line.

Pure. The CSV import is all-or-nothing: the page applies the entries only when every line is
valid, so a file with a typo never leaves the hotlist half-imported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sync_protocol.hotlist_rules import (
    DEFAULT_PRIORITY,
    MAX_PRIORITY,
    MIN_PRIORITY,
    list_name_problem,
    plate_problem,
)
from sync_protocol.plate_rules import normalize_pattern

COLUMNS = ("list", "plate", "reason", "priority", "expires_at")
MAX_LINES = 5000
MAX_REASON = 500


class EntryProblem(ValueError):
    """A field that cannot make an entry; the message names it."""


@dataclass(frozen=True)
class EntryFields:
    """A valid entry as staff typed it (the plate as typed; the use case normalises it)."""

    list_name: str
    plate: str
    reason: str
    priority: int
    expires_at: datetime | None


@dataclass
class ImportReport:
    """What a CSV file holds: valid entries (with their line) and each line's problem."""

    entries: list[tuple[int, EntryFields]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def parse_expiry(text: str, tz: str, now: datetime) -> datetime | None:
    """``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM`` (in ``tz``, default UTC) or RFC 3339; future only."""
    text = text.strip()
    if not text:
        return None
    try:
        zone = ZoneInfo(tz) if tz else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise EntryProblem(
            f"Expires {text[:40]!r} is not a date (YYYY-MM-DD or RFC 3339)"
        ) from None
    at = at if at.tzinfo else at.replace(tzinfo=zone)
    if at <= now:
        raise EntryProblem("Expires is in the past")
    return at.astimezone(UTC)


def entry_fields(
    list_name: str, plate: str, reason: str, priority: str, expires: str, *, tz: str, now: datetime
) -> EntryFields:
    """A valid entry from text fields; raise EntryProblem naming the first bad one."""
    list_name = list_name.strip().lower()
    if problem := list_name_problem(list_name):
        raise EntryProblem(f"List: {problem}")
    if problem := plate_problem(plate):
        raise EntryProblem(f"Plate: {problem}")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise EntryProblem(f"Reason is longer than {MAX_REASON} characters")
    if any(ord(c) < 0x20 or c == "\x7f" for c in reason):
        raise EntryProblem("Reason holds control characters")
    try:
        level = int(priority) if priority.strip() else DEFAULT_PRIORITY
    except ValueError:
        raise EntryProblem("Priority must be a whole number from 0 to 100") from None
    if not MIN_PRIORITY <= level <= MAX_PRIORITY:
        raise EntryProblem("Priority must be a whole number from 0 to 100")
    return EntryFields(list_name, plate.strip(), reason, level, parse_expiry(expires, tz, now))


def parse_import(text: str, *, now: datetime) -> ImportReport:
    """Every line of a CSV file (header: list, plate[, reason, priority, expires_at])."""
    report = ImportReport()
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in ("list", "plate") if c not in header]
    if missing:
        report.problems.append((1, f"header must name the columns {', '.join(COLUMNS)}"))
        return report
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        report.problems.append((1, f"unknown column(s): {', '.join(unknown)[:200]}"))
        return report
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(reader, start=2):
        if number > MAX_LINES + 1:
            report.problems.append((number, f"more than {MAX_LINES} lines; split the file"))
            break
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            report.problems.append((number, f"{len(row)} cells for {len(header)} columns"))
            continue
        cells = dict(zip(header, row, strict=False))
        try:
            entry = entry_fields(
                cells.get("list", ""),
                cells.get("plate", ""),
                cells.get("reason", ""),
                cells.get("priority", ""),
                cells.get("expires_at", ""),
                tz="UTC",
                now=now,
            )
        except EntryProblem as exc:
            report.problems.append((number, str(exc)))
            continue
        key = (entry.list_name, normalize_pattern(entry.plate))
        if key in seen:
            report.problems.append((number, f"same list and plate as line {seen[key]}"))
            continue
        seen[key] = number
        report.entries.append((number, entry))
    return report
