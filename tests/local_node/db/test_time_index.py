"""detections' time index: BRIN on PostgreSQL, a B-tree on SQLite; TimescaleDB detected, unused."""

from __future__ import annotations

import logging

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine

from local_node.db import time_index
from local_node.db.engine import make_engine
from local_node.db.migrate import alembic_config, upgrade
from local_node.db.time_index import INDEX, plan, timescale_available

PG_INDEX_METHOD = text(
    "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relname = :name AND n.nspname = current_schema()"
)


def index_method(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(PG_INDEX_METHOD, {"name": INDEX}).scalar_one_or_none()


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


@pytest.fixture
def pg(postgres_url: str):
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


def test_sqlite_gets_no_statements():
    assert plan("sqlite", timescale_available=False) == []


def test_postgresql_gets_a_brin_index_on_received_at():
    statements = plan("postgresql", timescale_available=False)
    assert statements[-1] == f"CREATE INDEX {INDEX} ON detections USING brin (received_at)"


def test_with_timescale_detections_stays_a_plain_table_with_the_brin_index():
    with_timescale = plan("postgresql", timescale_available=True)
    assert with_timescale == plan("postgresql", timescale_available=False)
    assert not [s for s in with_timescale if "hypertable" in s or "_policy" in s]


def test_timescale_is_not_available_on_this_server(pg: Engine):
    with pg.connect() as conn:
        assert timescale_available(conn) is False


def test_timescale_is_never_available_on_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    with engine.connect() as conn:
        assert timescale_available(conn) is False
    engine.dispose()


def test_upgrade_makes_the_received_at_index_brin_on_postgresql(pg: Engine):
    upgrade(pg)
    assert index_method(pg) == "brin"


def test_downgrade_puts_the_btree_back_and_upgrade_the_brin(pg: Engine):
    upgrade(pg)
    downgrade(pg, "0010")
    assert index_method(pg) == "btree"
    upgrade(pg)
    assert index_method(pg) == "brin"


def test_sqlite_keeps_its_btree_index_through_upgrade_and_downgrade(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    upgrade(engine)
    downgrade(engine, "0010")
    upgrade(engine)
    with engine.connect() as conn:
        names = conn.exec_driver_sql("PRAGMA index_list('detections')").all()
    engine.dispose()
    assert INDEX in {row[1] for row in names}


def test_where_timescale_is_available_the_upgrade_says_it_is_left_unused(
    pg: Engine, monkeypatch, caplog
):
    monkeypatch.setattr(time_index, "timescale_available", lambda conn: True)
    with caplog.at_level(logging.WARNING):
        upgrade(pg)
    assert "TimescaleDB is available" in caplog.text
    assert index_method(pg) == "brin"
