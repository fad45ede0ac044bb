"""Alert fixtures: messages, recipients, moto AWS, real SMTP and webhook servers on loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cloud_plane.alerts.model import AlertKind, AlertMessage, ChannelKind, Delivery, Recipient
from tests.conftest import free_port, serving
from tests.smtp_server import Inbox, SmtpServer, running_smtp

REGION = "eu-west-2"
SENDER = "alerts@edgesync.example.com"
WEBHOOK_SECRET = "s3cret-webhook-key-0123456789"
OCCURRED = dt.datetime(2026, 7, 1, 7, 1, 5, tzinfo=dt.UTC)  # 08:01:05 BST at a London site


def hit_message(**overrides: Any) -> AlertMessage:
    """A hit alert at a London site; keyword arguments replace any field."""
    alert_id = overrides.pop("alert_id", uuid.UUID("7b1e0c52-0d1f-4d8e-9a51-1f2b3c4d5e6f"))
    fields: dict[str, Any] = {
        "alert_id": alert_id,
        "kind": AlertKind.HIT,
        "priority": 90,
        "site_name": "site-a",
        "site_timezone": "Europe/London",
        "site_id": "site-a-id",
        "camera_name": "gate-1",
        "camera_id": "cam-1",
        "plate": "AB12CDE",
        "list_name": "stolen",
        "reason": "Taken from driveway 30 June",
        "confidence": 0.94,
        "occurred_at": OCCURRED,
        "count": 3,
        "link_url": f"https://cloud.example.com/d/{alert_id}",
    }
    fields.update(overrides)
    return AlertMessage(**fields)


def health_message(kind: AlertKind = AlertKind.SITE_OFFLINE, **overrides: Any) -> AlertMessage:
    """A health alert (site offline by default) at the same site."""
    fields: dict[str, Any] = {
        "alert_id": uuid.UUID("0c7d4a4e-33c5-4bb4-bb39-2f6c7e0f8a90"),
        "kind": kind,
        "priority": 60,
        "site_name": "site-a",
        "site_timezone": "Europe/London",
        "reason": "no heartbeat for 12 min",
        "occurred_at": OCCURRED,
        "link_url": "https://cloud.example.com/sites/site-a",
    }
    fields.update(overrides)
    return AlertMessage(**fields)


def recipient(**overrides: Any) -> Recipient:
    """A recipient reachable on every channel (webhook needs ``webhook_url`` set)."""
    fields: dict[str, Any] = {
        "id": "r-1",
        "name": "Duty Officer",
        "phone": "+447700900123",
        "email": "duty@example.com",
    }
    fields.update(overrides)
    return Recipient(**fields)


def delivery_for(
    message: AlertMessage, channel: ChannelKind, attempt: int = 1, recipient_id: str = "r-1"
) -> Delivery:
    """The delivery of ``message`` to ``recipient_id`` on ``channel``."""
    return Delivery(
        alert_id=message.alert_id, recipient_id=recipient_id, channel=channel, attempt=attempt
    )


# --- AWS (moto) ---------------------------------------------------------------------------------


@pytest.fixture
def aws(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's mock AWS, with fake credentials set before any client exists."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    from moto import mock_aws

    with mock_aws():
        yield


# --- a real SMTP server (aiosmtpd) ----------------------------------------------------------------


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server (no TLS) on a free loopback port."""
    with running_smtp(Inbox()) as server:
        yield server


@pytest.fixture
def smtp_tls_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """An SMTP server that requires STARTTLS, with a self-signed certificate for 127.0.0.1."""
    with running_smtp(Inbox(), tls_folder=tmp_path) as server:
        yield server


# --- a real HTTP webhook receiver (uvicorn + starlette) -------------------------------------------


@dataclass
class Received:
    """One request the webhook receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookServer:
    """A running receiver: ``url(status)`` answers with that status; ``/slow`` never in time."""

    base: str
    received: list[Received]

    def url(self, status: int = 200) -> str:
        return f"{self.base}/hook/{status}"


def _receiver_app(received: list[Received]) -> Starlette:
    async def hook(request: Request) -> Response:
        received.append(Received(request.url.path, dict(request.headers), await request.body()))
        status = int(request.path_params["status"])
        headers = {"Retry-After": "30"} if status in (429, 503) else {}
        return Response(f"status {status}", status_code=status, headers=headers)

    async def slow(request: Request) -> Response:
        await asyncio.sleep(1)
        return Response("late")

    return Starlette(
        routes=[
            Route("/hook/{status:int}", hook, methods=["POST"]),
            Route("/slow", slow, methods=["POST"]),
        ]
    )


@pytest.fixture(scope="module")
def webhook_server() -> Iterator[WebhookServer]:
    """A real HTTP server on a free loopback port, recording every request."""
    received: list[Received] = []
    port = free_port()
    with serving(
        uvicorn.Config(
            _receiver_app(received),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    ):
        yield WebhookServer(f"http://127.0.0.1:{port}", received)


@pytest.fixture
def webhook(webhook_server: WebhookServer) -> WebhookServer:
    """The shared receiver with an empty request log for this test."""
    webhook_server.received.clear()
    return webhook_server


@pytest.fixture
def fixed_now() -> Callable[[], dt.datetime]:
    """A clock stopped at ten minutes after the alert."""
    at = OCCURRED + dt.timedelta(minutes=10)
    return lambda: at


@pytest.fixture
def monitored_cloud(cloud_factory: Callable[..., Any]) -> Any:
    """A cloud whose alert worker is driven by the test (monitor, dispatcher by hand)."""
    return cloud_factory(alert_worker=False, offline_after_s=300, camera_silent_after_s=600)
