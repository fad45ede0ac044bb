"""Live: the newest reads with thumbnails; the list refreshes itself every two seconds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from local_node import search
from local_node.deps import Services
from local_node.web.context import Web
from local_node.web.reads_view import ReadRow, with_hits
from local_node.web.render import fragment, page
from local_node.web.session import FragmentUser, PageUser

router = APIRouter(include_in_schema=False)

NEWEST = 30
POLL_S = 2


def _newest(services: Services) -> list[ReadRow]:
    # The newest page of the log by seq (its unique index): no scan, whatever the log's size.
    rows, _ = search.search(services.engine, search.DetectionQuery(limit=NEWEST))
    return with_hits(services.engine, rows)


@router.get("/")
def live(request: Request, services: Services, web: Web, _: PageUser) -> HTMLResponse:
    """The newest reads."""
    return page(
        request,
        web,
        "live.html",
        title="Live",
        active="Live",
        rows=_newest(services),
        poll_s=POLL_S,
    )


@router.get("/fragments/live")
def live_rows(services: Services, web: Web, _: FragmentUser) -> HTMLResponse:
    """The list of newest reads alone (what the Live page polls)."""
    return fragment(web, "read_list.html", rows=_newest(services))
