"""The node's OpenAPI document says what the API does: bodies it reads, the errors it sends."""

from __future__ import annotations

import httpx
import jsonschema

from tests.local_node.conftest import RunningNode

ERROR = {"$ref": "#/components/schemas/ErrorOut"}


def test_camera_and_vendor_endpoints_document_their_bodies(node: RunningNode) -> None:
    paths = httpx.get(f"{node.url}/openapi.json", timeout=60).json()["paths"]
    content = {
        path: set(paths[path]["post"]["requestBody"]["content"])
        for path in (
            "/api/v1/detections",
            "/api/v1/ingest/platerecognizer",
            "/api/v1/ingest/openalpr",
        )
    }
    assert content == {
        "/api/v1/detections": {"application/json", "multipart/form-data"},
        "/api/v1/ingest/platerecognizer": {"application/json", "multipart/form-data"},
        "/api/v1/ingest/openalpr": {"application/json"},
    }


def test_every_error_response_is_documented_as_the_one_error_model(node: RunningNode) -> None:
    doc = httpx.get(f"{node.url}/openapi.json", timeout=60).json()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status == "default" or int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == ERROR, (method, path, status)


def test_the_errors_sent_match_the_documented_model(node: RunningNode) -> None:
    doc = httpx.get(f"{node.url}/openapi.json", timeout=60).json()
    with node.camera() as cam:
        ours = cam.post("/api/v1/detections", content=b"not json").json()  # detail: a message
        fields = cam.post("/api/v1/detections", json={"plate": "X"}).json()  # detail: a list
    for body in (ours, fields):
        jsonschema.validate(body, {**ERROR, "components": doc["components"]})
