"""Clients that stall or hang up mid-request, against the server `node serve` runs.

A slow-loris client (a header byte a second) and a client that stalls mid-body are cut
off after the request timeout; a client that hangs up mid-body costs one log line, not a
65-line traceback.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from local_node.api.server import server_config
from tests.conftest import free_port, serving
from tests.local_node.conftest import RunningNode, now_rfc3339

TIMEOUT_S = 1.5


@pytest.fixture
def serve(node_factory: Callable[..., RunningNode]) -> Iterator[Callable[..., RunningNode]]:
    """A node served by `server_config` (uvicorn's logging left to the test's capture)."""
    with ExitStack() as servers:

        def start(**overrides: object) -> RunningNode:
            node = node_factory(request_timeout_s=TIMEOUT_S, **overrides)
            port = free_port()
            config = server_config(
                node.app,
                node.settings,
                port=port,
                lifespan="off",
                log_config=None,
            )
            servers.enter_context(serving(config))
            node.url = f"http://127.0.0.1:{port}"
            return node

        yield start


def connect(node: RunningNode) -> socket.socket:
    host, port = node.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def ingest_head(node: RunningNode, length: int) -> bytes:
    return (
        f"POST /api/v1/detections HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {node.camera_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def test_a_slow_loris_client_is_disconnected_after_the_timeout(serve) -> None:
    node = serve()
    sock = connect(node)
    started = time.monotonic()
    closed_after = None
    try:
        for byte in b"GET /api/v1/health HTTP/1.1\r\nX-Slow: " + b"a" * 30:
            sock.sendall(bytes([byte]))
            time.sleep(0.25)
            if time.monotonic() - started > TIMEOUT_S + 1:
                sock.settimeout(2)
                if sock.recv(1) == b"":
                    closed_after = time.monotonic() - started
                    break
    except (ConnectionResetError, BrokenPipeError):
        closed_after = time.monotonic() - started
    finally:
        sock.close()
    assert closed_after is not None, "the connection stayed open"
    assert TIMEOUT_S <= closed_after < TIMEOUT_S + 3


def test_a_client_that_stalls_mid_body_gets_408_and_is_cut(serve) -> None:
    node = serve()
    sock = connect(node)
    started = time.monotonic()
    try:
        sock.sendall(ingest_head(node, 1000) + b'{"plate": "AB')
        answer = read_all(sock)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert TIMEOUT_S <= time.monotonic() - started < TIMEOUT_S + 3


def test_a_client_that_hangs_up_mid_body_costs_one_log_line(
    serve, caplog: pytest.LogCaptureFixture
) -> None:
    node = serve()
    with caplog.at_level(logging.INFO):
        sock = connect(node)
        sock.sendall(ingest_head(node, 100_000) + b"x" * 1000)
        time.sleep(0.3)
        sock.close()
        deadline = time.monotonic() + 5
        while "went away" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # a traceback, if any, comes right after
    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [r.getMessage() for r in records if "went away" in r.getMessage()], caplog.text
    assert not [r for r in records if r.exc_info], caplog.text
    assert len([r for r in records if r.levelno >= logging.WARNING]) == 1, caplog.text
    assert "POST /api/v1/detections" in caplog.text


def test_a_complete_request_within_the_timeout_is_served(serve) -> None:
    node = serve()
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json={"plate": "AB12CDE", "captured_at": now_rfc3339()})
    assert r.status_code == 201, r.text
