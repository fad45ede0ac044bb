"""A real node served over real HTTP on loopback, with a camera, tokens and images."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from PIL import Image

from local_node.config import NodeSettings
from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.main import create_app
from tests.conftest import free_port


class MovableClock:
    """A clock tests can move; starts at the real now."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class RunningNode:
    """A node under test and credentials to talk to it."""

    url: str
    settings: NodeSettings
    app: object
    camera_id: str
    camera_key: str
    admin_token: str
    viewer_token: str
    clock: MovableClock

    def camera(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.camera_key}"}, timeout=30
        )

    def admin(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.admin_token}"}, timeout=30
        )

    def viewer(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.viewer_token}"}, timeout=30
        )

    @property
    def services(self):
        return self.app.state.services


def make_jpeg(width: int = 64, height: int = 48, color: str = "red") -> bytes:
    """A real, small JPEG."""
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG")
    return buf.getvalue()


def make_png() -> bytes:
    """A real, small PNG."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def jpeg() -> bytes:
    return make_jpeg()


@pytest.fixture
def node_factory(tmp_path: Path, database_url: str) -> Iterator[Callable[..., RunningNode]]:
    """Start nodes (uvicorn in a thread, real sockets) with settings overrides."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(**overrides: object) -> RunningNode:
        settings = NodeSettings(
            data_dir=tmp_path / f"node{len(servers)}",
            database_url=database_url,
            min_free_bytes=0,
            **overrides,
        )
        clock = MovableClock()
        engine = make_engine(settings.resolved_database_url)
        upgrade(engine)
        repo.ensure_state(engine, clock())
        cam = repo.create_camera(engine, f"gate-{len(servers)}", clock())
        admin = repo.create_token(engine, "admin", clock())
        viewer = repo.create_token(engine, "viewer", clock())
        engine.dispose()
        app = create_app(settings, clock=clock, run_jobs=False)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("node did not start")
            time.sleep(0.02)
        servers.append((server, thread))
        return RunningNode(
            url=f"http://127.0.0.1:{port}",
            settings=settings,
            app=app,
            camera_id=cam.id,
            camera_key=cam.secret,
            admin_token=admin.secret,
            viewer_token=viewer.secret,
            clock=clock,
        )

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(15)


@pytest.fixture
def node(node_factory: Callable[..., RunningNode]) -> RunningNode:
    """A node with default settings."""
    return node_factory()


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
