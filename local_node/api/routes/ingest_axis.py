"""Camera ingest from AXIS License Plate Verifier (FF Group's LPR app): its HTTP push events.

The app posts `multipart/form-data` with a part `event` (the JSON event) and a part
`image` (a JPEG), or the event alone as JSON with its pictures in `ImageArray`. Each
event is one read, stored through the same use case as every vendor.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import UploadFile

from local_node.api.body import read_limited
from local_node.api.openapi import ref
from local_node.api.vendor_ingest import (
    JSON_TYPES,
    VENDOR_RESPONSES,
    VendorIngestOut,
    answer,
    image_kinds,
    ingest_all,
    media_type,
)
from local_node.deps import CameraAuth, Services
from local_node.errors import InvalidInput, UnsupportedMedia
from local_node.ingest.parse import check_image
from local_node.ingest.vendors.axis import AxisEvent, parse_axis
from local_node.ingest.vendors.base import decode_json_object

router = APIRouter(prefix="/api/v1/ingest", tags=["vendor ingest"])

AXIS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["event"],
                    "properties": {
                        "event": {
                            "type": "string",
                            "contentMediaType": "application/json",
                            "description": "The push event (AxisEvent) as JSON",
                        },
                        "image": {
                            "type": "string",
                            "format": "binary",
                            "description": "The event's picture, JPEG or PNG",
                        },
                    },
                },
                "encoding": {"event": {"contentType": "application/json"}},
            },
            "application/json": {"schema": ref(AxisEvent)},
        },
    }
}


async def _event_and_image(request: Request, limit: int) -> tuple[dict, bytes | None, str | None]:
    """The `event` JSON, the `image` bytes and the image's declared type of a multipart post."""
    form = await request.form(max_files=4, max_fields=20, max_part_size=limit)
    try:
        part = form.get("event")
        if part is None:
            raise InvalidInput("multipart body needs a part named 'event' (the JSON event)")
        raw = await part.read() if isinstance(part, UploadFile) else part
        event = decode_json_object(raw, field="event")
        image = form.get("image")
        if image is None:
            return event, None, None
        if not isinstance(image, UploadFile):
            raise InvalidInput("part 'image' must be a file part (the picture)")
        return event, await image.read() or None, image.content_type
    finally:
        await form.close()


@router.post(
    "/axis",
    status_code=201,
    response_model=VendorIngestOut,
    responses=VENDOR_RESPONSES,
    openapi_extra=AXIS_BODY,
)
async def post_axis(
    request: Request, response: Response, services: Services, camera: CameraAuth
) -> VendorIngestOut:
    """An AXIS License Plate Verifier push event: multipart `event` + `image`, or JSON.

    Every event of one vehicle (`new`, `update`, `lost`, same `carID`) maps to the same
    read: the first is stored, a resent or later one is answered with its id.
    """
    limit = services.settings.ingest.max_body_bytes
    body = await read_limited(request, limit)
    content_type = media_type(request)
    image: bytes | None = None
    declared: str | None = None
    if content_type == "multipart/form-data":
        event, image, declared = await _event_and_image(request, limit)
    elif content_type in JSON_TYPES or content_type == "":
        event = decode_json_object(body, field="body")
    else:
        raise UnsupportedMedia("send multipart/form-data (event + image) or application/json")
    reads = [parse_axis(event, image)]
    if image is not None:
        # The part's declared type must agree with its content, as for every upload.
        kinds: list[str | None] = [check_image(image, declared=declared, limit=limit)]
    else:
        kinds = image_kinds(services, reads)
    results = await ingest_all(services, camera, reads, image_kinds=kinds)
    return answer(services, results, response)
