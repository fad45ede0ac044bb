"""Disabled, rotated, deleted cameras, revoked or expired tokens and the accepted auth schemes,
as the API sees them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from local_node import auth
from local_node.db import access
from local_node.errors import CAMERA_DISABLED, MISSING_CREDENTIALS, TOKEN_EXPIRED, UNKNOWN_KEY
from tests.local_node.conftest import RunningNode, now_rfc3339

PAYLOADS = Path(__file__).parents[1] / "ingest" / "vendors" / "payloads"


@pytest.fixture(autouse=True)
def no_key_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the cache's seconds had passed: the CLI changes the database, not the process."""
    monkeypatch.setattr(auth, "CACHE_SECONDS", 0.0)


def post_read(node: RunningNode, key: str) -> httpx.Response:
    return httpx.post(
        f"{node.url}/api/v1/detections",
        json={"plate": "AB12CDE", "captured_at": now_rfc3339()},
        headers={"Authorization": f"Bearer {key}"},
    )


def get_status(node: RunningNode, token: str) -> httpx.Response:
    return httpx.get(f"{node.url}/api/v1/status", headers={"Authorization": f"Bearer {token}"})


def test_a_disabled_camera_gets_401_camera_disabled(node: RunningNode):
    access.set_camera_disabled(node.services.engine, node.camera_id, True)
    r = post_read(node, node.camera_key)
    assert r.status_code == 401 and r.json()["detail"] == CAMERA_DISABLED


def test_an_enabled_again_camera_posts_again(node: RunningNode):
    access.set_camera_disabled(node.services.engine, node.camera_id, True)
    access.set_camera_disabled(node.services.engine, node.camera_id, False)
    assert post_read(node, node.camera_key).status_code == 201


def test_a_disabled_key_is_refused_within_the_cache_time():
    assert auth.CACHE_SECONDS <= 10


def test_after_rotation_both_keys_work_during_the_grace_period(node: RunningNode):
    new = access.rotate_camera_key(
        node.services.engine, node.camera_id, node.clock(), timedelta(hours=24)
    )
    assert new is not None
    assert post_read(node, new.secret).status_code == 201
    assert post_read(node, node.camera_key).status_code == 201


def test_the_old_key_stops_when_the_grace_period_ends(node: RunningNode):
    access.rotate_camera_key(node.services.engine, node.camera_id, node.clock(), timedelta(hours=1))
    node.clock.advance(hours=1, seconds=1)
    r = post_read(node, node.camera_key)
    assert r.status_code == 401 and r.json()["detail"] == UNKNOWN_KEY


def test_rotation_with_no_grace_ends_the_old_key_now(node: RunningNode):
    access.rotate_camera_key(node.services.engine, node.camera_id, node.clock(), timedelta(0))
    assert post_read(node, node.camera_key).status_code == 401


def test_a_deleted_cameras_key_stops_and_its_reads_stay(node: RunningNode):
    read = post_read(node, node.camera_key).json()
    access.delete_camera(node.services.engine, node.camera_id, node.clock())
    assert post_read(node, node.camera_key).json()["detail"] == UNKNOWN_KEY
    with node.viewer() as v:
        assert v.get(f"/api/v1/detections/{read['id']}").status_code == 200


def test_a_revoked_token_gets_401_at_once(node: RunningNode):
    assert get_status(node, node.viewer_token).status_code == 200  # checked once already
    token = next(t for t in access.list_tokens(node.services.engine) if t.role == "viewer")
    access.revoke_token(node.services.engine, token.id, node.clock())
    r = get_status(node, node.viewer_token)
    assert r.status_code == 401 and r.json()["detail"] == UNKNOWN_KEY


def test_an_expired_token_gets_401_token_expired(node: RunningNode):
    cred = access.create_token(
        node.services.engine, "viewer", node.clock(), expires_at=node.clock() + timedelta(days=1)
    )
    assert get_status(node, cred.secret).status_code == 200
    node.clock.advance(days=1)
    r = get_status(node, cred.secret)
    assert r.status_code == 401 and r.json()["detail"] == TOKEN_EXPIRED


def test_a_used_token_records_when(node: RunningNode):
    get_status(node, node.viewer_token)
    used = [t.last_used_at for t in access.list_tokens(node.services.engine)]
    assert node.clock() in used


@pytest.mark.parametrize("path", ["/api/v1/detections", "/api/v1/status"])
def test_missing_credentials_have_one_wording(node: RunningNode, path: str):
    r = httpx.request("POST" if path.endswith("detections") else "GET", node.url + path, json={})
    assert r.status_code == 401 and r.json()["detail"] == MISSING_CREDENTIALS


# --- Authorization: Token <key> (Plate Recognizer's tools send it) -----------------


def plate_recognizer_event() -> dict:
    path = PAYLOADS / "platerecognizer" / "stream_recognition_mmc.json"
    return json.loads(path.read_text())


@pytest.mark.parametrize("scheme", ["Token", "token", "Bearer"])
def test_the_plate_recognizer_endpoint_takes_the_key_as_token_or_bearer(
    node: RunningNode, scheme: str
):
    r = httpx.post(
        f"{node.url}/api/v1/ingest/platerecognizer",
        json=plate_recognizer_event(),
        headers={"Authorization": f"{scheme} {node.camera_key}"},
    )
    assert r.status_code == 201, r.text


def test_a_wrong_key_as_token_gets_the_wrong_key_answer(node: RunningNode):
    r = httpx.post(
        f"{node.url}/api/v1/ingest/platerecognizer",
        json=plate_recognizer_event(),
        headers={"Authorization": "Token esc_" + "z" * 43},
    )
    assert r.status_code == 401 and r.json()["detail"] == UNKNOWN_KEY


def test_an_api_token_as_token_works_like_bearer(node: RunningNode):
    r = httpx.get(
        f"{node.url}/api/v1/status", headers={"Authorization": f"Token {node.viewer_token}"}
    )
    assert r.status_code == 200


def test_an_unknown_scheme_is_missing_credentials(node: RunningNode):
    r = httpx.get(
        f"{node.url}/api/v1/status", headers={"Authorization": f"Basic {node.viewer_token}"}
    )
    assert r.status_code == 401 and r.json()["detail"] == MISSING_CREDENTIALS
