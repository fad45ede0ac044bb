"""Alembic environment of the cloud store: runs on the connection handed in by migrate."""

from __future__ import annotations

from alembic import context

from cloud_plane.store.migrate import VERSION_TABLE
from cloud_plane.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI directly
    raise RuntimeError("run migrations through cloud_plane.store.migrate.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
