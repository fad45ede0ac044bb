"""A real cloud plane served over real HTTP on loopback, and a test-side node client."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cloud_plane.config import CloudSettings
from cloud_plane.main import create_app
from cloud_plane.services import CloudServices
from cloud_plane.store.base import CloudStore
from cloud_plane.store.sql import SqlStore
from cloud_plane.sync.enroll import create_site_with_code
from sync_protocol import codec
from sync_protocol.detections import DetectionRecord, detection_uuid
from sync_protocol.messages import (
    DetectionBatch,
    EnrollReply,
    EnrollRequest,
    ExchangeReply,
    ExchangeRequest,
)
from sync_protocol.signing import generate_keypair, sign_request
from tests.cloud_plane.store.contracts.conftest import IMPLEMENTATIONS
from tests.conftest import free_port, serving


class MovableClock:
    """A clock tests can move; starts at the real now."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture(scope="session")
def staff_key_pem() -> bytes:
    """One RSA key for every test cloud (generating one per test is slow)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="session")
def node_keys() -> list[tuple[str, str]]:
    """A few Ed25519 key pairs to hand out to test nodes."""
    return [generate_keypair() for _ in range(4)]


@dataclass
class RunningCloud:
    """A cloud under test."""

    url: str
    settings: CloudSettings
    app: Any
    clock: MovableClock
    node_keys: list[tuple[str, str]]
    _nodes: int = 0
    _sites: int = 0

    @property
    def services(self) -> CloudServices:
        return self.app.state.services

    @property
    def store(self) -> SqlStore:
        return self.services.store  # type: ignore[return-value]

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def token(self, username: str, role: str = "admin") -> str:
        """A token for ``username`` (created with ``role`` and no sites if the store lacks it)."""
        assert self.services.issuer is not None
        user = self.store.users.get_user(username) or self.store.users.create_user(
            username,
            None,
            role,  # type: ignore[arg-type]
            [],
            now=self.clock(),
        )
        return self.services.issuer.issue(
            user.username,
            role,  # type: ignore[arg-type]
            version=user.token_version,
            now=self.clock(),
        )

    def staff(self, role: str = "admin", sites: list[str] | None = None) -> httpx.Client:
        name = f"{role}-{secrets.token_hex(3)}@example.com"
        self.store.users.create_user(name, None, role, sites or [], now=self.clock())  # type: ignore[arg-type]
        return self.http(self.token(name, role))

    def new_site(self, name: str | None = None) -> tuple[str, str]:
        # Site names are unique: the default is "Depot", then "Depot 2", "Depot 3"...
        self._sites += 1
        if name is None:
            name = "Depot" if self._sites == 1 else f"Depot {self._sites}"
        site, code = create_site_with_code(
            self.store, name, now=self.clock(), ttl_s=self.settings.enrollment_code_ttl_s
        )
        return site.site_id, code

    def node(self, name: str | None = None) -> NodeClient:
        """A site with an enrolled node."""
        _, code = self.new_site(name)
        private, public = self.node_keys[self._nodes % len(self.node_keys)]
        self._nodes += 1
        client = NodeClient(cloud=self, private_pem=private, public_pem=public)
        client.enroll(code)
        return client


@dataclass
class NodeClient:
    """What a node's sync agent does on the wire, built from sync_protocol alone."""

    cloud: RunningCloud
    private_pem: str
    public_pem: str
    site_id: str = ""
    key_id: str = ""
    stream_id: str = field(default_factory=lambda: "st_" + secrets.token_hex(4))
    cloud_epoch: str | None = None
    hotlist_version: int = 0

    def enroll_response(
        self, code: str, timezone: str | None = None, **overrides: Any
    ) -> httpx.Response:
        request = EnrollRequest(
            code=code,
            public_key_pem=self.public_pem,
            node_name="node",
            node_version="0.1",
            timezone=timezone,
        )
        return post(self.cloud.url + "/sync/v1/enroll", codec.encode(request), **overrides)

    def enroll(self, code: str) -> EnrollReply:
        response = self.enroll_response(code)
        assert response.status_code == 200, response.text
        reply = codec.decode(response.content, EnrollReply)
        self.site_id, self.key_id, self.cloud_epoch = reply.site_id, reply.key_id, reply.cloud_epoch
        return reply

    def records(self, first: int, count: int, plate: str = "AB12CDE") -> list[DetectionRecord]:
        base = self.cloud.clock()
        return [
            DetectionRecord(
                id=detection_uuid(self.stream_id, seq),
                seq=seq,
                camera_id="gate-1",
                captured_at=base,
                received_at=base + timedelta(milliseconds=seq),
                plate=plate,
                plate_norm=plate,
                confidence=0.9,
            )
            for seq in range(first, first + count)
        ]

    def request(
        self, *, batch: list[DetectionRecord] | None = None, **parts: Any
    ) -> ExchangeRequest:
        fields: dict[str, Any] = {
            "site_id": self.site_id,
            "stream_id": self.stream_id,
            "node_time": self.cloud.clock(),
            "cloud_epoch": self.cloud_epoch,
            "hotlist_version": self.hotlist_version,
        }
        if batch:
            fields["batch"] = DetectionBatch(
                stream_id=self.stream_id, first_seq=batch[0].seq, records=batch
            )
        fields.update(parts)
        return ExchangeRequest(**fields)

    def sign(self, body: bytes, *, site_id: str | None = None, **kw: Any) -> str:
        return sign_request(
            kw.pop("private_pem", self.private_pem),
            site_id=site_id or self.site_id,
            key_id=kw.pop("key_id", self.key_id),
            body=body,
            now=kw.pop("now", self.cloud.clock()),
            nonce=kw.pop("nonce", uuid.uuid4().hex),
            **kw,
        )

    def send(self, body: bytes, token: str | None = None) -> httpx.Response:
        token = token if token is not None else self.sign(body)
        return post(
            self.cloud.url + "/sync/v1/exchange",
            body,
            headers={"Authorization": f"EdgeSync {token}"} if token else {},
        )

    def exchange(self, **parts: Any) -> ExchangeReply:
        response = self.send(codec.encode(self.request(**parts)))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == codec.CONTENT_TYPE
        reply = codec.decode(response.content, ExchangeReply)
        self.cloud_epoch = reply.cloud_epoch
        if reply.hotlist is not None:
            self.hotlist_version = reply.hotlist.to_version
        return reply


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    """POST a sync body with the protocol's content type."""
    base = {"Content-Type": codec.CONTENT_TYPE, "Content-Encoding": codec.CONTENT_ENCODING}
    with httpx.Client(timeout=30) as client:
        # httpx must not decode the reply: it is codec bytes, not HTTP content-encoding.
        return client.post(url, content=body, headers={**base, **(headers or {})})


