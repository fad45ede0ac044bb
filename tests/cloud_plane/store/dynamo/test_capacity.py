"""Capacity units by item size, checked against AWS's documented rules and examples.

Sources: "DynamoDB item sizes and formats" (CapacityUnitCalculations.html) for sizes, and
"DynamoDB read and write operations" (read-write-operations.html) for the unit examples.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cloud_plane.store.dynamo.capacity import (
    KB,
    CapacityMeter,
    item_size,
    read_units,
    value_size,
    write_units,
)


# -- sizes -------------------------------------------------------------------------------------
def test_a_string_is_its_utf8_bytes_plus_its_name() -> None:
    assert item_size({"name": "héllo"}) == len("name") + len("héllo".encode())


@pytest.mark.parametrize(
    ("number", "size"),
    [
        (0, 2),  # one significant digit: 1 byte per two digits, + 1
        (7, 2),
        (12, 2),
        (123, 3),
        (100000, 2),  # trailing zeros are trimmed
        (Decimal("1E+5"), 2),  # same number with an exponent
        (0.001, 2),  # leading zeros are trimmed
        (1e-07, 2),
        (123456789, 6),
        (-42, 2),
    ],
)
def test_a_number_is_one_byte_per_two_significant_digits_plus_one(number, size) -> None:
    assert value_size(number) == size


def test_binary_is_its_raw_length_not_its_base64() -> None:
    assert value_size(b"\x00" * 30) == 30


def test_null_and_boolean_are_one_byte() -> None:
    assert (value_size(None), value_size(True), value_size(False)) == (1, 1, 1)


def test_an_empty_list_or_map_is_three_bytes() -> None:
    assert (value_size([]), value_size({})) == (3, 3)


def test_list_and_map_elements_cost_one_byte_each_and_map_names_count() -> None:
    assert value_size(["ab", "c"]) == 3 + (2 + 1) + (1 + 1)
    assert value_size({"k": "ab"}) == 3 + len("k") + 2 + 1


def test_a_set_is_the_sum_of_its_members() -> None:
    assert value_size({"ab", "cde"}) == 5


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot size"):
        value_size(object())


# -- units: the AWS examples -------------------------------------------------------------------
def test_a_3500_byte_item_reads_like_a_4_kb_one() -> None:
    assert read_units(3500, consistent=True) == read_units(4 * KB, consistent=True) == 1


def test_an_8_kb_item_takes_two_strong_or_one_eventual_read_unit() -> None:
    assert read_units(8 * KB, consistent=True) == 2
    assert read_units(8 * KB, consistent=False) == 1


def test_a_10_kb_item_is_read_as_12_kb() -> None:
    assert read_units(10 * KB, consistent=True) == 3


def test_a_query_of_40_8_kb_is_rounded_to_44_kb() -> None:
    assert read_units(int(40.8 * KB), consistent=True) == 11
    assert read_units(int(40.8 * KB), consistent=False) == 5.5


def test_a_query_of_1500_items_of_64_bytes_reads_96_kb() -> None:
    assert read_units(1500 * 64, consistent=True) == 24


def test_reading_nothing_still_costs_the_minimum() -> None:
    assert (read_units(0, consistent=True), read_units(0, consistent=False)) == (1, 0.5)


def test_writes_are_rounded_up_to_whole_kilobytes() -> None:
    assert (write_units(500), write_units(KB), write_units(KB + 1), write_units(3500)) == (
        1,
        1,
        2,
        4,
    )


def test_batch_writes_round_each_item_on_its_own() -> None:
    # AWS's example: a 500-byte item and a 3.5 KB item cost 5 KB of writes, not 4 KB.
    meter = CapacityMeter()
    meter.wrote({"pk": "a" * 498})
    meter.wrote({"pk": "b" * (3584 - 2)})
    assert meter.total_writes() == 5


# -- the meter ---------------------------------------------------------------------------------
def test_an_item_in_an_index_is_charged_there_too() -> None:
    meter = CapacityMeter()
    meter.wrote({"pk": "a", "gsi1pk": "x"}, indexes=["gsi1"])
    assert (meter.writes["table"], meter.writes["gsi1"], meter.total_writes()) == (1, 1, 2)


def test_eventually_consistent_reads_add_half_units_and_reset_forgets() -> None:
    meter = CapacityMeter()
    meter.read("table", 100, consistent=False)
    meter.read("gsi1", 100, consistent=False)
    assert meter.total_reads() == 1.0
    meter.reset()
    assert (meter.total_reads(), meter.total_writes()) == (0, 0)
