"""Reading request bodies with a hard size limit, before anything parses them."""

from __future__ import annotations

import logging

from fastapi import Request
from starlette.requests import ClientDisconnect

from local_node.errors import ClientGone, InvalidInput, PayloadTooLarge

logger = logging.getLogger(__name__)


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, or 413 as soon as it passes `limit` (declared or actual)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise PayloadTooLarge(f"request body of {declared} bytes exceeds {limit} bytes")
        except ValueError:
            raise InvalidInput("Content-Length is not a number") from None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"request body exceeds {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        # A camera that drops mid-upload is routine (power, radio): one line, no traceback.
        client = f"{request.client.host}:{request.client.port}" if request.client else "unknown"
        logger.warning(
            "client %s went away after %d bytes of the body of %s %s",
            client,
            size,
            request.method,
            request.url.path,
        )
        raise ClientGone("the client closed the connection before the body ended") from None
    body = b"".join(chunks)
    # Starlette's form parser reads request._body when set, so the limit holds for it too.
    request._body = body
    return body
