"""Error bodies echo at most a capped piece of what the client sent, in one documented shape."""

from __future__ import annotations

import json
import zlib

from sync_protocol.error_text import ECHO_LIMIT
from tests.cloud_plane.conftest import RunningCloud, post

LONG = "A" * 5000


def test_a_404_echoes_a_capped_id(cloud: RunningCloud) -> None:
    response = cloud.staff("admin").get(f"/api/v1/sites/{LONG}")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "A" * (ECHO_LIMIT + 1) not in detail and "A" * ECHO_LIMIT + "…" in detail


def test_an_enrolment_422_echoes_neither_the_input_nor_a_library_link(cloud: RunningCloud) -> None:
    body = {"protocol_version": 1, "code": LONG, "public_key_pem": "x", "node_name": "n"}
    raw = zlib.compress(json.dumps(body).encode())
    response = post(cloud.url + "/sync/v1/enroll", raw)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"detail"}
    assert LONG[:100] not in response.text
    assert "input_value" not in response.text and "pydantic.dev" not in response.text
