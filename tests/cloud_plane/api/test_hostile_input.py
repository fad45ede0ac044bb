"""Input that used to crash a cloud request (a 500) is refused with a clear 4xx instead.

Deeply nested JSON on the two endpoints anyone may call (login, enrolment), and search
cursors holding values no column holds. Also: the token a login returns is never cached.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import pytest

from sync_protocol.passwords import hash_password
from tests.cloud_plane.conftest import RunningCloud, post

DEEP = b"[" * 5000 + b"]" * 5000
TOO_DEEP = "JSON nested deeper than 32 levels"
NOT_OURS = "cursor is not one this API returned"


def test_deeply_nested_login_body_is_422(cloud: RunningCloud) -> None:
    # Within the login body limit (4 kB), yet past the parser's recursion limit (1,000).
    body = b'{"username": "a", "password": "b", "x": ' + b"[" * 1500 + b"]" * 1500 + b"}"
    with cloud.http() as http:
        response = http.post(
            "/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == TOO_DEEP


def test_deeply_nested_enrolment_body_is_422(cloud: RunningCloud) -> None:
    response = post(cloud.url + "/sync/v1/enroll", zlib.compress(b'{"code": ' + DEEP + b"}"))
    assert response.status_code == 422, response.text
    assert TOO_DEEP in response.json()["detail"]


def test_login_token_is_sent_with_no_store(cloud: RunningCloud) -> None:
    cloud.store.users.create_user(
        "ann@example.com", hash_password("s3cret-pass", n=2**10), "viewer", [], now=cloud.clock()
    )
    with cloud.http() as http:
        response = http.post(
            "/api/v1/auth/login", json={"username": "ann@example.com", "password": "s3cret-pass"}
        )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


AT = "2026-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("path", "values"),
    [
        ("/api/v1/detections", [AT, "s", "t", 2**64]),
        ("/api/v1/detections", [AT, "s", "t", -1]),
        ("/api/v1/detections", [AT, "s", "t", "9" * 30]),
        ("/api/v1/detections", [AT, "s", "t", 1.5]),
        ("/api/v1/detections", [AT, 7, "t", 1]),
        ("/api/v1/detections", [AT, "s" * 300, "t", 1]),
        ("/api/v1/detections", ["0001-01-01T00:00:00+05:00", "s", "t", 1]),
        ("/api/v1/detections", [12, "s", "t", 1]),
        ("/api/v1/hits", [AT, 2**70, "list", "AB12"]),
        ("/api/v1/hits", [AT, "d", ["list"], "AB12"]),
        ("/api/v1/alerts", [AT, 2**64]),
        ("/api/v1/alerts", ["9999-12-31T23:59:59-05:00", "a"]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_cursor_values_no_column_holds_are_422(
    cloud: RunningCloud, path: str, values: list[Any]
) -> None:
    response = cloud.staff("admin").get(path, params={"cursor": _cursor(values)})
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == NOT_OURS


def test_cursor_at_the_largest_seq_is_accepted(cloud: RunningCloud) -> None:
    cursor = _cursor([AT, "s", "t", 2**63 - 1])
    response = cloud.staff("admin").get("/api/v1/detections", params={"cursor": cursor})
    assert response.status_code == 200, response.text


def test_a_recipient_named_with_a_nul_is_422_not_a_server_error(cloud: RunningCloud) -> None:
    # PostgreSQL refuses NUL in text; found by the schemathesis run (a 500 on PostgreSQL).
    with cloud.staff() as http:
        response = http.put("/api/v1/recipients/duty", json={"name": "\x00"})
        listed = http.get("/api/v1/recipients")
    assert response.status_code == 422, response.text
    assert listed.json() == [] or all(r["recipient_id"] != "duty" for r in listed.json())


def test_a_nul_in_a_path_is_422_not_a_server_error(cloud: RunningCloud) -> None:
    with cloud.staff() as http:
        response = http.get("/api/v1/sites/%00")
    assert response.status_code == 422, response.text
    assert "control characters" in response.json()["detail"]


def test_a_site_named_with_a_nul_is_422_not_a_server_error(cloud: RunningCloud) -> None:
    # Found by the schemathesis run on PostgreSQL (a 500).
    with cloud.staff() as http:
        response = http.post("/api/v1/sites", json={"name": "\x00"})
    assert response.status_code == 422, response.text
