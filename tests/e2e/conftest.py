"""Fixtures of the end-to-end tests that need more than the root conftest's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import moto_server


@pytest.fixture
def moto_endpoint(aws_credentials: None) -> Iterator[str]:
    """A moto server on loopback (real HTTP, fresh for the test) for `AWS_ENDPOINT_URL`.

    It runs in the test's process, so what SES or SNS recorded can be read from moto's
    backends (``harness.sent_emails``).
    """
    with moto_server() as url:
        yield url
