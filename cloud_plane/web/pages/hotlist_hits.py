"""``/hotlist/{list}/{plate}/hits``: the reads that matched an entry, historical ones marked.

Historical hits are past reads found when the entry was added (``hotlist/retro.py``); the
others came in while it was listed. Only the caller's sites are shown.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from cloud_plane.deps import Services
from cloud_plane.hotlist import service
from cloud_plane.web.render import page
from cloud_plane.web.routing import PageRoute
from cloud_plane.web.session import PageStaff
from cloud_plane.web.zones import site_zones
from sync_protocol.hotlist_rules import LIST_NAME_PATTERN

router = APIRouter(route_class=PageRoute)

PAGE_SIZE = 100


@router.get("/hotlist/{list_name}/{plate}/hits", response_class=HTMLResponse)
def entry_hits(
    list_name: Annotated[str, Path(pattern=LIST_NAME_PATTERN)],
    plate: Annotated[str, Path(min_length=1, max_length=32)],
    request: Request,
    services: Services,
    staff: PageStaff,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> HTMLResponse:
    """The entry's hits, newest read first, with how many are historical."""
    norm = service.normalized_entry_plate(plate)
    entry = services.store.hotlist.get_entry(list_name, norm)
    found = services.store.hits.list_entry_hits(list_name, norm, limit=PAGE_SIZE, cursor=cursor)
    hits = [h for h in found.items if staff.can_see(h.site_id)]
    sites = services.store.sites.list_sites(staff.sites)
    return page(
        request,
        "hotlist_hits.html",
        title=f"Hits of {entry.plate if entry else norm}",
        staff=staff,
        active="Hotlist",
        list_name=list_name,
        plate=entry.plate if entry else norm,
        plate_norm=norm,
        hits=hits,
        historical=sum(h.historical for h in hits),
        names={s.site_id: s.name for s in sites},
        zones=site_zones(sites, services.settings.alerts.timezone),
        next_cursor=found.next_cursor,
    )
