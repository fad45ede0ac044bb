"""``/search`` across the caller's sites (plate exact / prefix / fuzzy with 1 or 2 edits, site,
camera, time) and ``/search.csv``: the same search as a CSV download, every page up to
``MAX_CSV_ROWS``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from cloud_plane.auth.staff import Staff
from cloud_plane.deps import Services
from cloud_plane.errors import InvalidInput
from cloud_plane.records.audit import search_record
from cloud_plane.services import CloudServices
from cloud_plane.web.acting import dashboard_actor
from cloud_plane.web.reads import read_rows
from cloud_plane.web.render import page
from cloud_plane.web.routing import PageRoute
from cloud_plane.web.search_form import MODES, SearchForm, detection_query
from cloud_plane.web.session import PageStaff
from cloud_plane.web.zones import site_zones
from sync_protocol.audit import REASON_MAX, AuditAction
from sync_protocol.csv_cells import csv_line

router = APIRouter(route_class=PageRoute)

MAX_CSV_ROWS = 100_000
CSV_PAGE = 1000
CSV_HEADER = (
    "plate",
    "plate_norm",
    "site_id",
    "site",
    "camera_id",
    "camera",
    "received_at",
    "captured_at",
    "confidence",
    "hit",
    "detection_id",
)
Text = Annotated[str, Query(max_length=64)]


def search_form(
    plate: Text = "",
    mode: Annotated[str, Query(max_length=8)] = "exact",
    site_id: Text = "",
    camera: Text = "",
    since: Annotated[str, Query(max_length=32)] = "",
    until: Annotated[str, Query(max_length=32)] = "",
    tz: Text = "",
    reason: Annotated[str, Query(max_length=REASON_MAX)] = "",
) -> SearchForm:
    """The form's fields from the query string."""
    return SearchForm(plate, mode, site_id, camera, since, until, tz, reason)


Form = Annotated[SearchForm, Depends(search_form)]


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    services: Services,
    staff: PageStaff,
    form: Form,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> HTMLResponse:
    """The form, and one page of results when something was asked."""
    sites = {s.site_id: s for s in services.store.sites.list_sites(staff.sites)}
    asked = any(
        request.query_params.get(k) for k in ("plate", "site_id", "camera", "since", "until")
    )
    rows, next_url, error = [], None, None
    if asked:
        try:
            query = detection_query(form, staff, cursor=cursor)
            if cursor is None:  # a new search (later pages continue it)
                by = dashboard_actor(services, staff, form.reason)
                services.store.audit.append(search_record(by, query))
            result = services.store.detections.search_detections(query)
            rows = read_rows(services.store, result.items, sites)
            if result.next_cursor:
                next_url = "/search?" + form.params(cursor=result.next_cursor)
        except InvalidInput as exc:
            error = exc.detail
    return page(
        request,
        "search.html",
        title="Search",
        staff=staff,
        active="Search",
        form=form,
        modes=MODES,
        site_options=[("", "All my sites")] + [(s.site_id, s.name) for s in sites.values()],
        asked=asked,
        rows=rows,
        zones=site_zones(sites.values(), services.settings.alerts.timezone),
        next_url=next_url,
        csv_url="/search.csv?" + form.params(),
        error=error,
        status_code=422 if error else 200,
    )


@router.get("/search.csv")
def search_csv(services: Services, staff: PageStaff, form: Form) -> StreamingResponse:
    """The whole result as CSV (a header line, then up to MAX_CSV_ROWS reads, newest first)."""
    query = detection_query(form, staff, limit=CSV_PAGE)  # bad input: a 422 page, before streaming
    by = dashboard_actor(services, staff, form.reason)
    services.store.audit.append(search_record(by, query, AuditAction.READ_EXPORT))
    return StreamingResponse(
        _csv_lines(services, staff, form, query.cursor),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="edgesync-reads.csv"'},
    )


def _csv_lines(
    services: CloudServices, staff: Staff, form: SearchForm, cursor: str | None
) -> Iterator[str]:
    yield csv_line(CSV_HEADER)
    sites = {s.site_id: s for s in services.store.sites.list_sites(staff.sites)}
    sent = 0
    while sent < MAX_CSV_ROWS:
        query = detection_query(
            form, staff, limit=min(CSV_PAGE, MAX_CSV_ROWS - sent), cursor=cursor
        )
        result = services.store.detections.search_detections(query)
        # One chunk per page: every chunk is a trip through the middleware stack.
        yield "".join(
            csv_line(
                (
                    r.plate,
                    r.plate_norm,
                    r.site_id,
                    r.site_name,
                    r.camera_id,
                    r.camera,
                    r.received_at.isoformat(),
                    r.captured_at.isoformat(),
                    "" if r.confidence is None else f"{r.confidence:.3f}",
                    "yes" if r.hit else "no",
                    r.detection_id,
                )
            )
            for r in read_rows(services.store, result.items, sites)
        )
        sent += len(result.items)
        cursor = result.next_cursor
        if cursor is None:
            return
