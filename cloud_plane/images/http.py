"""How the API and the dashboard answer about a read's image: one shape for both.

The image itself: its bytes, their type, ``X-Image-SHA256``, never cached, never sniffed.
Otherwise JSON ``{"status", "detail", "request_id"[, "offline_since"]}`` with the answer's
HTTP status (202 with ``Retry-After`` while the site has not answered).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cloud_plane.errors import InvalidInput
from cloud_plane.images.service import ImageService
from cloud_plane.records.audit import Actor
from cloud_plane.records.images import Answer, ImageRequest, ReadHint, ReadRef
from sync_protocol.image_messages import SHA256_HEADER

MAX_SITE_ID = 64  # the column's size


def read_hint(
    site_id: Annotated[
        str | None,
        Query(max_length=MAX_SITE_ID, description="The read's site, as the search listed it"),
    ] = None,
    received_at: Annotated[
        datetime | None,
        Query(description="The read's received_at, as the search listed it (with site_id)"),
    ] = None,
) -> ReadHint | None:
    """Where a search listed the read: needed (with the id) to find a read that did not hit
    on the DynamoDB store; ignored where reads are found by id alone. Both or neither."""
    if (site_id is None) != (received_at is None):
        raise InvalidInput("site_id and received_at go together: give both or neither")
    if site_id is None or received_at is None:
        return None
    if received_at.tzinfo is None:
        raise InvalidInput("received_at needs its UTC offset (as the search lists it)")
    return ReadHint(site_id, received_at)


Near = Annotated[ReadHint | None, Depends(read_hint)]
"""The ``read_hint`` of a request."""

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
