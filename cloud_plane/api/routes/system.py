"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from cloud_plane.deps import Services, admin_auth, staff_auth

router = APIRouter(tags=["system"])


@router.get("/healthz")
def healthz(services: Services) -> dict[str, str]:
    """Return ok when the store answers (no auth)."""
    services.store.hotlist.current_version()
    return {"status": "ok"}


@router.get("/metrics")
def metrics(request: Request, services: Services) -> Response:
    """Return Prometheus metrics (admin token unless metrics_public)."""
    if not services.settings.metrics_public:
        admin_auth(staff_auth(request, services))
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
