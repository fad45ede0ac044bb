"""The node's plate search keeps the shared contract, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.local_node.search.conftest import NodeHarness
from tests.search_contract import check_search_contract, corpus


def test_search_keeps_the_contract(harness: NodeHarness):
    reads = corpus()
    harness.store(reads)
    check_search_contract(harness, reads)


def test_search_keeps_the_contract_when_it_scans(
    harness: NodeHarness, monkeypatch: pytest.MonkeyPatch
):
    # No plate probed one by one: every non-exact search takes the filtered scan.
    monkeypatch.setattr("local_node.search.probe_limit", lambda *_: 0)
    reads = corpus(seed=41)
    harness.store(reads)
    check_search_contract(harness, reads, examples=60)


@pytest.mark.parametrize(
    ("rows_per_probe", "seed"),
    [pytest.param(10**6, 43, id="walked-through"), pytest.param(1, 45, id="handed-over")],
)
def test_search_keeps_the_contract_when_the_walk_reads_small_windows(
    harness: NodeHarness, monkeypatch: pytest.MonkeyPatch, rows_per_probe: int, seed: int
):
    # On PostgreSQL the walk reads the newest-read index a window at a time (SQLite walks
    # without them): with windows of 2 rows, growing to 8, every page crosses many. Priced
    # at one walked row a key, the join takes over after the first window; priced at a
    # million, never.
    monkeypatch.setattr("local_node.search.probe_limit", lambda *_: 0)
    monkeypatch.setattr("local_node.search.WALK_ROWS_PER_PROBE", {"postgresql": rows_per_probe})
    monkeypatch.setattr("local_node.db.plate_recency._FIRST_WINDOW", 2)
    monkeypatch.setattr("local_node.db.plate_recency._LAST_WINDOW", 8)
    reads = corpus(seed=seed)
    harness.store(reads)
    check_search_contract(harness, reads, examples=60)
