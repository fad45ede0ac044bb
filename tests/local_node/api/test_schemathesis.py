"""Schemathesis against the node's own OpenAPI document: no 5xx, no response off its schema."""

from __future__ import annotations

import pytest

from tests.local_node.conftest import RunningNode
from tests.openapi_fuzz import fuzz

pytestmark = pytest.mark.slow

CAMERA_PATHS = ("/api/v1/detections", "/api/v1/ingest/")


def test_the_node_api_answers_every_generated_request_as_documented(node: RunningNode) -> None:
    def headers_for(method: str, path: str) -> dict[str, str]:
        camera = method == "POST" and path.startswith(CAMERA_PATHS)
        return {"Authorization": f"Bearer {node.camera_key if camera else node.admin_token}"}

    failures = fuzz(node.url, headers_for, max_examples=25)
    assert failures == []
