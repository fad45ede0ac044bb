"""Recording entries: bounded text, the caller's transaction, and the table refusing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from local_node.audit import queries
from local_node.audit.recorder import query_detail
from sync_protocol.audit import REASON_MAX, AuditAction


def entries(engine, **kw):
    return queries.page(engine, queries.AuditFilter(**kw), limit=1000)[0]


def test_an_entry_is_stored_with_actor_source_target_reason_and_detail(engine, auditor):
    auditor.record(
        AuditAction.SEARCH, target="AB12CDE", reason="case 12", detail={"plate": "AB12CDE"}
    )
    [entry] = entries(engine)
    assert (entry.actor, entry.source, entry.action) == ("user:ann", "10.0.0.9", "search")
    assert (entry.target, entry.reason, dict(entry.detail)) == (
        "AB12CDE",
        "case 12",
        {"plate": "AB12CDE"},
    )


def test_a_long_hostile_reason_is_bounded_not_refused(engine, auditor):
    auditor.record(AuditAction.SEARCH, reason="x\r\n" * 1000)
    [entry] = entries(engine)
    assert entry.reason == "x" * REASON_MAX


def test_an_entry_in_a_rolled_back_transaction_is_not_kept(engine, auditor):
    with Session(engine) as session:
        auditor.record(AuditAction.HOTLIST_ADD, target="stolen/AB1", within=session)
        session.rollback()
    assert entries(engine) == []


def test_an_entry_in_the_callers_transaction_commits_with_it(engine, auditor):
    with Session(engine) as session:
        auditor.record(AuditAction.HOTLIST_ADD, target="stolen/AB1", within=session)
        assert entries(engine) == []  # not before the caller commits
        session.commit()
    assert [e.target for e in entries(engine)] == ["stolen/AB1"]


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"],
    ids=["update", "delete"],
)
def test_the_node_audit_log_refuses_rewriting(engine, auditor, statement):
    auditor.record(AuditAction.SEARCH, target="AB12CDE")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert [e.actor for e in entries(engine)] == ["user:ann"]


def test_query_detail_keeps_only_given_fields_with_times_as_text(auditor):
    at = auditor.clock()
    assert query_detail(plate="AB1", camera=None, fuzzy=False, since=at, until="") == {
        "plate": "AB1",
        "since": at.isoformat(),
    }
