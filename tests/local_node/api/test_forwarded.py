"""Behind a proxy (the full cloud's ALB): the client's address comes from X-Forwarded-For,
believed only from the proxies named by EDGESYNC_NODE_FORWARDED_ALLOW_IPS."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest

from local_node.api.server import server_config
from local_node.audit.queries import AuditFilter, every
from tests.conftest import free_port, serving
from tests.local_node.conftest import RunningNode


@pytest.fixture
def served(node: RunningNode) -> Iterator[Callable[[str], str]]:
    """Serve the node as `node serve` does, trusting the given proxies; return its URL."""
    with ExitStack() as servers:

        def serve(trusted: str) -> str:
            port = free_port()
            settings = node.settings.model_copy(update={"forwarded_allow_ips": trusted})
            config = server_config(node.app, settings, port=port, lifespan="off")
            servers.enter_context(serving(config))
            return f"http://127.0.0.1:{port}"

        yield serve


def audited_source(node: RunningNode, url: str) -> str | None:
    """Create a camera through ``url`` claiming a forwarded client; the audit's source."""
    r = httpx.post(
        f"{url}/api/v1/cameras",
        json={"name": f"cam-{time.monotonic_ns()}"},
        headers={
            "Authorization": f"Bearer {node.admin_token}",
            "X-Forwarded-For": "203.0.113.9",
        },
    )
    assert r.status_code == 201, r.text
    (entry,) = every(node.services.engine, AuditFilter(action="key.create"))
    return entry.source


def test_a_trusted_proxys_forwarded_client_is_the_audited_source(node, served):
    assert audited_source(node, served("127.0.0.0/8")) == "203.0.113.9"


def test_an_untrusted_peer_cannot_claim_another_address(node, served):
    assert audited_source(node, served("10.0.0.0/16")) == "127.0.0.1"
