"""``/sites`` (the caller's sites) and ``/sites/{site_id}``: cameras, reads per hour, recent reads,
how long the cloud keeps its reads and the last retention runs.

A site out of the caller's scope is answered exactly like a missing one (404 page).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from cloud_plane.deps import Services
from cloud_plane.records.detections import DetectionQuery
from cloud_plane.records.retention import effective_days
from cloud_plane.web import charts
from cloud_plane.web.pages.overview import card_zones, site_cards
from cloud_plane.web.reads import read_rows
from cloud_plane.web.render import page
from cloud_plane.web.routing import PageRoute
from cloud_plane.web.session import PageStaff
from cloud_plane.web.site_health import site_card
from cloud_plane.web.zones import earliest_day_start, local_day_start, site_zones
from sync_protocol.svg_charts import bar_chart

router = APIRouter(route_class=PageRoute)

RECENT = 20
RETENTION_RUNS = 5  # the last runs the site page lists
SiteId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/sites", response_class=HTMLResponse)
def list_sites(request: Request, services: Services, staff: PageStaff) -> HTMLResponse:
    """The caller's sites, worst first."""
    cards = site_cards(services, staff)
    return page(
        request,
        "sites.html",
        title="Sites",
        staff=staff,
        active="Sites",
        cards=cards,
        zones=card_zones(services, cards),
    )


@router.get("/sites/{site_id}", response_class=HTMLResponse)
def site_detail(
    site_id: SiteId, request: Request, services: Services, staff: PageStaff
) -> HTMLResponse:
    """One site: health, cameras, reads per hour, recent reads (times on the site's clock)."""
    scope = staff.scope(site_id)  # NotFound when out of scope
    store, now = services.store, services.clock()
    site = store.sites.get_site(site_id)
    zones = site_zones([site], services.settings.alerts.timezone)
    zone = zones.of(site_id)
    hours = charts.last_hours(now)
    since = min(hours[0], earliest_day_start(now))
    rows = store.detections.hourly_reads(scope, since=since, until=now + timedelta(hours=1))
    card = site_card(
        site,
        now=now,
        health=services.settings.health,
        camera_reads=charts.reads_since(rows, {site_id: local_day_start(now, zone)}).get(
            site_id, {}
        ),
        open_alerts=store.alerts.open_counts(scope).get(site_id, 0),
        hotlist_current=store.hotlist.current_version(),
    )
    recent = store.detections.search_detections(DetectionQuery(site_ids=scope, limit=RECENT))
    chart = bar_chart(
        list(
            zip(
                [charts.hour_label(h, zone) for h in hours],
                charts.reads_per_hour_total(rows, hours),
                strict=True,
            )
        ),
        title=f"Reads per hour at {site.name}, last 24 hours ({zone})",
    )
    return page(
        request,
        "site.html",
        title=site.name,
        staff=staff,
        active="Sites",
        card=card,
        heartbeat=site.heartbeat,
        chart=chart,
        rows=read_rows(store, recent.items, {site_id: site}),
        zones=zones,
        retention_days=effective_days(
            site.read_retention_days, services.settings.detection_retention_days
        ),
        retention_runs=store.retention.list_runs(site_id=site_id, limit=RETENTION_RUNS),
    )
