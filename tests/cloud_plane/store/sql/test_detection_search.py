"""The SQL cloud's plate search beyond the shared contract: its two paths, scope and refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from cloud_plane.errors import InvalidInput
from cloud_plane.records.detections import DetectionQuery
from cloud_plane.store.sql import SqlStore
from cloud_plane.store.sql.detections import SqlDetections
from tests.cloud_plane.store.contracts.builders import NOW
from tests.cloud_plane.store.contracts.search_harness import StoreHarness
from tests.cloud_plane.store.sql.helpers import reads
from tests.search_contract import check_search_contract, corpus


def test_the_dictionary_walk_for_broad_patterns_keeps_the_contract(sql_store: SqlStore) -> None:
    walking = SqlDetections(sql_store.db, walk_above=0)  # every wildcard walks
    harness = StoreHarness(walking, received_at=NOW)
    harness.store(corpus(seed=41, size=250))
    check_search_contract(harness, corpus(seed=41, size=250), examples=40)


def test_the_walk_keeps_the_contract_across_many_small_windows(
    sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On PostgreSQL the walk reads the newest-read index a window at a time (SQLite walks
    # without them): windows of 2 rows, growing to 8, make every page cross many.
    monkeypatch.setattr("cloud_plane.store.sql.plate_recency._FIRST_WINDOW", 2)
    monkeypatch.setattr("cloud_plane.store.sql.plate_recency._LAST_WINDOW", 8)
    walking = SqlDetections(sql_store.db, walk_above=0)
    harness = StoreHarness(walking, received_at=NOW)
    harness.store(corpus(seed=47, size=250))
    check_search_contract(harness, corpus(seed=47, size=250), examples=40)


def test_the_join_for_narrow_patterns_keeps_the_contract(sql_store: SqlStore) -> None:
    joining = SqlDetections(sql_store.db, walk_above=10**9)  # every wildcard joins
    harness = StoreHarness(joining, received_at=NOW)
    harness.store(corpus(seed=43, size=250))
    check_search_contract(harness, corpus(seed=43, size=250), examples=40)


@pytest.mark.parametrize("walk_above", [0, 10**9])
def test_a_wildcard_page_is_full_behind_many_newer_reads_of_other_plates(
    sql_store: SqlStore, walk_above: int
) -> None:
    detections = SqlDetections(sql_store.db, walk_above=walk_above)
    detections.put_batch("a", "st", reads(["AB12CDE", "AB12CDF", "AB12CD"]), received_at=NOW)
    others = [f"XY{n:05d}" for n in range(600)]
    detections.put_batch("a", "st", reads(others, first=4), received_at=NOW)
    page = detections.search_detections(DetectionQuery(plate="AB12*", limit=2))
    assert [d.record.seq for d in page.items] == [3, 2] and page.next_cursor
    rest = detections.search_detections(
        DetectionQuery(plate="AB12*", limit=2, cursor=page.next_cursor)
    )
    assert ([d.record.seq for d in rest.items], rest.next_cursor) == ([1], None)


def test_a_fuzzy_page_is_full_behind_many_newer_reads_of_other_plates(
    sql_store: SqlStore,
) -> None:
    detections = sql_store.detections
    detections.put_batch("a", "st", reads(["AB12CDE", "A812CDE", "AB12CD"]), received_at=NOW)
    others = [f"XY{n:05d}" for n in range(600)]
    detections.put_batch("a", "st", reads(others, first=4), received_at=NOW)
    page = detections.search_detections(DetectionQuery(plate="AB12CDE", fuzzy=True, limit=2))
    assert [d.record.seq for d in page.items] == [3, 2] and page.next_cursor
    rest = detections.search_detections(
        DetectionQuery(plate="AB12CDE", fuzzy=True, limit=2, cursor=page.next_cursor)
    )
    assert ([d.record.seq for d in rest.items], rest.next_cursor) == ([1], None)


def test_a_fuzzy_search_finds_only_the_asked_sites_reads(sql_store: SqlStore) -> None:
    sql_store.detections.put_batch("a", "st", reads(["AB12CDE"]), received_at=NOW)
    sql_store.detections.put_batch("b", "st", reads(["A812CDE", "AB12CDE"]), received_at=NOW)
    search = sql_store.detections.search_detections
    for plate, fuzzy in (("AB12CDE", True), ("A?12CDE", False), ("AB1*", True)):
        found = search(DetectionQuery(plate=plate, fuzzy=fuzzy, site_ids={"a"})).items
        assert [(d.site_id, d.record.seq) for d in found] == [("a", 1)], plate
        assert search(DetectionQuery(plate=plate, fuzzy=fuzzy, site_ids=set())).items == []


@pytest.mark.parametrize("walk_above", [0, 10**9])
def test_a_wildcard_search_finds_only_the_asked_sites_reads(
    sql_store: SqlStore, walk_above: int
) -> None:
    detections = SqlDetections(sql_store.db, walk_above=walk_above)
    detections.put_batch("a", "st", reads(["AB12CDE"]), received_at=NOW)
    detections.put_batch("b", "st", reads(["AB12CDF", "AB12CDE"]), received_at=NOW)
    detections.put_batch("c", "st", reads(["AB12CDG"]), received_at=NOW)
    query = DetectionQuery(plate="*12CD*", site_ids={"a", "c"})
    found = detections.search_detections(query).items
    assert sorted((d.site_id, d.record.plate) for d in found) == [
        ("a", "AB12CDE"),
        ("c", "AB12CDG"),
    ]


def test_a_fuzzy_search_keeps_to_the_asked_camera(sql_store: SqlStore) -> None:
    batch = reads(["AB12CDE", "A812CDE", "AB12CDE"])
    batch[1] = batch[1].model_copy(update={"camera_id": "gate"})
    sql_store.detections.put_batch("a", "st", batch, received_at=NOW)
    query = DetectionQuery(plate="AB12CDE", fuzzy=True, camera_id="gate")
    assert [d.record.seq for d in sql_store.detections.search_detections(query).items] == [2]


def test_the_edit_budget_counts_in_the_answer(sql_store: SqlStore) -> None:
    batch = reads(["AB12CDE", "AB1CDE", "A1CDE"])  # the plate, one and two deletions
    sql_store.detections.put_batch("a", "st", batch, received_at=NOW)
    found = {}
    for edits in (0, 1, 2):
        query = DetectionQuery(plate="AB12CDE", fuzzy=True, max_edits=edits)
        found[edits] = [d.record.seq for d in sql_store.detections.search_detections(query).items]
    assert found == {0: [1], 1: [2, 1], 2: [3, 2, 1]}


@pytest.mark.parametrize("edits", [-1, 3])
def test_an_edit_budget_outside_0_to_2_is_invalid_input(sql_store: SqlStore, edits: int) -> None:
    with pytest.raises(InvalidInput, match="max_edits"):
        sql_store.detections.search_detections(
            DetectionQuery(plate="AB12CDE", fuzzy=True, max_edits=edits)
        )


def test_a_cursor_not_ours_is_invalid_input_on_a_plate_search(sql_store: SqlStore) -> None:
    with pytest.raises(InvalidInput, match="cursor"):
        sql_store.detections.search_detections(
            DetectionQuery(plate="AB1*", fuzzy=True, cursor="garbage")
        )


@pytest.mark.parametrize(
    ("plate", "fuzzy"), [("XY00123", True), ("XY001*", False), ("*0012*", True), ("XY*", False)]
)
def test_a_plate_page_costs_a_few_statements_however_many_plates_match(
    sql_store: SqlStore, plate: str, fuzzy: bool
) -> None:
    plates = [f"XY{n:05d}" for n in range(1500)]
    for first in range(1, len(plates), 500):
        batch = reads(plates[first - 1 : first + 499], first=first)
        sql_store.detections.put_batch("a", "st", batch, received_at=NOW)
    statements: list[str] = []
    event.listen(sql_store.db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    cursor = None
    for _ in range(3):  # the first page and two more
        statements.clear()
        query = DetectionQuery(plate=plate, fuzzy=fuzzy, limit=20, cursor=cursor)
        cursor = sql_store.detections.search_detections(query).next_cursor
        assert len(statements) <= 12, statements
