"""Health, status, metrics and the OpenAPI document."""

from __future__ import annotations

import httpx

from tests.local_node.conftest import RunningNode, now_rfc3339


def test_healthz_needs_no_auth(node: RunningNode):
    assert httpx.get(f"{node.url}/healthz").json() == {"status": "ok"}


def test_metrics_need_a_token(node: RunningNode):
    assert httpx.get(f"{node.url}/metrics").status_code == 401


def test_metrics_count_stored_reads_in_prometheus_format(node: RunningNode):
    with node.camera() as cam:
        cam.post("/api/v1/detections", json={"plate": "AB12CDE", "captured_at": now_rfc3339()})
    with node.viewer() as v:
        r = v.get("/metrics")
    assert r.headers["content-type"].startswith("text/plain")
    assert "edgesync_node_reads_stored_total 1.0" in r.text
    assert "edgesync_node_group_commit_seconds_bucket" in r.text


def test_metrics_can_be_public_when_configured(node_factory):
    node = node_factory(metrics_public=True)
    assert httpx.get(f"{node.url}/metrics", timeout=30).status_code == 200


def test_status_shows_cameras_disk_and_stream(node: RunningNode):
    with node.camera() as cam:
        cam.post("/api/v1/detections", json={"plate": "AB12CDE", "captured_at": now_rfc3339()})
    with node.viewer() as v:
        status = v.get("/api/v1/status").json()
    assert status["detections"] == 1
    assert status["cameras"][0]["name"] == "gate-0"
    assert status["cameras"][0]["reads_last_hour"] == 1
    assert status["disk"]["free_bytes"] > 0
    assert status["sync"]["last_seq"] == 1 and status["sync"]["stream_id"]


def test_openapi_documents_the_camera_endpoint(node: RunningNode):
    doc = httpx.get(f"{node.url}/openapi.json", timeout=60).json()
    responses = doc["paths"]["/api/v1/detections"]["post"]["responses"]
    assert {"201", "200", "401", "413", "415", "422", "503", "507"} <= set(responses)


def test_every_error_has_one_json_shape(node: RunningNode):
    bodies = [
        httpx.post(f"{node.url}/api/v1/detections", json={}).json(),  # 401
        httpx.get(f"{node.url}/api/v1/nothing-here").json(),  # 404
    ]
    with node.camera() as cam:
        bodies.append(cam.post("/api/v1/detections", json={"plate": "X"}).json())  # 422
    assert all(set(b) == {"detail"} for b in bodies)
