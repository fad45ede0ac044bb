"""Tests for plate normalisation and hotlist matching (plate_rules and hotlist_index)."""

from __future__ import annotations

import fnmatch
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.hotlist_index import HotlistIndex
from sync_protocol.plate_rules import (
    CONFUSION_CLASSES,
    KIND_RANK,
    MAX_FUZZY_LENGTH,
    MIN_FUZZY_LENGTH,
    PlateMatch,
    confusion_key,
    fuzzy_match,
    is_wildcard,
    match_entry,
    normalize_pattern,
    normalize_plate,
    plate_distance,
    plate_matches,
    wildcard_match,
)

# Deterministic, no example database on disk: property tests must give the same
# verdict on every machine and every run.
PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=300)

PLATE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# A small alphabet dense in confusable characters, so random sets collide often.
DENSE_CHARS = "AB048DO0Q1IL2ZSX"

plates = st.text(PLATE_CHARS, min_size=1, max_size=10)
dense_plates = st.text(DENSE_CHARS, min_size=1, max_size=8)
dense_patterns = st.text(DENSE_CHARS + "*?", min_size=1, max_size=8).filter(
    lambda p: normalize_pattern(p).strip("*?") != ""
)


@st.composite
def _edited(draw: st.DrawFn, plate: str) -> str:
    """Draw plate with up to three random insertions, deletions or substitutions."""
    chars = list(plate)
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(chars)))
        operation = draw(st.sampled_from(["insert", "delete", "substitute"]))
        if operation == "insert" or position == len(chars):
            chars.insert(position, draw(st.sampled_from(DENSE_CHARS)))
        elif operation == "delete":
            del chars[position]
        else:
            chars[position] = draw(st.sampled_from(DENSE_CHARS))
    return "".join(chars) or plate


def _read_near(entries: list[str]) -> st.SearchStrategy[str]:
    """Draw reads that are random, or a few edits away from one of the entries.

    Purely random reads almost never land within fuzzy range of an entry.
    """
    near = [normalize_plate(e) for e in entries if normalize_plate(e)]
    if not near:
        return dense_plates
    return st.one_of(dense_plates, st.sampled_from(near).flatmap(_edited))


def _confusion_twin(plate: str, choices: list[int]) -> str:
    """Return plate with some characters swapped for other members of their class."""
    out = []
    for char, choice in zip(plate, choices, strict=False):
        group = next((c for c in CONFUSION_CLASSES if char in c), char)
        out.append(group[choice % len(group)])
    return "".join(out) + plate[len(out) :]


# --- an independent reference, written for clarity rather than speed -----------------

_REFERENCE_CLASS = {char: group for group in CONFUSION_CLASSES for char in group}


def _same_class(a: str, b: str) -> bool:
    return a == b or _REFERENCE_CLASS.get(a, a) == _REFERENCE_CLASS.get(b, b)


def _reference_distance(a: str, b: str) -> int:
    table = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i, j in itertools.product(range(1, len(a) + 1), range(1, len(b) + 1)):
        substitution = 0 if _same_class(a[i - 1], b[j - 1]) else 1
        table[i][j] = min(
            table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + substitution
        )
    return table[len(a)][len(b)]


def _reference_match(entry: str, plate: str, *, fuzzy: bool, max_edits: int) -> PlateMatch | None:
    if is_wildcard(entry):
        if fnmatch.fnmatchcase(confusion_key(plate), confusion_key(entry)):
            return PlateMatch(entry, "wildcard", 0)
        return None
    if entry == plate:
        return PlateMatch(entry, "exact", 0)
    if all(_same_class(a, b) for a, b in zip(entry, plate, strict=False)) and len(entry) == len(
        plate
    ):
        return PlateMatch(entry, "confusion", 0)
    short = min(len(entry), len(plate)) < MIN_FUZZY_LENGTH
    if fuzzy and not short and max(len(entry), len(plate)) <= MAX_FUZZY_LENGTH:
        distance = _reference_distance(entry, plate)
        if distance <= max_edits:
            return PlateMatch(entry, "fuzzy", distance)
    return None


# --- normalize_plate --------------------------------------------------------------------


def test_normalize_plate_upper_cases() -> None:
    assert normalize_plate("abc123") == "ABC123"


def test_normalize_plate_strips_spaces_dashes_and_dots() -> None:
    assert normalize_plate(" AB-12.C D_3/4 ") == "AB12CD34"


