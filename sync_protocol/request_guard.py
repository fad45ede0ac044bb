"""Refuse requests whose path or query holds control characters, before any route sees them.

One ASGI middleware for both services (it needs no web framework: plain ASGI callables).

A NUL in an id reaches the database as a lookup key, and PostgreSQL refuses NUL in text with an
error that would surface as a 500; no real id, name or plate holds a control character. The rule
is ``sync_protocol.wire_types.request_line_problem``; request bodies are checked field by field
by the same rule (``Printable``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sync_protocol.wire_types import request_line_problem

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RefuseControlCharacters:
    """A pure ASGI middleware answering 422 for a path or query with control characters."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = request_line_problem(scope["path"], scope.get("query_string", b""))
            if problem is not None:
                body = json.dumps({"detail": problem}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 422,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
