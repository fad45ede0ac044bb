"""Alembic environment: runs on the connection handed in by local_node.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import local_node.db.tables  # noqa: F401  (registers the tables on the metadata)

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI directly
    raise RuntimeError("run migrations through local_node.db.migrate.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
