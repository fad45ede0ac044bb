"""End to end, with real processes on loopback: reads, hits and hotlists cross between sites."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from local_node.config import NodeSettings
from local_node.db.engine import make_engine
from local_node.sync import keys
from local_node.sync import store as sync_store
from local_node.sync.client import SyncClient
from sync_protocol.hotlist_messages import HotlistOp, OpResult
from sync_protocol.messages import ExchangeRequest
from tests.e2e.harness import Hybrid, Node, edgesync, wait_for

pytestmark = pytest.mark.e2e


def test_reads_reach_the_cloud_exactly_once(hybrid: Hybrid):
    node = hybrid.add_node("site-a")
    for i in range(30):
        node.read(f"AB{i:02d}CDE", event_id=f"e{i}")
    node.read("AB00CDE", event_id="e0")  # a camera retry: must not appear twice
    hybrid.assert_cloud_holds_exactly(node)


def test_detection_keeps_its_node_id_in_the_cloud(hybrid: Hybrid):
    node = hybrid.add_node("site-a")
    answer = node.read("KX71ABC", event_id="trace-1")
    with hybrid.cloud.api() as api:
        found = wait_for(
            lambda: api.get("/api/v1/detections", params={"plate": "KX71ABC"}).json()["items"],
            what="the read in the cloud",
        )
    assert found[0]["id"] == answer["id"]


def test_hit_reaches_the_cloud_within_a_second(hybrid: Hybrid):
    node = hybrid.add_node("site-a")
    with node.admin() as admin:
        admin.put("/api/v1/hotlist/stolen/HT12HIT", json={"reason": "stolen"})
    started = time.monotonic()
    node.read("HT12HIT", event_id="hit-1")
    with hybrid.cloud.api() as api:
        wait_for(lambda: api.get("/api/v1/hits").json()["items"], every=0.02, what="the hit")
    assert time.monotonic() - started < 1.5


def test_hit_is_pushed_at_once_by_an_agent_in_another_process(hybrid: Hybrid):
    # As in docker-compose.local.yml; ticks 30 s away, so only the wake-up can be this fast.
    slow_ticks = {f"EDGESYNC_NODE_SYNC_{n}_INTERVAL_S": "30" for n in ("PUSH", "HOTLIST")}
    node = hybrid.add_node("site-a", separate_agent=True, env=slow_ticks)
    with node.admin() as admin:
        admin.put("/api/v1/hotlist/stolen/HT34HIT", json={"reason": "stolen"})
    wait_for(lambda: node.status()["sync"]["last_success_at"], what="the agent's first exchange")
    started = time.monotonic()
    node.read("HT34HIT", event_id="hit-2")
    with hybrid.cloud.api() as api:
        wait_for(lambda: api.get("/api/v1/hits").json()["items"], every=0.02, what="the hit")
    assert time.monotonic() - started < 1.5


def test_cloud_hotlist_entry_reaches_every_site(hybrid: Hybrid):
    a, b = hybrid.add_node("site-a"), hybrid.add_node("site-b")
    with hybrid.cloud.api() as api:
        api.put("/api/v1/hotlist/wanted/WA12NTD", json={"reason": "wanted", "priority": 2})
    for node in (a, b):
        with node.admin() as admin:
            wait_for(
                lambda admin=admin: admin.get("/api/v1/hotlist").json(),
                what=f"entry at {node.name}",
            )
        assert node.read("WA12NTD")["hits"][0]["list"] == "wanted"


def test_site_edit_reaches_the_cloud_and_the_other_sites(hybrid: Hybrid):
    a, b = hybrid.add_node("site-a"), hybrid.add_node("site-b")
    with a.admin() as admin:
        admin.put("/api/v1/hotlist/watch/ST12EDT", json={"reason": "seen at a"})
    with hybrid.cloud.api() as api:
        wait_for(
            lambda: [e for e in api.get("/api/v1/hotlist").json() if e["plate_norm"] == "ST12EDT"],
            what="edit in the cloud",
        )
    with b.admin() as admin:
        wait_for(lambda: admin.get("/api/v1/hotlist").json(), what="edit at site-b")


def test_site_priorities_keep_their_order_at_the_cloud_and_the_other_sites(hybrid: Hybrid):
    a, b = hybrid.add_node("site-a"), hybrid.add_node("site-b")
    with a.admin() as admin:
        assert admin.put("/api/v1/hotlist/stolen/HI12PRI", json={"priority": 80}).is_success
        assert admin.put("/api/v1/hotlist/watch/LO12PRI", json={"priority": 9}).is_success

    def priorities(client) -> dict[str, int]:
        return {e["plate_norm"]: e["priority"] for e in client.get("/api/v1/hotlist").json()}

    with hybrid.cloud.api() as api:
        wait_for(lambda: len(priorities(api)) == 2, what="both edits in the cloud")
        assert priorities(api) == {"HI12PRI": 80, "LO12PRI": 9}
    with b.admin() as admin:
        wait_for(lambda: len(priorities(admin)) == 2, what="both edits at site-b")
        assert priorities(admin) == {"HI12PRI": 80, "LO12PRI": 9}
    assert b.read("HI12PRI")["hits"][0]["priority"] > b.read("LO12PRI")["hits"][0]["priority"]


def listed_at_every_node(api: httpx.Client, nodes: Sequence[Node], path: str) -> None:
    """Put a cloud entry and wait until every node lists it."""
    api.put(path, json={})
    for node in nodes:
        with node.admin() as admin:
            wait_for(lambda admin=admin: admin.get("/api/v1/hotlist").json(), what="entry")


def test_delete_propagates_as_a_tombstone(hybrid: Hybrid):
    a, b = hybrid.add_node("site-a"), hybrid.add_node("site-b")
    with hybrid.cloud.api() as api:
        listed_at_every_node(api, (a, b), "/api/v1/hotlist/stolen/DL12ETE")
        assert api.delete("/api/v1/hotlist/stolen/DL12ETE").status_code == 204
    for node in (a, b):
        with node.admin() as admin:
            wait_for(
                lambda admin=admin: admin.get("/api/v1/hotlist").json() == [],
                what=f"tombstone at {node.name}",
            )
        assert node.read("DL12ETE")["hits"] == []


def test_a_node_offline_across_a_tombstone_purge_gets_a_snapshot_without_the_plate(
    hybrid: Hybrid,
):
    a, b = hybrid.add_node("site-a"), hybrid.add_node("site-b")
    with hybrid.cloud.api() as api:
        listed_at_every_node(api, (a, b), "/api/v1/hotlist/stolen/PU12RGE")
        b.stop()  # site-b is away while the plate is deleted and its tombstone purged
        assert api.delete("/api/v1/hotlist/stolen/PU12RGE").status_code == 204
    with a.admin() as admin:
        wait_for(lambda: admin.get("/api/v1/hotlist").json() == [], what="tombstone at site-a")
    purge = ["cloud", "hotlist", "purge-tombstones", "--older-than-days", "0", "--json"]
    assert edgesync(*purge, env=hybrid.cloud.env)["purged"] == 1
    b.start()
    with b.admin() as admin:
        # No delta holds the deletion any more: only the snapshot can take the plate away.
        wait_for(lambda: admin.get("/api/v1/hotlist").json() == [], what="snapshot at site-b")
    assert b.read("PU12RGE")["hits"] == []


def test_concurrent_edits_of_one_entry_end_the_same_everywhere(hybrid: Hybrid):
    # The rule: last writer wins by (made_at, op id); every side applies the same order.
    a, b = hybrid.add_node("site-a"), hybrid.add_node("site-b")
    with a.admin() as admin_a, b.admin() as admin_b:
        admin_a.put("/api/v1/hotlist/stolen/CC12ONC", json={"reason": "from a"})
        admin_b.put("/api/v1/hotlist/stolen/CC12ONC", json={"reason": "from b"})

    def reasons() -> set[str | None]:
        seen = set()
        for node in (a, b):
            with node.admin() as admin:
                seen |= {e["reason"] for e in admin.get("/api/v1/hotlist").json()}
        with hybrid.cloud.api() as api:
            seen |= {e["reason"] for e in api.get("/api/v1/hotlist").json()}
        return seen

    # Both sites create the entry; the first to reach the cloud owns it and the other's op
    # is refused (a site changes only its own entries): either way every side ends the same.
    final = wait_for(lambda: r if len(r := reasons()) == 1 else None, what="convergence")
    assert final in ({"from a"}, {"from b"})


def _forge_op(hybrid: Hybrid, node, op: HotlistOp) -> OpResult:
    """Send ``op`` straight over the signed sync channel with the node's own key."""
    data_dir = Path(node.env["EDGESYNC_NODE_DATA_DIR"])
    settings = NodeSettings(
        data_dir=data_dir, database_url=node.env.get("EDGESYNC_NODE_DATABASE_URL")
    )
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.connect() as conn:
            enrolment = sync_store.enrolment(conn)
    finally:
        engine.dispose()
    client = SyncClient(hybrid.cloud.url, timeout_s=30)
    try:
        reply = client.exchange(
            ExchangeRequest(
                site_id=enrolment.site_id,
                stream_id="forged",
                node_time=datetime.now(UTC),
                hotlist_ops=[op],
                hotlist_version=0,
            ),
            private_pem=keys.read_private_key(keys.key_path(data_dir)),
            key_id=enrolment.key_id,
            now=datetime.now(UTC),
        )
    finally:
        client.close()
    return reply.op_results[op.op_id]


