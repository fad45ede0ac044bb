"""fuzzy_keys: the index form of the fuzzy search rule, equal to plate_matches."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.plate_rules import confusion_key, plate_matches
from sync_protocol.plate_search import fuzzy_keys

CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
plates = st.text(alphabet=CHARS, min_size=1, max_size=10)


def _edit(plate: str, data: st.DataObject) -> str:
    """The plate with zero or one random edit (a near miss is the interesting case)."""
    kind = data.draw(st.sampled_from(["none", "sub", "ins", "del"]))
    i = data.draw(st.integers(0, len(plate) - 1))
    c = data.draw(st.sampled_from(CHARS))
    if kind == "sub":
        return plate[:i] + c + plate[i + 1 :]
    if kind == "ins":
        return plate[:i] + c + plate[i:]
    if kind == "del" and len(plate) > 1:
        return plate[:i] + plate[i + 1 :]
    return plate


@settings(max_examples=400)
@given(pattern=plates, data=st.data())
def test_a_read_matches_fuzzily_exactly_when_its_key_is_listed(pattern: str, data):
    read = _edit(data.draw(st.one_of(st.just(pattern), plates)), data)
    listed = confusion_key(read) in fuzzy_keys(pattern)
    assert listed == plate_matches(pattern, read, fuzzy=True)


def test_an_ocr_confusion_and_one_edit_are_listed():
    keys = fuzzy_keys("AB12CDE")
    assert confusion_key("A812CDE") in keys  # B/8 confusion
    assert confusion_key("AB12CD") in keys  # one deletion
    assert confusion_key("XB12CDE") in keys  # one substitution
    assert confusion_key("XX12CDE") not in keys


def test_a_wildcard_pattern_has_no_key_list():
    assert fuzzy_keys("AB*") is None
