"""Camera ingest from Genetec AutoVu: SharpV HTTP extension and Security Center read pushes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

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
from local_node.ingest.vendors.genetec import GenetecRead, parse_genetec

router = APIRouter(prefix="/api/v1/ingest", tags=["vendor ingest"])

GENETEC_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": ref(GenetecRead)}},
        "description": (
            "One AutoVu read: SharpV (`PlateRead`, `Timestamp`, `Id`) or Security Center "
            "(`Plate`, `DateUtc` + `TimeUtc`, `VehicleID`); `ContextImage`/`PlateImage` base64"
        ),
    }
}


@router.post(
    "/genetec",
    status_code=201,
    response_model=VendorIngestOut,
    responses=VENDOR_RESPONSES,
    openapi_extra=GENETEC_BODY,
)
async def post_genetec(
    request: Request, response: Response, services: Services, camera: CameraAuth
) -> VendorIngestOut:
    """A Genetec AutoVu read: one detection with the context image (else the plate crop)."""
    reads = parse_genetec(await read_json_event(request, services))
    results = await ingest_all(services, camera, reads, image_kinds=image_kinds(services, reads))
    return answer(services, results, response)
