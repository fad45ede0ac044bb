"""Request metrics and camera error counts as pure ASGI middlewares (no per-request task)."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from local_node.ingest.camera_errors import refused_post


class RequestMetrics:
    """Observes latency by route, method and status into the node's Prometheus registry."""

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


class CountCameraErrors:
    """Counts each refused camera post (a route with camera auth) against its camera.

    The camera auth dependency marks the request (``mark_camera_post``); whatever refuses
    it afterwards (auth, body limit, metadata, image), the status says why.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, send_wrapper)
        refused = refused_post(scope, status)
        services: Any = getattr(scope["app"].state, "services", None)
        if refused is not None and services is not None:
            services.camera_errors.note(*refused)
