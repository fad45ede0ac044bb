"""A read's image, asked of its site through the sync channel (issue 14).

``POST /api/v1/detections/{id}/image`` asks for it: 202 ``{"status": "pending"}`` (or 200
when held); ``GET`` serves it: 200 with the bytes, their type and ``X-Image-SHA256``; 202
while the site has not answered (``Retry-After``; ``?wait=`` up to 10 s holds the request
until it has); 404 no such read in the caller's sites, no image, or "pruned at the site";
410 forgotten (ask again); 503 ``{"status": "offline", "offline_since": ...}`` at once for
a site that is offline. Every request and every image served is in the audit log.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cloud_plane.deps import Services, StaffAuth, api_actor
from cloud_plane.records.images import Answer, ImageRequest
from sync_protocol.audit import REASON_MAX
from sync_protocol.image_messages import SHA256_HEADER

router = APIRouter(prefix="/api/v1/detections", tags=["detections"])

MAX_WAIT_S = 10.0
WAIT_STEP_S = 0.1


def answer_json(request: ImageRequest | None, said: Answer) -> JSONResponse:
    """The JSON of an answer that is not the image itself."""
    body: dict[str, Any] = {
        "status": said.status,
        "detail": said.detail,
        "request_id": request.request_id if request else None,
    }
    headers = {}
    if said.offline_since is not None:
        body["offline_since"] = (
            None if said.offline_since.year == 1 else said.offline_since.isoformat()
        )
    if said.retry_after_s is not None:
        headers["Retry-After"] = str(max(1, round(said.retry_after_s)))
    return JSONResponse(body, status_code=said.http, headers=headers)


@router.post("/{detection_id}/image", responses={202: {}, 404: {}, 503: {}})
async def request_image(
    detection_id: str,
    services: Services,
    staff: StaffAuth,
    reason: Annotated[
        str | None, Query(max_length=REASON_MAX, description="Why (optional; audit-logged)")
    ] = None,
) -> JSONResponse:
    """Ask the read's site for its image (answered at once; GET then serves it)."""
    images = services.images
    by = api_actor(services, staff, reason)

    def ask() -> tuple[ImageRequest | None, Answer]:
        return images.request(images.read(detection_id, staff.scope()), by)

    request, said = await run_in_threadpool(ask)
    return answer_json(request, said)


@router.get("/{detection_id}/image", responses={200: {"content": {"image/jpeg": {}}}})
async def get_image(
    detection_id: str,
    services: Services,
    staff: StaffAuth,
    wait: Annotated[
        float, Query(ge=0, le=MAX_WAIT_S, description="Hold up to this many seconds for it")
    ] = 0,
) -> Response:
    """The image if held, else where its request stands."""
    images = services.images
    ref = await run_in_threadpool(images.read, detection_id, staff.scope())
    deadline = time.monotonic() + wait
    while True:
        request, said = await run_in_threadpool(images.current, ref)
        if said.http != 202 or time.monotonic() >= deadline:
            break
        await asyncio.sleep(WAIT_STEP_S)
    if said.http != 200 or request is None:
        return answer_json(request, said)
    data, digest = await run_in_threadpool(images.image, request, api_actor(services, staff))
    return Response(
        data,
        media_type=request.content_type or "application/octet-stream",
        headers={
            SHA256_HEADER: digest,
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
