"""The search form's fields → a detection query (pure; a problem is an InvalidInput)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cloud_plane.auth.staff import Staff
from cloud_plane.errors import InvalidInput
from cloud_plane.records.detections import DetectionQuery
from sync_protocol.plate_rules import normalize_pattern

MODES = (
    ("exact", "Exact"),
    ("prefix", "Starts with"),
    ("fuzzy", "Fuzzy: OCR confusions, 1 edit"),
    ("fuzzy2", "Fuzzy: OCR confusions, 2 edits"),
)
FUZZY_EDITS = {"fuzzy": 1, "fuzzy2": 2}  # the fuzzy modes and the edits each allows
PAGE_SIZE = 50


@dataclass(frozen=True)
class SearchForm:
    """What the viewer typed (kept to refill the form and build links)."""

    plate: str = ""
    mode: str = "exact"
    site_id: str = ""
    camera: str = ""
    since: str = ""
    until: str = ""
    tz: str = ""
    reason: str = ""  # why the viewer searches (optional; audit-logged, not a filter)

    def params(self, **extra: str) -> str:
        """The query string of this search (empty fields left out)."""
        fields = {k: v for k, v in vars(self).items() if v}
        return urlencode({**fields, **{k: v for k, v in extra.items() if v}})

    def without_times(self) -> SearchForm:
        """The same search over all time."""
        return replace(self, since="", until="")


def local_time(text: str, tz: str, name: str) -> datetime | None:
    """A ``datetime-local`` value in the viewer's zone (UTC if unknown) → aware; or None."""
    if not text:
        return None
    try:
        zone = ZoneInfo(tz) if tz else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name}: not a date and time (YYYY-MM-DDTHH:MM)") from None
    return at if at.tzinfo else at.replace(tzinfo=zone)


def plate_filter(plate: str, mode: str) -> tuple[str | None, bool, int]:
    """(the store's plate pattern, fuzzy, max edits) for the form's plate and mode."""
    if mode not in {m for m, _ in MODES}:
        raise InvalidInput("mode must be exact, prefix, fuzzy or fuzzy2")
    edits = FUZZY_EDITS.get(mode, 1)
    if not plate.strip():
        return None, False, edits
    norm = normalize_pattern(plate).replace("*", "").replace("?", "")
    if not norm:
        raise InvalidInput("Plate has no letters or digits")
    if mode == "prefix":
        return norm + "*", False, edits
    return norm, mode in FUZZY_EDITS, edits


def local_window(since: str, until: str, tz: str) -> tuple[datetime | None, datetime | None]:
    """The form's From and To in the viewer's zone; InvalidInput unless From is before To."""
    start = local_time(since, tz, "From")
    end = local_time(until, tz, "To")
    if start and end and start >= end:
        raise InvalidInput("From must be before To")
    return start, end


def detection_query(
    form: SearchForm, staff: Staff, *, limit: int = PAGE_SIZE, cursor: str | None = None
) -> DetectionQuery:
    """The store query for the form, scoped to the caller (a site out of scope: NotFound)."""
    plate, fuzzy, edits = plate_filter(form.plate, form.mode)
    since, until = local_window(form.since, form.until, form.tz)
    return DetectionQuery(
        plate=plate,
        fuzzy=fuzzy,
        max_edits=edits,
        site_ids=staff.scope(form.site_id or None),
        camera_id=form.camera.strip() or None,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )
