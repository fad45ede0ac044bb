"""Who may change the shared hotlist: staff any entry, a site only its own (ops over sync)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sync_protocol.hotlist_messages import HotlistOp
from tests.cloud_plane.conftest import RunningCloud

CLOUD_REFUSAL = "entry stolen/AB12CDE is owned by the cloud; only staff can change it"


def _op(cloud: RunningCloud, action: str = "upsert", **kw) -> HotlistOp:
    fields = {
        "op_id": uuid.uuid4(),
        "action": action,
        "list_name": "stolen",
        "plate_norm": "AB12CDE",
        "reason": "from a site",
        "made_at": cloud.clock(),
        "made_by": "guard",
    }
    return HotlistOp(**{**fields, **kw})


def _staff_entry(cloud: RunningCloud) -> dict:
    put = cloud.staff("admin").put("/api/v1/hotlist/stolen/AB12CDE", json={"reason": "staff"})
    assert put.status_code == 200, put.text
    cloud.clock.advance(seconds=1)
    return put.json()


def test_a_site_op_on_a_cloud_entry_is_rejected_and_changes_nothing(cloud: RunningCloud) -> None:
    before = _staff_entry(cloud)
    node = cloud.node()
    for action in ("upsert", "delete"):
        op = _op(cloud, action)
        result = node.exchange(hotlist_ops=[op]).op_results[op.op_id]
        assert (result.status, result.reason, result.version) == ("rejected", CLOUD_REFUSAL, 1)
    entry = cloud.store.hotlist.get_entry("stolen", "AB12CDE")
    assert (entry.reason, entry.deleted, entry.owner, entry.version) == ("staff", False, "cloud", 1)
    assert before["owner"] == "cloud" and cloud.store.hotlist.current_version() == 1


def test_a_refused_op_is_recorded_for_staff_and_resending_it_gets_the_same_answer(
    cloud: RunningCloud,
) -> None:
    _staff_entry(cloud)
    node = cloud.node()
    op = _op(cloud, "delete")
    first = node.exchange(hotlist_ops=[op]).op_results[op.op_id]
    assert node.exchange(hotlist_ops=[op]).op_results[op.op_id] == first
    refused = cloud.staff("viewer", sites=[node.site_id]).get("/api/v1/hotlist/refused")
    assert refused.status_code == 200, refused.text
    [row] = refused.json()
    assert (row["op_id"], row["site_id"], row["action"], row["list"], row["plate_norm"]) == (
        str(op.op_id),
        node.site_id,
        "delete",
        "stolen",
        "AB12CDE",
    )
    assert (row["reported_by"], row["reason"]) == ("guard", CLOUD_REFUSAL)


def test_staff_scoped_to_other_sites_do_not_see_a_sites_refusals(cloud: RunningCloud) -> None:
    _staff_entry(cloud)
    node = cloud.node()
    node.exchange(hotlist_ops=[_op(cloud, "delete")])
    assert cloud.staff("viewer", sites=["elsewhere"]).get("/api/v1/hotlist/refused").json() == []


def test_a_site_creates_an_entry_it_then_owns_and_other_sites_receive(
    cloud: RunningCloud,
) -> None:
    a, b = cloud.node("A"), cloud.node("B")
    op = _op(cloud)
    assert a.exchange(hotlist_ops=[op]).op_results[op.op_id].status == "applied"
    [entry] = b.exchange().hotlist.entries
    assert (entry.owner, entry.updated_by, entry.reported_by) == (
        f"site:{a.site_id}",
        f"site:{a.site_id}",
        "guard",
    )


def test_a_site_edits_and_deletes_its_own_entry(cloud: RunningCloud) -> None:
    a = cloud.node("A")
    a.exchange(hotlist_ops=[_op(cloud)])
    cloud.clock.advance(seconds=1)
    edit = _op(cloud, reason="changed")
    assert a.exchange(hotlist_ops=[edit]).op_results[edit.op_id].status == "applied"
    cloud.clock.advance(seconds=1)
    delete = _op(cloud, "delete")
    assert a.exchange(hotlist_ops=[delete]).op_results[delete.op_id].status == "applied"
    assert cloud.store.hotlist.get_entry("stolen", "AB12CDE").deleted


def test_another_site_cannot_change_a_sites_entry(cloud: RunningCloud) -> None:
    a, b = cloud.node("A"), cloud.node("B")
    a.exchange(hotlist_ops=[_op(cloud)])
    cloud.clock.advance(seconds=1)
    op = _op(cloud, reason="from B")
    result = b.exchange(hotlist_ops=[op]).op_results[op.op_id]
    assert (result.status, result.reason) == (
        "rejected",
        f"entry stolen/AB12CDE is owned by site:{a.site_id}; only that site or staff can change it",
    )
    assert cloud.store.hotlist.get_entry("stolen", "AB12CDE").reason == "from a site"


def test_a_site_may_recreate_an_entry_staff_deleted(cloud: RunningCloud) -> None:
    _staff_entry(cloud)
    assert cloud.staff("admin").delete("/api/v1/hotlist/stolen/AB12CDE").status_code == 204
    cloud.clock.advance(seconds=1)
    node = cloud.node()
    op = _op(cloud)
    assert node.exchange(hotlist_ops=[op]).op_results[op.op_id].status == "applied"
    assert cloud.store.hotlist.get_entry("stolen", "AB12CDE").owner == f"site:{node.site_id}"


def test_staff_change_a_sites_entry_and_it_becomes_the_clouds(cloud: RunningCloud) -> None:
    a = cloud.node("A")
    a.exchange(hotlist_ops=[_op(cloud)])
    cloud.clock.advance(seconds=1)
    put = cloud.staff("admin").put("/api/v1/hotlist/stolen/AB12CDE", json={"reason": "staff"})
    assert put.status_code == 200, put.text
    entry = put.json()
    assert (entry["owner"], entry["reported_by"]) == ("cloud", None)
    assert entry["updated_by"].startswith("admin-")  # the staff username
    cloud.clock.advance(seconds=1)
    op = _op(cloud, "delete")
    assert a.exchange(hotlist_ops=[op]).op_results[op.op_id].status == "rejected"


def test_staff_delete_a_sites_entry(cloud: RunningCloud) -> None:
    cloud.node("A").exchange(hotlist_ops=[_op(cloud)])
    cloud.clock.advance(seconds=1)
    assert cloud.staff("admin").delete("/api/v1/hotlist/stolen/AB12CDE").status_code == 204
    entry = cloud.store.hotlist.get_entry("stolen", "AB12CDE")
    assert entry.deleted and entry.updated_by.startswith("admin-") and entry.owner == "cloud"


def test_an_op_is_attributed_to_the_signing_site_whatever_made_by_claims(
    cloud: RunningCloud,
) -> None:
    node = cloud.node()
    op = _op(cloud, made_by="admin", made_at=cloud.clock() - timedelta(seconds=1))
    node.exchange(hotlist_ops=[op])
    listed = cloud.staff("admin").get("/api/v1/hotlist").json()
    [entry] = listed
    assert (entry["updated_by"], entry["reported_by"], entry["owner"]) == (
        f"site:{node.site_id}",
        "admin",
        f"site:{node.site_id}",
    )
