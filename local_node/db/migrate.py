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
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (idempotent; safe on every start)."""
    cfg = alembic_config()
    # Alembic narrates every plugin at INFO; one line from the caller is enough.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
