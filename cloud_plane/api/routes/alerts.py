"""Alerts across sites: list and detail (with deliveries and the attempt ledger), acknowledge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from cloud_plane.alerts.model import AlertKind
from cloud_plane.deps import Services, StaffAuth
from cloud_plane.errors import Forbidden, NotFound
from cloud_plane.records.alerts import AlertQuery, AlertStatus, StoredAlert
from cloud_plane.records.deliveries import StoredAttempt, StoredDelivery

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])

AlertId = Annotated[str, Path(min_length=1, max_length=36)]


class AlertOut(BaseModel):
    alert_id: str
    kind: str
    status: str
    priority: int
    site_id: str
    camera_id: str | None
    plate: str | None
    plate_norm: str | None
    list: str | None
    reason: str
    confidence: float | None
    first_seen: datetime
    last_seen: datetime
    count: int
    created_at: datetime
    link: str | None
    detection_id: str | None
    acked_by: str | None
    acked_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None  # why it resolved, e.g. "heartbeats again after 14 min"
    escalation_tier: int
    next_escalation_at: datetime | None


class DeliveryOut(BaseModel):
    delivery_id: str
    recipient_id: str
    channel: str
    status: str
    attempt: int
    tier: int
    source: str
    purpose: str  # alert: the alert itself; resolution: the message that it resolved
    next_at: datetime | None
    sent_at: datetime | None
    provider_message_id: str | None
    last_error: str | None
    gave_up_reason: str | None


class AttemptOut(BaseModel):
    delivery_id: str
    attempt: int
    recipient_id: str
    channel: str
    worker: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str  # sent, failed, unfinished (the worker stopped mid-send: maybe sent)
    provider_message_id: str | None
    error: str | None


class AlertDetailOut(AlertOut):
    deliveries: list[DeliveryOut]
    attempts: list[AttemptOut]


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


def _alert(a: StoredAlert) -> dict:
    return {
        "alert_id": a.alert_id,
        "kind": a.kind,
        "status": a.status,
        "priority": a.priority,
        "site_id": a.site_id,
        "camera_id": a.camera_id,
        "plate": a.plate,
        "plate_norm": a.plate_norm,
        "list": a.list_name,
        "reason": a.reason,
        "confidence": a.confidence,
        "first_seen": a.first_seen,
        "last_seen": a.last_seen,
        "count": a.count,
        "created_at": a.created_at,
        "link": a.link,
        "detection_id": a.detection_id,
        "acked_by": a.acked_by,
        "acked_at": a.acked_at,
        "resolved_at": a.resolved_at,
        "resolution": a.resolution,
        "escalation_tier": a.escalation_tier,
        "next_escalation_at": a.next_escalation_at,
    }


def _delivery(d: StoredDelivery) -> DeliveryOut:
    return DeliveryOut(
        delivery_id=d.delivery_id,
        recipient_id=d.recipient_id,
        channel=d.channel,
        status=d.status,
        attempt=d.attempt,
        tier=d.tier,
        source=d.source,
        purpose=d.purpose,
        next_at=d.next_at if d.status in ("pending", "in_flight") else None,
        sent_at=d.sent_at,
        provider_message_id=d.provider_message_id,
        last_error=d.last_error,
        gave_up_reason=d.gave_up_reason,
    )


def _attempt(a: StoredAttempt) -> AttemptOut:
    return AttemptOut(
        delivery_id=a.delivery_id,
        attempt=a.attempt,
        recipient_id=a.recipient_id,
        channel=a.channel,
        worker=a.worker,
        started_at=a.started_at,
        finished_at=a.finished_at,
        outcome=a.outcome or "unfinished",
        provider_message_id=a.provider_message_id,
        error=a.error,
    )


def _visible(services: Services, staff: StaffAuth, alert_id: str) -> StoredAlert:
    alert = services.store.alerts.get_alert(alert_id)
    if not staff.can_see(alert.site_id):
        raise NotFound(f"no alert {alert_id!r}")  # out of scope looks like absent
    return alert


@router.get("", response_model=AlertPage)
def list_alerts(
    services: Services,
    staff: StaffAuth,
    status: Annotated[AlertStatus | None, Query(description="open, acked or resolved")] = None,
    kind: Annotated[AlertKind | None, Query(description="hit, site_offline, ...")] = None,
    site_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> AlertPage:
    """Return alerts in the caller's sites, newest first."""
    page = services.store.alerts.list_alerts(
        AlertQuery(
            site_ids=staff.scope(site_id),
            status=status,
            kind=kind.value if kind else None,
            limit=limit,
            cursor=cursor,
        )
    )
    return AlertPage(
        items=[AlertOut(**_alert(a)) for a in page.items], next_cursor=page.next_cursor
    )


@router.get("/{alert_id}", response_model=AlertDetailOut)
def get_alert(alert_id: AlertId, services: Services, staff: StaffAuth) -> AlertDetailOut:
    """Return one alert with its deliveries and every attempt (the ledger)."""
    alert = _visible(services, staff, alert_id)
    return AlertDetailOut(
        **_alert(alert),
        deliveries=[_delivery(d) for d in services.store.deliveries.list_deliveries(alert_id)],
        attempts=[_attempt(a) for a in services.store.deliveries.list_attempts(alert_id)],
    )


@router.post("/{alert_id}/ack", response_model=AlertOut)
def ack_alert(alert_id: AlertId, services: Services, staff: StaffAuth) -> AlertOut:
    """Acknowledge the alert (admins and managers in scope); idempotent; escalation stops."""
    _visible(services, staff, alert_id)
    if staff.role == "viewer":
        raise Forbidden("viewers cannot acknowledge alerts")
    alert = services.alerting.service.acknowledge(alert_id, by=staff.username, source="api")
    return AlertOut(**_alert(alert))
