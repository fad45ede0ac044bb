"""Database engines for the SQL store: SQLite (WAL, full fsync, owner-only files) or PostgreSQL."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import create_engine

log = logging.getLogger(__name__)

IMMEDIATE = "edgesync_immediate"
"""Execution option: on SQLite, begin with BEGIN IMMEDIATE (take the write lock up front)."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine whose commits are durable: an acked batch survives a power cut."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_sqlite_files(Path(parsed.database))
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def private_sqlite_files(db_path: Path) -> None:
    """Make the database file (and its -wal/-shm) 0600 before SQLite opens it.

    SQLite creates a new file with the process umask (0644 by default), and gives the
    -wal and -shm files the mode of the database file: creating it 0600 first covers all
    three. A new parent directory is made 0700; an existing one is left as it is (it may be
    shared: the data directory itself is tightened by whoever owns it).
    """
    db_path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    private_file(db_path)
    for suffix in ("-wal", "-shm", "-journal"):
        tighten(Path(f"{db_path}{suffix}"), PRIVATE_FILE_MODE)


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
"""Modes of what holds plates, times and credentials: the owner only, whatever the umask."""


def private_dir(path: Path) -> Path:
    """Create ``path`` (owner-only, 0700) or tighten an existing looser one; return it."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    tighten(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists; tighten an existing looser one."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    tighten(path, PRIVATE_FILE_MODE)
    return path


def tighten(path: Path, mode: int) -> None:
    """Drop every permission bit of ``path`` outside ``mode``; log when there were some."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if not current & ~mode:
        return  # logged at most once per file: the next start finds it tight
    try:
        os.chmod(path, current & mode)
    except OSError as exc:  # not ours (a shared parent): say so, do not stop the service
        log.warning(
            "%s is readable by others (mode %o) and cannot be tightened: %s", path, current, exc
        )
        return
    log.warning("%s was open to others (mode %o); tightened to %o", path, current, current & mode)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's implicit BEGIN is
    # deferred, and a deferred reader that later writes fails under WAL if another
    # writer committed in between).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside the single writer; synchronous=FULL is what survived the
    # power-cut simulation on this machine kind (NORMAL lost recent commits).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
