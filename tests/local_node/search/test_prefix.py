"""A prefix search finds every plate with the prefix and no other, up to the alphabet's end.

(It replaces the tests of ``prefix_upper_bound``: prefixes are now rotation ranges of the
plate index, whose bounds ``sync_protocol.plate_index`` computes and tests.)
"""

from __future__ import annotations

import pytest

from tests.local_node.search.conftest import NodeHarness
from tests.search_contract import START, ContractRead

PLATES = ["A9", "A91", "AA1", "AZ", "AZ1", "AZZ9", "B00", "Z", "ZZ1", "ZZZ", "Z9Z", "0A", "99"]


@pytest.fixture
def stocked(harness: NodeHarness) -> NodeHarness:
    harness.store([ContractRead(p, p, "s", START) for p in PLATES])
    return harness


@pytest.mark.parametrize("stem", ["A9", "AZ", "AZZ", "Z", "ZZ", "Z9", "9", "0"])
def test_a_prefix_search_finds_exactly_the_plates_with_the_prefix(stocked: NodeHarness, stem):
    tokens, cursor = stocked.search(
        stem + "*", fuzzy=False, max_edits=1, limit=50, cursor=None, since=None
    )
    assert (sorted(tokens), cursor) == (sorted(p for p in PLATES if p.startswith(stem)), None)
