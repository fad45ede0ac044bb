"""Read a vendor's JSON-only webhook body: size-limited, JSON media type, one object."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from local_node.api.body import read_limited
from local_node.api.vendor_ingest import JSON_TYPES, media_type
from local_node.errors import UnsupportedMedia
from local_node.ingest.vendors.base import decode_json_object
from local_node.services import NodeServices


async def read_json_event(request: Request, services: NodeServices) -> dict[str, Any]:
    """The body as a JSON object: 413 over the limit, 415 if not JSON, 422 if not an object."""
    body = await read_limited(request, services.settings.ingest.max_body_bytes)
    content_type = media_type(request)
    if content_type not in JSON_TYPES and content_type != "":
        raise UnsupportedMedia("send the event as application/json")
    return decode_json_object(body, field="body")
