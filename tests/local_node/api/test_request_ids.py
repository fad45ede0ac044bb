"""Every node response names its request id, and the server's log lines carry it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import httpx
import pytest

from local_node.api.server import server_config
from sync_protocol.log_format import JsonFormatter
from tests.conftest import free_port, serving
from tests.local_node.conftest import RunningNode


class Lines(logging.Handler):
    """Collects formatted lines."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def json_log() -> Iterator[Lines]:
    handler = Lines()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def served(node: RunningNode) -> Iterator[Callable[[], RunningNode]]:
    """The node served by `server_config` with its access log on."""
    port = free_port()
    config = server_config(node.app, node.settings, port=port, lifespan="off", log_level="info")
    with serving(config):
        node.url = f"http://127.0.0.1:{port}"
        yield lambda: node


def test_a_response_echoes_the_callers_request_id(node: RunningNode):
    r = httpx.get(f"{node.url}/healthz", headers={"X-Request-ID": "site-7-abc"})
    assert r.headers["x-request-id"] == "site-7-abc"


def test_a_refused_request_still_carries_an_id(node: RunningNode):
    r = httpx.get(f"{node.url}/api/v1/detections%00", headers={"X-Request-ID": "bad id"})
    assert r.status_code in (404, 422) and len(r.headers["x-request-id"]) == 32


def test_uvicorn_access_lines_follow_the_format_and_carry_the_request_id(served, json_log):
    node = served()
    httpx.get(f"{node.url}/healthz", headers={"X-Request-ID": "trace-1"})
    access = [json.loads(line) for line in json_log.lines if '"uvicorn.access"' in line]
    assert any(line["request_id"] == "trace-1" and "/healthz" in line["message"] for line in access)
