"""The local hotlist API and how entries match reads as they arrive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.local_node.conftest import RunningNode, now_rfc3339


def read(node: RunningNode, plate: str) -> dict:
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json={"plate": plate, "captured_at": now_rfc3339()})
    assert r.status_code == 201, r.text
    return r.json()


def put(node: RunningNode, list_name: str, plate: str, **body: object) -> dict:
    with node.admin() as admin:
        r = admin.put(f"/api/v1/hotlist/{list_name}/{plate}", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_new_entry_matches_the_next_read_with_its_details(node: RunningNode):
    put(node, "stolen", "AB12CDE", reason="stolen 2026-11-20", priority=3)
    hits = read(node, "ab12 cde")["hits"]
    assert hits == [
        {
            "list": "stolen",
            "plate": "AB12CDE",
            "reason": "stolen 2026-11-20",
            "priority": 3,
            "match": "exact",
            "distance": 0.0,
        }
    ]


def test_ocr_confusion_of_a_listed_plate_is_a_hit(node: RunningNode):
    put(node, "wanted", "AB12CDE")
    assert read(node, "A812CDE")["hits"][0]["match"] in ("confusion", "fuzzy")


def test_unrelated_plate_is_not_a_hit(node: RunningNode):
    put(node, "stolen", "AB12CDE")
    assert read(node, "XY99ZZZ")["hits"] == []


def test_wildcard_entry_matches_its_prefix(node: RunningNode):
    put(node, "watch", "KX7*")
    assert read(node, "KX7 ABCD")["hits"][0]["match"] == "wildcard"


def test_expired_entry_never_matches(node: RunningNode):
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    put(node, "stolen", "EX12PRD", expires_at=past)
    assert read(node, "EX12PRD")["hits"] == []


def test_entry_expiring_later_matches_until_then(node: RunningNode):
    put(node, "stolen", "EX12PRD", expires_at=(node.clock() + timedelta(hours=1)).isoformat())
    assert len(read(node, "EX12PRD")["hits"]) == 1
    node.clock.advance(hours=2)
    assert read(node, "EX12PRD")["hits"] == []


def test_deleted_entry_stops_matching_and_stays_as_a_tombstone(node: RunningNode):
    put(node, "stolen", "AB12CDE")
    with node.admin() as admin:
        assert admin.delete("/api/v1/hotlist/stolen/AB12CDE").status_code == 204
        live = admin.get("/api/v1/hotlist").json()
        everything = admin.get("/api/v1/hotlist", params={"include_deleted": True}).json()
    assert live == [] and everything[0]["deleted"] is True
    assert read(node, "AB12CDE")["hits"] == []


def test_hits_are_stored_with_the_detection(node: RunningNode):
    put(node, "stolen", "AB12CDE")
    detection = read(node, "AB12CDE")
    with node.viewer() as v:
        stored = v.get(f"/api/v1/detections/{detection['id']}").json()
    assert stored["hits"][0]["list"] == "stolen"


def test_viewer_cannot_edit_the_hotlist(node: RunningNode):
    with node.viewer() as v:
        r = v.put("/api/v1/hotlist/stolen/AB12CDE", json={})
    assert r.status_code == 403 and "admin" in r.json()["detail"]


def test_camera_key_cannot_read_the_hotlist(node: RunningNode):
    with node.camera() as cam:
        assert cam.get("/api/v1/hotlist").status_code == 401


def test_deleting_a_missing_entry_is_404(node: RunningNode):
    with node.admin() as admin:
        assert admin.delete("/api/v1/hotlist/stolen/NOPE123").status_code == 404


def test_list_name_with_a_path_is_refused(node: RunningNode):
    with node.admin() as admin:
        r = admin.put("/api/v1/hotlist/..%2Fetc/AB12CDE", json={})
    assert r.status_code in (404, 422)


def test_plate_without_letters_or_digits_is_422(node: RunningNode):
    with node.admin() as admin:
        r = admin.put("/api/v1/hotlist/stolen/---", json={})
    assert r.status_code == 422 and "plate" in r.json()["detail"]


def test_naive_expiry_is_422(node: RunningNode):
    with node.admin() as admin:
        r = admin.put("/api/v1/hotlist/stolen/AB12CDE", json={"expires_at": "2030-01-01T00:00:00"})
    assert r.status_code == 422 and "expires_at" in r.json()["detail"]


def test_priority_is_on_the_shared_0_to_100_scale(node: RunningNode):
    assert put(node, "stolen", "AB12CDE", priority=80)["priority"] == 80


def test_priority_defaults_to_the_shared_default(node: RunningNode):
    assert put(node, "stolen", "AB12CDE")["priority"] == 50


def test_priority_above_100_is_422(node: RunningNode):
    with node.admin() as admin:
        r = admin.put("/api/v1/hotlist/stolen/AB12CDE", json={"priority": 101})
    assert r.status_code == 422


def test_plate_longer_than_the_wire_carries_is_422_and_not_stored(node: RunningNode):
    with node.admin() as admin:
        r = admin.put(f"/api/v1/hotlist/stolen/{'A' * 21}", json={})
        stored = admin.get("/api/v1/hotlist").json()
    assert r.status_code == 422 and "longer than 20" in r.text
    assert stored == []


def test_plate_of_exactly_the_wire_limit_is_stored(node: RunningNode):
    assert put(node, "stolen", "A" * 20)["plate_norm"] == "A" * 20
