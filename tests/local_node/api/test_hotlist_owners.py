"""Who may edit the local hotlist: this site's entries and new ones, never the cloud's (403)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from local_node.db.tables import HotlistEntry
from local_node.sync import store
from tests.local_node.conftest import RunningNode

CLOUD_REFUSAL = "entry stolen/AB12CDE is owned by the cloud; only staff can change it"


def _synced_entry(node: RunningNode, owner: str, plate: str = "AB12CDE") -> None:
    """An entry as the sync agent stores it from the cloud's delta."""
    with node.services.engine.begin() as conn:
        conn.execute(
            insert(HotlistEntry.__table__).values(
                list_name="stolen",
                plate_norm=plate,
                plate=plate,
                reason="from the cloud",
                priority=90,
                updated_by="alice",
                updated_at=datetime(2026, 11, 1, tzinfo=UTC),
                deleted=False,
                version=1,
                owner=owner,
            )
        )


def _enrolled_in(node: RunningNode, site_id: str) -> None:
    with node.services.engine.begin() as conn:
        store.load_state(conn)
        store.update_state(conn, site_id=site_id)


def _entry(node: RunningNode, plate: str = "AB12CDE") -> dict:
    with node.viewer() as viewer:
        rows = viewer.get("/api/v1/hotlist", params={"include_deleted": True}).json()
    return next(r for r in rows if r["plate_norm"] == plate)


def test_a_cloud_entry_cannot_be_replaced_by_the_local_admin(node: RunningNode):
    _synced_entry(node, "cloud")
    with node.admin() as admin:
        r = admin.put("/api/v1/hotlist/stolen/AB12CDE", json={"reason": "mine now"})
    assert (r.status_code, r.json()["detail"]) == (403, CLOUD_REFUSAL)
    assert (_entry(node)["reason"], _entry(node)["sync_state"]) == ("from the cloud", "synced")


def test_a_cloud_entry_cannot_be_deleted_by_the_local_admin(node: RunningNode):
    _synced_entry(node, "cloud")
    with node.admin() as admin:
        r = admin.delete("/api/v1/hotlist/stolen/AB12CDE")
    assert (r.status_code, r.json()["detail"]) == (403, CLOUD_REFUSAL)
    assert not _entry(node)["deleted"]


def test_another_sites_entry_cannot_be_changed_here(node: RunningNode):
    _enrolled_in(node, "site_a")
    _synced_entry(node, "site:site_b")
    with node.admin() as admin:
        r = admin.delete("/api/v1/hotlist/stolen/AB12CDE")
    assert r.status_code == 403
    assert r.json()["detail"] == (
        "entry stolen/AB12CDE is owned by site:site_b; only that site or staff can change it"
    )


def test_this_sites_entry_can_be_changed_and_stays_this_sites(node: RunningNode):
    _enrolled_in(node, "site_a")
    _synced_entry(node, "site:site_a")
    with node.admin() as admin:
        r = admin.put("/api/v1/hotlist/stolen/AB12CDE", json={"reason": "changed"})
    assert r.status_code == 200, r.text
    assert (r.json()["owner"], r.json()["sync_state"]) == ("site:site_a", "pending")


def test_a_new_entry_is_this_sites(node: RunningNode):
    _enrolled_in(node, "site_a")
    with node.admin() as admin:
        r = admin.put("/api/v1/hotlist/watch/CD34EFG", json={})
    assert (r.json()["owner"], r.json()["sync_state"]) == ("site:site_a", "pending")


def test_a_deleted_cloud_entry_can_be_created_again_here(node: RunningNode):
    _synced_entry(node, "cloud")
    with node.services.engine.begin() as conn:
        conn.execute(HotlistEntry.__table__.update().values(deleted=True))
    with node.admin() as admin:
        assert admin.put("/api/v1/hotlist/stolen/AB12CDE", json={}).status_code == 200
