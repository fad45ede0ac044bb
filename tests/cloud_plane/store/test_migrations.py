"""The migrations build exactly the tables the models describe, in their own version table."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

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


def test_0003_rescales_site_made_priorities_and_keeps_staff_ones(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002")
        hotlist = metadata.tables["cloud_hotlist"]
        now = datetime(2026, 11, 1, tzinfo=UTC)
        rows = [
            ("stolen", "SITE9", 9, "token:admin-1", 1),  # a site's 0-10 edit, pushed as is
            ("stolen", "SITE0", 0, "token:admin-1", 2),
            ("wanted", "STAFF9", 9, "alice", 3),  # staff edits are already 0-100
            ("wanted", "STAFF80", 80, "alice", 4),
        ]
        with engine.begin() as conn:
            conn.execute(
                hotlist.insert(),
                [
                    {
                        "list_name": list_name,
                        "plate_norm": plate,
                        "plate": plate,
                        "reason": "",
                        "priority": priority,
                        "updated_by": by,
                        "updated_at": now,
                        "op_id": str(uuid.uuid4()),
                        "deleted": False,
                        "version": version,
                    }
                    for list_name, plate, priority, by, version in rows
                ],
            )
        upgrade(engine)
        with engine.connect() as conn:
            stored = dict(conn.execute(select(hotlist.c.plate_norm, hotlist.c.priority)).all())
        assert stored == {"SITE9": 90, "SITE0": 0, "STAFF9": 9, "STAFF80": 80}
    finally:
        engine.dispose()
