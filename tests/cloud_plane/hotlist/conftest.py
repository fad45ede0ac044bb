"""Fixtures of the hotlist use-case tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cloud_plane.store.base import CloudStore
from cloud_plane.store.sql import SqlStore


@pytest.fixture
def store(database_url: str) -> Iterator[CloudStore]:
    """A migrated SQL store (SQLite, and PostgreSQL when configured)."""
    impl = SqlStore.open(database_url)
    yield impl
    impl.meta.close()
