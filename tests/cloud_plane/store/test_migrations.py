"""The migrations build exactly the tables the models describe, in their own version table."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from cloud_plane.store.engine import make_engine
from cloud_plane.store.migrate import VERSION_TABLE, upgrade
from cloud_plane.store.tables import metadata


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        upgrade(engine)  # idempotent
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            diff = compare_metadata(context, metadata)
            tables = set(inspect(conn).get_table_names())
        assert diff == []
        assert VERSION_TABLE in tables and "alembic_version" not in tables
    finally:
        engine.dispose()
