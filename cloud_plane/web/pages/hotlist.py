"""``/hotlist``: entries (filter by list), the version each site holds, add / edit / remove
(admins, as the API), CSV import with a line-by-line report (all-or-nothing), CSV export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from cloud_plane.auth.staff import Staff
from cloud_plane.deps import Services
from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.hotlist import service
from cloud_plane.services import CloudServices
from cloud_plane.web.acting import dashboard_actor
from cloud_plane.web.hotlist_csv import (
    COLUMNS,
    EntryFields,
    EntryProblem,
    entry_fields,
    parse_import,
)
from cloud_plane.web.render import page
from cloud_plane.web.routing import PageRoute
from cloud_plane.web.session import Csrf, PageAdmin, PageStaff
from cloud_plane.web.zones import site_zones
from sync_protocol.audit import AuditAction
from sync_protocol.csv_cells import csv_line
from sync_protocol.hotlist_messages import HotlistEntry
from sync_protocol.hotlist_rules import CLOUD_OWNER, LIST_NAME_PATTERN

router = APIRouter(route_class=PageRoute)

MAX_IMPORT_BYTES = 2 * 1024 * 1024
ListName = Annotated[str, Path(pattern=LIST_NAME_PATTERN)]
Plate = Annotated[str, Path(min_length=1, max_length=32)]
Field = Annotated[str, Form(max_length=600)]


def owner_label(owner: str, staff: Staff, names: dict[str, str]) -> str:
    """Who owns an entry, without naming a site the caller may not see."""
    if owner == CLOUD_OWNER:
        return "cloud (staff)"
    site_id = owner.removeprefix("site:")
    if staff.can_see(site_id) and site_id in names:
        return f"site {names[site_id]}"
    return "another site"


def _hotlist_page(
    request: Request,
    services: CloudServices,
    staff: Staff,
    *,
    list_name: str | None,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    store = services.store
    entries = store.hotlist.list_entries()
    sites = store.sites.list_sites(staff.sites)
    names = {s.site_id: s.name for s in sites}
    lists = sorted({e.list_name for e in entries})
    shown = [e for e in entries if list_name is None or e.list_name == list_name]
    context: dict[str, Any] = {
        "entries": [(e, owner_label(e.owner, staff, names)) for e in shown],
        "lists": lists,
        "list_filter": list_name or "",
        "current_version": store.hotlist.current_version(),
        "sites": [s for s in sites if not s.archived],
        "zones": site_zones(sites, services.settings.alerts.timezone),
        "form": {},
        "error": None,
        "report": None,
        "columns": COLUMNS,
    }
    context.update(extra)
    return page(
        request,
        "hotlist.html",
        title="Hotlist",
        staff=staff,
        active="Hotlist",
        status_code=status_code,
        **context,
    )


@router.get("/hotlist", response_class=HTMLResponse)
def hotlist(
    request: Request,
    services: Services,
    staff: PageStaff,
    list_name: Annotated[str, Query(alias="list", max_length=32)] = "",
) -> HTMLResponse:
    """Entries, site versions, and (admins) the add and import forms."""
    return _hotlist_page(request, services, staff, list_name=list_name or None)


def _save(
    services: CloudServices, staff: Staff, entry: EntryFields, source: str = "dashboard"
) -> HotlistEntry:
    saved = service.staff_upsert(
        services.store,
        list_name=entry.list_name,
        plate=entry.plate,
        reason=entry.reason,
        priority=entry.priority,
        expires_at=entry.expires_at,
        by=staff.username,
        now=services.clock(),
        source=source,
    )
    services.retro.kick()  # the entry's past reads: historical hits (hotlist/retro.py)
    return saved


@router.post("/hotlist", response_class=HTMLResponse)
def add_entry(
    request: Request,
    services: Services,
    staff: PageAdmin,
    _: Csrf,
    list_name: Annotated[str, Form(alias="list", max_length=64)] = "",
    plate: Field = "",
    reason: Field = "",
    priority: Annotated[str, Form(max_length=8)] = "",
    expires: Annotated[str, Form(max_length=40)] = "",
    tz: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Add (or replace) an entry; a bad field re-shows the form saying which."""
    fields = {
        "list": list_name,
        "plate": plate,
        "reason": reason,
        "priority": priority,
        "expires": expires,
    }
    try:
        entry = entry_fields(
            list_name, plate, reason, priority, expires, tz=tz, now=services.clock()
        )
        _save(services, staff, entry)
    except (EntryProblem, InvalidInput) as exc:
        message = exc.detail if isinstance(exc, InvalidInput) else str(exc)
        return _hotlist_page(
            request, services, staff, list_name=None, form=fields, error=message, status_code=422
        )
    return RedirectResponse("/hotlist?notice=saved", status_code=303)


