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


def test_search_keeps_the_contract_when_the_walk_reads_small_windows(
    harness: NodeHarness, monkeypatch: pytest.MonkeyPatch
):
    # On PostgreSQL the walk reads the newest-read index a window at a time: with windows of
    # 2 rows, growing to 8, every page crosses many windows (SQLite walks without them).
    monkeypatch.setattr("local_node.search.probe_limit", lambda *_: 0)
    monkeypatch.setattr("local_node.db.plate_recency._FIRST_WINDOW", 2)
    monkeypatch.setattr("local_node.db.plate_recency._LAST_WINDOW", 8)
    reads = corpus(seed=43)
    harness.store(reads)
    check_search_contract(harness, reads, examples=60)


def test_search_keeps_the_contract_when_a_long_walk_hands_over_to_the_join(
    harness: NodeHarness, monkeypatch: pytest.MonkeyPatch
):
    # Priced at one walked row a key, the join takes over from most walks after a few
    # windows of 2-8 rows (PostgreSQL; SQLite's walk reads no windows and never hands over).
    monkeypatch.setattr("local_node.search.probe_limit", lambda *_: 0)
    monkeypatch.setattr("local_node.search.WALK_ROWS_PER_PROBE", {"postgresql": 1})
    monkeypatch.setattr("local_node.db.plate_recency._FIRST_WINDOW", 2)
    monkeypatch.setattr("local_node.db.plate_recency._LAST_WINDOW", 8)
    reads = corpus(seed=45)
    harness.store(reads)
    check_search_contract(harness, reads, examples=60)
