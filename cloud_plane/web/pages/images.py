"""The dashboard's "Show image" control: the same requests as the API, signed in by cookie.

``POST /reads/{id}/image`` (CSRF header, like every unsafe request) asks the read's site for
the image; ``GET /reads/{id}/image`` serves it or says where it stands (``?wait=`` up to
10 s). The script (``edgesync.js``) polls the GET until the image is there, then shows it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cloud_plane.deps import Services
from cloud_plane.images.http import MAX_WAIT_S, Near, answer_json, image_response
from cloud_plane.web.acting import dashboard_actor
from cloud_plane.web.routing import PageRoute
from cloud_plane.web.session import Csrf, PageStaff

router = APIRouter(route_class=PageRoute)


@router.post("/reads/{detection_id}/image")
async def ask_for_image(
    detection_id: str, services: Services, staff: PageStaff, near: Near, _: Csrf
) -> JSONResponse:
    """Ask the read's site for its image."""
    images, by = services.images, dashboard_actor(services, staff)

    def ask():
        return images.request(images.read(detection_id, staff.scope(), near), by)

    return answer_json(*await run_in_threadpool(ask))


@router.get("/reads/{detection_id}/image")
async def show_image(
    detection_id: str,
    services: Services,
    staff: PageStaff,
    near: Near,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S)] = 0,
    meta: bool = False,
) -> Response:
    """The image, or where its request stands."""
    ref = await run_in_threadpool(services.images.read, detection_id, staff.scope(), near)
    by = dashboard_actor(services, staff)
    return await image_response(services.images, ref, by, wait, meta=meta)