def test_normalize_plate_returns_empty_when_nothing_is_left() -> None:
    assert normalize_plate(" -.*?· ") == ""


def test_normalize_plate_drops_wildcard_characters() -> None:
    assert normalize_plate("AB*1?") == "AB1"


def test_normalize_plate_folds_accents() -> None:
    assert normalize_plate("Äbç-12é") == "ABC12E"


def test_normalize_plate_folds_full_width_forms() -> None:
    assert normalize_plate("ＡＢＣ－１２３") == "ABC123"


def test_normalize_plate_folds_cyrillic_look_alikes() -> None:
    assert normalize_plate("А123ВС77") == "A123BC77"


def test_normalize_plate_folds_greek_look_alikes() -> None:
    assert normalize_plate("ΙΚΗ-1234") == "IKH1234"


def test_normalize_plate_drops_letters_without_latin_look_alike() -> None:
    assert normalize_plate("Ж12Ш") == "12"


@PROPERTY
@given(st.text())
def test_normalize_plate_is_idempotent(text: str) -> None:
    once = normalize_plate(text)
    assert normalize_plate(once) == once


@PROPERTY
@given(st.text())
def test_normalize_plate_keeps_only_ascii_letters_and_digits(text: str) -> None:
    assert set(normalize_plate(text)) <= set(PLATE_CHARS)


# --- normalize_pattern / is_wildcard ---------------------------------------------------


def test_normalize_pattern_keeps_wildcards() -> None:
    assert normalize_pattern("ab-?1*") == "AB?1*"


def test_normalize_pattern_collapses_star_runs() -> None:
    assert normalize_pattern("A**B***") == "A*B*"


def test_normalize_pattern_folds_full_width_star() -> None:
    assert normalize_pattern("ＡＢ＊") == "AB*"


@PROPERTY
@given(st.text())
def test_normalize_pattern_is_idempotent(text: str) -> None:
    once = normalize_pattern(text)
    assert normalize_pattern(once) == once


@PROPERTY
@given(st.text())
def test_normalize_pattern_leaves_a_normalised_plate_unchanged(text: str) -> None:
    plate = normalize_plate(text)
    assert normalize_pattern(plate) == plate


def test_is_wildcard_true_for_star() -> None:
    assert is_wildcard("AB*")


def test_is_wildcard_true_for_question_mark() -> None:
    assert is_wildcard("AB?12")


def test_is_wildcard_false_for_plain_plate() -> None:
    assert not is_wildcard("AB12")


# --- confusion_key ------------------------------------------------------------------------


def test_confusion_classes_are_disjoint() -> None:
    chars = "".join(CONFUSION_CLASSES)
    assert len(chars) == len(set(chars))


def test_confusion_classes_hold_only_plate_characters() -> None:
    assert set("".join(CONFUSION_CLASSES)) <= set(PLATE_CHARS)


@pytest.mark.parametrize("group", CONFUSION_CLASSES)
def test_confusion_key_maps_a_class_to_one_representative(group: str) -> None:
    assert {confusion_key(char) for char in group} == {group[0]}


def test_confusion_key_leaves_unconfusable_characters_alone() -> None:
    assert confusion_key("CEHKXY") == "CEHKXY"


def test_confusion_key_passes_wildcards_through() -> None:
    assert confusion_key("OB*?") == "08*?"


def test_confusion_key_equal_for_reads_differing_by_confusions() -> None:
    assert confusion_key("DB5ZOI") == confusion_key("08S201")


@PROPERTY
@given(plates)
def test_confusion_key_is_idempotent(plate: str) -> None:
    assert confusion_key(confusion_key(plate)) == confusion_key(plate)


# --- plate_distance / fuzzy_match ---------------------------------------------------------


def test_plate_distance_is_zero_for_equal_plates() -> None:
    assert plate_distance("ABC123", "ABC123") == 0


def test_plate_distance_does_not_count_confusions() -> None:
    assert plate_distance("ABC123", "48C1Z3") == 0


def test_plate_distance_counts_a_substitution_as_one() -> None:
    assert plate_distance("ABC123", "ABC124") == 1


def test_plate_distance_counts_an_insertion_as_one() -> None:
    assert plate_distance("ABC123", "ABC1233") == 1


def test_plate_distance_counts_a_deletion_as_one() -> None:
    assert plate_distance("ABC123", "AC123") == 1


