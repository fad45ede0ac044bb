"""The SQL audit table refuses UPDATE and DELETE (its trigger), whatever the caller."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from cloud_plane.records.audit import AuditQuery
from cloud_plane.store.sql import SqlStore
from cloud_plane.store.tables import AuditRow
from sync_protocol.audit import AuditRecord
from tests.cloud_plane.store.contracts.builders import NOW


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cloud.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    opened = SqlStore.open(url)
    yield opened
    opened.meta.close()


@pytest.mark.parametrize(
    "statement",
    [update(AuditRow).values(actor="user:eve@example.com"), delete(AuditRow)],
    ids=["update", "delete"],
)
def test_a_stored_entry_cannot_be_changed_or_deleted(store: SqlStore, statement) -> None:
    store.audit.append(AuditRecord(at=NOW, actor="user:ann@example.com", action="search"))
    with pytest.raises(DBAPIError, match="append-only"), store.db.tx(write=True) as conn:
        conn.execute(statement)
    [kept] = store.audit.list(AuditQuery()).items
    assert kept.actor == "user:ann@example.com"
