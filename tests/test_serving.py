"""The threaded uvicorn every server test uses: its port is held from the start, and a failed
start never outlives its test."""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