@pytest.fixture(
    params=[
        pytest.param(name, marks=[pytest.mark.postgres] if name == "sql-postgres" else [])
        for name in IMPLEMENTATIONS
    ]
)
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CloudStore]:
    """Each cloud store that workers share: a SQLite file, PostgreSQL, DynamoDB (moto).

    The contract suites' stores: DynamoDB's client takes one request at a time (moto's
    in-process backend is not thread-safe), requests of several threads interleaving.
    """
    opener, _ = IMPLEMENTATIONS[request.param]
    store = opener(request, tmp_path)
    yield store
    store.meta.close()


@pytest.fixture
def cloud_factory(
    tmp_path: Path, database_url: str, staff_key_pem: bytes, node_keys
) -> Iterator[Callable[..., RunningCloud]]:
    """Start clouds (uvicorn in a thread, real sockets) with settings overrides."""
    servers: list[uvicorn.Server] = []
    stack = ExitStack()

    def start(**overrides: Any) -> RunningCloud:
        data_dir = tmp_path / f"cloud{len(servers)}"
        data_dir.mkdir()
        key = data_dir / "staff_signing_key.pem"
        key.write_bytes(staff_key_pem)
        os.chmod(key, 0o600)
        port = free_port()
        settings = CloudSettings(
            data_dir=data_dir,
            database_url=database_url,
            port=port,
            **overrides,
        )
        clock = MovableClock()
        app = create_app(settings, clock=clock)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            proxy_headers=False,  # as `edgesync cloud serve`: the app decides on proxies
        )
        servers.append(stack.enter_context(serving(config)))
        return RunningCloud(
            url=f"http://127.0.0.1:{port}",
            settings=settings,
            app=app,
            clock=clock,
            node_keys=node_keys,
        )

    with stack:
        yield start


@pytest.fixture
def cloud(cloud_factory: Callable[..., RunningCloud]) -> RunningCloud:
    """A cloud with default settings."""
    return cloud_factory()


__all__ = ["MovableClock", "NodeClient", "RunningCloud", "post"]