def test_plate_distance_counts_only_real_errors_alongside_confusions() -> None:
    assert plate_distance("ABC123", "4BCX2E") == 2


@PROPERTY
@given(dense_plates.flatmap(lambda a: st.tuples(st.just(a), _read_near([a]))))
def test_plate_distance_agrees_with_reference(pair: tuple[str, str]) -> None:
    a, b = pair
    assert plate_distance(a, b) == _reference_distance(a, b)


def test_fuzzy_match_accepts_one_edit_by_default() -> None:
    assert fuzzy_match("ABC123", "ABC124")


def test_fuzzy_match_rejects_two_edits_by_default() -> None:
    assert not fuzzy_match("ABC123", "ABX124")


def test_fuzzy_match_accepts_two_edits_when_allowed() -> None:
    assert fuzzy_match("ABC123", "ABX124", max_edits=2)


def test_fuzzy_match_combines_an_edit_with_confusions() -> None:
    assert fuzzy_match("ABC123", "48C12X")


def test_fuzzy_match_never_matches_short_plates() -> None:
    assert not fuzzy_match("AB1", "AB2")


def test_fuzzy_match_never_matches_a_short_plate_against_a_long_one() -> None:
    assert not fuzzy_match("ABC", "ABCD")


def test_fuzzy_match_never_matches_over_long_strings() -> None:
    long = "A" * (MAX_FUZZY_LENGTH + 1)
    assert not fuzzy_match(long, long[:-1] + "X")


def test_fuzzy_match_rejects_unsupported_max_edits() -> None:
    with pytest.raises(ValueError, match="max_edits"):
        fuzzy_match("ABC123", "ABC124", max_edits=3)


@PROPERTY
@given(dense_plates.flatmap(lambda a: st.tuples(st.just(a), _read_near([a]))), st.integers(0, 2))
def test_fuzzy_match_is_symmetric(pair: tuple[str, str], max_edits: int) -> None:
    a, b = pair
    assert fuzzy_match(a, b, max_edits=max_edits) == fuzzy_match(b, a, max_edits=max_edits)


# --- wildcard_match -----------------------------------------------------------------------


def test_wildcard_star_matches_any_suffix() -> None:
    assert wildcard_match("AB*", "AB12345")


def test_wildcard_star_matches_an_empty_run() -> None:
    assert wildcard_match("AB*", "AB")


def test_wildcard_question_mark_matches_exactly_one_character() -> None:
    assert wildcard_match("AB?1", "ABX1")
    assert not wildcard_match("AB?1", "AB1")
    assert not wildcard_match("AB?1", "ABXY1")


def test_wildcard_is_anchored_at_both_ends() -> None:
    assert not wildcard_match("B1*", "AB12")
    assert not wildcard_match("*B1", "AB12")


def test_wildcard_middle_segments_match_in_order() -> None:
    assert wildcard_match("A*12*Z", "AX12YZ")
    assert not wildcard_match("A*12*Z", "AZ12")


def test_wildcard_treats_regex_syntax_as_literal() -> None:
    # Unnormalised text reaching the matcher must not act as a regex.
    assert not wildcard_match("A.C", "ABC")
    assert wildcard_match("A.C", "A.C")


def test_wildcard_match_is_literal_about_confusions() -> None:
    assert not wildcard_match("AB*", "A8C")


def test_wildcard_handles_a_pathological_pattern_quickly() -> None:
    pattern = "*A" * 12 + "*B"
    assert not wildcard_match(pattern, "A" * 200)


@PROPERTY
@given(st.text("AB1?*", max_size=8), st.text("AB1", max_size=10))
def test_wildcard_match_agrees_with_fnmatch(pattern: str, plate: str) -> None:
    assert wildcard_match(pattern, plate) == fnmatch.fnmatchcase(plate, pattern)


@PROPERTY
@given(plates, plates)
def test_wildcard_without_special_characters_equals_exact(pattern: str, plate: str) -> None:
    assert wildcard_match(pattern, plate) == (pattern == plate)


# --- match_entry --------------------------------------------------------------------------


def test_match_entry_reports_exact() -> None:
    assert match_entry("ABC123", "abc-123") == PlateMatch("ABC123", "exact", 0)


def test_match_entry_reports_confusion() -> None:
    assert match_entry("ABC123", "A8C1Z3") == PlateMatch("ABC123", "confusion", 0)


def test_match_entry_reports_wildcard() -> None:
    assert match_entry("AB*", "ABC123") == PlateMatch("AB*", "wildcard", 0)


