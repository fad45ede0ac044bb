"""Every cloud response names its request id."""

from __future__ import annotations

import httpx

from tests.cloud_plane.conftest import RunningCloud


def test_a_response_echoes_the_callers_request_id(cloud: RunningCloud):
    r = httpx.get(f"{cloud.url}/healthz", headers={"X-Request-ID": "gw-123"})
    assert r.headers["x-request-id"] == "gw-123"


def test_a_malformed_request_id_is_replaced(cloud: RunningCloud):
    r = httpx.get(f"{cloud.url}/healthz", headers={"X-Request-ID": "a\tb"})
    assert r.headers["x-request-id"] != "a\tb" and len(r.headers["x-request-id"]) == 32
