"""Liveness, the cloud's status and Prometheus metrics."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from cloud_plane.deps import Services, StaffAuth, admin_auth, staff_auth

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


class AlertDeliveryOut(BaseModel):
    """How alerts are delivered, and what is stuck."""

    queue: Literal["sqs", "store"] = Field(
        description="sqs: one SQS message per delivery; store: the dispatcher polls the store"
    )
    dead_letters: int | None = Field(
        description="Messages in the delivery dead-letter queue (null: no DLQ set, or it "
        "cannot be read now); each is a delivery message the worker could not process"
    )


class StatusOut(BaseModel):
    """The cloud's configuration at a glance and the health of alert delivery."""

    store: Literal["sql", "dynamodb"]
    auth: Literal["local", "cognito"]
    alert_delivery: AlertDeliveryOut


@router.get("/api/v1/status", response_model=StatusOut)
def status(services: Services, _: StaffAuth) -> StatusOut:
    """Return the store, the auth mode and alert delivery's state (any staff role)."""
    alerting = services.alerting
    depth = alerting.dlq_depth() if alerting.dlq_depth is not None else None
    return StatusOut(
        store=services.settings.store,
        auth=services.settings.auth,
        alert_delivery=AlertDeliveryOut(
            queue="sqs" if alerting.queue is not None else "store", dead_letters=depth
        ),
    )