def test_match_entry_wildcard_literals_tolerate_confusions() -> None:
    assert match_entry("AB*", "48C123") == PlateMatch("AB*", "wildcard", 0)


def test_match_entry_reports_fuzzy_with_distance() -> None:
    assert match_entry("ABC123", "ABC1234") == PlateMatch("ABC123", "fuzzy", 1)


def test_match_entry_without_fuzzy_rejects_an_edit() -> None:
    assert match_entry("ABC123", "ABC124", fuzzy=False) is None


def test_match_entry_never_matches_a_wildcard_fuzzily() -> None:
    assert match_entry("AB?", "ABCD") is None


def test_match_entry_short_plate_matches_by_confusion() -> None:
    assert match_entry("AB1", "48I") == PlateMatch("AB1", "confusion", 0)


def test_match_entry_short_plate_never_matches_fuzzily() -> None:
    assert match_entry("AB1", "AB2") is None


def test_match_entry_empty_read_matches_nothing() -> None:
    assert match_entry("ABC123", "--") is None


@PROPERTY
@given(plates)
def test_a_plate_always_matches_itself(plate: str) -> None:
    assert match_entry(plate, plate, fuzzy=False) == PlateMatch(plate, "exact", 0)


@PROPERTY
@given(plates, st.lists(st.integers(0, 3), max_size=10))
def test_confusion_equal_plates_always_match(plate: str, choices: list[int]) -> None:
    twin = _confusion_twin(plate, choices)
    found = match_entry(plate, twin, fuzzy=False)
    assert found is not None
    assert found.kind in {"exact", "confusion"}


@PROPERTY
@given(dense_plates.flatmap(lambda e: st.tuples(st.just(e), _read_near([e]))), st.booleans())
def test_match_entry_agrees_with_reference(pair: tuple[str, str], fuzzy: bool) -> None:
    entry, plate = pair
    max_edits = 2 if fuzzy else 1
    expected = _reference_match(entry, plate, fuzzy=fuzzy, max_edits=max_edits)
    assert match_entry(entry, plate, fuzzy=fuzzy, max_edits=max_edits) == expected


# --- plate_matches ------------------------------------------------------------------------


def test_plate_matches_exact_query() -> None:
    assert plate_matches("abc 123", "ABC123", fuzzy=False)


def test_plate_matches_strict_query_rejects_confusions() -> None:
    assert not plate_matches("ABC123", "A8C123", fuzzy=False)


def test_plate_matches_prefix_query() -> None:
    assert plate_matches("AB*", "ABC123", fuzzy=False)


def test_plate_matches_strict_prefix_query_rejects_confusions() -> None:
    assert not plate_matches("AB*", "A8C123", fuzzy=False)


def test_plate_matches_fuzzy_prefix_query_accepts_confusions() -> None:
    assert plate_matches("AB*", "A8C123", fuzzy=True)


def test_plate_matches_fuzzy_query_accepts_one_edit() -> None:
    assert plate_matches("ABC123", "ABC124", fuzzy=True)


def test_plate_matches_empty_query_matches_nothing() -> None:
    assert not plate_matches(" - ", "ABC123", fuzzy=True)


@PROPERTY
@given(plates, plates)
def test_plate_matches_plain_query_without_fuzzy_is_equality(query: str, candidate: str) -> None:
    assert plate_matches(query, candidate, fuzzy=False) == (query == candidate)


# --- HotlistIndex -------------------------------------------------------------------------


def test_index_finds_an_exact_entry() -> None:
    index = HotlistIndex.build([("stolen", "ABC-123")])
    assert index.match("ABC123") == [("stolen", PlateMatch("ABC123", "exact", 0))]


def test_index_finds_a_confusion_entry() -> None:
    index = HotlistIndex.build([("stolen", "ABC123")])
    assert index.match("A8C1Z3") == [("stolen", PlateMatch("ABC123", "confusion", 0))]


def test_index_finds_a_fuzzy_entry() -> None:
    index = HotlistIndex.build([("stolen", "ABC123")])
    assert index.match("ABC1234") == [("stolen", PlateMatch("ABC123", "fuzzy", 1))]


def test_index_finds_a_two_edit_entry_when_allowed() -> None:
    index = HotlistIndex.build([("stolen", "ABC123")])
    assert index.match("XBC1234", max_edits=2) == [("stolen", PlateMatch("ABC123", "fuzzy", 2))]


