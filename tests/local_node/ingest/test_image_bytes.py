"""The images' running total: reservations within the budget, shared by processes."""

from __future__ import annotations

import multiprocessing

import pytest

from local_node.ingest.image_bytes import Cell, ImageBytes, shared_cell


def test_a_reservation_past_the_budget_answers_the_shortfall_and_adds_nothing() -> None:
    total = ImageBytes(total=900)
    assert total.reserve(150, budget=1000) == 50
    assert total.total == 900


def test_a_reservation_within_the_budget_is_counted_at_once() -> None:
    total = ImageBytes(total=900)
    assert total.reserve(100, budget=1000) == 0
    assert total.reserve(1, budget=1000) == 1


def test_settling_replaces_the_reservation_by_the_bytes_stored() -> None:
    total = ImageBytes(total=0)
    total.reserve(100, budget=None)
    total.settle(100, 60)
    assert total.total == 60


def _reserve_in_child(cell: Cell) -> None:
    ImageBytes(cell).reserve(700, budget=1000)


def test_a_shared_total_counts_what_another_process_reserved() -> None:
    ctx = multiprocessing.get_context("spawn")
    cell = shared_cell(2, ctx)
    total = ImageBytes(cell, total=200)
    child = ctx.Process(target=_reserve_in_child, args=(cell.for_slot(2),))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert total.total == 900
    assert total.reserve(200, budget=1000) == 100


def test_a_reservation_is_in_flight_until_it_is_settled() -> None:
    total = ImageBytes(total=0)
    total.reserve(100, budget=None)
    assert total.in_flight == 100
    total.settle(100, 100)
    assert total.in_flight == 0


def test_settling_a_failed_commit_gives_the_reservation_back() -> None:
    total = ImageBytes(total=300)
    total.reserve(100, budget=None)
    total.settle(100, 0)
    assert (total.total, total.in_flight) == (300, 0)


def test_a_recount_keeps_the_reservations_in_flight_on_top() -> None:
    total = ImageBytes(total=0)
    total.reserve(100, budget=None)
    total.set(500)
    assert total.total == 600


def test_forgetting_a_dead_process_drops_its_reservation_alone() -> None:
    cell = shared_cell(2)
    parent, worker = ImageBytes(cell), ImageBytes(cell.for_slot(2))
    parent.reserve(10, budget=None)
    worker.reserve(700, budget=None)
    parent.forget(2)
    assert (parent.total, parent.in_flight) == (10, 10)


def test_a_slot_outside_the_cell_is_refused() -> None:
    with pytest.raises(ValueError, match=r"slot 3 outside 1\.\.2"):
        shared_cell(2).for_slot(3)
