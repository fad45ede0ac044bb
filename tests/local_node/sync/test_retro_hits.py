"""Historical hits at a node: an entry that becomes live (locally or by a cloud delta) finds
matching past reads within the look-back, once, and they travel to the cloud flagged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from local_node.db.tables import Detection, Hit
from local_node.retro_hits import RetroScanner, historical_counts
from tests.local_node.conftest import RunningNode
from tests.local_node.sync.conftest import SyncedNode, post


def scanner(node: RunningNode, days: int = 30) -> RetroScanner:
    return RetroScanner(
        engine=node.services.engine, clock=node.clock, lookback=timedelta(days=days)
    )


def add_locally(node: RunningNode, plate: str = "AB12CDE") -> None:
    with node.admin() as admin:
        r = admin.put(f"/api/v1/hotlist/stolen/{plate}", json={"priority": 70})
    assert r.status_code == 200, r.text


def historical(node: RunningNode) -> list[tuple[str, str, bool]]:
    with node.services.engine.connect() as conn:
        rows = conn.execute(
            select(Detection.plate_norm, Hit.match_kind, Detection.has_hit)
            .join(Hit, Hit.detection_id == Detection.id)
            .where(Hit.historical.is_(True))
            .order_by(Detection.seq)
        ).all()
    return [tuple(r) for r in rows]


def test_an_entry_added_locally_finds_last_weeks_reads(
    node_factory: Callable[..., RunningNode],
) -> None:
    node = node_factory()
    scan = scanner(node)
    scan.run_once()  # sees an empty hotlist
    post(node, "AB12CDE")
    post(node, "A812CDE")  # an OCR confusion
    post(node, "ZZ99ZZZ")
    node.clock.advance(days=7)
    add_locally(node)
    assert scan.run_once() == 2
    assert historical(node) == [("AB12CDE", "exact", True), ("A812CDE", "confusion", True)]


def test_reads_older_than_the_look_back_are_not_found(
    node_factory: Callable[..., RunningNode],
) -> None:
    node = node_factory()
    post(node, "AB12CDE")
    node.clock.advance(days=31)
    post(node, "AB12CDF")  # one edit away: fuzzy
    node.clock.advance(days=1)
    add_locally(node)
    scanner(node).run_once()
    assert historical(node) == [("AB12CDF", "fuzzy", True)]


def test_a_restarted_scanner_and_a_re_added_entry_find_nothing_twice(
    node_factory: Callable[..., RunningNode],
) -> None:
    node = node_factory()
    post(node, "AB12CDE")
    add_locally(node)
    scan = scanner(node)
    assert scan.run_once() == 1
    with node.admin() as admin:
        assert admin.delete("/api/v1/hotlist/stolen/AB12CDE").status_code == 204
    scan.run_once()
    add_locally(node)
    assert scan.run_once() == 0  # scanned again: the hit is there already
    assert scanner(node).run_once() == 0  # a restart scans recent entries again: nothing new
    assert len(historical(node)) == 1


def test_an_unchanged_hotlist_is_not_scanned_again(
    node_factory: Callable[..., RunningNode],
) -> None:
    node = node_factory()
    add_locally(node)
    scan = scanner(node)
    scan.run_once()
    post(node, "AB12CDE")  # a live hit, not a historical one
    assert scan.run_once() == 0
    assert historical(node) == []


def test_an_entry_arriving_in_a_cloud_delta_finds_past_reads_and_sends_them_flagged(
    synced: Callable[..., SyncedNode],
) -> None:
    s = synced()
    post(s.node, "AB12CDE")
    s.agent.exchange()
    s.cloud.put_entry("stolen", "AB12CDE")
    s.agent.exchange()  # the delta brings the entry
    assert scanner(s.node).run_once() == 1
    s.agent.exchange()  # the historical hit goes up like any hit
    [(_, record)] = s.cloud.hits.values()
    assert (record.plate_norm, record.historical) == ("AB12CDE", True)


def test_the_counts_per_entry_are_what_the_hotlist_page_shows(
    node_factory: Callable[..., RunningNode],
) -> None:
    node = node_factory()
    post(node, "AB12CDE")
    post(node, "AB12CDE")
    add_locally(node)
    scanner(node).run_once()
    assert historical_counts(node.services.engine) == {("stolen", "AB12CDE"): 2}


def test_a_look_back_of_zero_days_scans_nothing(
    node_factory: Callable[..., RunningNode],
) -> None:
    node = node_factory()
    post(node, "AB12CDE")
    add_locally(node)
    assert scanner(node, days=0).run_once() == 0
