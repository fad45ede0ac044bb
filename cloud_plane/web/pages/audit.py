"""``/audit``: the audit log (admins: every entry; managers: their sites'), filtered by time,
actor, action and site, newest first; ``/audit.csv``: the same filter as a CSV download,
itself recorded as ``audit.export``. Every value is data: autoescaped like camera text."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from cloud_plane.auth.staff import Staff
from cloud_plane.deps import Services
from cloud_plane.errors import Forbidden, InvalidInput
from cloud_plane.records.audit import AuditQuery, export_record, narrowed, readable_sites
from cloud_plane.services import CloudServices
from cloud_plane.store.audit_roles import export_lines
from cloud_plane.web.acting import dashboard_actor
from cloud_plane.web.render import page
from cloud_plane.web.routing import PageRoute
from cloud_plane.web.search_form import local_window
from cloud_plane.web.session import PageStaff
from sync_protocol.audit import ACTOR_MAX, AuditAction, detail_json

router = APIRouter(route_class=PageRoute)

PAGE_SIZE = 100
Text = Annotated[str, Query(max_length=64)]


class AuditFilters:
    """The page's filters from the query string (kept to refill the form and build links)."""

    def __init__(
        self,
        since: Annotated[str, Query(max_length=32)] = "",
        until: Annotated[str, Query(max_length=32)] = "",
        actor: Annotated[str, Query(max_length=ACTOR_MAX)] = "",
        action: Text = "",
        site_id: Text = "",
        tz: Text = "",
    ) -> None:
        self.since, self.until, self.actor = since, until, actor.strip()
        self.action, self.site_id, self.tz = action, site_id, tz

    def params(self, **extra: str) -> str:
        """The query string of these filters (empty ones left out)."""
        fields = {**vars(self), **extra}
        return urlencode({k: v for k, v in fields.items() if v})

    def query(self, staff: Staff, *, cursor: str | None = None) -> AuditQuery:
        """The store query, scoped to what ``staff`` may read; Forbidden, InvalidInput."""
        try:
            scope = readable_sites(staff.role, staff.sites)
        except PermissionError as exc:
            raise Forbidden(str(exc)) from None
        if self.action and self.action not in {a.value for a in AuditAction}:
            raise InvalidInput("unknown action")
        since, until = local_window(self.since, self.until, self.tz)
        return AuditQuery(
            since=since,
            until=until,
            actor=self.actor or None,
            action=self.action or None,
            site_ids=narrowed(scope, self.site_id or None),
            limit=PAGE_SIZE,
            cursor=cursor,
        )


Filters = Annotated[AuditFilters, Depends()]


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request,
    services: Services,
    staff: PageStaff,
    filters: Filters,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> HTMLResponse:
    """The filter form and one page of entries."""
    entries, next_url, error = [], None, None
    try:  # a viewer's Forbidden is no InvalidInput: it goes on to the 403 page
        result = services.store.audit.list(filters.query(staff, cursor=cursor))
        entries = result.items
        if result.next_cursor:
            next_url = "/audit?" + filters.params(cursor=result.next_cursor)
    except InvalidInput as exc:
        error = exc.detail
    names = _site_names(services, staff)
    return page(
        request,
        "audit.html",
        title="Audit log",
        staff=staff,
        active="Audit",
        filters=filters,
        entries=entries,
        detail_text=detail_json,
        names=names,
        site_options=[
            ("", "All my sites" if staff.sites is not None else "All"),
            *sorted(names.items(), key=lambda kv: kv[1]),
        ],
        action_options=[("", "Any action")] + [(a.value, a.value) for a in AuditAction],
        next_url=next_url,
        csv_url="/audit.csv?" + filters.params(),
        error=error,
        status_code=422 if error else 200,
    )


@router.get("/audit.csv")
def audit_csv(services: Services, staff: PageStaff, filters: Filters) -> StreamingResponse:
    """Every matching entry as CSV, newest first (recorded as ``audit.export``)."""
    query = filters.query(staff)  # bad input: a 422 page, before streaming
    services.store.audit.append(export_record(dashboard_actor(services, staff), query, "csv"))
    return StreamingResponse(
        export_lines(services.store.audit, query, "csv"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="edgesync-audit.csv"'},
    )


def _site_names(services: CloudServices, staff: Staff) -> dict[str, str]:
    return {s.site_id: s.name for s in services.store.sites.list_sites(staff.sites)}
