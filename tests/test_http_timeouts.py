"""The tests' one-off HTTP calls are patient with a loaded machine (tests/conftest.py)."""

from __future__ import annotations

import httpx

from tests.conftest import TEST_HTTP_TIMEOUT_S


def test_one_off_calls_wait_for_a_slow_answer() -> None:
    for name in ("request", "get", "post", "put", "patch", "delete"):
        assert getattr(httpx, name).__kwdefaults__["timeout"] == httpx.Timeout(TEST_HTTP_TIMEOUT_S)


def test_clients_keep_httpxs_own_default() -> None:
    """Product code builds clients, with its own timeouts; the tests change none of them."""
    with httpx.Client() as client:
        assert client.timeout == httpx.Timeout(5.0)
