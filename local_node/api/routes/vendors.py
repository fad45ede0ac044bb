"""Camera ingest in vendor formats: Plate Recognizer webhooks and Rekor/OpenALPR agent posts.

Each vendor event maps to zero or more reads (`local_node.ingest.vendors`), stored through
the same use case as the native endpoint, so idempotency, limits and errors are the
same. The reads belong to the node camera whose key authenticated the request; the
vendor's own camera id is kept as `source_camera`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from local_node.api.body import read_limited
from local_node.api.openapi import OPENALPR_BODY, PLATERECOGNIZER_BODY
from local_node.api.vendor_ingest import (
    JSON_TYPES,
    VENDOR_RESPONSES,
    IgnoredOut,
    VendorIngestOut,
    answer,
    image_kinds,
    ingest_all,
    media_type,
)
from local_node.deps import CameraAuth, Services
from local_node.errors import InvalidInput, UnsupportedMedia
from local_node.ingest.parse import check_image
from local_node.ingest.vendors import parse_openalpr, parse_platerecognizer
from local_node.ingest.vendors.base import decode_json_object

router = APIRouter(prefix="/api/v1/ingest", tags=["vendor ingest"])


class HeartbeatOut(BaseModel):
    """An agent heartbeat was recorded as the health of its video streams."""

    heartbeat: str = Field(description="The agent's uid (empty if it sent none)")
    streams: int = Field(description="Video streams whose health was updated")


OPENALPR_RESPONSES: dict[int | str, dict[str, Any]] = {
    **VENDOR_RESPONSES,
    200: {
        "description": (
            "Reads that repeat stored ones; a heartbeat recorded (`heartbeat`); "
            "or a data_type the node does not store (`ignored`)"
        ),
        "model": VendorIngestOut | HeartbeatOut | IgnoredOut,
    },
    201: {"description": "The group (or frames) stored as new reads (`detections`)"},
}


@router.post(
    "/platerecognizer",
    status_code=201,
    response_model=VendorIngestOut,
    responses=VENDOR_RESPONSES,
    openapi_extra=PLATERECOGNIZER_BODY,
)
async def post_platerecognizer(
    request: Request, response: Response, services: Services, camera: CameraAuth
) -> VendorIngestOut:
    """A Plate Recognizer Stream/Snapshot webhook event: multipart `json` + `upload`, or JSON.

    One read per plate in `data.results`, all sharing the uploaded image.
    """
    limit = services.settings.ingest.max_body_bytes
    body = await read_limited(request, limit)
    content_type = media_type(request)
    upload: bytes | None = None
    declared: str | None = None
    if content_type == "multipart/form-data":
        form = await request.form(max_files=4, max_fields=20, max_part_size=limit)
        try:
            part = form.get("json")
            if part is None:
                raise InvalidInput("multipart body needs a part named 'json' (the event)")
            raw = await part.read() if hasattr(part, "read") else part
            event = decode_json_object(raw, field="json")
            file = form.get("upload")
            if file is not None:
                if not isinstance(file, UploadFile):
                    raise InvalidInput("part 'upload' must be a file part (the image)")
                upload = await file.read() or None
                declared = file.content_type
        finally:
            await form.close()
    elif content_type in JSON_TYPES or content_type == "":
        event = decode_json_object(body, field="body")
    else:
        raise UnsupportedMedia("send multipart/form-data (json + upload) or application/json")
    kind = check_image(upload, declared=declared, limit=limit) if upload is not None else None
    reads = parse_platerecognizer(event, upload)
    results = await ingest_all(services, camera, reads, image_kind=kind)
    return answer(services, results, response)


@router.post(
    "/openalpr",
    status_code=201,
    response_model=VendorIngestOut | HeartbeatOut | IgnoredOut,
    responses=OPENALPR_RESPONSES,
    openapi_extra=OPENALPR_BODY,
)
async def post_openalpr(
    request: Request, response: Response, services: Services, camera: CameraAuth
) -> VendorIngestOut | HeartbeatOut | IgnoredOut:
    """A Rekor Scout / OpenALPR agent post, told apart by `data_type`.

    `alpr_group` is stored as one read; `alpr_results` (per-frame reads) only when the
    node's `openalpr_store_frames` is on; `heartbeat` updates the health of the agent's
    streams in `/api/v1/status`; any other type is acknowledged with 200 `{"ignored"}`.
    """
    body = await read_limited(request, services.settings.ingest.max_body_bytes)
    content_type = media_type(request)
    if content_type not in JSON_TYPES and content_type != "":
        raise UnsupportedMedia("send the agent's JSON as application/json")
    parsed = parse_openalpr(
        decode_json_object(body, field="body"),
        store_frames=services.settings.ingest.openalpr_store_frames,
    )
    if parsed.kind == "heartbeat" and parsed.heartbeat is not None:
        count = services.vendor_health.record_heartbeat(
            camera.subject, parsed.heartbeat, received_at=services.clock()
        )
        response.status_code = 200
        return HeartbeatOut(heartbeat=parsed.heartbeat.agent_uid or "", streams=count)
    if parsed.kind == "ignored" or (parsed.kind == "alpr_results" and not parsed.reads):
        response.status_code = 200
        return IgnoredOut(ignored=parsed.data_type or parsed.kind)
    kinds = image_kinds(services, parsed.reads)
    results = await ingest_all(services, camera, parsed.reads, image_kinds=kinds)
    return answer(services, results, response)
