"""The images' running total: reservations within the budget, shared by processes."""

from __future__ import annotations

import multiprocessing

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
    cell = shared_cell(ctx)
    total = ImageBytes(cell, total=200)
    child = ctx.Process(target=_reserve_in_child, args=(cell,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert total.total == 900
    assert total.reserve(200, budget=1000) == 100
