"""The audit log through the API: searches, hotlist, token and camera-key changes are recorded;
`GET /api/v1/audit` is for admins, pages newest first and exports CSV / JSON lines."""

from __future__ import annotations

import csv
import io
import json

from local_node.audit import queries
from local_node.db import access
from tests.local_node.conftest import RunningNode


def entries(node: RunningNode, action: str | None = None):
    return queries.page(node.services.engine, queries.AuditFilter(action=action), limit=1000)[0]


def token_id(node: RunningNode, secret: str) -> str:
    row = access.token_for(node.services.engine, secret, node.clock())
    assert row is not None
    return row.id


def test_an_api_search_is_recorded_with_token_query_reason_and_address(node):
    with node.viewer() as v:
        r = v.get("/api/v1/detections", params={"plate": "AB12*", "reason": "case 991"})
    assert r.status_code == 200
    [entry] = entries(node, "search")
    assert entry.actor == f"token:{token_id(node, node.viewer_token)}"
    assert (entry.target, entry.reason, entry.source) == ("AB12*", "case 991", "127.0.0.1")
    assert dict(entry.detail) == {"plate": "AB12*"}


def test_each_page_of_a_search_is_recorded_as_a_next_page(node):
    with node.viewer() as v:
        v.get("/api/v1/detections", params={"cursor": "czEw"})
    [entry] = entries(node, "search")
    assert entry.detail["next_page"] is True


def test_a_search_refused_for_its_plate_is_still_recorded(node):
    with node.viewer() as v:
        assert v.get("/api/v1/detections", params={"plate": "---"}).status_code == 422
    assert [e.target for e in entries(node, "search")] == ["---"]


def test_hotlist_put_is_recorded_as_add_then_update(node):
    with node.admin() as a:
        a.put("/api/v1/hotlist/stolen/AB12CDE", json={"reason": "stolen car"})
        a.put("/api/v1/hotlist/stolen/AB12CDE", json={"reason": "stolen car", "priority": 90})
    update, add = entries(node)
    assert (add.action, update.action) == ("hotlist.add", "hotlist.update")
    assert add.target == "stolen/AB12CDE" and update.detail["priority"] == 90
    assert add.actor == f"token:{token_id(node, node.admin_token)}"


def test_hotlist_delete_is_recorded_as_remove(node):
    with node.admin() as a:
        a.put("/api/v1/hotlist/stolen/AB12CDE", json={})
        assert a.delete("/api/v1/hotlist/stolen/AB12CDE").status_code == 204
    assert [e.target for e in entries(node, "hotlist.remove")] == ["stolen/AB12CDE"]


def test_a_hotlist_delete_that_fails_records_nothing(node):
    with node.admin() as a:
        assert a.delete("/api/v1/hotlist/stolen/ZZ99ZZZ").status_code == 404
    assert entries(node) == []


def test_a_token_revoked_through_the_api_is_recorded(node):
    cred = access.create_token(node.services.engine, "viewer", node.clock())
    with node.admin() as a:
        assert a.delete(f"/api/v1/tokens/{cred.id}").status_code == 200
    [entry] = entries(node, "key.revoke")
    assert entry.target == f"token:{cred.id}"


def test_camera_key_create_rotate_and_delete_are_recorded_without_the_key(node):
    with node.admin() as a:
        made = a.post("/api/v1/cameras", json={"name": "north"}).json()
        rotated = a.post("/api/v1/cameras/north/rotate-key").json()
        a.delete("/api/v1/cameras/north")
    actions = [(e.action, e.target) for e in reversed(entries(node))]
    camera = f"camera:{made['camera_id']}"
    assert actions == [("key.create", camera), ("key.rotate", camera), ("key.revoke", camera)]
    with node.admin() as a:
        dump = a.get("/api/v1/audit", params={"format": "jsonl"}).text
    assert made["api_key"] not in dump and rotated["api_key"] not in dump


def test_the_audit_api_refuses_a_viewer_and_no_token(node):
    with node.viewer() as v:
        assert v.get("/api/v1/audit").status_code == 403
    with node.camera() as c:
        assert c.get("/api/v1/audit").status_code == 401


def test_the_audit_api_pages_newest_first(node):
    with node.viewer() as v:
        for plate in ("AA1", "BB2", "CC3"):
            v.get("/api/v1/detections", params={"plate": plate})
    with node.admin() as a:
        first = a.get("/api/v1/audit", params={"limit": 2}).json()
        second = a.get("/api/v1/audit", params={"limit": 2, "before": first["next_before"]}).json()
    assert [e["target"] for e in first["items"]] == ["CC3", "BB2"]
    assert [e["target"] for e in second["items"]] == ["AA1"] and second["next_before"] is None


def test_the_audit_api_filters_by_action_and_actor(node):
    with node.viewer() as v:
        v.get("/api/v1/detections", params={"plate": "AA1"})
    with node.admin() as a:
        a.put("/api/v1/hotlist/stolen/AB12CDE", json={})
        admin = f"token:{token_id(node, node.admin_token)}"
        found = a.get("/api/v1/audit", params={"action": "hotlist.add", "actor": admin}).json()
        none = a.get("/api/v1/audit", params={"action": "search", "actor": admin}).json()
    assert [e["target"] for e in found["items"]] == ["stolen/AB12CDE"] and none["items"] == []


def test_a_csv_export_through_the_api_is_recorded_and_defuses_formulas(node):
    with node.viewer() as v:
        v.get("/api/v1/detections", params={"plate": "AB1", "reason": "=HYPERLINK(1)"})
    with node.admin() as a:
        r = a.get("/api/v1/audit", params={"format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["action"] for row in rows] == ["search", "audit.export"]
    assert rows[0]["reason"] == "'=HYPERLINK(1)"


def test_a_jsonl_export_through_the_api_is_one_object_a_line(node):
    with node.viewer() as v:
        v.get("/api/v1/detections", params={"plate": "AB1"})
    with node.admin() as a:
        r = a.get("/api/v1/audit", params={"format": "jsonl", "action": "search"})
    assert [json.loads(line)["target"] for line in r.text.splitlines()] == ["AB1"]
    assert [e.detail for e in entries(node, "audit.export")] == [
        {"format": "jsonl", "action": "search"}
    ]


def test_a_camera_renamed_and_disabled_through_the_api_is_recorded(node):
    with node.admin() as a:
        a.patch(f"/api/v1/cameras/{node.camera_id}", json={"name": "south", "enabled": False})
    assert [e.detail for e in reversed(entries(node, "camera.change"))] == [
        {"name": "south"},
        {"disabled": True},
    ]
