"""The SQL cloud store on SQLite and on PostgreSQL, for what only SQL has (its tables)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cloud_plane.store.sql import SqlStore


@pytest.fixture
def sql_store(database_url: str) -> Iterator[SqlStore]:
    """A migrated SQL cloud store (SQLite file, or a PostgreSQL schema of its own)."""
    store = SqlStore.open(database_url)
    yield store
    store.meta.close()
