"""Clients that stall mid-request are cut off by the server `cloud serve` runs."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from cloud_plane.api.server import server_config
from tests.cloud_plane.conftest import RunningCloud
from tests.conftest import free_port, serving

TIMEOUT_S = 1.5


@pytest.fixture
def served(cloud_factory: Callable[..., RunningCloud]) -> Iterator[tuple[str, int]]:
    """A cloud app served by `server_config` (uvicorn's logging left to the test's capture)."""
    cloud = cloud_factory(request_timeout_s=TIMEOUT_S)
    port = free_port()
    config = server_config(cloud.app, cloud.settings, port=port, lifespan="off", log_config=None)
    with serving(config):
        yield "127.0.0.1", port


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_headers_that_never_end_are_cut_after_the_timeout(served: tuple[str, int]) -> None:
    started = time.monotonic()  # before connecting: the server's clock starts at accept
    with socket.create_connection(served, timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        assert read_all(sock) == b""
    # The server's timer may fire a hair early (0.2 ms was seen): allow a tenth of a second.
    assert TIMEOUT_S - 0.1 <= time.monotonic() - started < TIMEOUT_S + 3


def test_an_enrolment_body_that_stalls_gets_408_and_is_cut_without_a_traceback(
    served: tuple[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    head = (
        b"POST /sync/v1/enroll HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/vnd.edgesync.sync+json\r\nContent-Length: 500\r\n\r\n"
    )
    with caplog.at_level(logging.INFO), socket.create_connection(served, timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(head + b"x" * 10)
        answer = read_all(sock)
        elapsed = time.monotonic() - started
        time.sleep(0.3)  # a traceback, if any, comes right after
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert TIMEOUT_S <= elapsed < TIMEOUT_S + 3
    assert not [r for r in caplog.records if r.exc_info], caplog.text
