"""Fallback fixtures: a real SMTP server (aiosmtpd), a real webhook receiver (uvicorn), and an
enrolled node whose cloud has been unreachable for a while."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from local_node.alerts.channels import FallbackChannel, SmtpChannel
from local_node.alerts.fallback import FallbackRunner
from local_node.db.tables import LocalAlertDelivery
from local_node.sync import store
from tests.conftest import free_port, serving
from tests.local_node.conftest import RunningNode
from tests.smtp_server import Inbox, SmtpServer, running_smtp

SENDER = "node@site-a.example.com"
DUTY = "duty@example.com"
WEBHOOK_SECRET = "node-webhook-secret-0123456789"


# --- a real SMTP server ---------------------------------------------------------------------------


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server (no TLS) on a free loopback port."""
    with running_smtp(Inbox()) as server:
        yield server


@pytest.fixture
def smtp_tls_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """An SMTP server that requires STARTTLS and a login (user ``node``, password ``pw``)."""
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            login = (auth_data.login.decode(), auth_data.password.decode())
            inbox.logins.append(login)
            return AuthResult(success=login == ("node", "pw"), handled=False)
        return AuthResult(success=False, handled=False)

    with running_smtp(
        inbox, tls_folder=tmp_path, authenticator=authenticate, auth_required=True
    ) as server:
        yield server


def smtp_channel(server: SmtpServer, *, to: list[str] | None = None, **kwargs: Any) -> SmtpChannel:
    """A plain-SMTP fallback channel to ``server``."""
    return SmtpChannel(
        server.host,
        server.port,
        from_address=SENDER,
        to=to or [DUTY],
        starttls=False,
        timeout=5,
        **kwargs,
    )


# --- a real webhook receiver ----------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookServer:
    base: str
    received: list[Received]
    status: list[int]

    def url(self, path: str = "/hooks/T0/B0/secret-token") -> str:
        return self.base + path

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    """A real HTTP server on loopback recording every POST; answers ``status[0]`` (200)."""
    received: list[Received] = []
    status = [200]

    async def hook(request: Request) -> Response:
        received.append(Received(dict(request.headers), await request.body()))
        return Response("ok", status_code=status[0], headers={"X-Request-Id": "rq-1"})

    app = Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    with serving(config):
        yield WebhookServer(f"http://127.0.0.1:{port}", received, status)


# --- an enrolled node whose cloud is away ---------------------------------------------------------


def dead_cloud_url() -> str:
    """A loopback URL nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"


def enrol_offline(node: RunningNode, *, cloud_silent_s: float | None) -> None:
    """Make ``node`` enrolled at a dead cloud, last reached ``cloud_silent_s`` ago (None: never)."""
    now = node.clock()
    with node.services.engine.begin() as conn:
        store.update_state(
            conn,
            site_id="site-a",
            key_id="key-1",
            cloud_url=dead_cloud_url(),
            enrolled_at=now - timedelta(days=1),
            last_success_at=None
            if cloud_silent_s is None
            else now - timedelta(seconds=cloud_silent_s),
            last_error="cannot reach the cloud",
        )


def list_plate(node: RunningNode, plate: str = "AB12CDE", *, priority: int = 5) -> None:
    """Put ``plate`` on the node's ``stolen`` list."""
    with node.admin() as admin:
        response = admin.put(
            f"/api/v1/hotlist/stolen/{plate}",
            json={"reason": "Taken from driveway <b>30 June</b>", "priority": priority},
        )
    assert response.status_code == 200, response.text


def ledger_rows(node: RunningNode) -> list[dict]:
    """Every fallback attempt, in order."""
    with node.services.engine.connect() as conn:
        rows = conn.execute(
            select(LocalAlertDelivery.__table__).order_by(LocalAlertDelivery.id)
        ).mappings()
        return [dict(r) for r in rows]


@pytest.fixture
def runners() -> Iterator[Callable[..., FallbackRunner]]:
    """Fallback runners over a node's database (started; stopped after the test)."""
    started: list[FallbackRunner] = []

    def make(
        node: RunningNode,
        channels: list[FallbackChannel],
        *,
        listen: bool = True,
        **overrides: Any,
    ) -> FallbackRunner:
        runner = FallbackRunner(
            engine=node.services.engine,
            settings=node.settings.fallback.model_copy(update=overrides),
            clock=node.clock,
            channels=channels,
            retry_delays=(0.01, 0.01),
            poll_interval_s=3600,  # tests scan with wake()/drain()
        )
        if listen:
            node.services.writer.add_hit_listener(runner.on_hits)
        runner.start()
        started.append(runner)
        return runner

    yield make
    for runner in started:
        runner.stop()
