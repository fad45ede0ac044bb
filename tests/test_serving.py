"""The helpers every server test uses: free ports that no outgoing connection takes, a threaded
uvicorn whose port is held from the start, and whose failed start never outlives its test."""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette

from tests.conftest import free_port, serving


def test_the_port_is_held_while_the_app_starts_up() -> None:
    """Nothing else can take the port during a slow start-up (uvicorn binds only after it)."""
    port = free_port()
    seen: list[int] = []

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        with socket.socket() as other:
            try:
                other.bind(("127.0.0.1", port))
            except OSError as exc:
                seen.append(exc.errno)
        yield

    config = uvicorn.Config(
        Starlette(lifespan=lifespan), host="127.0.0.1", port=port, log_level="warning"
    )
    with serving(config) as server:
        assert server.started
    assert seen == [errno.EADDRINUSE]


def test_a_server_that_does_not_start_in_time_is_stopped_before_the_error() -> None:
    release = threading.Event()
    finished = threading.Event()

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        release.wait(10)
        yield
        finished.set()

    config = uvicorn.Config(
        Starlette(lifespan=lifespan), host="127.0.0.1", port=free_port(), log_level="warning"
    )
    timer = threading.Timer(1.0, release.set)
    timer.start()
    with (
        pytest.raises(RuntimeError, match="did not start in 0 s"),
        serving(config, start_timeout=0.3),
    ):
        pass
    assert finished.is_set()  # its start-up ran to the end and it shut down, joined


def test_free_ports_come_from_below_the_ephemeral_range() -> None:
    """Outgoing connections draw their local ports from that range, so could take ours."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {free_port() for _ in range(20)}
    assert all(10_000 <= port < low for port in ports)
    assert len(ports) > 1  # not one fixed port
