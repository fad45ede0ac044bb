"""Fixtures of the end-to-end tests that need more than the root conftest's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import free_port


@pytest.fixture
def moto_endpoint(aws_credentials: None) -> Iterator[str]:
    """A moto server on loopback (real HTTP, fresh for the test) for `AWS_ENDPOINT_URL`.

    It runs in the test's process, so what SES or SNS recorded can be read from moto's
    backends (``harness.sent_emails``).
    """
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
