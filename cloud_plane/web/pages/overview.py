"""``/``: every site in scope at a glance, worst first, and the reads and alerts charts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cloud_plane.auth.staff import Staff
from cloud_plane.deps import Services
from cloud_plane.services import CloudServices
from cloud_plane.web import charts
from cloud_plane.web.render import fragment, page
from cloud_plane.web.routing import PageRoute
from cloud_plane.web.session import PageStaff
from cloud_plane.web.site_health import SiteCard, site_card, worst_first
from cloud_plane.web.zones import SiteZones, earliest_day_start, local_day_start, site_zones
from sync_protocol.svg_charts import bar_chart, line_chart

router = APIRouter(route_class=PageRoute)


def site_cards(services: CloudServices, staff: Staff) -> list[SiteCard]:
    """The caller's sites, worst first (a few indexed queries; counts come pre-aggregated).

    "Reads today" counts each site's own day (from its local midnight).
    """
    store, now = services.store, services.clock()
    sites = store.sites.list_sites(staff.sites)
    zones = site_zones(sites, services.settings.alerts.timezone)
    rows = store.detections.hourly_reads(
        staff.sites, since=earliest_day_start(now), until=now + timedelta(hours=1)
    )
    today = charts.reads_since(
        rows, {s.site_id: local_day_start(now, zones.of(s.site_id)) for s in sites}
    )
    open_alerts = store.alerts.open_counts(staff.sites)
    current = store.hotlist.current_version()
    return worst_first(
        [
            site_card(
                site,
                now=now,
                health=services.settings.health,
                camera_reads=today.get(site.site_id, {}),
                open_alerts=open_alerts.get(site.site_id, 0),
                hotlist_current=current,
            )
            for site in sites
        ]
    )


def card_zones(services: CloudServices, cards: list[SiteCard]) -> SiteZones:
    """The zone of each card's site."""
    return site_zones([c.site for c in cards], services.settings.alerts.timezone)


def overview_charts(services: CloudServices, staff: Staff, names: dict[str, str]) -> dict[str, Any]:
    """Reads per hour per site over the last 24 h, and alerts per day."""
    store, now = services.store, services.clock()
    hours = charts.last_hours(now)
    rows = store.detections.hourly_reads(
        staff.sites, since=hours[0], until=now + timedelta(hours=1)
    )
    days = charts.last_days(now)
    daily = store.alerts.daily_counts(staff.sites, since=now - timedelta(days=len(days)))
    return {
        "reads_chart": line_chart(
            [charts.hour_label(h) for h in hours],
            charts.reads_per_hour(rows, hours, names),
            title="Reads per hour per site, last 24 hours (UTC)",
        ),
        "alerts_chart": bar_chart(
            charts.per_day(daily, days), title="Alerts per day, last 14 days (UTC)"
        ),
    }


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, services: Services, staff: PageStaff) -> HTMLResponse:
    """The overview page."""
    cards = site_cards(services, staff)
    names = {c.site.site_id: c.site.name for c in cards if c.status != "revoked"}
    return page(
        request,
        "overview.html",
        title="Overview",
        staff=staff,
        active="Overview",
        cards=cards,
        zones=card_zones(services, cards),
        **overview_charts(services, staff, names),
    )


@router.get("/fragments/overview", response_class=HTMLResponse)
def overview_fragment(request: Request, services: Services, staff: PageStaff) -> HTMLResponse:
    """The site table alone, for the page's live refresh."""
    cards = site_cards(services, staff)
    return fragment(request, "_site_table.html", cards=cards, zones=card_zones(services, cards))
