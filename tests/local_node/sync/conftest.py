"""Fixtures for the sync agent: a fake cloud, an enrolled running node, its agent."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.engine import Engine

from local_node.sync.agent import SyncAgent
from local_node.sync.client import SyncClient
from local_node.sync.enroll import enroll
from tests.local_node.conftest import RunningNode, make_jpeg, migrated_engine, now_rfc3339
from tests.local_node.sync.fake_cloud import FakeCloud

CLOUD_URL = "http://cloud.test"


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    """A migrated node database on a fresh PostgreSQL schema (cross-task lock and wake tests)."""
    with migrated_engine(postgres_url) as made:
        yield made


@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud()


def enroll_node(node: RunningNode, cloud: FakeCloud, code: str = "CODE-123456") -> str:
    client = SyncClient(CLOUD_URL, timeout_s=5, transport=cloud.transport())
    try:
        reply = enroll(
            node.services.engine,
            data_dir=node.settings.data_dir,
            cloud_url=CLOUD_URL,
            code=code,
            node_name="test-node",
            client=client,
            now=node.clock(),
        )
    finally:
        client.close()
    return reply.site_id


@dataclass
class SyncedNode:
    node: RunningNode
    cloud: FakeCloud
    agent: SyncAgent

    @property
    def stream_id(self) -> str:
        with self.node.services.engine.connect() as conn:
            return conn.exec_driver_sql("SELECT stream_id FROM node_state").scalar_one()


@pytest.fixture
def synced(node_factory, cloud) -> Iterator[Callable[..., SyncedNode]]:
    """An enrolled node and an agent (not scheduled: tests call exchange())."""
    agents: list[SyncAgent] = []

    def make(**overrides) -> SyncedNode:
        node = node_factory(**overrides)
        enroll_node(node, cloud)
        agent = SyncAgent(
            engine=node.services.engine,
            settings=node.settings.sync,
            data_dir=node.settings.data_dir,
            clock=node.clock,
            transport=cloud.transport(),
            images=node.services.images,
        )
        agents.append(agent)
        return SyncedNode(node, cloud, agent)

    yield make
    for agent in agents:
        agent.close()


def post(node: RunningNode, plate: str = "AB12CDE", *, image: bool = False) -> httpx.Response:
    """One camera read (JSON, or multipart with a JPEG)."""
    metadata = {"plate": plate, "captured_at": now_rfc3339()}
    with node.camera() as cam:
        if image:
            return cam.post(
                "/api/v1/detections",
                files={
                    "metadata": (None, json.dumps(metadata)),
                    "image": ("a.jpg", make_jpeg(), "image/jpeg"),
                },
            )
        return cam.post("/api/v1/detections", json=metadata)


def post_many(node: RunningNode, count: int, prefix: str = "ZZ") -> list[dict]:
    return [post(node, f"{prefix}{i:04d}").json() for i in range(count)]


def acked(node: RunningNode) -> dict[str, int]:
    with node.services.engine.connect() as conn:
        return dict(conn.exec_driver_sql("SELECT stream_id, acked FROM sync_streams").all())
