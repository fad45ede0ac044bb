"""The plate dictionary search reads: counts, newest seq and latest time, kept on delete."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from local_node.db.plate_dictionary import forget_deleted_reads
from local_node.db.tables import Detection, PlateIndexEntry
from tests.local_node.search.conftest import NodeHarness
from tests.search_contract import START, ContractRead


def entry(engine: Engine, plate: str) -> tuple[int, int, object] | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                PlateIndexEntry.reads, PlateIndexEntry.last_seq, PlateIndexEntry.last_received_at
            ).where(PlateIndexEntry.plate_norm == plate)
        ).one_or_none()
    return None if row is None else tuple(row)  # type: ignore[return-value]


def test_a_plate_keeps_its_count_newest_seq_and_latest_time(harness: NodeHarness):
    late = START + timedelta(hours=2)
    harness.store([ContractRead("a", "AB12CDE", "s", late)])
    # A read stored later but received earlier (imported history): the latest time stays.
    harness.store([ContractRead(t, "AB12CDE", "s", START) for t in "bc"])
    assert entry(harness.engine, "AB12CDE") == (3, 3, late)


def test_a_plate_read_since_is_found_though_a_later_seq_is_older(harness: NodeHarness):
    harness.store([ContractRead("live", "AB12CDE", "s", START + timedelta(days=7))])
    harness.store([ContractRead("imported", "AB12CDE", "s", START)])
    tokens, _ = harness.search(
        "AB12CD*", fuzzy=False, max_edits=1, limit=10, cursor=None, since=START + timedelta(days=1)
    )
    assert tokens == ["live"]


def test_deleting_some_reads_of_a_plate_lowers_its_count(harness: NodeHarness):
    harness.store([ContractRead(t, "AB12CDE", "s", START) for t in "abc"])
    with harness.engine.begin() as conn:
        conn.execute(delete(Detection).where(Detection.event_id.in_(["a", "b"])))
        assert forget_deleted_reads(conn, {"AB12CDE": 2}) == 0
    assert entry(harness.engine, "AB12CDE") == (1, 3, START)


def test_deleting_every_read_of_a_plate_forgets_it(harness: NodeHarness):
    harness.store([ContractRead("a", "AB12CDE", "s", START), ContractRead("b", "KX1", "s", START)])
    with harness.engine.begin() as conn:
        conn.execute(delete(Detection).where(Detection.event_id == "a"))
        assert forget_deleted_reads(conn, {"AB12CDE": 1}) == 1
    assert entry(harness.engine, "AB12CDE") is None and entry(harness.engine, "KX1")
