"""One wording per reason for every 401 the cloud sends, named in cloud_plane.errors."""

from __future__ import annotations

import ast
from pathlib import Path

import cloud_plane
from cloud_plane import errors
from tests.cloud_plane.conftest import RunningCloud

PACKAGE = Path(cloud_plane.__file__).parent


def test_every_401_is_raised_with_a_named_wording_from_errors():
    literal = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "NotAuthenticated"
                and node.args
                and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
            ):
                literal.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert literal == []


def test_a_request_without_a_token_gets_the_missing_token_wording(cloud: RunningCloud):
    with cloud.http() as client:
        r = client.get("/api/v1/sites")
    assert r.status_code == 401 and r.json()["detail"] == errors.MISSING_TOKEN


def test_a_wrong_password_gets_the_one_login_wording(cloud: RunningCloud):
    with cloud.http() as client:
        r = client.post("/api/v1/auth/login", json={"username": "x", "password": "y"})
    assert r.status_code == 401 and r.json()["detail"] == errors.WRONG_PASSWORD


def test_a_malformed_token_gets_the_malformed_wording(cloud: RunningCloud):
    with cloud.http("not-a-jwt") as client:
        r = client.get("/api/v1/sites")
    assert r.json()["detail"] == errors.TOKEN_MALFORMED
