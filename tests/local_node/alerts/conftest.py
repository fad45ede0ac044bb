"""Fallback fixtures: a real SMTP server (aiosmtpd), a real webhook receiver (uvicorn), and an
enrolled node whose cloud has been unreachable for a while."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from local_node.alerts.channels import FallbackChannel, SmtpChannel
from local_node.alerts.fallback import FallbackRunner
from local_node.db.tables import LocalAlertDelivery
from local_node.sync import store
from tests.conftest import free_port
from tests.local_node.conftest import RunningNode

SENDER = "node@site-a.example.com"
DUTY = "duty@example.com"
WEBHOOK_SECRET = "node-webhook-secret-0123456789"


# --- a real SMTP server ---------------------------------------------------------------------------


@dataclass
class Inbox:
    """What the SMTP server received; set ``data_reply`` to refuse messages (e.g. ``451 ...``)."""

    envelopes: list[Any] = field(default_factory=list)
    tls: list[bool] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    data_reply: str | None = None
    attempts: int = 0

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        self.tls.append(session.ssl is not None)
        return "250 2.0.0 Ok: queued"

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.envelopes


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox
    ca_file: Path | None = None


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server (no TLS) on a free loopback port."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()


@pytest.fixture
def smtp_tls_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """An SMTP server that requires STARTTLS and a login (user ``node``, password ``pw``)."""
    cert_file, key_file = self_signed_cert(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            login = (auth_data.login.decode(), auth_data.password.decode())
            inbox.logins.append(login)
            return AuthResult(success=login == ("node", "pw"), handled=False)
        return AuthResult(success=False, handled=False)

    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox, ca_file=cert_file)
    finally:
        controller.stop()


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
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("webhook receiver did not start")
        time.sleep(0.01)
    try:
        yield WebhookServer(f"http://127.0.0.1:{port}", received, status)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


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
            settings=node.settings.model_copy(update=overrides),
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
