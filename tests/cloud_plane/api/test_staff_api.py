"""The staff read API: sites, detections, hits and hotlist, scoped by role and site."""

from __future__ import annotations

from datetime import timedelta

from sync_protocol.messages import CameraHealth, Heartbeat
from tests.cloud_plane.conftest import RunningCloud


def _beat(cloud: RunningCloud) -> Heartbeat:
    return Heartbeat(
        node_version="0.1.0",
        uptime_s=60,
        disk_used_bytes=10,
        disk_total_bytes=100,
        db_size_bytes=5,
        backlog_count=12,
        backlog_oldest_age_s=3.5,
        cameras=[CameraHealth(camera_id="gate-1", last_seen=cloud.clock(), errors=1)],
    )


def test_site_detail_shows_health_from_the_last_heartbeat(cloud: RunningCloud) -> None:
    node = cloud.node("North")
    admin = cloud.staff("admin")
    assert admin.get(f"/api/v1/sites/{node.site_id}").json()["status"] == "never_seen"
    node.exchange(heartbeat=_beat(cloud))
    detail = admin.get(f"/api/v1/sites/{node.site_id}").json()
    assert detail["status"] == "online"
    assert detail["backlog"] == {"count": 12, "oldest_age_s": 3.5}
    assert [c["camera_id"] for c in detail["cameras"]] == ["gate-1"]
    cloud.clock.advance(seconds=cloud.settings.health.offline_after_s + 1)
    assert admin.get(f"/api/v1/sites/{node.site_id}").json()["status"] == "offline"
    assert admin.get("/api/v1/sites/nope").status_code == 404


def test_site_detail_names_each_camera_as_the_node_does(cloud: RunningCloud) -> None:
    node = cloud.node("North")
    beat = _beat(cloud).model_copy(
        update={"cameras": [CameraHealth(camera_id="9f2c01ab", name="north gate")]}
    )
    node.exchange(heartbeat=beat)
    detail = cloud.staff("admin").get(f"/api/v1/sites/{node.site_id}").json()
    assert [(c["camera_id"], c["name"]) for c in detail["cameras"]] == [("9f2c01ab", "north gate")]


def test_detections_are_searched_newest_first_with_paging(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.exchange(batch=node.records(1, 3, plate="AB12CDE") + node.records(4, 2, plate="XY34ZZZ"))
    admin = cloud.staff("admin")
    page = admin.get("/api/v1/detections", params={"limit": 2}).json()
    assert [d["seq"] for d in page["items"]] == [5, 4]
    rest = admin.get("/api/v1/detections", params={"limit": 10, "cursor": page["next_cursor"]})
    assert [d["seq"] for d in rest.json()["items"]] == [3, 2, 1]
    assert rest.json()["next_cursor"] is None
    item = page["items"][0]
    assert item["id"] == str(node.records(5, 1)[0].id)
    assert item["site_id"] == node.site_id
    exact = admin.get("/api/v1/detections", params={"plate": "xy34 zzz"}).json()["items"]
    assert [d["seq"] for d in exact] == [5, 4]
    prefix = admin.get("/api/v1/detections", params={"plate": "AB*"}).json()["items"]
    assert [d["seq"] for d in prefix] == [3, 2, 1]
    fuzzy = admin.get("/api/v1/detections", params={"plate": "A812CDE", "fuzzy": True})
    assert len(fuzzy.json()["items"]) == 3
    since = (cloud.clock() + timedelta(milliseconds=4)).isoformat()
    windowed = admin.get("/api/v1/detections", params={"since": since}).json()["items"]
    assert [d["seq"] for d in windowed] == [5, 4]


def test_detection_query_errors_are_422_with_one_shape(cloud: RunningCloud) -> None:
    admin = cloud.staff("admin")
    for params in ({"limit": 1001}, {"cursor": "bogus"}, {"plate": "--"}, {"since": "2026-01-01"}):
        response = admin.get("/api/v1/detections", params=params)
        assert response.status_code == 422, params
        assert set(response.json()) == {"detail"}


def test_a_manager_sees_only_their_sites(cloud: RunningCloud) -> None:
    a, b = cloud.node("A"), cloud.node("B")
    cloud.staff("admin").put("/api/v1/hotlist/stolen/AB12CDE", json={})
    a.exchange(batch=a.records(1, 2))
    b.exchange(batch=b.records(1, 3))
    manager = cloud.staff("manager", sites=[a.site_id])
    assert [s["site_id"] for s in manager.get("/api/v1/sites").json()] == [a.site_id]
    assert manager.get(f"/api/v1/sites/{b.site_id}").status_code == 404
    detections = manager.get("/api/v1/detections").json()["items"]
    assert {d["site_id"] for d in detections} == {a.site_id} and len(detections) == 2
    assert manager.get("/api/v1/detections", params={"site_id": b.site_id}).status_code == 404
    hits = manager.get("/api/v1/hits").json()["items"]
    assert {h["site_id"] for h in hits} == {a.site_id} and len(hits) == 2
    assert manager.get("/api/v1/hits", params={"site_id": b.site_id}).status_code == 404
    admin_hits = cloud.staff("admin").get("/api/v1/hits").json()["items"]
    assert len(admin_hits) == 5


def test_a_user_without_scope_sees_nothing(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.exchange(batch=node.records(1, 1))
    # A viewer granted no sites: authenticated, but sees nothing.
    stranger = cloud.http(cloud.token("ghost@example.com", "viewer"))
    assert stranger.get("/api/v1/sites").json() == []
    assert stranger.get("/api/v1/detections").json()["items"] == []


def test_hotlist_edits_are_admin_only(cloud: RunningCloud) -> None:
    viewer = cloud.staff("viewer")
    manager = cloud.staff("manager")
    for client in (viewer, manager):
        assert client.put("/api/v1/hotlist/stolen/AB12CDE", json={}).status_code == 403
        assert client.delete("/api/v1/hotlist/stolen/AB12CDE").status_code == 403
    admin = cloud.staff("admin")
    body = admin.put("/api/v1/hotlist/stolen/ab-12 cde", json={"reason": "r", "priority": 7}).json()
    assert (body["list"], body["plate_norm"], body["priority"], body["version"]) == (
        "stolen",
        "AB12CDE",
        7,
        1,
    )
    assert [e["plate_norm"] for e in viewer.get("/api/v1/hotlist").json()] == ["AB12CDE"]
    assert admin.put("/api/v1/hotlist/Bad List/AB1", json={}).status_code == 422
    assert admin.put("/api/v1/hotlist/stolen/***", json={}).status_code == 422


def test_metrics_need_an_admin(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.exchange(batch=node.records(1, 2))
    assert cloud.http().get("/metrics").status_code == 401
    assert cloud.staff("viewer").get("/metrics").status_code == 403
    text = cloud.staff("admin").get("/metrics").text
    assert "edgesync_cloud_detections_stored_total 2.0" in text
