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
