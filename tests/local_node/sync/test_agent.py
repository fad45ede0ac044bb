"""One exchange at a time against the fake cloud: acks, resends, hotlist, site edits."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from local_node.sync.client import CloudUnreachable
from tests.local_node.sync.conftest import acked, post, post_many


def test_acked_mark_advances_only_to_the_clouds_ack(synced):
    s = synced()
    post_many(s.node, 5)
    s.cloud.ack_at_most = 3
    s.agent.exchange()
    assert acked(s.node) == {s.stream_id: 3}
    assert s.cloud.seqs(s.stream_id) == [1, 2, 3]


def test_a_failed_exchange_leaves_the_mark_where_it_was(synced):
    s = synced()
    post_many(s.node, 3)
    s.cloud.fail_with = 503
    with pytest.raises(CloudUnreachable):
        s.agent.exchange()
    assert acked(s.node) == {s.stream_id: 0}


def test_a_lower_ack_in_the_same_epoch_makes_the_node_resend(synced):
    s = synced()
    post_many(s.node, 6)
    s.agent.exchange()
    s.cloud.forget_after(s.stream_id, 2, new_epoch=False)
    outcome = s.agent.exchange()  # learns the lower mark
    assert outcome.more and acked(s.node) == {s.stream_id: 2}
    s.agent.exchange()
    assert s.cloud.seqs(s.stream_id) == [1, 2, 3, 4, 5, 6]
    assert acked(s.node) == {s.stream_id: 6}


def test_a_new_cloud_epoch_makes_the_node_resend_from_the_clouds_mark(synced):
    s = synced()
    post_many(s.node, 4)
    s.agent.exchange()
    s.cloud.forget_after(s.stream_id, 0, new_epoch=True)
    s.agent.exchange()
    s.agent.exchange()
    assert s.cloud.seqs(s.stream_id) == [1, 2, 3, 4]


def test_resend_from_command_is_executed_and_acked(synced):
    s = synced()
    post_many(s.node, 4)
    s.agent.exchange()
    s.cloud.forget_after(s.stream_id, 1, new_epoch=False)
    s.cloud.resend_from(s.stream_id, 2)
    s.agent.exchange()
    s.agent.exchange()
    assert s.cloud.seqs(s.stream_id) == [1, 2, 3, 4] and s.cloud.commands == []


def test_batches_are_cut_to_the_configured_count(synced):
    s = synced(sync_batch_max_records=2)
    post_many(s.node, 5)
    sizes = []
    while (outcome := s.agent.exchange()).records:
        sizes.append(outcome.records)
    assert sizes == [2, 2, 1]


def test_hits_travel_with_the_image_digest_only_for_the_hit(synced):
    s = synced()
    with s.node.admin() as admin:
        admin.put("/api/v1/hotlist/stolen/AB12CDE", json={"reason": "x"})
    post(s.node, "AB12CDE", image=True)
    post(s.node, "ZZ99ZZZ", image=True)
    s.agent.exchange()
    [hit] = [h for _, h in s.cloud.hits.values()]
    assert hit.plate_norm == "AB12CDE" and hit.seq == 1
    records = s.cloud.records[s.stream_id]
    assert records[1].image_sha256 is not None and records[2].image_sha256 is None


def test_hotlist_delta_is_applied_and_a_tombstone_stops_matching(synced):
    s = synced()
    s.cloud.put_entry("stolen", "KX71ABC")
    s.agent.exchange()
    assert post(s.node, "KX71ABC").json()["hits"][0]["list"] == "stolen"
    s.cloud.put_entry("stolen", "KX71ABC", deleted=True)
    s.agent.exchange()
    assert post(s.node, "KX71ABC").json()["hits"] == []


def test_a_snapshot_replaces_the_whole_hotlist(synced):
    s = synced()
    s.cloud.put_entry("stolen", "KX71ABC")
    s.agent.exchange()
    del s.cloud.hotlist[("stolen", "KX71ABC")]  # e.g. the cloud was restored
    s.cloud.put_entry("wanted", "LM12XYZ")
    s.cloud.snapshot_next = True
    s.agent.exchange()
    with s.node.viewer() as v:
        live = {(e["list"], e["plate_norm"]) for e in v.get("/api/v1/hotlist").json()}
    assert live == {("wanted", "LM12XYZ")}
    assert post(s.node, "KX71ABC").json()["hits"] == []


def test_a_site_edit_is_sent_as_an_op_and_confirmed_with_the_clouds_version(synced):
    s = synced()
    s.cloud.put_entry("watch", "AA11AAA")  # cloud version 1
    with s.node.admin() as admin:
        assert admin.put("/api/v1/hotlist/stolen/CD34EFG", json={}).json()["version"] is None
    s.agent.exchange()
    [op] = s.cloud.received[-1].request.hotlist_ops
    assert (op.action, op.list_name, op.plate_norm) == ("upsert", "stolen", "CD34EFG")
    with s.node.viewer() as v:
        entry = next(e for e in v.get("/api/v1/hotlist").json() if e["plate_norm"] == "CD34EFG")
    assert entry["version"] == s.cloud.hotlist[("stolen", "CD34EFG")].version == 2
    s.agent.exchange()
    assert s.cloud.received[-1].request.hotlist_ops == []  # confirmed: not sent again


def test_a_site_delete_travels_as_a_delete_op(synced):
    s = synced()
    s.cloud.put_entry("stolen", "KX71ABC", owner="site:site-1")  # this site's entry
    s.agent.exchange()
    s.node.clock.advance(seconds=2)  # the node's test clock is frozen at its start
    with s.node.admin() as admin:
        assert admin.delete("/api/v1/hotlist/stolen/KX71ABC").status_code == 204
    s.agent.exchange()
    assert s.cloud.hotlist[("stolen", "KX71ABC")].deleted
    assert post(s.node, "KX71ABC").json()["hits"] == []


def test_a_site_edit_older_than_the_clouds_loses_and_the_clouds_entry_returns(synced):
    s = synced()
    s.node.clock.advance(seconds=-60)
    s.cloud.put_entry("stolen", "KX71ABC", owner="site:site-1")
    s.agent.exchange()
    with s.node.admin() as admin:
        admin.delete("/api/v1/hotlist/stolen/KX71ABC")  # made "a minute ago"
    s.agent.exchange()  # superseded
    s.agent.exchange()  # re-pulls the winner
    assert not s.cloud.hotlist[("stolen", "KX71ABC")].deleted
    assert post(s.node, "KX71ABC").json()["hits"][0]["list"] == "stolen"


def test_an_edit_the_cloud_rejects_stops_matching_at_the_node(synced):
    s = synced()
    with s.node.admin() as admin:
        admin.put("/api/v1/hotlist/forbidden/CD34EFG", json={})
    s.agent.exchange()
    assert post(s.node, "CD34EFG").json()["hits"] == []


def test_every_exchange_is_signed_and_carries_the_clouds_epoch(synced):
    s = synced()
    s.agent.exchange()
    s.agent.exchange()
    assert [r.request.cloud_epoch for r in s.cloud.received] == ["epoch-1", "epoch-1"]


def test_a_heartbeat_reports_backlog_and_cameras(synced):
    s = synced()
    s.cloud.fail_with = 503
    post_many(s.node, 3)
    with pytest.raises(CloudUnreachable):
        s.agent.exchange()
    s.cloud.fail_with = None
    s.cloud.ack_at_most = 0
    s.agent.exchange(heartbeat=True)
    beat = s.cloud.heartbeats[-1]
    assert beat.backlog_count == 3 and beat.backlog_oldest_age_s is not None
    [camera] = beat.cameras
    assert camera.detections_last_interval == 3 and camera.clock_offset_s is not None


def test_the_next_batch_is_built_while_the_current_one_is_on_the_wire(synced):
    s = synced(sync_batch_max_records=2)
    post_many(s.node, 6)
    built_by: list[str] = []
    original = s.agent._records

    def records(rows, stream):
        built_by.append(threading.current_thread().name)
        return original(rows, stream)

    s.agent._records = records
    while s.agent.exchange().records:
        pass
    # The first batch is built in line; the next two were ready when their turn came.
    assert built_by[0] == threading.current_thread().name
    assert all(name.startswith("sync-prebuild") for name in built_by[1:3])
    assert s.cloud.seqs(s.stream_id) == [1, 2, 3, 4, 5, 6]


def test_an_edit_the_cloud_refuses_after_a_race_stays_visible_and_the_clouds_entry_returns(
    synced,
):
    s = synced()
    s.cloud.put_entry("stolen", "KX71ABC")  # staff made it; the node has not pulled it yet
    with s.node.admin() as admin:
        assert admin.put("/api/v1/hotlist/stolen/KX71ABC", json={"reason": "ours"}).status_code
    s.agent.exchange()  # refused: the cloud's entry
    s.agent.exchange()  # re-pulls the cloud's state
    reason = "entry stolen/KX71ABC is owned by the cloud; only staff can change it"
    with s.node.viewer() as v:
        [entry] = v.get("/api/v1/hotlist").json()
        refused = v.get("/api/v1/hotlist/refused").json()
    assert (entry["reason"], entry["owner"], entry["deleted"]) == ("cloud", "cloud", False)
    assert (entry["sync_state"], entry["refused_reason"]) == ("refused", reason)
    assert [(r["plate_norm"], r["refused_reason"]) for r in refused] == [("KX71ABC", reason)]
    assert post(s.node, "KX71ABC").json()["hits"][0]["reason"] == "cloud"


def test_entries_pulled_from_the_cloud_keep_their_owner(synced):
    s = synced()
    s.cloud.put_entry("stolen", "KX71ABC")
    s.cloud.put_entry("watch", "CD34EFG", owner="site:site-2")
    s.agent.exchange()
    with s.node.viewer() as v:
        owners = {e["plate_norm"]: e["owner"] for e in v.get("/api/v1/hotlist").json()}
    assert owners == {"KX71ABC": "cloud", "CD34EFG": "site:site-2"}


def test_a_refused_edit_newer_than_the_clouds_entry_is_replaced_by_it_and_stays_visible(synced):
    s = synced()
    made = s.cloud.put_entry("stolen", "KX71ABC")
    # Made a day ago: the local edit wins LWW, so only the refusal undoes it.
    s.cloud.hotlist[("stolen", "KX71ABC")] = made.model_copy(
        update={"updated_at": made.updated_at - timedelta(days=1)}
    )
    with s.node.admin() as admin:
        admin.put("/api/v1/hotlist/stolen/KX71ABC", json={"reason": "ours"})
    s.agent.exchange()  # refused: the row is a provisional tombstone
    assert post(s.node, "KX71ABC").json()["hits"] == []  # never matches as the site's policy
    s.agent.exchange()  # re-pulls the entry
    with s.node.viewer() as v:
        [entry] = v.get("/api/v1/hotlist").json()
    assert (entry["reason"], entry["sync_state"]) == ("cloud", "refused")
    assert entry["refused_reason"].endswith("owned by the cloud; only staff can change it")
