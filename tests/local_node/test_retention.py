"""Retention: images by age and by budget (oldest first), the evidence hold, metadata age, 507."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from local_node.db.tables import HotlistEntry
from local_node.retention import Retention, recent_runs
from local_node.sync.hotlist_sync import apply_delta
from sync_protocol.hotlist_messages import HotlistDelta
from sync_protocol.hotlist_messages import HotlistEntry as WireEntry
from tests.local_node.conftest import FOLDER_ONLY, RunningNode, make_jpeg, now_rfc3339


def post(node: RunningNode, plate: str, image: bytes) -> httpx.Response:
    with node.camera() as cam:
        return cam.post(
            "/api/v1/detections",
            files={
                "metadata": (None, json.dumps({"plate": plate, "captured_at": now_rfc3339()})),
                "image": ("a.jpg", image, "image/jpeg"),
            },
        )


def retention(node: RunningNode) -> Retention:
    s = node.services
    return Retention(
        engine=s.engine, images=s.images, settings=s.settings.retention, clock=node.clock
    )


def detail(node: RunningNode, detection_id: str) -> dict:
    with node.viewer() as v:
        return v.get(f"/api/v1/detections/{detection_id}").json()


def image_status(node: RunningNode, detection_id: str) -> int:
    with node.viewer() as v:
        return v.get(f"/api/v1/detections/{detection_id}/image").status_code


def test_images_older_than_retention_are_pruned_and_metadata_kept(node_factory):
    node = node_factory(image_retention_days=7, metadata_retention_days=30)
    old = post(node, "AB12CDE", make_jpeg()).json()["id"]
    node.clock.advance(days=8)
    new = post(node, "AB12CDF", make_jpeg()).json()["id"]
    report = retention(node).run()
    assert report.images_pruned == 1
    assert image_status(node, old) == 404 and detail(node, old)["image_pruned"] is True
    assert image_status(node, new) == 200


def test_images_of_hits_are_held_as_evidence(node_factory):
    node = node_factory(image_retention_days=7, hit_image_retention_days=90)
    with node.admin() as admin:
        admin.put("/api/v1/hotlist/stolen/AB12CDE", json={"reason": "stolen"})
    hit = post(node, "AB12CDE", make_jpeg()).json()["id"]
    plain = post(node, "ZZ99ZZZ", make_jpeg()).json()["id"]
    node.clock.advance(days=30)
    retention(node).run()
    assert image_status(node, hit) == 200 and image_status(node, plain) == 404
    node.clock.advance(days=61)
    retention(node).run()
    assert image_status(node, hit) == 404


def test_metadata_older_than_its_limit_is_deleted_with_hits(node_factory):
    node = node_factory(metadata_retention_days=10)
    with node.admin() as admin:
        admin.put("/api/v1/hotlist/stolen/AB12CDE", json={})
    old = post(node, "AB12CDE", make_jpeg()).json()["id"]
    node.clock.advance(days=11)
    assert retention(node).run().rows_deleted == 1
    with node.viewer() as v:
        assert v.get(f"/api/v1/detections/{old}").status_code == 404


@FOLDER_ONLY
def test_disk_budget_prunes_the_oldest_images_first(node_factory):
    image = make_jpeg(320, 240)
    node = node_factory(disk_budget_bytes=len(image) * 3 + 10)
    ids = [post(node, f"AB{i}CDE", image).json()["id"] for i in range(5)]
    assert [image_status(node, i) for i in ids] == [404, 404, 200, 200, 200]


@FOLDER_ONLY
def test_full_budget_with_only_evidence_left_answers_507_and_stores_nothing(node_factory):
    image = make_jpeg(320, 240)
    node = node_factory(disk_budget_bytes=len(image) * 2 + 10)
    with node.admin() as admin:
        admin.put("/api/v1/hotlist/stolen/AB*", json={})
    assert post(node, "AB1CDE", image).status_code == 201
    assert post(node, "AB2CDE", image).status_code == 201
    r = post(node, "AB3CDE", image)
    assert r.status_code == 507 and "full" in r.json()["detail"]
    with node.viewer() as v:
        assert len(v.get("/api/v1/detections").json()["items"]) == 2


@FOLDER_ONLY
def test_reads_without_images_are_stored_when_the_image_budget_is_full(node_factory):
    image = make_jpeg(320, 240)
    node = node_factory(disk_budget_bytes=len(image) + 10)
    with node.admin() as admin:
        admin.put("/api/v1/hotlist/stolen/AB*", json={})
    assert post(node, "AB1CDE", image).status_code == 201
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json={"plate": "AB2", "captured_at": now_rfc3339()})
    assert r.status_code == 201


def cloud_entry(plate: str, version: int, at: datetime, *, deleted: bool) -> WireEntry:
    """An entry as the cloud sends it in a delta."""
    return WireEntry(
        list_name="stolen",
        plate_norm=plate,
        plate=plate,
        updated_by="staff",
        owner="cloud",
        updated_at=at,
        op_id=uuid.uuid4(),
        deleted=deleted,
        version=version,
    )


def hotlist_rows(node: RunningNode) -> dict[str, tuple[bool, int | None]]:
    with node.services.engine.connect() as conn:
        rows = conn.execute(select(HotlistEntry.__table__)).mappings()
        return {r["plate_norm"]: (r["deleted"], r["version"]) for r in rows}


def test_confirmed_hotlist_tombstones_older_than_the_metadata_limit_are_deleted(node_factory):
    node = node_factory(metadata_retention_days=10)
    old = node.clock()
    delta = HotlistDelta(
        from_version=0,
        to_version=2,
        entries=[
            cloud_entry("GONE111", 1, old, deleted=True),
            cloud_entry("LIVE222", 2, old, deleted=False),
        ],
    )
    with node.services.engine.begin() as conn:
        apply_delta(conn, delta, held_version=0)
    with node.admin() as admin:  # a site delete the cloud has not confirmed yet
        admin.put("/api/v1/hotlist/stolen/PEND333", json={})
        assert admin.delete("/api/v1/hotlist/stolen/PEND333").status_code == 204
    node.clock.advance(days=11)
    recent = HotlistDelta(
        from_version=2,
        to_version=3,
        entries=[cloud_entry("NEW444", 3, node.clock(), deleted=True)],
    )
    with node.services.engine.begin() as conn:
        apply_delta(conn, recent, held_version=2)
    assert retention(node).run().hotlist_tombstones == 1
    assert hotlist_rows(node) == {
        "LIVE222": (False, 2),
        "PEND333": (True, None),
        "NEW444": (True, 3),
    }


def test_a_run_that_deleted_something_is_recorded_with_its_cutoffs(node_factory):
    node = node_factory(image_retention_days=7, metadata_retention_days=30)
    post(node, "AB12CDE", make_jpeg())
    node.clock.advance(days=8)
    report = retention(node).run()
    [run] = recent_runs(node.services.engine)
    assert (run.images_pruned, run.bytes_freed, run.rows_deleted) == (
        1,
        report.bytes_freed,
        0,
    )
    assert run.image_cutoff == node.clock() - timedelta(days=7)
    assert run.metadata_cutoff == node.clock() - timedelta(days=30)
    assert run.started_at <= run.finished_at


def test_a_run_that_deleted_nothing_records_nothing(node):
    post(node, "AB12CDE", make_jpeg())
    retention(node).run()
    assert recent_runs(node.services.engine) == []
