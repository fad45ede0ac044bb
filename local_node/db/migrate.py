"""Schema migrations (Alembic), run on every start before the node serves.

Alembic over hand-written DDL because the node runs on SQLite and PostgreSQL and its schema
will change in the field: Alembic gives per-dialect DDL, batch mode for SQLite's limited
ALTER TABLE, a version table, and `compare_metadata` for the test that models and
migrations agree.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from local_node.db import advisory

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine, revision: str = "head", *, guarded: bool = True) -> None:
    """Bring the database to `revision` (idempotent; safe on every start).

    On PostgreSQL the migration runs under the node's migrate advisory lock: several API tasks
    starting together (full cloud) would otherwise each see an empty version table and each
    create the tables, all but one failing on "already exists". The others wait, then find
    the schema at head and do nothing. ``guarded=False`` only for the test that shows the race.
    """
    cfg = alembic_config()
    # Alembic narrates every plugin at INFO; one line from the caller is enough.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with engine.connect() as conn:
        locked = guarded and conn.dialect.name == "postgresql"
        if locked:
            advisory.lock(conn, advisory.MIGRATE)
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        finally:
            if locked:
                _release(conn)


def _release(conn: Connection) -> None:
    try:
        advisory.unlock(conn, advisory.MIGRATE)
    except Exception:
        # The session is broken (its locks are gone with it, or will be when it closes): never
        # hand a connection that may still hold the lock back to the pool.
        conn.invalidate()
        raise
