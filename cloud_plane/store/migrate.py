"""Schema migrations of the SQL store (Alembic), run on every start before serving.

The cloud keeps its own script folder and its own version table
(``alembic_version_cloud``), so its schema can share a database with nothing
else getting confused, and evolves independently of the node's.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_cloud"


def alembic_config() -> Config:
    """Return an Alembic config pointing at the packaged migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (idempotent; safe on every start)."""
    cfg = alembic_config()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
