"""Sync: the enrolled site, backlog, last exchange, cloud reachable; disk, retention, backups."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from local_node.deps import Services
from local_node.status import site_status
from local_node.web.context import Web
from local_node.web.render import page
from local_node.web.session import PageUser

router = APIRouter(include_in_schema=False)


@router.get("/sync")
def sync(request: Request, services: Services, web: Web, _: PageUser) -> HTMLResponse:
    """What `/api/v1/status` reports of the sync agent and the disk, as a page."""
    status = site_status(
        services.engine,
        services.clock(),
        sync=services.settings.sync,
        retention=services.settings.retention,
        image_bytes=services.writer.image_bytes_total,
        volume=services.volume(),
    )
    return page(
        request,
        web,
        "sync.html",
        title="Sync",
        active="Sync",
        status_=status,
        retention=services.settings.retention,
        backup_settings=services.settings.backup,
    )
