"""Mounts the dashboard on the cloud app: its pages, static files and the page guard."""

from __future__ import annotations

from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles

from cloud_plane.services import CloudServices
from cloud_plane.web.pages import (
    alerts,
    audit,
    hotlist,
    hotlist_hits,
    images,
    overview,
    recipients,
    search,
    signin,
    sites,
    users,
)
from sync_protocol import web_assets
from sync_protocol.web_guard import DEFAULT_SKIP, PageGuard

SKIP = (*DEFAULT_SKIP, "/sync/")  # nodes' signed exchanges are no pages


def install_web(app: FastAPI, services: CloudServices) -> None:
    """Add the dashboard's routes and static files, and guard every page."""
    pages = (signin, overview, sites, search, images, hotlist, hotlist_hits, alerts, audit)
    for module in (*pages, recipients, users):
        app.include_router(module.router, include_in_schema=False)
    app.add_api_route("/favicon.ico", _no_icon, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=str(web_assets.STATIC)), name="static")
    app.add_middleware(
        PageGuard,
        key=services.web_key,
        cookie_secure=services.settings.web_cookie_secure,
        skip_prefixes=SKIP,
    )


async def _no_icon() -> Response:
    """Browsers ask for an icon on every visit; there is none (no 404 in their console)."""
    return Response(status_code=204, headers={"Cache-Control": "max-age=86400"})
