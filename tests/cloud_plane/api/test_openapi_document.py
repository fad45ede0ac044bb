"""The cloud's OpenAPI document says what the API does: bodies it reads, the errors it sends."""

from __future__ import annotations

import httpx
import jsonschema

from sync_protocol import codec
from tests.cloud_plane.conftest import RunningCloud

ERROR = {"$ref": "#/components/schemas/ErrorOut"}


def test_login_and_sync_document_their_bodies(cloud: RunningCloud) -> None:
    paths = httpx.get(f"{cloud.url}/openapi.json", timeout=60).json()["paths"]
    content = {
        path: paths[path]["post"]["requestBody"]["content"]
        for path in ("/api/v1/auth/login", "/sync/v1/enroll", "/sync/v1/exchange")
    }
    assert set(content["/api/v1/auth/login"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
    }
    binary = {codec.CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}
    assert content["/sync/v1/enroll"] == content["/sync/v1/exchange"] == binary


def test_every_error_response_is_documented_as_the_one_error_model(cloud: RunningCloud) -> None:
    doc = httpx.get(f"{cloud.url}/openapi.json", timeout=60).json()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status == "default" or int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == ERROR, (method, path, status)


def test_the_errors_sent_match_the_documented_model(cloud: RunningCloud) -> None:
    doc = httpx.get(f"{cloud.url}/openapi.json", timeout=60).json()
    admin = cloud.staff("admin")
    ours = admin.get("/api/v1/detections", params={"cursor": "bogus"}).json()  # a message
    fields = admin.get("/api/v1/detections", params={"limit": "x"}).json()  # a list
    for body in (ours, fields):
        jsonschema.validate(body, {**ERROR, "components": doc["components"]})
