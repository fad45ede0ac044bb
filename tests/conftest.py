"""Fixtures shared by every suite: databases (SQLite always, PostgreSQL when configured),
servers in threads (uvicorn, moto)."""

from __future__ import annotations

import faulthandler
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import create_engine, text

from edgesync.ports import free_port

if TYPE_CHECKING:
    import uvicorn

POSTGRES_ENV = "EDGESYNC_TEST_POSTGRES_URL"


TEST_HTTP_TIMEOUT_S = 30.0


def pytest_configure(config: pytest.Config) -> None:
    """The tests' one-off ``httpx.get/post/...`` calls wait 30 s for an answer, not httpx's 5.

    A loaded CI machine (2 shared cores, PostgreSQL fsyncing) has taken over 5 s for a node's
    first commit, and the test failed on a ReadTimeout that said nothing about the node. Only
    the module-level functions change, which the node and cloud code never call (their clients
    set their own timeouts); a test that means a short timeout passes one.
    """
    for name in ("request", "get", "post", "put", "patch", "delete", "head", "options"):
        defaults = getattr(httpx, name).__kwdefaults__
        defaults["timeout"] = httpx.Timeout(TEST_HTTP_TIMEOUT_S)


@contextmanager
def serving(
    config: uvicorn.Config, *, start_timeout: float = 60, stop_timeout: float = 60
) -> Iterator[uvicorn.Server]:
    """uvicorn serving ``config`` in a thread (real sockets), started before the block runs
    and stopped after it.

    The listening socket is bound here, before the app's lifespan runs: uvicorn binds only
    after start-up, and in between the port that ``free_port`` found could be taken (the
    app's own database connections draw their local ports from the same ephemeral range).
    A server that does not start in time is stopped and joined before the error is raised,
    so a start-up still running cannot outlive its test (and, say, migrate a schema that the
    test's teardown has dropped); every thread's stack is printed to show where it hung.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError:
        sock.close()
        raise
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                faulthandler.dump_traceback(all_threads=True)
                raise RuntimeError(
                    f"server on port {config.port} did not start in {start_timeout:.0f} s"
                    + ("" if thread.is_alive() else " (its thread ended: see the log)")
                )
            time.sleep(0.02)
        yield server
    finally:
        server.should_exit = True
        thread.join(stop_timeout)
        sock.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL on a fresh schema of its own, dropped afterwards."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set (CI sets it; see .ci/run)")
    schema = "t_" + secrets.token_hex(6)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """Each test that takes this runs on SQLite and on PostgreSQL (when configured)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'node.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def hybrid(tmp_path):
    """A started cloud plane as a real process; tests add nodes with `hybrid.add_node(name)`."""
    from tests.e2e.harness import Hybrid

    system = Hybrid(tmp_path)
    system.start_cloud()
    try:
        yield system
    finally:
        system.stop()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials and no endpoint override, so no test can reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server (real HTTP) on a free loopback port while the block runs; its URL.

    It runs in this process: moto's backends (what it stored, the emails SES recorded) can be
    read directly.
    """
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access line per request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def moto_s3_endpoint() -> Iterator[str]:
    """One moto server (real HTTP) per test module; each test makes its own bucket in it.

    Per module, not per session: its threads would otherwise run beside every later test of
    the session (test_heap counts objects other threads may free)."""
    with moto_server() as url:
        yield url


@pytest.fixture
def s3_bucket(aws_credentials: None, moto_s3_endpoint: str) -> str:
    """A fresh bucket in the session's moto server (names are unique: moto's state is global)."""
    import boto3

    name = f"images-{secrets.token_hex(6)}"
    boto3.client("s3", endpoint_url=moto_s3_endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return name
