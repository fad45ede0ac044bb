"""The append-only triggers: INSERT works; UPDATE, DELETE (and TRUNCATE on PostgreSQL) refused."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from sync_protocol.append_only import APPEND_ONLY_MESSAGE, create_statements, drop_statements


@pytest.fixture
def log_table(database_url: str):
    """A table ``ledger`` with one row, under the append-only triggers."""
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE ledger (id INTEGER PRIMARY KEY, what VARCHAR(20))"))
        for statement in create_statements("ledger", engine.dialect.name):
            conn.execute(text(statement))
        conn.execute(text("INSERT INTO ledger (id, what) VALUES (1, 'first')"))
    yield engine
    engine.dispose()


def rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT id, what FROM ledger ORDER BY id"))]


def test_insert_is_allowed(log_table):
    with log_table.begin() as conn:
        conn.execute(text("INSERT INTO ledger (id, what) VALUES (2, 'second')"))
    assert rows(log_table) == [(1, "first"), (2, "second")]


@pytest.mark.parametrize(
    "statement",
    ["UPDATE ledger SET what = 'rewritten'", "DELETE FROM ledger"],
    ids=["update", "delete"],
)
def test_changing_a_row_is_refused_and_nothing_changes(log_table, statement):
    with pytest.raises(DBAPIError, match=APPEND_ONLY_MESSAGE), log_table.begin() as conn:
        conn.execute(text(statement))
    assert rows(log_table) == [(1, "first")]


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(postgres_url):
    engine = create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE ledger (id INTEGER PRIMARY KEY, what VARCHAR(20))"))
            for statement in create_statements("ledger", "postgresql"):
                conn.execute(text(statement))
            conn.execute(text("INSERT INTO ledger (id, what) VALUES (1, 'first')"))
        with pytest.raises(DBAPIError, match=APPEND_ONLY_MESSAGE), engine.begin() as conn:
            conn.execute(text("TRUNCATE ledger"))
        assert rows(engine) == [(1, "first")]
    finally:
        engine.dispose()


def test_dropping_the_triggers_allows_changes_again(log_table):
    with log_table.begin() as conn:
        for statement in drop_statements("ledger", log_table.dialect.name):
            conn.execute(text(statement))
        conn.execute(text("DELETE FROM ledger"))
    assert rows(log_table) == []


def test_an_unknown_dialect_is_refused_by_name():
    with pytest.raises(ValueError, match="mysql"):
        create_statements("ledger", "mysql")
