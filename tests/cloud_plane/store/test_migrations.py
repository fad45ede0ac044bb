"""The migrations build exactly the tables the models describe, in their own version table."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, inspect, select

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
        hotlist = Table("cloud_hotlist", MetaData(), autoload_with=engine)  # as it was then
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


def test_0004_gives_entries_owners_and_new_versions_so_nodes_pull_them(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0003")
        old = MetaData()
        hotlist, ops, meta = (
            Table(name, old, autoload_with=engine)
            for name in ("cloud_hotlist", "cloud_hotlist_ops", "cloud_meta")
        )
        now = datetime(2026, 11, 1, tzinfo=UTC)
        site_op, staff_op = str(uuid.uuid4()), str(uuid.uuid4())
        with engine.begin() as conn:
            for plate, by, op_id, site, version in (
                ("SITE1", "token:admin-1", site_op, "site_a", 1),
                ("STAFF1", "alice", staff_op, None, 2),
            ):
                conn.execute(
                    hotlist.insert().values(
                        list_name="stolen",
                        plate_norm=plate,
                        plate=plate,
                        reason="",
                        priority=50,
                        updated_by=by,
                        updated_at=now,
                        op_id=op_id,
                        deleted=False,
                        version=version,
                    )
                )
                conn.execute(
                    ops.insert().values(
                        op_id=op_id,
                        site_id=site,
                        status="applied",
                        version=version,
                        applied_at=now,
                    )
                )
            conn.execute(meta.delete().where(meta.c.name == "hotlist_version"))
            conn.execute(meta.insert().values(name="hotlist_version", int_value=2))
        upgrade(engine)
        new = metadata.tables["cloud_hotlist"]
        with engine.connect() as conn:
            rows = {
                r.plate_norm: (r.owner, r.updated_by, r.reported_by, r.version)
                for r in conn.execute(select(new))
            }
            counter = conn.execute(
                select(meta.c.int_value).where(meta.c.name == "hotlist_version")
            ).scalar_one()
        assert rows == {
            "SITE1": ("site:site_a", "site:site_a", "token:admin-1", 3),
            "STAFF1": ("cloud", "alice", None, 4),
        }
        assert counter == 4
    finally:
        engine.dispose()
