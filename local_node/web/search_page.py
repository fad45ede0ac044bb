"""Search: plate (exact, prefix, fuzzy to 1 or 2 edits), camera and time, newest first, paged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from local_node import search
from local_node.audit.recorder import user_actor
from local_node.db.access import list_cameras
from local_node.deps import Services, request_auditor
from local_node.errors import NodeError
from local_node.web.context import Web
from local_node.web.reads_view import with_hits
from local_node.web.render import page
from local_node.web.session import PageUser

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MODES = [
    ("exact", "Exact"),
    ("prefix", "Prefix"),
    ("fuzzy", "Fuzzy, 1 edit (and OCR confusions)"),
    ("fuzzy2", "Fuzzy, 2 edits (and OCR confusions)"),
]
FUZZY_EDITS = {"fuzzy": 1, "fuzzy2": 2}
"""The fuzzy modes and the edits each allows beyond OCR confusions."""
Text = Annotated[str, Query(max_length=64)]


def parse_time(value: str, label: str) -> datetime | None:
    """A `datetime-local` value (taken as UTC) or an RFC 3339 time; ValueError names the field."""
    if not value.strip():
        return None
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{label}: not a date and time (e.g. 2026-12-03T14:30)") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def plate_pattern(plate: str, mode: str) -> str:
    """What the search use case takes for the mode: ``AB*`` for a prefix."""
    plate = plate.strip()
    if mode == "prefix" and plate and not plate.endswith("*"):
        return plate + "*"
    return plate


@router.get("/search")
def search_page(
    request: Request,
    services: Services,
    web: Web,
    user: PageUser,
    plate: Text = "",
    mode: Text = "exact",
    camera: Text = "",
    since: Annotated[str, Query(alias="from", max_length=40)] = "",
    until: Annotated[str, Query(alias="to", max_length=40)] = "",
    cursor: Text = "",
    reason: Annotated[str, Query(max_length=500)] = "",
) -> HTMLResponse:
    """The search form, and a page of results once something is asked (each one audited)."""
    cameras = list_cameras(services.engine)
    form = {
        "plate": plate,
        "mode": mode,
        "camera": camera,
        "from": since,
        "to": until,
        "reason": reason,
    }
    asked = any(form[k] for k in ("plate", "camera", "from", "to"))
    problem = None
    rows: list = []
    next_url = None
    if mode not in dict(MODES):
        problem = "Mode: choose exact, prefix, or fuzzy with 1 or 2 edits"
    elif asked:
        try:
            query = search.DetectionQuery(
                plate=plate_pattern(plate, mode) or None,
                fuzzy=mode in FUZZY_EDITS,
                max_edits=FUZZY_EDITS.get(mode, 1),
                camera=camera or None,
                since=parse_time(since, "From"),
                until=parse_time(until, "To"),
                limit=PAGE_SIZE,
                cursor=cursor or None,
            )
            auditor = request_auditor(request, services, user_actor(user.username))
            found, next_cursor = search.audited_search(
                services.engine, query, auditor, reason.strip() or None
            )
        except (ValueError, NodeError) as e:
            problem = e.detail if isinstance(e, NodeError) else str(e)
        else:
            rows = with_hits(services.engine, found)
            if next_cursor:
                next_url = "/search?" + urlencode({**form, "cursor": next_cursor})
    return page(
        request,
        web,
        "search.html",
        title="Search",
        active="Search",
        status=400 if problem else 200,
        form=form,
        modes=MODES,
        cameras=[("", "All cameras")] + [(c.id, c.name) for c in cameras],
        asked=asked and not problem,
        problem=problem,
        rows=rows,
        next_url=next_url,
    )
