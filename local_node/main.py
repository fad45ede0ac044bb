"""create_app(settings): assembles the node's HTTP app and its background jobs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from local_node import __version__
from local_node.alerts.fallback import start_fallback
from local_node.api.middleware import RequestMetrics
from local_node.api.openapi import install_openapi
from local_node.api.routes import (
    audit,
    cameras,
    detections,
    hotlist,
    ingest_axis,
    ingest_hikvision,
    system,
    tokens,
    vendors,
)
from local_node.api.routes.ingest_alprd import router as ingest_alprd_router
from local_node.api.routes.ingest_genetec import router as genetec_router
from local_node.api.routes.ingest_survision import router as survision_router
from local_node.api.routes.ingest_verkada import router as verkada_router
from local_node.api.url_tokens import UrlTokens
from local_node.clock import Clock, utc_now
from local_node.config import NodeSettings
from local_node.db import repo
from local_node.errors import NodeError
from local_node.ingest.image_bytes import Cell
from local_node.ingest.mqtt_runner import start_frigate_listener, stop_frigate_listener
from local_node.ingest.parse import MetadataInvalid
from local_node.ingest.vendors import VendorPayloadError
from local_node.retention import Retention
from local_node.retro_hits import RetroScanner
from local_node.services import NodeServices, build_services
from local_node.sync.runtime import start_agent_or_log, wake_remote_agent_on_hits
from local_node.web.app import install_web
from sync_protocol.error_text import public_detail, public_errors
from sync_protocol.heap import freeze_startup_heap
from sync_protocol.request_guard import RefuseControlCharacters
from sync_protocol.request_ids import RequestIds

log = logging.getLogger(__name__)


def create_app(
    settings: NodeSettings,
    *,
    clock: Clock = utc_now,
    run_jobs: bool = True,
    worker: bool = False,
    image_bytes: Cell | None = None,
    freeze_heap: bool = False,
) -> FastAPI:
    """The node app; services are opened in its lifespan and closed cleanly on shutdown.

    ``run_jobs`` False: no retention schedule and no sync agent here. ``worker``: one serving
    process of `node serve --workers N` (local_node.workers): nothing that runs once per node
    (no jobs, no offline fallback, no MQTT listener; the parent runs them) and no start-up
    clean-up. ``image_bytes``: the images' total shared by every process of the node.
    ``freeze_heap``: a server process freezes its heap once started (``sync_protocol.heap``;
    never in tests, which start many apps in one process and would keep every one alive).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings, clock=clock, image_bytes=image_bytes, worker=worker)
        services.writer.start()
        app.state.services = services
        scheduler = _start_jobs(services) if run_jobs and not worker else None
        mqtt = None
        agent = None
        fallback = None
        try:
            if run_jobs and not worker and settings.sync.agent:
                agent = start_agent_or_log(services)  # after the writer: hits wake it
            else:
                wake_remote_agent_on_hits(services)  # the agent runs in another process
            if not worker:
                fallback = start_fallback(  # None unless a channel is set
                    engine=services.engine,
                    clock=services.clock,
                    hits=services.writer,
                    settings=settings.fallback,
                    timezone=settings.timezone,
                )
                mqtt = start_frigate_listener(services, settings.mqtt)  # None unless mqtt.url
            if freeze_heap:
                freeze_startup_heap()
            yield
        finally:
            stop_frigate_listener(mqtt)
            if agent is not None:
                agent.stop()  # before the writer stops
            if fallback is not None:
                fallback.stop()  # hits it misses now are re-queued at the next start
            if scheduler is not None:
                scheduler.shutdown(wait=True)
            services.close()

    app = FastAPI(
        title="edgesync local node",
        version=__version__,
        description="Camera ingest, detection log, hotlist and status of one site.",
        lifespan=lifespan,
        docs_url=None,  # served by _install_docs from local files, not a CDN
    )
    app.include_router(detections.router)
    app.include_router(hotlist.router)
    app.include_router(system.router)
    app.include_router(vendors.router)
    app.include_router(survision_router)
    app.include_router(genetec_router)
    app.include_router(verkada_router)
    app.include_router(ingest_hikvision.router)
    app.include_router(ingest_axis.router)
    app.include_router(ingest_alprd_router)
    app.include_router(cameras.router)
    app.include_router(tokens.router)
    app.include_router(audit.router)
    _install_error_handlers(app)
    install_web(app, settings)  # the pages at `/`, behind PageGuard
    _install_docs(app)
    install_openapi(app)
    _install_request_metrics(app)
    return app


def _start_jobs(services: NodeServices) -> BackgroundScheduler:
    retention = Retention(
        engine=services.engine,
        images=services.images,
        settings=services.settings.retention,
        clock=services.clock,
    )

    def run_retention() -> None:
        report = retention.run()
        services.metrics.pruned_images.inc(report.images_pruned)
        # Recount rather than track: rows deleted with their images also freed space.
        services.writer.image_bytes_total = repo.image_bytes_total(services.engine)

    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    scheduler.add_job(
        run_retention,
        "interval",
        seconds=services.settings.retention.interval_s,
        id="retention",
        misfire_grace_time=60,
    )
    retro = RetroScanner(
        engine=services.engine,
        clock=services.clock,
        lookback=timedelta(days=services.settings.hotlist_lookback_days),
    )
    scheduler.add_job(
        retro.run_once,
        "interval",
        seconds=services.settings.hotlist_lookback_interval_s,
        id="historical_hits",
        next_run_time=datetime.now(UTC),  # at start: catch up on what a restart left
        misfire_grace_time=60,
    )
    scheduler.start()
    return scheduler


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MetadataInvalid)
    async def metadata_invalid(_: Request, exc: MetadataInvalid) -> JSONResponse:
        return JSONResponse({"detail": public_errors(exc.errors)}, status_code=422)

    @app.exception_handler(VendorPayloadError)
    async def vendor_payload_invalid(_: Request, exc: VendorPayloadError) -> JSONResponse:
        # The message names the vendor's field first: "data.results[0].plate: ...".
        return JSONResponse({"detail": public_detail(f"invalid event: {exc}")}, status_code=422)

    @app.exception_handler(NodeError)
    async def node_error(_: Request, exc: NodeError) -> JSONResponse:
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
    app.add_middleware(RequestMetrics)
    # Added last, so it runs first: nothing downstream sees a NUL in a path or query.
    app.add_middleware(RefuseControlCharacters)
    # Outside the request ids: even a refused request's answer carries its id.
    app.add_middleware(RequestIds)
    # Outermost: nothing (access log, metrics, errors) ever sees an ingest URL's token.
    app.add_middleware(UrlTokens)
