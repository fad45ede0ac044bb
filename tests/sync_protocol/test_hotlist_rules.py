"""The one set of hotlist entry rules (sync_protocol.hotlist_rules)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from sync_protocol.hotlist_messages import HotlistOp
from sync_protocol.hotlist_rules import (
    DEFAULT_PRIORITY,
    MAX_PLATE_LENGTH,
    InvalidEntry,
    Priority,
    entry_problem,
    list_name_problem,
    op_problem,
    plate_problem,
    validated_entry_plate,
)


def op(list_name: str = "stolen", plate_norm: str = "AB12CDE") -> HotlistOp:
    return HotlistOp(
        op_id=uuid.uuid4(),
        action="upsert",
        list_name=list_name,
        plate_norm=plate_norm,
        made_at=datetime(2026, 1, 1, tzinfo=UTC),
        made_by="token:admin",
    )


def test_priority_is_0_to_100_with_default_50():
    adapter = TypeAdapter(Priority)
    assert adapter.validate_python(0) == 0 and adapter.validate_python(100) == 100
    with pytest.raises(ValidationError):
        adapter.validate_python(101)
    assert DEFAULT_PRIORITY == 50 == op().priority


@pytest.mark.parametrize("name", ["stolen", "watch_2", "a", "x" * 32])
def test_list_names_of_the_pattern_are_accepted(name: str):
    assert list_name_problem(name) is None


@pytest.mark.parametrize("name", ["Stolen", "2nd", "", "x" * 33, "../etc"])
def test_other_list_names_are_refused_with_the_pattern_in_the_message(name: str):
    assert "must match" in (list_name_problem(name) or "")


def test_a_plate_is_normalised_into_the_entry_key():
    assert validated_entry_plate(" ab-12 cde ") == "AB12CDE"
    assert validated_entry_plate("kx7**") == "KX7*"


@pytest.mark.parametrize("text", ["---", "*", "???", "*?*"])
def test_a_plate_without_letters_or_digits_is_refused(text: str):
    with pytest.raises(InvalidEntry, match="no letters or digits"):
        validated_entry_plate(text)
    assert plate_problem(text) is not None


def test_a_plate_longer_than_the_wire_carries_is_refused():
    assert plate_problem("A" * MAX_PLATE_LENGTH) is None
    with pytest.raises(InvalidEntry, match="longer than 20"):
        validated_entry_plate("A" * (MAX_PLATE_LENGTH + 1))


def test_punctuation_does_not_count_towards_the_length():
    assert validated_entry_plate("A-" * MAX_PLATE_LENGTH) == "A" * MAX_PLATE_LENGTH


def test_invalid_entry_is_a_value_error():
    assert issubclass(InvalidEntry, ValueError)


def test_an_entry_key_must_already_be_normalised():
    assert "not normalised" in (entry_problem("stolen", "ab12cde") or "")


def test_a_valid_op_has_no_problem():
    assert op_problem(op()) is None


def test_an_op_with_a_bad_list_name_has_a_problem():
    assert "must match" in (op_problem(op(list_name="Stolen")) or "")


def test_an_op_with_a_wildcard_only_key_has_a_problem():
    assert "no letters or digits" in (op_problem(op(plate_norm="??")) or "")
