"""A real node served over real HTTP on loopback, with a camera, tokens and images."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from PIL import Image
from sqlalchemy.engine import Engine

from local_node.config import NodeSettings
from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.images.s3_store import S3ImageStore
from local_node.main import create_app
from tests.conftest import free_port, serving


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


def make_png(color: str = "blue") -> bytes:
    """A real, small PNG."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def jpeg() -> bytes:
    return make_jpeg()


@pytest.fixture(params=["file", "s3"])
def image_store(request: pytest.FixtureRequest) -> dict[str, object]:
    """The node's image store: a local folder, or an S3 bucket in a moto server (issue 11).

    The settings overrides a node gets; the S3 store is run with SQLite only (the pairs
    with PostgreSQL are deselected in ``pytest_collection_modifyitems``): the image store
    and the database are independent, and that keeps the suite's time in bounds.
    """
    if request.param == "file":
        return {}
    bucket = request.getfixturevalue("s3_bucket")
    return {
        "image_store": f"s3://{bucket}/site-images",
        "image_store_endpoint_url": request.getfixturevalue("moto_s3_endpoint"),
    }


S3_SUITES = (
    "tests/local_node/api/test_ingest.py",
    "tests/local_node/api/test_images",  # test_images.py, test_images_s3.py
    "tests/local_node/api/test_vendors",  # every vendor adapter: JSON, multipart, late images
    "tests/local_node/api/test_hostile_input.py",
    "tests/local_node/api/test_ingest_urls.py",
    "tests/local_node/api/test_url_token_paths.py",
    "tests/local_node/api/test_read_history.py",
    "tests/local_node/api/test_slow_clients.py",
    "tests/local_node/api/test_system.py",
    "tests/local_node/ingest/",
    "tests/local_node/test_retention",  # test_retention.py, test_retention_s3.py
    "tests/local_node/sync/test_image_commands.py",
)
"""The suites that store, serve, prune or upload images: these run on both stores. The
others (hotlist, users, pages, audit...) never touch an image; running them twice would
prove nothing and cost CI minutes."""


FOLDER_ONLY = pytest.mark.parametrize("image_store", ["file"], indirect=True)
"""For tests of the disk budget and free-space floor: a bucket has neither (images/choose.py)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the S3-store runs of ``S3_SUITES`` on SQLite only (see ``image_store``)."""
    root = config.rootpath
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        where = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        s3_elsewhere = not where.startswith(S3_SUITES) or params.get("database_url") == "postgres"
        if params.get("image_store") == "s3" and s3_elsewhere:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def stored_image_paths(node: RunningNode) -> list[str]:
    """Every image the node's store holds, as relative paths (either store)."""
    images = node.services.images
    if isinstance(images, S3ImageStore):
        pages = images._client.get_paginator("list_objects_v2").paginate(
            Bucket=images.location.bucket, Prefix=images.location.key("")
        )
        return sorted(images.location.rel(o["Key"]) for p in pages for o in p.get("Contents", []))
    root = node.settings.images_dir
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def replace_stored_image(node: RunningNode, rel_path: str, data: bytes | None) -> None:
    """Damage a stored image as a power cut or an operator would: new bytes, or gone (None)."""
    images = node.services.images
    if isinstance(images, S3ImageStore):
        key = images.location.key(rel_path)
        if data is None:
            images._client.delete_object(Bucket=images.location.bucket, Key=key)
        else:
            images._client.put_object(Bucket=images.location.bucket, Key=key, Body=data)
        return
    path = node.settings.images_dir / rel_path
    if data is None:
        path.unlink()
    else:
        path.write_bytes(data)


def stored_image_bytes(node: RunningNode, rel_path: str) -> bytes:
    """The bytes the node's store holds under ``rel_path`` (FileNotFoundError if none)."""
    data: bytes = node.services.images.read(rel_path)
    return data


