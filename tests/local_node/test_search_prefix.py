"""The index range a prefix search adds: every plate with the prefix is inside it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from local_node.search import PLATE_ORDER, prefix_upper_bound

plates = st.text(alphabet=PLATE_ORDER, min_size=1, max_size=10)


def test_the_bound_of_a_prefix_is_its_next_string():
    assert prefix_upper_bound("AB") == "AC"
    assert prefix_upper_bound("A9") == "AA"
    assert prefix_upper_bound("AZ") == "B"
    assert prefix_upper_bound("ZZ") is None


@given(stem=plates, rest=st.text(alphabet=PLATE_ORDER, max_size=6))
def test_every_plate_with_the_prefix_is_below_the_bound(stem: str, rest: str):
    upper = prefix_upper_bound(stem)
    assert upper is None or stem + rest < upper
