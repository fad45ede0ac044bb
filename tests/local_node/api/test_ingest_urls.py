"""Ingest URL tokens over real HTTP: a camera that sets no header posts to its secret URL.

The Plate Recognizer samples are the ones test_vendors.py uses (their sources are in
`tests/local_node/ingest/vendors/payloads/platerecognizer/SOURCES.md`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from local_node import auth
from local_node.credentials import ingest_path
from local_node.db import access
from local_node.errors import CAMERA_DISABLED, MISSING_CREDENTIALS, UNKNOWN_KEY
from tests.local_node.conftest import RunningNode

PAYLOADS = Path(__file__).parents[1] / "ingest" / "vendors" / "payloads"


@pytest.fixture(autouse=True)
def no_key_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the cache's seconds had passed: the CLI changes the database, not the process."""
    monkeypatch.setattr(auth, "CACHE_SECONDS", 0.0)


def event(name: str = "stream_recognition_mmc") -> dict[str, Any]:
    return json.loads((PAYLOADS / "platerecognizer" / f"{name}.json").read_text())


def new_url_token(node: RunningNode, *, rotate: bool = False) -> str:
    with node.admin() as admin:
        r = admin.post(f"/api/v1/cameras/{node.camera_id}/ingest-url", json={"rotate": rotate})
    assert r.status_code == 201, r.text
    return r.json()["url_token"]


def post_pr(
    node: RunningNode, token: str, headers: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    body = kw.pop("body", None) or event()
    url = node.url + ingest_path("platerecognizer", token)
    return httpx.post(url, json=body, headers=headers or {}, timeout=30)


def test_a_plate_recognizer_event_posted_to_the_url_is_stored_for_its_camera(node: RunningNode):
    r = post_pr(node, new_url_token(node))
    assert r.status_code == 201, r.text
    [first, _] = r.json()["detections"]
    with node.viewer() as v:
        assert v.get(f"/api/v1/detections/{first['id']}").json()["camera_id"] == node.camera_id


def test_a_resent_event_through_the_url_is_a_repeat(node: RunningNode):
    token = new_url_token(node)
    first = post_pr(node, token)
    again = post_pr(node, token)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["detections"] == first.json()["detections"]


def test_the_openalpr_route_takes_a_url_token_too(node: RunningNode):
    body = json.loads((PAYLOADS / "openalpr" / "alpr_group.json").read_text())
    url = node.url + ingest_path("openalpr", new_url_token(node))
    assert httpx.post(url, json=body, timeout=30).status_code == 201


def test_the_answer_is_not_cached_and_shows_the_generic_path(node: RunningNode):
    with node.admin() as admin:
        r = admin.post(f"/api/v1/cameras/{node.camera_id}/ingest-url")
    out = r.json()
    assert r.headers["cache-control"] == "no-store"
    assert out["url_token"].startswith("esu_") and len(out["url_token"]) >= 4 + 43
    assert out["path"] == f"/api/v1/ingest/{{vendor}}/k/{out['url_token']}"


def test_a_second_url_needs_rotate(node: RunningNode):
    new_url_token(node)
    with node.admin() as admin:
        r = admin.post(f"/api/v1/cameras/{node.camera_id}/ingest-url")
    assert r.status_code == 409


def test_after_rotation_the_old_url_gets_401_and_the_new_one_201(node: RunningNode):
    old = new_url_token(node)
    new = new_url_token(node, rotate=True)
    refused = post_pr(node, old)
    assert refused.status_code == 401 and refused.json()["detail"] == UNKNOWN_KEY
    assert post_pr(node, new).status_code == 201


def test_a_revoked_url_gets_401_and_the_key_still_works(node: RunningNode):
    token = new_url_token(node)
    with node.admin() as admin:
        assert admin.delete(f"/api/v1/cameras/{node.camera_id}/ingest-url").status_code == 200
    assert post_pr(node, token).status_code == 401
    with node.camera() as cam:
        assert cam.post("/api/v1/ingest/platerecognizer", json=event()).status_code == 201


def test_a_disabled_cameras_url_gets_401_camera_disabled(node: RunningNode):
    token = new_url_token(node)
    access.set_camera_disabled(node.services.engine, node.camera_id, True)
    r = post_pr(node, token)
    assert r.status_code == 401 and r.json()["detail"] == CAMERA_DISABLED


def test_a_deleted_cameras_url_gets_401(node: RunningNode):
    token = new_url_token(node)
    access.delete_camera(node.services.engine, node.camera_id, node.clock())
    assert post_pr(node, token).status_code == 401


def test_a_wrong_token_gets_the_wrong_key_answer_without_repeating_it(node: RunningNode):
    new_url_token(node)
    wrong = "esu_" + "x" * 43
    r = post_pr(node, wrong)
    assert r.status_code == 401 and r.json()["detail"] == UNKNOWN_KEY
    assert wrong not in r.text and wrong not in str(r.headers)


def test_the_cameras_api_key_in_the_url_is_refused(node: RunningNode):
    assert post_pr(node, node.camera_key).status_code == 401


def test_a_url_token_sent_as_a_header_key_is_refused(node: RunningNode):
    token = new_url_token(node)
    with httpx.Client(base_url=node.url, headers={"Authorization": f"Bearer {token}"}) as c:
        r = c.post("/api/v1/ingest/platerecognizer", json=event())
    assert r.status_code == 401 and r.json()["detail"] == UNKNOWN_KEY


def test_a_url_token_opens_nothing_but_camera_ingest(node: RunningNode):
    token = new_url_token(node)
    assert httpx.get(f"{node.url}/api/v1/status/k/{token}").status_code == 404
    r = httpx.get(f"{node.url}/api/v1/status", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_with_a_url_token_a_header_key_is_ignored(node: RunningNode):
    headers = {"Authorization": "Token some-other-services-token"}
    assert post_pr(node, new_url_token(node), headers).status_code == 201


def test_with_a_wrong_url_token_a_good_header_key_does_not_help(node: RunningNode):
    new_url_token(node)
    headers = {"Authorization": f"Bearer {node.camera_key}"}
    assert post_pr(node, "esu_" + "y" * 43, headers).status_code == 401


def test_no_token_and_no_key_is_missing_credentials(node: RunningNode):
    r = httpx.post(f"{node.url}/api/v1/ingest/platerecognizer", json=event())
    assert r.status_code == 401 and r.json()["detail"] == MISSING_CREDENTIALS


def test_making_rotating_and_revoking_are_audited_without_the_token(node: RunningNode):
    first = new_url_token(node)
    second = new_url_token(node, rotate=True)
    with node.admin() as admin:
        admin.delete(f"/api/v1/cameras/{node.camera_id}/ingest-url")
        dump = admin.get("/api/v1/audit", params={"format": "jsonl"}).text
    entries = [json.loads(line) for line in dump.splitlines()]
    mine = [e["action"] for e in entries if "ingest_url" in json.dumps(e.get("detail"))]
    assert sorted(mine) == ["key.create", "key.revoke", "key.rotate"]
    assert first not in dump and second not in dump