def _live(services: CloudServices, list_name: str, plate: str) -> HotlistEntry:
    entry = services.store.hotlist.get_entry(list_name, service.normalized_entry_plate(plate))
    if entry is None or entry.deleted:
        raise NotFound(f"no entry {plate!r} on list {list_name!r}")
    return entry


@router.get("/hotlist/{list_name}/{plate}/edit", response_class=HTMLResponse)
def edit_form(
    list_name: ListName, plate: Plate, request: Request, services: Services, staff: PageAdmin
) -> HTMLResponse:
    """The entry's form, filled in."""
    entry = _live(services, list_name, plate)
    return page(
        request,
        "hotlist_edit.html",
        title=f"Edit {entry.plate}",
        staff=staff,
        active="Hotlist",
        entry=entry,
        error=None,
        form=None,
    )


@router.post("/hotlist/{list_name}/{plate}", response_class=HTMLResponse)
def edit_entry(
    list_name: ListName,
    plate: Plate,
    request: Request,
    services: Services,
    staff: PageAdmin,
    _: Csrf,
    reason: Field = "",
    priority: Annotated[str, Form(max_length=8)] = "",
    expires: Annotated[str, Form(max_length=40)] = "",
    tz: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Change reason, priority or expiry (a new hotlist version)."""
    entry = _live(services, list_name, plate)
    try:
        fields = entry_fields(
            list_name, entry.plate, reason, priority, expires, tz=tz, now=services.clock()
        )
        _save(services, staff, fields)
    except (EntryProblem, InvalidInput) as exc:
        message = exc.detail if isinstance(exc, InvalidInput) else str(exc)
        return page(
            request,
            "hotlist_edit.html",
            title=f"Edit {entry.plate}",
            staff=staff,
            active="Hotlist",
            entry=entry,
            error=message,
            status_code=422,
            form={"reason": reason, "priority": priority, "expires": expires},
        )
    return RedirectResponse("/hotlist?notice=saved", status_code=303)


@router.post("/hotlist/{list_name}/{plate}/remove")
def remove_entry(
    list_name: ListName, plate: Plate, services: Services, staff: PageAdmin, _: Csrf
) -> Response:
    """Delete the entry (nodes learn of it as a tombstone)."""
    service.staff_delete(
        services.store,
        list_name=list_name,
        plate=plate,
        by=staff.username,
        now=services.clock(),
        source="dashboard",
    )
    return RedirectResponse("/hotlist?notice=removed", status_code=303)


@router.post("/hotlist/import", response_class=HTMLResponse)
async def import_csv(
    request: Request,
    services: Services,
    staff: PageAdmin,
    _: Csrf,
    file: Annotated[UploadFile, File()],
) -> HTMLResponse:
    """Check every line; apply all of them only if none has a problem."""
    raw = await file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text") from None
    report = parse_import(text, now=services.clock())
    applied = 0
    if not report.problems and report.entries:
        applied = await run_in_threadpool(_apply_all, services, staff, report.entries)
    return await run_in_threadpool(
        lambda: _hotlist_page(
            request,
            services,
            staff,
            list_name=None,
            report={"problems": report.problems, "valid": len(report.entries), "applied": applied},
            status_code=422 if report.problems else 200,
        )
    )


def _apply_all(
    services: CloudServices, staff: Staff, entries: list[tuple[int, EntryFields]]
) -> int:
    with services.store.meta.atomic():  # one transaction on SQL: all or none
        for _, entry in entries:
            _save(services, staff, entry, source="dashboard import")
        # Each entry has its own hotlist.add/update; this one says they came as one file.
        detail = {"entries": len(entries)}
        record = dashboard_actor(services, staff).record(AuditAction.HOTLIST_IMPORT, detail=detail)
        services.store.audit.append(record)
    return len(entries)


@router.get("/hotlist.csv")
def export_csv(services: Services, staff: PageStaff) -> StreamingResponse:
    """Every live entry, in the import's columns first (a file exported imports back)."""
    sites = {s.site_id: s.name for s in services.store.sites.list_sites(staff.sites)}
    entries = services.store.hotlist.list_entries()

    def lines():
        yield csv_line((*COLUMNS, "owner", "updated_by", "updated_at", "version"))
        for e in entries:
            yield csv_line(
                (
                    e.list_name,
                    e.plate,
                    e.reason,
                    e.priority,
                    e.expires_at.isoformat() if e.expires_at else "",
                    owner_label(e.owner, staff, sites),
                    e.updated_by
                    if e.owner == CLOUD_OWNER or staff.can_see(e.owner.removeprefix("site:"))
                    else "another site",
                    e.updated_at.isoformat(),
                    e.version,
                )
            )

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="edgesync-hotlist.csv"'},
    )
