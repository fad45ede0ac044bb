"""A PostgreSQL node whose user may not create databases: the archive is read, not counted."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from local_node.backups.job import run_backup
from local_node.config import NodeSettings
from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from tests.conftest import POSTGRES_ENV
from tests.local_node.backups.conftest import StepClock, add_reads

pytestmark = pytest.mark.postgres


@pytest.fixture
def plain_user_url() -> Iterator[str]:
    """A node database (a schema) owned by a new role without CREATEDB."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set (CI sets it; see .ci/run)")
    name = "bk_" + secrets.token_hex(5)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{name}" LOGIN NOCREATEDB'))
        conn.execute(text(f'CREATE SCHEMA "{name}" AUTHORIZATION "{name}"'))
    url = make_url(base).set(username=name, query={"options": f"-csearch_path={name}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
            conn.execute(text(f'DROP ROLE "{name}"'))
        admin.dispose()


def test_without_createdb_the_backup_is_kept_as_archive_read_not_count_verified(
    plain_user_url: str, tmp_path: Path
) -> None:
    settings = NodeSettings(
        data_dir=tmp_path / "node",
        database_url=plain_user_url,
        min_free_bytes=0,
        backup_destination=str(tmp_path / "nas"),
    )
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
        repo.ensure_state(engine, datetime.now(UTC))
        add_reads(settings, engine, 2)
        outcome = run_backup(engine, settings, StepClock(datetime(2026, 3, 2, tzinfo=UTC)))
    finally:
        engine.dispose()
    assert (outcome.status, outcome.verified) == ("ok", False), outcome.error
