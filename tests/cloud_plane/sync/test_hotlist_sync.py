"""Hotlist over sync: staff edits reach nodes as deltas, site ops resolve by LWW, cloud matching."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sync_protocol.hotlist_messages import HotlistOp
from sync_protocol.messages import HitRecord
from tests.cloud_plane.conftest import RunningCloud


def _op(cloud: RunningCloud, action: str = "upsert", *, plate: str = "XY99ZZZ", **kw) -> HotlistOp:
    fields = {
        "op_id": uuid.uuid4(),
        "action": action,
        "list_name": "stolen",
        "plate_norm": plate,
        "made_at": cloud.clock(),
        "made_by": "guard",
    }
    return HotlistOp(**{**fields, **kw})


def test_a_staff_edit_reaches_the_node_as_a_delta(cloud: RunningCloud) -> None:
    node = cloud.node()
    admin = cloud.staff("admin")
    put = admin.put("/api/v1/hotlist/stolen/ab12 cde", json={"reason": "van", "priority": 90})
    assert put.status_code == 200, put.text
    reply = node.exchange()
    assert reply.hotlist is not None and not reply.hotlist.snapshot
    assert (reply.hotlist.from_version, reply.hotlist.to_version) == (0, 1)
    [entry] = reply.hotlist.entries
    assert (entry.list_name, entry.plate_norm, entry.reason, entry.priority) == (
        "stolen",
        "AB12CDE",
        "van",
        90,
    )
    assert node.exchange().hotlist is None  # up to date: nothing to send


def test_a_deletion_travels_as_a_tombstone(cloud: RunningCloud) -> None:
    node = cloud.node()
    admin = cloud.staff("admin")
    admin.put("/api/v1/hotlist/stolen/AB12CDE", json={})
    node.exchange()
    assert admin.delete("/api/v1/hotlist/stolen/AB12CDE").status_code == 204
    assert admin.delete("/api/v1/hotlist/stolen/AB12CDE").status_code == 404
    reply = node.exchange()
    [entry] = reply.hotlist.entries
    assert entry.deleted and entry.version == 2
    assert admin.get("/api/v1/hotlist").json() == []
    assert len(admin.get("/api/v1/hotlist", params={"include_deleted": True}).json()) == 1


def test_a_node_far_behind_gets_a_snapshot(cloud_factory) -> None:
    cloud = cloud_factory(hotlist_snapshot_threshold=2)
    node = cloud.node()
    admin = cloud.staff("admin")
    for plate in ("AAA111", "BBB222", "CCC333"):
        admin.put(f"/api/v1/hotlist/watch/{plate}", json={})
    assert admin.delete("/api/v1/hotlist/watch/BBB222").status_code == 204
    reply = node.exchange()
    assert reply.hotlist.snapshot
    assert reply.hotlist.to_version == 4
    assert sorted(e.plate_norm for e in reply.hotlist.entries) == ["AAA111", "CCC333"]
    admin.put("/api/v1/hotlist/watch/DDD444", json={})
    delta = node.exchange().hotlist
    assert not delta.snapshot and [e.plate_norm for e in delta.entries] == ["DDD444"]


def test_a_node_ahead_of_a_restored_cloud_gets_a_snapshot(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.hotlist_version = 50
    reply = node.exchange()
    assert reply.hotlist.snapshot and reply.hotlist.to_version == 0


def test_site_ops_are_confirmed_with_versions_and_resent_ops_apply_once(
    cloud: RunningCloud,
) -> None:
    node = cloud.node()
    op = _op(cloud)
    first = node.exchange(hotlist_ops=[op])
    again = node.exchange(hotlist_ops=[op])
    assert first.op_results[op.op_id].status == "applied"
    assert first.op_results[op.op_id].version == 1
    assert again.op_results[op.op_id] == first.op_results[op.op_id]
    assert cloud.store.hotlist.current_version() == 1


def test_concurrent_site_ops_resolve_by_last_writer_wins(cloud: RunningCloud) -> None:
    a, b = cloud.node("A"), cloud.node("B")
    earlier = _op(cloud, reason="from A", made_at=cloud.clock() - timedelta(seconds=30))
    later = _op(cloud, "delete", made_at=cloud.clock() - timedelta(seconds=10))
    # The later edit arrives first; the earlier one loses whenever it arrives.
    b_reply = b.exchange(hotlist_ops=[later])
    a_reply = a.exchange(hotlist_ops=[earlier])
    assert b_reply.op_results[later.op_id].status == "applied"
    assert a_reply.op_results[earlier.op_id].status == "superseded"
    assert a_reply.op_results[earlier.op_id].version == b_reply.op_results[later.op_id].version
    entry = cloud.store.hotlist.get_entry("stolen", "XY99ZZZ")
    assert entry.deleted and entry.op_id == later.op_id


def test_an_op_from_the_future_is_clamped_to_receive_time(cloud: RunningCloud) -> None:
    node = cloud.node()
    future = _op(cloud, made_at=cloud.clock() + timedelta(days=365))
    node.exchange(hotlist_ops=[future])
    assert cloud.store.hotlist.get_entry("stolen", "XY99ZZZ").updated_at == cloud.clock()
    cloud.clock.advance(seconds=1)
    staff = cloud.staff("admin").put("/api/v1/hotlist/stolen/XY99ZZZ", json={"reason": "staff"})
    assert staff.json()["reason"] == "staff"


def test_an_invalid_op_is_rejected_with_a_reason(cloud: RunningCloud) -> None:
    node = cloud.node()
    op = _op(cloud, plate="xy 99")
    result = node.exchange(hotlist_ops=[op]).op_results[op.op_id]
    assert result.status == "rejected" and "not normalised" in result.reason


def test_the_cloud_raises_hits_the_node_missed_once(cloud: RunningCloud) -> None:
    node = cloud.node()
    cloud.staff("admin").put("/api/v1/hotlist/stolen/AB12CDE", json={})
    # The node has not pulled version 1 yet; its read matches by OCR confusion (8/B).
    records = node.records(1, 2, plate="A812CDE")
    node.exchange(batch=records)
    node.exchange(batch=records)
    hits = cloud.store.hits.list_hits().items
    assert sorted((h.seq, h.source, h.match_kind) for h in hits) == [
        (1, "cloud", "confusion"),
        (2, "cloud", "confusion"),
    ]
    assert {h.detection_id for h in hits} == {r.id for r in records}


def test_a_hit_the_node_raised_is_not_raised_again_by_the_cloud(cloud: RunningCloud) -> None:
    node = cloud.node()
    cloud.staff("admin").put("/api/v1/hotlist/stolen/AB12CDE", json={})
    [record] = node.records(1, 1)
    hit = HitRecord(
        detection_id=record.id,
        seq=1,
        list_name="stolen",
        plate_norm="AB12CDE",
        match_kind="exact",
        hotlist_version=1,
        plate=record.plate,
        camera_id=record.camera_id,
        captured_at=record.captured_at,
    )
    node.exchange(batch=[record], hits=[hit])
    [stored] = cloud.store.hits.list_hits().items
    assert stored.source == "node"


def test_expired_entries_raise_no_cloud_hits(cloud: RunningCloud) -> None:
    node = cloud.node()
    past = (cloud.clock() - timedelta(minutes=1)).isoformat()
    cloud.staff("admin").put("/api/v1/hotlist/stolen/AB12CDE", json={"expires_at": past})
    node.exchange(batch=node.records(1, 1))
    assert cloud.store.hits.list_hits().items == []


def test_after_a_tombstone_purge_a_node_further_behind_gets_a_snapshot_without_the_plate(
    cloud_factory,
) -> None:
    cloud = cloud_factory(alert_worker=False, hotlist_tombstone_retention_days=30)
    behind, recent = cloud.node(), cloud.node()
    admin = cloud.staff("admin")
    for plate in ("AAA111", "BBB222"):
        admin.put(f"/api/v1/hotlist/watch/{plate}", json={})
    behind.exchange(), recent.exchange()
    assert admin.delete("/api/v1/hotlist/watch/BBB222").status_code == 204
    [tombstone] = recent.exchange().hotlist.entries  # `behind` has not synced since
    assert tombstone.deleted and recent.hotlist_version == 3
    cloud.clock.advance(days=31)
    assert cloud.services.alerting.monitor_once()["tombstones_purged"] == 1
    admin = cloud.staff("admin")  # the first one's token expired in those 31 days
    assert admin.put("/api/v1/hotlist/watch/CCC333", json={}).status_code == 200
    far = behind.exchange().hotlist
    assert far.snapshot and far.to_version == 4
    assert sorted(e.plate_norm for e in far.entries) == ["AAA111", "CCC333"]
    near = recent.exchange().hotlist
    assert not near.snapshot and [e.plate_norm for e in near.entries] == ["CCC333"]
