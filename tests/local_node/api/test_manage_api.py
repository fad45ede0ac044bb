"""The admin API for cameras and tokens: the same operations and fields as the CLI, admin only."""

from __future__ import annotations

import httpx
import pytest

from local_node.db import access
from local_node.errors import UNKNOWN_KEY
from tests.local_node.conftest import RunningNode, now_rfc3339

ADMIN_ROUTES = [
    ("GET", "/api/v1/cameras", None),
    ("POST", "/api/v1/cameras", {"name": "new-cam"}),
    ("PATCH", "/api/v1/cameras/gate-0", {"enabled": False}),
    ("POST", "/api/v1/cameras/gate-0/rotate-key", {}),
    ("DELETE", "/api/v1/cameras/gate-0", None),
    ("GET", "/api/v1/tokens", None),
    ("DELETE", "/api/v1/tokens/some-id", None),
]


def post_read(node: RunningNode, key: str) -> httpx.Response:
    return httpx.post(
        f"{node.url}/api/v1/detections",
        json={"plate": "AB12CDE", "captured_at": now_rfc3339()},
        headers={"Authorization": f"Bearer {key}"},
    )


def call(client: httpx.Client, method: str, path: str, body: object) -> httpx.Response:
    return (
        client.request(method, path, json=body)
        if body is not None
        else client.request(method, path)
    )


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_a_viewer_token_gets_403_on_admin_routes(node: RunningNode, method, path, body):
    with node.viewer() as client:
        assert call(client, method, path, body).status_code == 403


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_a_camera_key_gets_401_on_admin_routes(node: RunningNode, method, path, body):
    with node.camera() as client:
        r = call(client, method, path, body)
    assert r.status_code == 401 and r.json()["detail"] == UNKNOWN_KEY


def test_cameras_are_listed_with_the_fields_of_the_cli(node: RunningNode):
    post_read(node, node.camera_key)
    with node.admin() as client:
        (cam,) = client.get("/api/v1/cameras").json()["cameras"]
    assert set(cam) == {
        "camera_id",
        "name",
        "enabled",
        "created_at",
        "last_read_at",
        "reads_today",
        "health",
    }
    assert (cam["camera_id"], cam["reads_today"], cam["health"]) == (node.camera_id, 1, "ok")


def test_an_added_camera_gets_a_key_once_not_stored(node: RunningNode):
    with node.admin() as client:
        r = client.post("/api/v1/cameras", json={"name": "dock"})
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    assert post_read(node, r.json()["api_key"]).status_code == 201


def test_adding_a_camera_with_a_taken_name_is_409(node: RunningNode):
    with node.admin() as client:
        assert client.post("/api/v1/cameras", json={"name": "gate-0"}).status_code == 409


def test_a_camera_name_with_dot_dot_is_422(node: RunningNode):
    with node.admin() as client:
        assert client.post("/api/v1/cameras", json={"name": "a..b"}).status_code == 422


def test_a_camera_is_renamed_by_patch(node: RunningNode):
    with node.admin() as client:
        r = client.patch(f"/api/v1/cameras/{node.camera_id}", json={"name": "north gate"})
    assert r.status_code == 200 and r.json()["name"] == "north gate"


def test_renaming_to_a_taken_name_is_409(node: RunningNode):
    access.create_camera(node.services.engine, "other", node.clock())
    with node.admin() as client:
        assert client.patch("/api/v1/cameras/gate-0", json={"name": "other"}).status_code == 409


def test_a_camera_disabled_by_patch_is_refused_at_once(node: RunningNode):
    assert post_read(node, node.camera_key).status_code == 201  # now cached
    with node.admin() as client:
        r = client.patch("/api/v1/cameras/gate-0", json={"enabled": False})
    assert r.status_code == 200 and r.json()["enabled"] is False
    assert post_read(node, node.camera_key).status_code == 401


def test_a_camera_enabled_again_by_patch_posts_again(node: RunningNode):
    with node.admin() as client:
        client.patch("/api/v1/cameras/gate-0", json={"enabled": False})
        client.patch("/api/v1/cameras/gate-0", json={"enabled": True})
    assert post_read(node, node.camera_key).status_code == 201


def test_a_rotated_key_is_shown_once_and_both_keys_work_in_the_grace(node: RunningNode):
    with node.admin() as client:
        r = client.post("/api/v1/cameras/gate-0/rotate-key", json={"grace_s": 3600})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert r.json()["old_key_valid_until"] is not None
    assert post_read(node, r.json()["api_key"]).status_code == 201
    assert post_read(node, node.camera_key).status_code == 201


def test_a_rotation_without_grace_stops_the_old_key_at_once(node: RunningNode):
    assert post_read(node, node.camera_key).status_code == 201  # now cached
    with node.admin() as client:
        r = client.post("/api/v1/cameras/gate-0/rotate-key", json={"grace_s": 0})
    assert r.json()["old_key_valid_until"] is None
    assert post_read(node, node.camera_key).status_code == 401


def test_a_deleted_camera_is_gone_from_the_list_and_its_key_refused(node: RunningNode):
    with node.admin() as client:
        assert client.delete(f"/api/v1/cameras/{node.camera_id}").status_code == 200
        assert client.get("/api/v1/cameras").json()["cameras"] == []
    assert post_read(node, node.camera_key).status_code == 401


def test_an_unknown_camera_is_404(node: RunningNode):
    with node.admin() as client:
        assert client.patch("/api/v1/cameras/nope", json={"enabled": False}).status_code == 404
        assert client.post("/api/v1/cameras/nope/rotate-key").status_code == 404
        assert client.delete("/api/v1/cameras/nope").status_code == 404


def test_tokens_are_listed_without_their_secret(node: RunningNode):
    with node.admin() as client:
        r = client.get("/api/v1/tokens")
    assert {t["role"] for t in r.json()["tokens"]} == {"admin", "viewer"}
    assert node.admin_token not in r.text and node.viewer_token not in r.text


def test_a_token_revoked_by_the_api_is_refused_at_once(node: RunningNode):
    with node.admin() as client:
        viewer = next(
            t for t in client.get("/api/v1/tokens").json()["tokens"] if t["role"] == "viewer"
        )
        r = client.delete(f"/api/v1/tokens/{viewer['token_id']}")
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    with node.viewer() as client:
        assert client.get("/api/v1/status").status_code == 401


def test_revoking_an_unknown_token_is_404(node: RunningNode):
    with node.admin() as client:
        assert client.delete("/api/v1/tokens/nope").status_code == 404
