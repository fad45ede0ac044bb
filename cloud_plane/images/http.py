"""How the API and the dashboard answer about a read's image: one shape for both.

The image itself: its bytes, their type, ``X-Image-SHA256``, never cached, never sniffed.
Otherwise JSON ``{"status", "detail", "request_id"[, "offline_since"]}`` with the answer's
HTTP status (202 with ``Retry-After`` while the site has not answered).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cloud_plane.images.service import ImageService
from cloud_plane.records.audit import Actor
from cloud_plane.records.images import Answer, ImageRequest, ReadRef
from sync_protocol.image_messages import SHA256_HEADER

MAX_WAIT_S = 10.0
WAIT_STEP_S = 0.1


def answer_json(request: ImageRequest | None, said: Answer) -> JSONResponse:
    """The JSON of an answer that is not the image itself."""
    body: dict[str, Any] = {
        "status": said.status,
        "detail": said.detail,
        "request_id": request.request_id if request else None,
    }
    headers = {"Cache-Control": "no-store"}
    if said.offline_since is not None:
        body["offline_since"] = (
            None if said.offline_since.year == 1 else said.offline_since.isoformat()
        )
    if said.retry_after_s is not None:
        headers["Retry-After"] = str(max(1, round(said.retry_after_s)))
    return JSONResponse(body, status_code=said.http, headers=headers)


async def image_response(
    images: ImageService, ref: ReadRef, by: Actor, wait_s: float, *, meta: bool = False
) -> Response:
    """The image if held (waiting up to ``wait_s`` for it), else where its request stands;
    ``meta``: where it stands even when held (200 ``{"status": "stored"}``, no bytes)."""
    deadline = time.monotonic() + min(wait_s, MAX_WAIT_S)
    while True:
        request, said = await run_in_threadpool(images.current, ref)
        if said.http != 202 or time.monotonic() >= deadline:
            break
        await asyncio.sleep(WAIT_STEP_S)
    if said.http != 200 or request is None or meta:
        return answer_json(request, said)
    data, digest = await run_in_threadpool(images.image, request, by)
    return Response(
        data,
        media_type=request.content_type or "application/octet-stream",
        headers={
            SHA256_HEADER: digest,
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
