"""Patterns at the edges of what the API accepts answer exactly, on both databases."""

from __future__ import annotations

import pytest

from tests.local_node.search.conftest import NodeHarness
from tests.search_contract import START, ContractRead, expected, walk

READS = [ContractRead(f"r{i}", p, "s", START) for i, p in enumerate(["AB12CDE", "A" * 32, "Q1"])]


@pytest.mark.parametrize(
    ("plate", "fuzzy", "edits"),
    [
        ("A" * 64, True, 2),  # longer than any stored plate or rotation column
        ("*A?" * 21, True, 1),
        ("A" * 31 + "*", False, 1),
        ("*", False, 1),
        ("?*?", True, 1),
        ("??", False, 1),
        ("ab-12", True, 2),  # too short for edits: confusions only
    ],
)
def test_an_odd_pattern_pages_exactly(harness: NodeHarness, plate: str, fuzzy: bool, edits: int):
    harness.store(READS)
    pages = walk(harness, plate, 2, fuzzy=fuzzy, max_edits=edits, since=None)
    assert [t for page in pages for t in page] == expected(READS, plate, fuzzy, edits, None)
