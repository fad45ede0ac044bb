"""Request metrics and camera error counts as pure ASGI middlewares (no per-request task)."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from local_node.ingest.camera_errors import refused_post


class RequestMetrics:
    """Observes latency by route, method and status into the node's Prometheus registry,
    and counts each refused camera post against its camera (``ingest.camera_errors``: the
    camera auth dependency marks the request; whatever refuses it, the status says why)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            services: Any = getattr(scope["app"].state, "services", None)
            if services is not None:
                route = scope.get("route")
                services.metrics.request_seconds.labels(
                    route=getattr(route, "path", "unmatched"),
                    method=scope["method"],
                    status=str(status),
                ).observe(time.perf_counter() - started)
                refused = refused_post(scope, status)
                if refused is not None:
                    services.camera_errors.note(*refused)
