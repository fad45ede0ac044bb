"""End to end, with real processes on loopback: reads, hits and hotlists cross between sites."""

from __future__ import annotations

import time

import pytest

from tests.e2e.harness import Hybrid, wait_for

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


def test_delete_propagates_as_a_tombstone(hybrid: Hybrid):
    a, b = hybrid.add_node("site-a"), hybrid.add_node("site-b")
    with hybrid.cloud.api() as api:
        api.put("/api/v1/hotlist/stolen/DL12ETE", json={})
        for node in (a, b):
            with node.admin() as admin:
                wait_for(lambda admin=admin: admin.get("/api/v1/hotlist").json(), what="entry")
        assert api.delete("/api/v1/hotlist/stolen/DL12ETE").status_code == 204
    for node in (a, b):
        with node.admin() as admin:
            wait_for(
                lambda admin=admin: admin.get("/api/v1/hotlist").json() == [],
                what=f"tombstone at {node.name}",
            )
        assert node.read("DL12ETE")["hits"] == []


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

    final = wait_for(lambda: r if len(r := reasons()) == 1 else None, what="convergence")
    assert final == {"from b"}
