"""Camera ingest from Survision LPR cameras: their HTTP push in JSON, image inside."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response

from local_node.api.openapi import ref
from local_node.api.routes.json_event import read_json_event
from local_node.api.vendor_ingest import (
    VENDOR_RESPONSES,
    VendorIngestOut,
    answer,
    image_kinds,
    ingest_all,
)
from local_node.deps import CameraAuth, Services
from local_node.ingest.vendors.survision import SurvisionPush, parse_survision

router = APIRouter(prefix="/api/v1/ingest", tags=["vendor ingest"])

SURVISION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": ref(SurvisionPush)}},
        "description": "The camera's `anpr` message as JSON; `decision.jpeg` is the image",
    }
}


@router.post(
    "/survision",
    status_code=201,
    response_model=VendorIngestOut,
    responses=VENDOR_RESPONSES,
    openapi_extra=SURVISION_BODY,
)
async def post_survision(
    request: Request,
    response: Response,
    services: Services,
    camera: CameraAuth,
    serial: Annotated[str | None, Header(alias="survision-serial-number")] = None,
) -> VendorIngestOut:
    """A Survision HTTP push: one read, its `jpeg` checked by content (JPEG or PNG).

    The camera's serial number (header `survision-serial-number`) is kept as `source_camera`.
    """
    reads = parse_survision(await read_json_event(request, services), serial=serial)
    results = await ingest_all(services, camera, reads, image_kinds=image_kinds(services, reads))
    return answer(services, results, response)
