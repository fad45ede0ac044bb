"""Historical hits in the cloud: an entry added finds matching past reads at every site."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from cloud_plane.hotlist.retro import RetroHits
from cloud_plane.hotlist.service import staff_author
from cloud_plane.records.alerts import AlertQuery
from cloud_plane.store.base import CloudStore
from sync_protocol.hotlist_messages import HotlistOp
from tests.cloud_plane.conftest import NodeClient, RunningCloud
from tests.cloud_plane.store.contracts.builders import NOW, op, records


@pytest.fixture
def quiet_cloud(cloud_factory: Callable[..., RunningCloud]) -> RunningCloud:
    """A cloud whose historical-hit thread waits long: the tests run the passes themselves."""
    return cloud_factory(alert_worker=False, hotlist_lookback_interval_s=3600)


def push(node: NodeClient, first: int, plate: str) -> None:
    node.exchange(batch=node.records(first, 1, plate=plate))


def add(cloud: RunningCloud, plate: str = "AB12CDE") -> None:
    r = cloud.staff("admin").put(f"/api/v1/hotlist/stolen/{plate}", json={"priority": 60})
    assert r.status_code == 200, r.text
    cloud.services.retro.run_once()  # as the woken thread would (deterministic here)


def historical(cloud: RunningCloud, plate: str = "AB12CDE") -> list:
    page = cloud.store.hits.list_entry_hits("stolen", plate, limit=1000)
    return [h for h in page.items if h.historical]


def test_an_entry_added_by_staff_finds_last_weeks_reads_at_two_sites(
    quiet_cloud: RunningCloud,
) -> None:
    north, south = quiet_cloud.node("North"), quiet_cloud.node("South")
    push(north, 1, "AB12CDE")
    push(south, 1, "A812CDE")  # an OCR confusion of the plate
    push(south, 2, "ZZ99ZZZ")
    quiet_cloud.clock.advance(days=7)
    add(quiet_cloud)
    hits = historical(quiet_cloud)
    assert sorted((h.site_id, h.match_kind) for h in hits) == sorted(
        [(north.site_id, "exact"), (south.site_id, "confusion")]
    )


def test_reads_older_than_the_look_back_are_not_historical_hits(
    quiet_cloud: RunningCloud,
) -> None:
    node = quiet_cloud.node()
    push(node, 1, "AB12CDE")
    quiet_cloud.clock.advance(days=31)
    push(node, 2, "AB12CDF")  # one edit away: fuzzy
    quiet_cloud.clock.advance(days=1)
    add(quiet_cloud)
    assert [(h.seq, h.match_kind) for h in historical(quiet_cloud)] == [(2, "fuzzy")]


def test_a_second_pass_and_re_adding_the_entry_change_nothing(quiet_cloud: RunningCloud) -> None:
    node = quiet_cloud.node()
    push(node, 1, "AB12CDE")
    quiet_cloud.clock.advance(days=2)
    add(quiet_cloud)
    admin = quiet_cloud.staff("admin")
    assert admin.delete("/api/v1/hotlist/stolen/AB12CDE").status_code == 204
    add(quiet_cloud)
    quiet_cloud.services.retro.run_once()
    assert len(historical(quiet_cloud)) == 1
    alerts = quiet_cloud.store.alerts.list_alerts(AlertQuery(kind="historical_hit")).items
    assert len(alerts) == 1


def test_the_pass_resumes_from_its_mark(quiet_cloud: RunningCloud) -> None:
    node = quiet_cloud.node()
    push(node, 1, "AB12CDE")
    add(quiet_cloud)
    mark = quiet_cloud.store.hits.historical_mark()
    assert mark == quiet_cloud.store.hotlist.current_version()
    assert quiet_cloud.services.retro.run_once() == 0  # nothing changed since


def test_an_entry_a_site_adds_over_sync_finds_other_sites_past_reads(
    quiet_cloud: RunningCloud,
) -> None:
    north, south = quiet_cloud.node("North"), quiet_cloud.node("South")
    push(north, 1, "XY34ZZZ")
    op = HotlistOp(
        op_id="5a4e1f0c-6c55-4e0b-8f8e-5b2b1c9a0d11",
        action="upsert",
        list_name="stolen",
        plate_norm="XY34ZZZ",
        plate="XY34ZZZ",
        made_at=quiet_cloud.clock(),
        made_by="guard",
    )
    quiet_cloud.services.retro.kick = lambda: None  # type: ignore[method-assign]
    reply = south.exchange(hotlist_ops=[op])
    assert reply.op_results[op.op_id].status == "applied"
    quiet_cloud.services.retro.run_once()
    assert [h.site_id for h in historical(quiet_cloud, "XY34ZZZ")] == [north.site_id]


def test_one_alert_tells_how_many_past_reads_at_how_many_sites(quiet_cloud: RunningCloud) -> None:
    north, south = quiet_cloud.node("North"), quiet_cloud.node("South")
    push(north, 1, "AB12CDE")
    push(north, 2, "AB12CDE")
    push(south, 1, "AB12CDE")
    add(quiet_cloud)
    [alert] = quiet_cloud.store.alerts.list_alerts(AlertQuery(kind="historical_hit")).items
    assert (alert.plate, alert.list_name, alert.priority) == ("AB12CDE", "stolen", 60)
    assert alert.reason == "3 past reads at 2 sites in the last 30 days"


def test_a_historical_hit_from_a_node_is_stored_without_a_hit_alert(
    quiet_cloud: RunningCloud,
) -> None:
    from sync_protocol.messages import HitRecord

    node = quiet_cloud.node()
    [record] = node.records(1, 1)
    hit = HitRecord(
        detection_id=record.id, seq=1, list_name="stolen", plate_norm="AB12CDE",
        match_kind="exact", hotlist_version=1, plate="AB12CDE", camera_id="gate-1",
        captured_at=record.captured_at, historical=True,
    )  # fmt: skip
    node.exchange(batch=[record], hits=[hit])
    [stored] = quiet_cloud.store.hits.list_entry_hits("stolen", "AB12CDE").items
    assert (stored.historical, stored.source) == (True, "node")
    assert quiet_cloud.store.alerts.list_alerts(AlertQuery()).items == []


def test_the_entry_hits_api_lists_historical_hits_of_the_callers_sites(
    quiet_cloud: RunningCloud,
) -> None:
    north, south = quiet_cloud.node("North"), quiet_cloud.node("South")
    push(north, 1, "AB12CDE")
    push(south, 1, "AB12CDE")
    add(quiet_cloud)
    scoped = quiet_cloud.staff("viewer", sites=[north.site_id])
    r = scoped.get("/api/v1/hotlist/stolen/ab12cde/hits")
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    assert (item["site_id"], item["historical"], item["match_kind"]) == (
        north.site_id, True, "exact",
    )  # fmt: skip


def test_the_entry_hits_api_refuses_a_bad_cursor(quiet_cloud: RunningCloud) -> None:
    r = quiet_cloud.staff("viewer").get("/api/v1/hotlist/stolen/AB12CDE/hits?cursor=zzz")
    assert r.status_code == 422 and "cursor" in r.text


def test_a_look_back_of_zero_days_finds_nothing(
    cloud_factory: Callable[..., RunningCloud],
) -> None:
    cloud = cloud_factory(alert_worker=False, hotlist_lookback_days=0)
    node = cloud.node()
    push(node, 1, "AB12CDE")
    add(cloud)
    assert historical(cloud) == []


def test_an_upgraded_cloud_scans_only_entries_added_from_then_on(store: CloudStore) -> None:
    site = store.sites.create_site("Depot", now=NOW)
    store.detections.put_batch(site.site_id, "st", records("st", 1, 1), received_at=NOW)
    store.hotlist.apply_op(op(plate="AB12CDE"), staff_author("admin"), received_at=NOW)
    retro = RetroHits(store=store, clock=lambda: NOW, lookback=timedelta(days=30))
    assert retro.run_once() == 0  # the mark is set at the current version: old entries stay
    store.hotlist.apply_op(op(plate="AB12CD*"), staff_author("admin"), received_at=NOW)
    assert retro.run_once() == 1
    assert [h.plate_norm for h in store.hits.list_hits().items] == ["AB12CD*"]
