"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import local_node.db.tables  # noqa: F401
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade


def test_migrated_schema_matches_the_models(database_url: str):
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_twice_is_harmless(database_url: str):
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)
    engine.dispose()
