"""Camera ingest from the open-source OpenALPR daemon (`alprd`): `POST /api/v1/ingest/alprd`.

The daemon deletes a post from its queue on any HTTP answer, so a refused post is a lost
read. The mapping (`local_node.ingest.vendors.alprd`) therefore stores every plate it
can, and this route logs at WARNING every post it refuses and every plate it skipped,
with the reason, so that no loss is silent.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response

from local_node.api.body import read_limited
from local_node.api.openapi import ref
from local_node.api.vendor_ingest import (
    VENDOR_RESPONSES,
    VendorIngestOut,
    answer,
    image_kinds,
    ingest_all,
)
from local_node.deps import CameraAuth, Services
from local_node.errors import NodeError
from local_node.ingest.vendors.alprd import AlprdFrame, parse_alprd
from local_node.ingest.vendors.base import VendorPayloadError, decode_json_object
from local_node.ingest.vendors.openalpr import AlprPlate

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/ingest", tags=["vendor ingest"])

ALPRD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            "One frame as alprd posts it (`alpr_results` with `uuid`, `camera_id`, "
            "`site_id`); `epoch_time` in milliseconds (seconds accepted)"
        ),
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        ref(AlprdFrame),
                        {
                            "type": "object",
                            "properties": {"results": {"type": "array", "items": ref(AlprPlate)}},
                        },
                    ]
                }
            }
        },
    }
}

ALPRD_RESPONSES: dict[int | str, dict[str, Any]] = {
    **VENDOR_RESPONSES,
    201: {"description": "The frame's plates stored as new reads (one per valid plate)"},
    422: {
        "description": (
            "Nothing of the post could be stored (no usable `epoch_time`, every plate "
            "invalid, not alprd's JSON); logged at WARNING, since the daemon drops it"
        )
    },
}


def _refused(camera: str, exc: Exception) -> None:
    reason = exc.detail if isinstance(exc, NodeError) else str(exc)
    log.warning(
        "alprd post from camera %s refused (%s: %s); the daemon does not resend it, "
        "its plates are lost",
        camera,
        type(exc).__name__,
        reason,
    )


@router.post(
    "/alprd",
    status_code=201,
    response_model=VendorIngestOut,
    responses=ALPRD_RESPONSES,
    openapi_extra=ALPRD_BODY,
)
async def post_alprd(
    request: Request, response: Response, services: Services, camera: CameraAuth
) -> VendorIngestOut:
    """A frame from the open-source OpenALPR daemon: one read per plate in `results`.

    Any content type is read as JSON (the daemon always says application/json). A
    plate that does not validate is skipped and logged; the post is refused (422,
    logged) only when none of it can be stored.
    """
    try:
        body = await read_limited(request, services.settings.ingest.max_body_bytes)
        parsed = parse_alprd(decode_json_object(body, field="body"))
        kinds = image_kinds(services, parsed.reads)
    except (VendorPayloadError, NodeError) as exc:
        _refused(camera.name, exc)
        raise
    for skipped in parsed.skipped:
        log.warning("alprd post from camera %s: skipped %s", camera.name, skipped)
    try:
        results = await ingest_all(services, camera, parsed.reads, image_kinds=kinds)
    except NodeError as exc:
        # Overloaded or out of space: the daemon will not retry, so say what was lost.
        _refused(camera.name, exc)
        raise
    return answer(services, results, response)
