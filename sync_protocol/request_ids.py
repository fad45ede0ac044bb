"""Request ids: one per HTTP request, taken from ``X-Request-ID`` when it is well formed.

A pure ASGI middleware for both services (no web framework needed). The id lives in a
context variable for the whole request, so every log line written while serving it carries
it (``sync_protocol.log_format``), and it is echoed in the response's ``X-Request-ID``, so an
operator can find a client's failed request in the logs. A proxy in front (Caddy, nginx,
API Gateway) may set the header; a client may too, so it is untrusted: only a bounded id of
a safe alphabet is kept, anything else is replaced by a new one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEADER = b"x-request-id"
MAX_LENGTH = 128
"""Long enough for a UUID, a W3C traceparent or an AWS request id; short enough for a log."""

_WELL_FORMED = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:=+/-]{{0,{MAX_LENGTH - 1}}}")
"""Letters, digits and ``. _ : = + / -``: nothing that splits a log line or a header."""

request_id: ContextVar[str | None] = ContextVar("edgesync_request_id", default=None)
"""The id of the request being served (None outside a request)."""


def accepted(value: str | bytes | None) -> str | None:
    """Return ``value`` as an id if it is well formed, else None."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if value is None or not _WELL_FORMED.fullmatch(value):
        return None
    return value


def new_request_id() -> str:
    """A fresh id (32 hex digits)."""
    return uuid.uuid4().hex


def _offered(scope: Scope) -> str | None:
    """The id the request brings: its header, else (on Lambda) API Gateway's own id."""
    for name, value in scope.get("headers", []):
        if name == HEADER:
            return accepted(value)
    event = scope.get("aws.event")  # Mangum puts the API Gateway event here
    if isinstance(event, dict):
        context = event.get("requestContext")
        if isinstance(context, dict):
            return accepted(context.get("requestId"))
    return None


class RequestIds:
    """Gives each HTTP request an id, for the logs and the ``X-Request-ID`` response header."""

    def __init__(self, app: ASGIApp, new_id: Callable[[], str] = new_request_id) -> None:
        self.app = app
        self.new_id = new_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _offered(scope) or self.new_id()
        token = request_id.set(rid)

        async def send_with_id(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message["headers"] = [*headers, (HEADER, rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
