"""Schemathesis against the cloud's own OpenAPI document: no 5xx, no response off its schema."""

from __future__ import annotations

import pytest

from tests.cloud_plane.conftest import RunningCloud
from tests.openapi_fuzz import fuzz

pytestmark = pytest.mark.slow


def test_the_cloud_api_answers_every_generated_request_as_documented(cloud: RunningCloud) -> None:
    cloud.node("Depot")  # a site with an enrolled node, so that reads have something to find
    token = cloud.token("admin@example.com", "admin")

    def headers_for(method: str, path: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"} if path.startswith("/api/v1/") else {}

    failures = fuzz(cloud.url, headers_for, max_examples=25)
    assert failures == []
