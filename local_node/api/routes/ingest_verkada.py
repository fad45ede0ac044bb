"""Camera ingest from Verkada Command webhooks: `lpr` stored (without image), others ignored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from local_node.api.openapi import ref
from local_node.api.routes.json_event import read_json_event
from local_node.api.vendor_ingest import (
    VENDOR_RESPONSES,
    IgnoredOut,
    VendorIngestOut,
    answer,
    ingest_all,
)
from local_node.deps import CameraAuth, Services
from local_node.ingest.vendors.verkada import VerkadaLprWebhook, parse_verkada

router = APIRouter(prefix="/api/v1/ingest", tags=["vendor ingest"])


VERKADA_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        ref(VerkadaLprWebhook),
                        {
                            "type": "object",
                            "required": ["webhook_type"],
                            "properties": {"webhook_type": {"type": "string", "minLength": 1}},
                            "description": "Any other webhook_type: acknowledged (200 ignored)",
                        },
                    ]
                }
            }
        },
    }
}

VERKADA_RESPONSES: dict[int | str, dict[str, Any]] = {
    **VENDOR_RESPONSES,
    200: {
        "description": "The read repeats a stored one, or a webhook type the node ignores",
        "model": VendorIngestOut | IgnoredOut,
    },
}


@router.post(
    "/verkada",
    status_code=201,
    response_model=VendorIngestOut | IgnoredOut,
    responses=VERKADA_RESPONSES,
    openapi_extra=VERKADA_BODY,
)
async def post_verkada(
    request: Request, response: Response, services: Services, camera: CameraAuth
) -> VendorIngestOut | IgnoredOut:
    """A Verkada webhook: `lpr` becomes one read without image (`image_url` is not fetched).

    Any other `webhook_type` (notifications, access events...) is answered
    `200 {"ignored": webhook_type}`.
    """
    parsed = parse_verkada(await read_json_event(request, services))
    if parsed.kind.lower() != "lpr":
        response.status_code = 200
        return IgnoredOut(ignored=parsed.kind)
    results = await ingest_all(services, camera, parsed.reads)
    return answer(services, results, response)
