"""The plate index finds exactly the plates a brute-force ``plate_matches`` accepts."""

from __future__ import annotations

import bisect
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.plate_index import (
    END,
    PROBE_PLATES,
    KeyLookup,
    PageFloor,
    RotationRange,
    fuzzy_globs,
    key_of_rotation,
    merge_newest,
    plan_lookup,
    rotation_glob,
    rotation_prefix,
    rotations,
    walk_goes_on,
    walk_threshold,
)
from sync_protocol.plate_rules import (
    bounded_levenshtein,
    compile_glob,
    confusion_key,
    normalize_pattern,
    plate_matches,
)

# A small alphabet with confusable pairs makes collisions, confusions and near misses common.
PLATE_CHARS = "0O1I8BAX4Z2"
plates_st = st.text(alphabet=PLATE_CHARS, min_size=1, max_size=9)
pattern_st = st.text(alphabet=PLATE_CHARS + "*?", min_size=1, max_size=8)


class MemoryIndex:
    """The dictionary and permuterm rows as sorted lists: what a store's indexes hold."""

    def __init__(self, plates: set[str]) -> None:
        self.by_key: dict[str, set[str]] = {}
        for plate in plates:
            self.by_key.setdefault(confusion_key(plate), set()).add(plate)
        self.rows = sorted(r for key in self.by_key for r in rotations(key))

    def find(self, lookup: KeyLookup) -> set[str]:
        keys = {k for k in lookup.exact_keys if k in self.by_key}
        for span in lookup.ranges:
            start = bisect.bisect_left(self.rows, span.low)
            end = len(self.rows) if span.high is None else bisect.bisect_left(self.rows, span.high)
            keys.update(key_of_rotation(r) for r in self.rows[start:end] if span.holds(r))
        return {
            plate
            for key in keys
            if lookup.accepts_key(key)
            for plate in self.by_key[key]
            if lookup.accepts_plate(plate)
        }


def _brute(plates: set[str], pattern: str, fuzzy: bool, max_edits: int) -> set[str]:
    return {p for p in plates if plate_matches(pattern, p, fuzzy=fuzzy, max_edits=max_edits)}


@settings(max_examples=400, deadline=None)
@given(
    plates=st.sets(plates_st, min_size=1, max_size=60),
    pattern=st.one_of(pattern_st, plates_st),
    fuzzy=st.booleans(),
    max_edits=st.integers(min_value=0, max_value=2),
)
def test_lookup_finds_exactly_what_brute_force_matches(
    plates: set[str], pattern: str, fuzzy: bool, max_edits: int
) -> None:
    norm = normalize_pattern(pattern)
    if not norm.replace("*", "").replace("?", ""):
        return  # a query without letters or digits is refused before any lookup
    lookup = plan_lookup(norm, fuzzy=fuzzy, max_edits=max_edits)
    found = {norm} & plates if lookup is None else MemoryIndex(plates).find(lookup)
    assert found == _brute(plates, norm, fuzzy, max_edits)


@settings(max_examples=200, deadline=None)
@given(plates=st.sets(plates_st, min_size=1, max_size=40), query=plates_st)
def test_a_neighbour_of_a_stored_plate_is_always_found(plates: set[str], query: str) -> None:
    stored = sorted(plates)[0]
    lookup = plan_lookup(stored, fuzzy=True, max_edits=1)
    assert lookup is not None
    assert stored in MemoryIndex(plates | {query}).find(lookup)


def test_a_rotation_names_its_key() -> None:
    assert {key_of_rotation(r) for r in rotations("FF38")} == {"FF38"}
    assert len(rotations("FF38")) == 5


def test_the_end_marker_is_not_a_key_character() -> None:
    assert confusion_key(END) != END


def test_a_suffix_pattern_looks_up_its_tail_before_the_end() -> None:
    assert rotation_prefix(confusion_key("*38")) == ("38" + END, None)


def test_a_prefix_pattern_looks_up_the_end_then_its_head() -> None:
    assert rotation_prefix("FF38*") == (END + "FF38", None)


def test_an_infix_pattern_looks_up_its_longest_literal_run() -> None:
    assert rotation_prefix("*3?8FF*") == ("8FF", None)


def test_a_fixed_length_pattern_bounds_the_rotation_length() -> None:
    assert rotation_prefix("FF?8") == ("8" + END + "FF", 5)


