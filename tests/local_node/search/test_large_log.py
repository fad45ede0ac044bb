"""On a log larger than the old fuzzy scan bound (50,000 rows), pages are still full.

The bounded scan returned an empty page and a cursor when a page's matches sat further back
than the bound; through the plate index a first page is full whatever lies in between.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.local_node.search.conftest import NodeHarness
from tests.search_contract import START, ContractRead, walk

NEWER = 51_000  # reads after the wanted ones, none of them a match
WANTED = 12


@pytest.fixture
def large(harness: NodeHarness) -> NodeHarness:
    """12 reads of AB12CDE or its confusions, then 51,000 reads of 300 other plates."""
    reads = [
        ContractRead(f"w{i:02d}", ("AB12CDE", "A812CDE", "AB12C0E")[i % 3], "s", START)
        for i in range(WANTED)
    ]
    reads += [
        ContractRead(f"n{i:05d}", f"QX{i % 300:03d}KW", "s", START + timedelta(seconds=i))
        for i in range(NEWER)
    ]
    harness.store(reads)
    return harness


def test_fuzzy_pages_are_full_however_far_back_the_matches_are(large: NodeHarness):
    wanted = [f"w{i:02d}" for i in range(WANTED - 1, -1, -1)]
    for plate, edits in [("AB12CDE", 1), ("AB12CDE", 2), ("AB1*", 1), ("*2CDE", 1)]:
        pages = walk(large, plate, 10, fuzzy=True, max_edits=edits, since=None)
        assert pages == [wanted[:10], wanted[10:]], plate
