"""Camera ingest from Hikvision ANPR cameras: ISAPI alarms pushed to an HTTP host.

The camera posts `multipart/form-data` (the `EventNotificationAlert` XML and its
pictures) or the XML alone. Reads go through the same use case as every vendor, so
idempotency, limits and errors are the same; alarms that are not plate reads are
answered 200 `{"ignored": ...}` because the camera retries anything else.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from local_node.api.body import read_limited
from local_node.api.vendor_ingest import (
    VENDOR_RESPONSES,
    IgnoredOut,
    VendorIngestOut,
    answer,
    image_kinds,
    ingest_all,
    media_type,
)
from local_node.deps import CameraAuth, Services
from local_node.errors import UnsupportedMedia
from local_node.ingest.vendors.base import VendorPayloadError
from local_node.ingest.vendors.hikvision import choose_picture, find_xml_part, parse_hikvision
from local_node.ingest.vendors.multipart_parts import split_multipart

router = APIRouter(prefix="/api/v1/ingest", tags=["vendor ingest"])

XML_TYPES = ("application/xml", "text/xml", "text/plain", "")

_BINARY = {"type": "string", "format": "binary"}
_XML = {
    "type": "string",
    "contentMediaType": "application/xml",
    "description": "ISAPI EventNotificationAlert (eventType ANPR); other alarms are ignored",
}

HIKVISION_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "description": (
                        "Parts are named after their files. The XML part is the one named "
                        "*.xml or declared as XML; of the pictures the scene is stored "
                        "(detectionPicture, else vehiclePicture), else the plate crop."
                    ),
                    "properties": {
                        "anpr.xml": _XML,
                        "detectionPicture.jpg": {**_BINARY, "description": "Scene, JPEG"},
                        "vehiclePicture.jpg": {**_BINARY, "description": "Vehicle, JPEG"},
                        "licensePlatePicture.jpg": {**_BINARY, "description": "Plate, JPEG"},
                    },
                },
            },
            "application/xml": {"schema": _XML},
            "text/xml": {"schema": _XML},
        },
    }
}

HIKVISION_RESPONSES: dict[int | str, dict[str, Any]] = {
    **VENDOR_RESPONSES,
    200: {
        "description": (
            "The alarm repeated a stored read (same id), or it is not a plate read "
            "(`ignored`: its eventType, or why an ANPR alarm was not stored)"
        ),
        "model": VendorIngestOut | IgnoredOut,
    },
    201: {"description": "The plate read was stored (`detections`)"},
}


@router.post(
    "/hikvision",
    status_code=201,
    response_model=VendorIngestOut | IgnoredOut,
    responses=HIKVISION_RESPONSES,
    openapi_extra=HIKVISION_BODY,
)
async def post_hikvision(
    request: Request, response: Response, services: Services, camera: CameraAuth
) -> VendorIngestOut | IgnoredOut:
    """A Hikvision ISAPI alarm: multipart (`anpr.xml` + pictures) or the XML alone.

    An ANPR alarm is stored as one read with one picture (the scene when sent); any other
    alarm, an inactive one, or an ANPR alarm whose plate is `unknown` is answered 200
    `{"ignored": ...}` and stores nothing.
    """
    body = await read_limited(request, services.settings.ingest.max_body_bytes)
    content_type = media_type(request)
    picture: bytes | None = None
    if content_type.startswith("multipart/"):
        parts = split_multipart(body, request.headers.get("content-type", ""))
        document = find_xml_part(parts)
        if document is None:
            raise VendorPayloadError("anpr.xml", "no XML part in the multipart body")
        chosen = choose_picture(parts)
        picture = chosen.data if chosen is not None else None
        parsed = parse_hikvision(document.data, picture, field=document.label or "anpr.xml")
    elif content_type in XML_TYPES:
        parsed = parse_hikvision(body, None)
    else:
        raise UnsupportedMedia("send multipart/form-data (anpr.xml + pictures) or application/xml")
    if parsed.read is None:
        response.status_code = 200
        return IgnoredOut(ignored=parsed.ignored or "")
    reads = [parsed.read]
    results = await ingest_all(services, camera, reads, image_kinds=image_kinds(services, reads))
    return answer(services, results, response)
