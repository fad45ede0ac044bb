"""Nodes starting together on one PostgreSQL migrate it once (the migrate advisory lock)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text

from local_node.db import advisory
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade

pytestmark = pytest.mark.postgres

STARTERS = 6


STARTER = """
import sys, time
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
url, at, guarded = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1"
engine = make_engine(url)
time.sleep(max(0.0, at - time.time()))  # every starter begins at the same moment
upgrade(engine, guarded=guarded)
"""


def start_together(url: str, *, guarded: bool = True) -> list[str]:
    """Start STARTERS processes that migrate at the same moment; the errors of those that fail.

    Processes, as the API tasks are: Alembic's context is process-global, not for threads.
    """
    at = str(time.time() + 5)  # time enough for every interpreter to start, even loaded
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, url, at, "1" if guarded else "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(STARTERS)
    ]
    errors = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        if proc.returncode:
            errors.append(err)
    return errors


def versions(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
    engine.dispose()
    return found


def head() -> str:
    from alembic.script import ScriptDirectory

    from local_node.db.migrate import alembic_config

    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def test_nodes_starting_together_all_start_and_migrate_once(postgres_url):
    assert start_together(postgres_url) == []
    assert versions(postgres_url) == [head()]


def empty_schema(url: str) -> None:
    """Drop everything in the URL's schema (another unguarded try needs the race again)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def test_without_the_lock_nodes_starting_together_collide(postgres_url):
    """What the lock prevents: the race is real on this schema (several create the tables).

    A race: on a loaded machine the starters may happen to run one after another, so up to
    three tries, each on an empty schema, must show one collision.
    """
    errors: list[str] = []
    for _ in range(3):
        errors = start_together(postgres_url, guarded=False)
        if errors:
            break
        empty_schema(postgres_url)
    assert errors, "no collision in 3 tries: the guarded test above would prove nothing"
    assert all("duplicate key" in err or "already exists" in err for err in errors)


def test_a_migration_waits_while_another_node_holds_the_lock(postgres_url):
    other = make_engine(postgres_url)
    engine = make_engine(postgres_url)
    with other.connect() as holder:
        advisory.lock(holder, advisory.MIGRATE)  # another task, mid-migration
        migrating = threading.Thread(target=upgrade, args=(engine,))
        migrating.start()
        migrating.join(1.0)
        assert migrating.is_alive(), "upgrade did not wait for the migrate lock"
        assert advisory.holders(holder, advisory.MIGRATE) == 1
        advisory.unlock(holder, advisory.MIGRATE)
    migrating.join(60)
    assert not migrating.is_alive() and versions(postgres_url) == [head()]
    with other.connect() as conn:
        assert advisory.holders(conn, advisory.MIGRATE) == 0  # released after migrating
    other.dispose()
    engine.dispose()