def test_index_without_fuzzy_skips_fuzzy_entries() -> None:
    index = HotlistIndex.build([("stolen", "ABC123")])
    assert index.match("ABC1234", fuzzy=False) == []


def test_index_finds_a_prefix_wildcard_entry() -> None:
    index = HotlistIndex.build([("watch", "AB*")])
    assert index.match("ABX999") == [("watch", PlateMatch("AB*", "wildcard", 0))]


def test_index_finds_a_wildcard_anchored_after_question_marks() -> None:
    index = HotlistIndex.build([("watch", "??X9*")])
    assert [key for key, _ in index.match("ABX999")] == ["watch"]


def test_index_finds_a_suffix_wildcard_entry() -> None:
    index = HotlistIndex.build([("watch", "*X99?")])
    assert [key for key, _ in index.match("ABX991")] == ["watch"]


def test_index_finds_an_unanchored_wildcard_entry() -> None:
    index = HotlistIndex.build([("watch", "*X9*")])
    assert [key for key, _ in index.match("ABX999")] == ["watch"]


def test_index_orders_matches_best_first() -> None:
    index = HotlistIndex.build(
        [("fuzzy", "ABC1234"), ("wild", "AB*"), ("confusion", "A8C123"), ("exact", "ABC123")]
    )
    kinds = [(key, found.kind) for key, found in index.match("ABC123")]
    assert kinds == [
        ("exact", "exact"),
        ("confusion", "confusion"),
        ("wild", "wildcard"),
        ("fuzzy", "fuzzy"),
    ]


def test_index_reports_each_key_once() -> None:
    index = HotlistIndex.build([(("stolen", "ABC123"), "ABC123"), (("watch", "ABC123"), "AB*")])
    keys = [key for key, _ in index.match("ABC123")]
    assert sorted(keys) == [("stolen", "ABC123"), ("watch", "ABC123")]


def test_index_keeps_the_last_entry_for_a_repeated_key() -> None:
    index = HotlistIndex.build([("k", "ABC123"), ("k", "XYZ789")])
    assert (len(index), index.get("k")) == (1, "XYZ789")


def test_index_rejects_an_entry_with_no_letters_or_digits() -> None:
    with pytest.raises(ValueError, match="no letters or digits"):
        HotlistIndex.build([("bad", " - ")])


def test_index_rejects_a_wildcard_matching_every_plate() -> None:
    with pytest.raises(ValueError, match="no letters or digits"):
        HotlistIndex.build([("bad", "*")])


def test_index_treats_wildcards_in_the_read_as_nothing() -> None:
    index = HotlistIndex.build([("stolen", "ABC123")])
    assert index.match("*") == []


def test_index_rejects_unsupported_max_edits() -> None:
    with pytest.raises(ValueError, match="max_edits"):
        HotlistIndex.build([("stolen", "ABC123")]).match("ABC123", max_edits=3)


def test_index_contains_reports_indexed_keys() -> None:
    index = HotlistIndex.build([("stolen", "ABC123")])
    assert "stolen" in index
    assert "watch" not in index


@settings(PROPERTY, max_examples=600)  # the central property: worth more examples
@given(
    st.lists(st.one_of(dense_plates, dense_patterns), min_size=1, max_size=25),
    st.data(),
    st.booleans(),
    st.integers(0, 2),
)
def test_index_match_agrees_with_brute_force(
    entries: list[str], data: st.DataObject, fuzzy: bool, max_edits: int
) -> None:
    plate = data.draw(_read_near(entries), label="plate")
    index = HotlistIndex.build(enumerate(entries))
    expected = {}
    for key, entry in enumerate(entries):
        found = _reference_match(normalize_pattern(entry), plate, fuzzy=fuzzy, max_edits=max_edits)
        if found is not None:
            expected[key] = found
    got = index.match(plate, fuzzy=fuzzy, max_edits=max_edits)
    assert dict(got) == expected
    assert len(got) == len(expected)  # every key at most once
    ranks = [(KIND_RANK[found.kind], found.distance) for _, found in got]
    assert ranks == sorted(ranks)


@PROPERTY
@given(plates)
def test_index_always_finds_an_entry_for_its_own_plate(plate: str) -> None:
    index = HotlistIndex.build([("self", plate)])
    assert index.match(plate, fuzzy=False) == [("self", PlateMatch(plate, "exact", 0))]
