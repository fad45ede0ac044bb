"""What admins change in the web app (hotlist, cameras), CSRF on every form, viewers refused."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlmodel import Session

from local_node.db import repo
from local_node.db.tables import HotlistEntry
from tests.local_node.web.conftest import post_read

ADMIN_FORMS = [
    ("/hotlist", {"list": "stolen", "plate": "AB1"}),
    ("/hotlist/remove", {"list": "stolen", "plate": "AB1"}),
    ("/cameras", {"name": "north"}),
    ("/cameras/gate-0/rotate-key", {}),
    ("/cameras/gate-0/disable", {}),
    ("/cameras/gate-0/enable", {}),
    ("/cameras/gate-0/ingest-url", {}),
    ("/cameras/gate-0/ingest-url/revoke", {}),
]


@pytest.mark.parametrize(("url", "data"), ADMIN_FORMS)
def test_a_form_without_the_csrf_token_is_refused(node, client_for, url, data):
    client = client_for("admin")
    r = client.post(url, data=data)
    assert r.status_code == 403 and "missing or wrong CSRF token" in r.text


def test_a_form_with_a_wrong_csrf_token_is_refused(node, client_for):
    client = client_for("admin")
    r = client.post("/cameras", data={"name": "north", "csrf_token": "x" * 43})
    assert r.status_code == 403


def test_sign_out_without_the_csrf_token_is_refused(node, client_for):
    client = client_for("admin")
    assert client.post("/sign-out").status_code == 403
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(("url", "data"), ADMIN_FORMS)
def test_a_viewer_cannot_change_anything(node, client_for, url, data):
    client = client_for("viewer")
    r = client.form(url, data)
    assert r.status_code == 403 and "Only an admin can change this" in r.text


def test_a_viewer_sees_no_change_forms(node, client_for):
    client = client_for("viewer")
    assert "Add to hotlist" not in client.get("/hotlist").text
    assert "Rotate key" not in client.get("/cameras").text


def test_a_viewer_cannot_open_the_edit_form(node, client_for):
    r = client_for("viewer").get("/hotlist/edit", params={"list": "stolen", "plate": "AB1"})
    assert r.status_code == 403


def _entries(node) -> list[HotlistEntry]:
    return list(repo.list_hotlist(node.services.engine))


def test_an_admin_adds_a_hotlist_entry_pending_until_synced(node, client_for):
    client = client_for("admin", name="ann")
    r = client.form(
        "/hotlist",
        {"list": "stolen", "plate": "ab 123", "reason": "<b>taken</b>", "priority": "80"},
    )
    assert r.status_code == 200 and "AB 123 is on the stolen list" in r.text
    [entry] = _entries(node)
    assert (entry.plate_norm, entry.priority, entry.updated_by) == ("AB123", 80, "user:ann")
    assert '<span class="status status-pending">pending</span>' in r.text
    assert "&lt;b&gt;taken&lt;/b&gt;" in r.text


def test_a_hotlist_entry_added_in_the_app_marks_the_next_read_a_hit(node, client_for):
    client = client_for("admin")
    client.form("/hotlist", {"list": "wanted", "plate": "HIT9", "priority": "50"})
    post_read(node, "HIT9")
    assert '<span class="hit-list">wanted</span>' in client.get("/fragments/live").text


def test_a_bad_hotlist_entry_says_what_was_wrong(node, client_for):
    client = client_for("admin")
    r = client.form("/hotlist", {"list": "Bad List", "plate": "AB1", "priority": "50"})
    assert r.status_code == 422 and "list name" in r.text
    r = client.form("/hotlist", {"list": "stolen", "plate": "AB1", "priority": "500"})
    assert r.status_code == 400 and "Priority: from 0 to 100" in r.text


def test_an_admin_edits_an_entry(node, client_for):
    client = client_for("admin")
    client.form("/hotlist", {"list": "stolen", "plate": "AB1", "priority": "50"})
    form = client.page("/hotlist/edit?list=stolen&plate=AB1")
    assert form.status_code == 200 and 'value="50"' in form.text
    client.form("/hotlist", {"list": "stolen", "plate": "AB1", "reason": "seen", "priority": "90"})
    [entry] = _entries(node)
    assert (entry.reason, entry.priority) == ("seen", 90)


def test_an_admin_removes_an_entry(node, client_for):
    client = client_for("admin")
    page = client.form("/hotlist", {"list": "stolen", "plate": "AB1", "priority": "50"})
    assert 'data-confirm="Remove AB1 from the stolen list?"' in page.text
    r = client.form("/hotlist/remove", {"list": "stolen", "plate": "AB1"})
    assert r.status_code == 200 and _entries(node) == []


def test_an_entry_of_the_cloud_cannot_be_changed_here(node, client_for):
    with Session(node.services.engine) as session:
        repo.put_hotlist_row(
            session,
            HotlistEntry(
                list_name="stolen",
                plate_norm="CLOUD1",
                plate="CLOUD1",
                priority=50,
                updated_at=node.clock(),
                version=3,
                owner="cloud",
            ),
        )
        session.commit()
    client = client_for("admin")
    page = client.page("/hotlist")
    assert '<span class="status status-synced">synced</span>' in page.text
    r = client.form("/hotlist/remove", {"list": "stolen", "plate": "CLOUD1"})
    assert r.status_code == 403 and "CLOUD1" in r.text


def _key(html: str) -> str:
    found = re.search(r'<code class="api-key">([^<]+)</code>', html)
    assert found, "no key shown"
    return found[1]


def test_an_admin_adds_a_camera_and_sees_its_key_once(node, client_for):
    client = client_for("admin")
    r = client.form("/cameras", {"name": "north gate"})
    key = _key(r.text)
    with node.camera() as cam:
        cam.headers["Authorization"] = f"Bearer {key}"
        assert (
            cam.post(
                "/api/v1/detections", json={"plate": "AB1", "captured_at": "2026-12-03T10:00:00Z"}
            ).status_code
            == 201
        )
    assert key not in client.get("/cameras").text


def test_a_bad_camera_name_says_what_was_wrong(node, client_for):
    r = client_for("admin").form("/cameras", {"name": "../etc"})
    assert r.status_code == 400 and "Name:" in r.text


def test_a_taken_camera_name_is_a_conflict(node, client_for):
    r = client_for("admin").form("/cameras", {"name": "gate-0"})
    assert r.status_code == 409 and "exists already" in r.text


def test_an_admin_rotates_a_cameras_key(node, client_for):
    client = client_for("admin")
    r = client.form(f"/cameras/{node.camera_id}/rotate-key")
    key = _key(r.text)
    assert key != node.camera_key and "The old key keeps working until" in r.text


def test_an_admin_disables_and_enables_a_camera(node, client_for):
    client = client_for("admin")
    r = client.form(f"/cameras/{node.camera_id}/disable")
    assert r.status_code == 200 and "status-disabled" in r.text
    with node.camera() as cam:
        refused = cam.post(
            "/api/v1/detections", json={"plate": "AB1", "captured_at": "2026-12-03T10:00:00Z"}
        )
    assert refused.status_code == 401
    r = client.form(f"/cameras/{node.camera_id}/enable")
    assert ">Disable</button>" in r.text


def test_an_admin_gets_a_cameras_ingest_url_once_and_it_takes_reads(node, client_for):
    client = client_for("admin")
    r = client.form(f"/cameras/{node.camera_id}/ingest-url")
    urls = re.findall(r'<code class="api-key">([^<]+)</code>', r.text)
    assert len(urls) == 8 and "shown once" in r.text
    verkada = next(u for u in urls if "/api/v1/ingest/verkada/k/esu_" in u)
    platerecognizer = verkada.replace("/verkada/", "/platerecognizer/")
    event = {"data": {"camera_id": "lane-1", "timestamp": "2026-12-03T10:00:00Z"}}
    event["data"]["results"] = [{"plate": "ab12cde", "score": 0.9}]
    assert httpx.post(platerecognizer, json=event).status_code == 201
    again = client.page("/cameras").text
    assert verkada.split("/k/")[1] not in again  # shown on the answer to the POST only


def test_a_revoked_ingest_url_is_refused(node, client_for):
    client = client_for("admin")
    r = client.form(f"/cameras/{node.camera_id}/ingest-url")
    [url] = [
        u for u in re.findall(r'<code class="api-key">([^<]+)</code>', r.text) if "/openalpr/" in u
    ]
    client.form(f"/cameras/{node.camera_id}/ingest-url/revoke")
    assert httpx.post(url, json={"data_type": "heartbeat"}).status_code == 401


def test_rotating_an_unknown_camera_is_a_404_page(node, client_for):
    r = client_for("admin").form("/cameras/nope/rotate-key")
    assert r.status_code == 404


def test_a_too_long_form_field_gets_a_page_saying_which(node, client_for):
    r = client_for("admin").form("/hotlist", {"list": "stolen", "plate": "A" * 300})
    assert r.status_code == 422 and "text/html" in r.headers["content-type"]
    assert "plate: String should have at most 100 characters" in r.text


def test_the_json_api_keeps_its_error_shape(node):
    with node.admin() as admin:
        r = admin.get("/api/v1/detections", params={"limit": "0"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/json"
