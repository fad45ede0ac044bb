"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, select
from sqlmodel import SQLModel

import local_node.db.tables  # noqa: F401
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.db.tables import HotlistEntry


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


def _hotlist_row(list_name: str, plate: str, priority: int, updated_by: str) -> dict:
    return {
        "list_name": list_name,
        "plate_norm": plate,
        "plate": plate,
        "reason": None,
        "priority": priority,
        "expires_at": None,
        "updated_by": updated_by,
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
        "deleted": False,
        "version": 3,
    }


def test_0005_rescales_node_made_priorities_and_keeps_cloud_ones(database_url: str):
    engine = make_engine(database_url)
    upgrade(engine, "0004")
    hotlist = HotlistEntry.__table__
    with engine.begin() as conn:
        conn.execute(
            hotlist.insert(),
            [
                _hotlist_row("stolen", "NODE9", 9, "token:admin-1"),  # a site's 0-10 edit
                _hotlist_row("stolen", "NODE0", 0, "token:admin-1"),
                _hotlist_row("wanted", "CLOUD9", 9, "alice"),  # staff edit: already 0-100
                _hotlist_row("wanted", "CLOUD80", 80, "alice"),
            ],
        )
    upgrade(engine)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(hotlist.c.plate_norm, hotlist.c.priority)).all())
    engine.dispose()
    assert stored == {"NODE9": 90, "NODE0": 0, "CLOUD9": 9, "CLOUD80": 80}


def test_0006_gives_existing_entries_owners_made_here_or_by_the_cloud(database_url: str):
    engine = make_engine(database_url)
    upgrade(engine, "0005")
    old = MetaData()
    hotlist = Table("hotlist", old, autoload_with=engine)  # as it was then
    sync_state = Table("sync_state", old, autoload_with=engine)
    pending = {**_hotlist_row("watch", "PENDING1", 50, "token:admin-1"), "version": None}
    with engine.begin() as conn:
        conn.execute(
            hotlist.insert(),
            [
                _hotlist_row("stolen", "NODE1", 50, "token:admin-1"),  # made through the API
                _hotlist_row("stolen", "CLOUD1", 50, "alice"),  # staff
                pending,
            ],
        )
        conn.execute(
            sync_state.insert().values(id=1, site_id="site_a", hotlist_version=3, hits_acked=0)
        )
    upgrade(engine)
    new = HotlistEntry.__table__
    with engine.connect() as conn:
        owners = dict(conn.execute(select(new.c.plate_norm, new.c.owner)).all())
    engine.dispose()
    assert owners == {"NODE1": "site:site_a", "CLOUD1": "cloud", "PENDING1": "site:site_a"}