def test_no_site_can_change_a_cloud_entry_and_only_its_own_site_changes_a_site_entry(
    hybrid: Hybrid,
):
    a, b = hybrid.add_node("site-a"), hybrid.add_node("site-b")
    with hybrid.cloud.api() as api:
        assert api.put("/api/v1/hotlist/stolen/CL12OUD", json={"reason": "staff"}).is_success
    with a.admin() as admin:
        wait_for(lambda: admin.get("/api/v1/hotlist").json(), what="cloud entry at site-a")
        assert admin.delete("/api/v1/hotlist/stolen/CL12OUD").status_code == 403
        assert admin.put("/api/v1/hotlist/stolen/CL12OUD", json={}).status_code == 403
        assert admin.put("/api/v1/hotlist/watch/SI12TEA", json={"reason": "a's"}).is_success
    forged = HotlistOp(
        op_id=uuid.uuid4(),
        action="delete",
        list_name="stolen",
        plate_norm="CL12OUD",
        made_at=datetime.now(UTC),
        made_by="staff-admin",
    )
    result = _forge_op(hybrid, a, forged)
    assert (result.status, result.reason) == (
        "rejected",
        "entry stolen/CL12OUD is owned by the cloud; only staff can change it",
    )
    with b.admin() as admin:
        entries = wait_for(
            lambda: r if len(r := admin.get("/api/v1/hotlist").json()) == 2 else None,
            what="both entries at site-b",
        )
        owners = {e["plate_norm"]: (e["owner"], e["reason"]) for e in entries}
        assert owners == {
            "CL12OUD": ("cloud", "staff"),
            "SI12TEA": (f"site:{a.site_id}", "a's"),
        }
        assert admin.put("/api/v1/hotlist/watch/SI12TEA", json={}).status_code == 403
    with hybrid.cloud.api() as api:
        [refused] = api.get("/api/v1/hotlist/refused").json()
        assert (refused["site_id"], refused["reported_by"]) == (a.site_id, "staff-admin")
        live = {e["plate_norm"]: e for e in api.get("/api/v1/hotlist").json()}
        assert (live["CL12OUD"]["reason"], live["CL12OUD"]["deleted"]) == ("staff", False)
        assert live["SI12TEA"]["updated_by"] == f"site:{a.site_id}"
