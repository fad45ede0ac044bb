"""Exactly one sync agent per node: an exclusive flock on ``data_dir/agent.lock``, and on
PostgreSQL a session advisory lock as well.

The kernel releases the lock when its holder exits, even on SIGKILL, so a crashed agent
never blocks the next one. flock locks belong to an open file, so a second agent in the
same process is refused too.

A file lock only sees the agents that share the data dir's filesystem. On PostgreSQL the node
may run on several machines (full cloud: Fargate tasks) whose one shared thing is the
database, so the agent also holds the node's agent advisory lock on a connection of its own
for its lifetime (``local_node.db.advisory``); PostgreSQL drops it when that session ends,
as the kernel does the flock when the process ends.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from local_node.db import advisory

log = logging.getLogger(__name__)

LOCK_FILE = "agent.lock"
KEEP_EVERY_S = 15
"""How often a running agent checks that its database lock's session is still alive."""
RUN_ONE = "run one agent per node (`node serve --no-agent` beside `node agent`)"


class AgentLockHeld(Exception):
    """Another sync agent runs for this node."""


class AgentLock:
    """Hold the node's agent lock from ``acquire()`` until ``release()``."""

    def __init__(self, data_dir: Path, engine: Engine | None = None) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None
        self._engine = (
            engine if engine is not None and engine.dialect.name == "postgresql" else None
        )
        self._conn: Connection | None = None

    def acquire(self) -> AgentLock:
        """Take the lock (file, then database) or raise ``AgentLockHeld`` at once (never waits)."""
        self._acquire_file()
        try:
            self._acquire_database()
        except BaseException:
            self._release_file()
            raise
        return self

    def _acquire_database(self) -> None:
        if self._engine is None:
            return
        conn = self._engine.connect()  # kept checked out: the lock lives as long as the session
        try:
            taken = advisory.try_lock(conn, advisory.AGENT)
        except BaseException:
            conn.close()
            raise
        if not taken:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
            conn.close()
            raise AgentLockHeld(
                f"another sync agent holds the node's database lock (schema {schema} on "
                f"{self._engine.url.host}); {RUN_ONE}"
            )
        self._conn = conn

    def _acquire_file(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AgentLockHeld(f"another sync agent holds {self.path}; {RUN_ONE}") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    @property
    def in_database(self) -> bool:
        """Whether this lock also holds the database's advisory lock (PostgreSQL)."""
        return self._conn is not None

    def keep(self) -> bool:
        """Check the database lock's session; if it broke (a failover), take the lock again.

        Run every KEEP_EVERY_S by the agent. False (logged as an error) when another agent
        took the lock while this one had lost it: two agents run for the node until one stops.
        """
        if self._engine is None or self._fd is None:
            return True  # no database lock to keep, or released
        conn = self._conn
        if conn is not None:
            try:
                conn.exec_driver_sql("SELECT 1").all()
                conn.rollback()
                return True
            except Exception as exc:
                log.warning("the sync agent's database lock session broke (%s)", type(exc).__name__)
                conn.invalidate()
                conn.close()
                self._conn = None
        try:
            self._acquire_database()
        except AgentLockHeld:
            log.error("another sync agent took the node's database lock meanwhile; %s", RUN_ONE)
            return False
        except Exception as exc:  # the database is still away: the next check tries again
            log.warning("cannot take the database lock again yet (%s)", type(exc).__name__)
            return False
        log.warning("the sync agent holds its database lock again")
        return True

    def release(self) -> None:
        """Let another agent run."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                advisory.unlock(conn, advisory.AGENT)
            except Exception:
                conn.invalidate()  # never back to the pool while it may hold the lock
            finally:
                conn.close()
        self._release_file()

    def _release_file(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> AgentLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
