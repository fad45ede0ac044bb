"""create_app(settings): assembles the cloud plane's HTTP app from its collaborators."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from cloud_plane.alerts.channels.base import Channel
from cloud_plane.api.openapi import install_openapi
from cloud_plane.api.routes import (
    alerts,
    audit,
    auth,
    detections,
    hits,
    hotlist,
    images,
    recipients,
    sites,
    sync_images,
    system,
    users,
)
from cloud_plane.api.routes import sync as sync_routes
from cloud_plane.clock import Clock, utc_now
from cloud_plane.config import CloudSettings
from cloud_plane.errors import CloudError
from cloud_plane.services import build_services
from cloud_plane.store.base import CloudStore
from cloud_plane.web.app import install_web
from sync_protocol.error_text import public_detail, public_errors
from sync_protocol.heap import freeze_startup_heap
from sync_protocol.request_guard import RefuseControlCharacters
from sync_protocol.request_ids import RequestIds

VERSION = "0.1.0"


def create_app(
    settings: CloudSettings,
    *,
    store: CloudStore | None = None,
    clock: Clock = utc_now,
    channels: dict[str, Channel] | None = None,
    freeze_heap: bool = False,
) -> FastAPI:
    """Return the cloud app; raise ConfigError at once for settings it cannot serve.

    ``store`` given: use it (tests, the demo); otherwise open the configured one
    and run its migrations. ``channels`` given: alerts go through them instead
    of the configured ones. With ``alert_worker`` the dispatcher, escalation and
    health monitor run in the lifespan. The store is closed when the app shuts down.
    """
    services = build_services(settings, clock=clock, store=store, channels=channels)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        worker = services.alerting.worker() if settings.alerts.worker else None
        if worker is not None:
            worker.start()
        services.retro.start()  # historical hits; without a lifespan (Lambda) kicks run inline
        if freeze_heap:  # a server process (sync_protocol.heap), never tests: many apps a process
            freeze_startup_heap()
        try:
            yield
        finally:
            services.retro.stop()
            if worker is not None:
                worker.stop()
            services.close()

    app = FastAPI(
        title="edgesync cloud plane",
        version=VERSION,
        description="Node sync, staff API across sites, hotlist authority.",
        lifespan=lifespan,
        docs_url=None,  # served by _install_docs from local files, not a CDN
    )
    app.state.services = services
    for router in (
        sync_routes.router,
        sync_images.router,
        auth.router,
        sites.router,
        detections.router,
        images.router,
        hits.router,
        hotlist.router,
        alerts.router,
        recipients.router,
        system.router,
        users.router,
        audit.router,
    ):
        app.include_router(router)
    _install_error_handlers(app)
    _install_docs(app)
    install_openapi(app)
    _install_request_metrics(app)
    install_web(app, services)  # the dashboard at /, behind its page guard
    # Added late, so it runs early: nothing downstream sees a NUL in a path or query.
    app.add_middleware(RefuseControlCharacters)
    # Outermost: even a refused request's answer carries its id.
    app.add_middleware(RequestIds)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CloudError)
    async def cloud_error(_: Request, exc: CloudError) -> JSONResponse:
        return JSONResponse(
            {"detail": public_detail(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's shape, without echoing the input back (it may be huge or hostile).
        return JSONResponse({"detail": public_errors(exc.errors())}, status_code=422)


DOCS_ASSETS = "/docs/assets"


def _install_docs(app: FastAPI) -> None:
    """Serve /docs from Swagger UI files shipped in a package: a site LAN may have no internet."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")  # behind a proxy or API Gateway stage
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - API docs",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon-32x32.png",
        )


def _install_request_metrics(app: FastAPI) -> None:
    @app.middleware("http")
    async def observe(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        request.app.state.services.metrics.request_seconds.labels(
            route=getattr(route, "path", "unmatched"),
            method=request.method,
            status=str(response.status_code),
        ).observe(time.perf_counter() - started)
        return response