def test_fuzzy_globs_cover_every_key_within_two_edits() -> None:
    rng = random.Random(3)
    key = "F3X8K"
    exact, globs = fuzzy_globs(key, 2)
    compiled = [compile_glob(g) for g in globs]
    for _ in range(300):
        other = list(key)
        for _ in range(rng.randint(1, 2)):
            at = rng.randrange(len(other) + 1)
            op = rng.choice("ids")
            if op == "i":
                other.insert(at, rng.choice("ABC"))
            elif other and at < len(other):
                if op == "d":
                    del other[at]
                else:
                    other[at] = rng.choice("ABC")
        candidate = "".join(other)
        assert bounded_levenshtein(key, candidate, 2) is not None
        assert candidate in exact or any(g.matches(candidate) for g in compiled)


def test_an_exact_plain_plate_needs_no_index() -> None:
    assert plan_lookup("FF38ABC", fuzzy=False) is None


def test_a_short_fuzzy_plate_matches_its_confusions_only() -> None:
    lookup = plan_lookup("AB1", fuzzy=True, max_edits=2)
    assert lookup is not None and lookup.ranges == ()
    assert lookup.exact_keys == {confusion_key("AB1")}


def test_an_empty_pattern_is_refused() -> None:
    with pytest.raises(ValueError):
        plan_lookup("", fuzzy=True)


def test_merge_newest_returns_the_newest_rows_over_all_plates() -> None:
    reads = {"A": [9, 4, 1], "B": [8, 7, 2], "C": [3]}
    fetched: list[str] = []

    def fetch(plate: str, n: int) -> list[int]:
        fetched.append(plate)
        return reads[plate][:n]

    page = merge_newest([(p, rows[0]) for p, rows in reads.items()], fetch, lambda r: r, 3)
    assert page == [9, 8, 7]
    assert "C" not in fetched  # its newest read (3) could not beat the page


def test_a_full_page_tells_its_floor_and_shuts_out_older_plates() -> None:
    reads = {"A": [9, 4], "B": [8, 7], "C": [6], "D": [3]}
    floor: PageFloor[int] = PageFloor()
    produced: list[str] = []

    def plates():  # lazy, newest bound first, as the SQL producers are
        for plate, rows in reads.items():
            if floor.shuts_out(rows[0]):
                return
            produced.append(plate)
            yield plate, rows[0]

    page = merge_newest(plates(), lambda p, n: reads[p][:n], lambda r: r, 3, presorted=True,
                        full=floor.note)  # fmt: skip
    assert page == [9, 8, 7] and floor.order == 7
    assert produced == ["A", "B"]  # C (6) was never produced: 7 shuts it out


def test_merge_newest_with_no_plates_is_empty() -> None:
    assert merge_newest([], lambda p, n: [], lambda r: r, 5) == []


def test_a_literal_beats_the_end_marker_of_the_same_length() -> None:
    assert rotation_prefix(confusion_key("*A*")) == (confusion_key("A"), None)


def test_the_rotated_glob_starts_where_the_prefix_does() -> None:
    assert rotation_glob("FF?8") == ("8" + END + "FF", 5, "8" + END + "FF?")
    assert rotation_glob("*38") == ("38" + END, None, "38" + END + "*")


def test_a_range_keeps_only_rotations_its_glob_matches() -> None:
    prefix, length, glob = rotation_glob("F?3?8")
    span = RotationRange.starting(prefix, length, glob)
    assert span.holds(rotations("FX3Y8")[4])  # 8 END F X 3 Y
    assert not span.holds("8" + END + "FX4Y")  # in the range, but 4 is not 3


def test_the_walk_threshold_is_where_the_join_and_the_walk_cost_the_same() -> None:
    assert walk_threshold(50, 1_600_000) == 9033  # sqrt(51 * 1.6 M)
    assert walk_threshold(50, 10_000_000, rows_per_probe=10) == 7141  # sqrt(51 * 10 M / 10)


def test_the_walk_threshold_never_falls_below_the_probe_floor() -> None:
    assert walk_threshold(50, 100) == PROBE_PLATES


def test_a_walk_that_matches_at_a_rate_cheaper_than_the_join_goes_on() -> None:
    assert walk_goes_on(walked=2048, matched=40, join_cost=30_000)  # 64 plates: ~3,300 rows


def test_a_walk_that_matches_too_few_plates_hands_over_to_the_join() -> None:
    assert not walk_goes_on(walked=2048, matched=1, join_cost=30_000)  # 64 plates: ~131,000


def test_a_walk_that_has_not_started_goes_on() -> None:
    assert walk_goes_on(walked=0, matched=0, join_cost=1)