@contextmanager
def migrated_engine(url: str) -> Iterator[Engine]:
    """An engine on the node database at ``url``, migrated to head; disposed afterwards."""
    made = make_engine(url)
    upgrade(made)
    try:
        yield made
    finally:
        made.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated node database (SQLite, and PostgreSQL when configured), no node serving."""
    with migrated_engine(database_url) as made:
        yield made


@pytest.fixture
def node_factory(
    tmp_path: Path, database_url: str, image_store: dict[str, object]
) -> Iterator[Callable[..., RunningNode]]:
    """Start nodes (uvicorn in a thread, real sockets) with settings overrides."""
    servers: list[uvicorn.Server] = []
    stack = ExitStack()

    def start(**overrides: object) -> RunningNode:
        settings = NodeSettings(
            data_dir=tmp_path / f"node{len(servers)}",
            database_url=database_url,
            **{"min_free_bytes": 0, **image_store, **overrides},
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
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        servers.append(stack.enter_context(serving(config)))
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

    with stack:
        yield start


@pytest.fixture
def node(node_factory: Callable[..., RunningNode]) -> RunningNode:
    """A node with default settings."""
    return node_factory()


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class WorkersNode:
    """A real `edgesync node serve --workers N` process, its camera, a token, its database."""

    proc: subprocess.Popen[bytes]
    port: int
    env: dict[str, str]
    log: Path
    database_url: str
    camera_key: str
    viewer_token: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def camera(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.camera_key}"}, timeout=30
        )

    def post(
        self, client: httpx.Client, event_id: str, image: bytes | None = None
    ) -> httpx.Response:
        """One camera read (with an image as multipart when given)."""
        meta = {"plate": "AB" + event_id[-5:].upper(), "captured_at": "2026-12-05T01:00:00Z"}
        meta["event_id"] = event_id
        if image is None:
            return client.post("/api/v1/detections", json=meta)
        files = {"metadata": (None, json.dumps(meta)), "image": ("r.jpg", image, "image/jpeg")}
        return client.post("/api/v1/detections", files=files)

    def worker_pids(self) -> set[int]:
        """The worker processes (children started with spawn, not the resource tracker)."""
        out = set()
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            children = (task / "children").read_text().split()
            for pid in children:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"spawn_main" in cmdline:
                    out.add(int(pid))
        return out

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_log(self, marker: str, timeout: float = 60) -> str:
        """The log once it holds ``marker``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_text()
            if marker in text:
                return text
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"no {marker!r} in the log:\n{self.log_text()[-3000:]}")


SERVE = [sys.executable, "-m", "edgesync", "node", "serve"]


@pytest.fixture
def workers_node(tmp_path: Path, database_url: str) -> Iterator[Callable[..., WorkersNode]]:
    """Start `edgesync node serve --workers N` as a real process (stopped afterwards)."""
    started: list[WorkersNode] = []

    def start(workers: int = 2, **env_overrides: str) -> WorkersNode:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}
        env |= {
            "EDGESYNC_NODE_DATA_DIR": str(tmp_path / "node"),
            "EDGESYNC_NODE_DATABASE_URL": database_url,
            "EDGESYNC_NODE_MIN_FREE_BYTES": "0",
            "EDGESYNC_LOG_LEVEL": "INFO",
            **env_overrides,
        }
        camera = _cli_json(env, "add-camera", "gate", "--json")
        token = _cli_json(env, "create-token", "--role", "viewer", "--json")
        port = free_port()
        log = tmp_path / f"serve-{len(started)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*SERVE, "--workers", str(workers), "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        node = WorkersNode(proc, port, env, log, database_url, camera["api_key"], token["token"])
        started.append(node)
        node.wait_log(f"started {workers} workers")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{node.url}/healthz", timeout=2).status_code == 200:
                    return node
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"node did not answer:\n{node.log_text()[-3000:]}")

    yield start
    for node in started:
        if node.proc.poll() is None:
            node.proc.terminate()
            try:
                node.proc.wait(40)
            except subprocess.TimeoutExpired:
                node.proc.kill()
                node.proc.wait(5)


def _cli_json(env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "edgesync", "node", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)
