"""A read's image, asked of its site through the sync channel (issue 14).

``POST /api/v1/detections/{id}/image`` asks for it: 202 ``{"status": "pending"}`` (or 200
when held); ``GET`` serves it: 200 with the bytes, their type and ``X-Image-SHA256``; 202
while the site has not answered (``Retry-After``; ``?wait=`` up to 10 s holds the request
until it has); 404 no such read in the caller's sites, no image, or "pruned at the site";
410 forgotten (ask again); 503 ``{"status": "offline", "offline_since": ...}`` at once for
a site that is offline. Every request and every image served is in the audit log.
``site_id`` and ``received_at`` (both, as a search listed the read) let the DynamoDB store
find a read that did not hit (``ReadHint``); elsewhere the id alone is enough.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cloud_plane.deps import Services, StaffAuth, api_actor
from cloud_plane.images.http import MAX_WAIT_S, Near, answer_json, image_response
from cloud_plane.records.audit import Actor
from cloud_plane.records.images import Answer, ImageRequest
from sync_protocol.audit import REASON_MAX

router = APIRouter(prefix="/api/v1/detections", tags=["detections"])


@router.post("/{detection_id}/image", responses={202: {}, 404: {}, 503: {}})
async def request_image(
    detection_id: str,
    services: Services,
    staff: StaffAuth,
    near: Near,
    reason: Annotated[
        str | None, Query(max_length=REASON_MAX, description="Why (optional; audit-logged)")
    ] = None,
) -> JSONResponse:
    """Ask the read's site for its image (answered at once; GET then serves it)."""
    images = services.images
    by: Actor = api_actor(services, staff, reason)

    def ask() -> tuple[ImageRequest | None, Answer]:
        return images.request(images.read(detection_id, staff.scope(), near), by)

    return answer_json(*await run_in_threadpool(ask))


@router.get("/{detection_id}/image", responses={200: {"content": {"image/jpeg": {}}}})
async def get_image(
    detection_id: str,
    services: Services,
    staff: StaffAuth,
    near: Near,
    wait: Annotated[
        float, Query(ge=0, le=MAX_WAIT_S, description="Hold up to this many seconds for it")
    ] = 0,
    meta: Annotated[bool, Query(description="Where it stands, never the bytes")] = False,
) -> Response:
    """The image if held, else where its request stands."""
    ref = await run_in_threadpool(services.images.read, detection_id, staff.scope(), near)
    return await image_response(services.images, ref, api_actor(services, staff), wait, meta=meta)
