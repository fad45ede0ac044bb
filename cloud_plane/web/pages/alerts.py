"""``/alerts``: the live feed (filter by site, status, kind; new alerts appear by polling) and
``/alerts/{id}``: the alert, its delivery ledger, and "Acknowledge" (admins and managers)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cloud_plane.alerts.model import AlertKind
from cloud_plane.auth.staff import Staff
from cloud_plane.deps import Services
from cloud_plane.errors import Forbidden, InvalidInput, NotFound
from cloud_plane.records.alerts import ALERT_STATUSES, AlertQuery, AlertStatus, StoredAlert
from cloud_plane.records.paging import Page
from cloud_plane.services import CloudServices
from cloud_plane.web.render import fragment, page
from cloud_plane.web.routing import PageRoute
from cloud_plane.web.session import Csrf, PageStaff
from cloud_plane.web.zones import SiteZones, site_zones

router = APIRouter(route_class=PageRoute)

FEED_SIZE = 50
AlertId = Annotated[str, Path(min_length=1, max_length=36)]
Filter = Annotated[str, Query(max_length=64)]


def _feed(
    services: CloudServices, staff: Staff, site_id: str, status: str, kind: str, cursor: str | None
) -> Page[StoredAlert]:
    if status and status not in ALERT_STATUSES:
        raise InvalidInput("status must be open, acked or resolved")
    if kind and kind not in {k.value for k in AlertKind}:
        raise InvalidInput("unknown alert kind")
    return services.store.alerts.list_alerts(
        AlertQuery(
            site_ids=staff.scope(site_id or None),
            status=_status(status),
            kind=kind or None,
            limit=FEED_SIZE,
            cursor=cursor,
        )
    )


def _status(value: str) -> AlertStatus | None:
    for known in ALERT_STATUSES:
        if value == known:
            return known
    return None


def _sites(services: CloudServices, staff: Staff) -> tuple[dict[str, str], SiteZones]:
    """The caller's sites' names, and their zones (each alert shows on its site's clock)."""
    sites = services.store.sites.list_sites(staff.sites)
    names = {s.site_id: s.name for s in sites}
    return names, site_zones(sites, services.settings.alerts.timezone)


@router.get("/alerts", response_class=HTMLResponse)
def alerts(
    request: Request,
    services: Services,
    staff: PageStaff,
    site_id: Filter = "",
    status: Filter = "",
    kind: Filter = "",
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> HTMLResponse:
    """The feed with its filters (the first page refreshes itself)."""
    feed = _feed(services, staff, site_id, status, kind, cursor)
    names, zones = _sites(services, staff)
    return page(
        request,
        "alerts.html",
        title="Alerts",
        staff=staff,
        active="Alerts",
        alerts=feed.items,
        names=names,
        zones=zones,
        live=cursor is None,
        fragment_url="/fragments/alerts?" + request.url.query,
        next_url=None
        if feed.next_cursor is None
        else "/alerts?" + _with_cursor(site_id, status, kind, feed.next_cursor),
        site_id=site_id,
        status=status,
        kind=kind,
        site_options=[("", "All my sites"), *sorted(names.items(), key=lambda kv: kv[1])],
        status_options=[("", "Any status")] + [(s, s) for s in ALERT_STATUSES],
        kind_options=[("", "Any kind")] + [(k.value, k.value.replace("_", " ")) for k in AlertKind],
    )


def _with_cursor(site_id: str, status: str, kind: str, cursor: str) -> str:
    fields = {"site_id": site_id, "status": status, "kind": kind, "cursor": cursor}
    return urlencode({k: v for k, v in fields.items() if v})


@router.get("/fragments/alerts", response_class=HTMLResponse)
def alerts_fragment(
    request: Request,
    services: Services,
    staff: PageStaff,
    site_id: Filter = "",
    status: Filter = "",
    kind: Filter = "",
) -> HTMLResponse:
    """The feed's first page alone, for the live refresh."""
    feed = _feed(services, staff, site_id, status, kind, None)
    names, zones = _sites(services, staff)
    return fragment(request, "_alert_rows.html", alerts=feed.items, names=names, zones=zones)


def _visible(services: CloudServices, staff: Staff, alert_id: str) -> StoredAlert:
    alert = services.store.alerts.get_alert(alert_id)
    if not staff.can_see(alert.site_id):
        raise NotFound(f"no alert {alert_id!r}")  # out of scope looks like absent
    return alert


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_detail(
    alert_id: AlertId, request: Request, services: Services, staff: PageStaff
) -> HTMLResponse:
    """The alert and its delivery ledger."""
    alert = _visible(services, staff, alert_id)
    store = services.store
    recipients = {r.recipient_id: r.name for r in store.recipients.list_recipients()}
    names, zones = _sites(services, staff)
    return page(
        request,
        "alert.html",
        title=f"Alert {alert.kind.replace('_', ' ')}",
        staff=staff,
        active="Alerts",
        alert=alert,
        site_name=names.get(alert.site_id, ""),
        zone=zones.of(alert.site_id),
        deliveries=store.deliveries.list_deliveries(alert_id),
        attempts=store.deliveries.list_attempts(alert_id),
        recipients=recipients,
        can_ack=staff.role != "viewer",
    )


@router.post("/alerts/{alert_id}/ack")
def acknowledge(alert_id: AlertId, services: Services, staff: PageStaff, _: Csrf) -> Response:
    """Acknowledge (idempotent: the first who and when stay); escalation stops."""
    _visible(services, staff, alert_id)
    if staff.role == "viewer":
        raise Forbidden("viewers cannot acknowledge alerts")
    services.alerting.service.acknowledge(alert_id, by=staff.username, source="dashboard")
    return RedirectResponse(f"/alerts/{alert_id}?notice=acknowledged", status_code=303)
