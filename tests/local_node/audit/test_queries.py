"""Reading the log: newest first, paged by id, filtered; every match in order for exports."""

from __future__ import annotations

from datetime import timedelta

from local_node.audit import queries
from local_node.audit.recorder import Auditor
from sync_protocol.audit import AuditAction


def fill(auditor: Auditor, count: int, action: AuditAction = AuditAction.SEARCH) -> None:
    for i in range(count):
        auditor.record(action, target=f"T{i}")


def test_a_page_is_newest_first_and_names_the_next(engine, auditor):
    fill(auditor, 5)
    rows, next_before = queries.page(engine, queries.AuditFilter(), limit=3)
    assert [r.target for r in rows] == ["T4", "T3", "T2"]
    rest, after = queries.page(engine, queries.AuditFilter(), before_id=next_before, limit=3)
    assert [r.target for r in rest] == ["T1", "T0"] and after is None


def test_filters_by_action_and_actor(engine, auditor):
    fill(auditor, 2)
    fill(auditor, 1, AuditAction.HOTLIST_ADD)
    other = Auditor(engine=engine, actor="cli", source="cli", clock=auditor.clock)
    other.record(AuditAction.HOTLIST_ADD, target="mine")
    found, _ = queries.page(engine, queries.AuditFilter(action="hotlist.add", actor="cli"))
    assert [r.target for r in found] == ["mine"]


def test_filters_by_time_range(engine, auditor):
    fill(auditor, 3)
    everything, _ = queries.page(engine, queries.AuditFilter())
    middle = sorted(everything, key=lambda r: r.at)[1].at
    found, _ = queries.page(
        engine, queries.AuditFilter(since=middle, until=middle + timedelta(seconds=1))
    )
    assert [r.target for r in found] == ["T1"]


def test_every_reads_all_matches_oldest_first_across_batches(engine, auditor, monkeypatch):
    monkeypatch.setattr(queries, "EXPORT_BATCH", 2)
    fill(auditor, 5)
    assert [r.target for r in queries.every(engine, queries.AuditFilter())] == [
        "T0",
        "T1",
        "T2",
        "T3",
        "T4",
    ]
