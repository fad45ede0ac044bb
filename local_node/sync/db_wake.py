"""Waking the sync agent through PostgreSQL (LISTEN/NOTIFY): the priority lane across machines.

``local_node.sync.wake`` wakes an agent through sockets of the shared data dir, which do not
cross machines; in the full cloud the API tasks that store hits and the agent's task share
only the database. So on PostgreSQL a process without the agent also sends ``pg_notify`` on
one channel once a hit is committed, the payload naming its schema (several nodes may share a
database, one schema each), and the agent LISTENs on a connection of its own.

A lost wake-up costs latency, never data: the agent's periodic push still comes. So sending
never fails the ingest path, and the listener reconnects after a failure (waking the agent
once then, for a hit that may have come while it was away).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

CHANNEL = "edgesync_agent_wake"
RETRY_S = 2.0
"""Wait between reconnection attempts of the listener."""
POLL_S = 0.5
"""How long one wait for notifications lasts, so that ``close()`` is heard this soon."""


def on_postgresql(engine: Engine) -> bool:
    """Whether the node's database can carry wake-ups (PostgreSQL)."""
    return engine.dialect.name == "postgresql"


def notify_wake(engine: Engine) -> bool:
    """Tell the agent of this node's schema, on whatever machine, that a hit is waiting.

    True if sent; False (logged) if the database refused: the push tick still comes.
    """
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_notify(:channel, current_schema())"), {"channel": CHANNEL})
            conn.commit()
    except Exception as exc:
        log.warning("could not wake the sync agent through the database: %s", type(exc).__name__)
        return False
    return True


class DatabaseWakeListener:
    """Calls ``on_wake`` for every wake-up notified for the engine's schema, until closed."""

    def __init__(
        self, engine: Engine, on_wake: Callable[[], None], *, retry_s: float = RETRY_S
    ) -> None:
        self._engine = engine
        self._on_wake = on_wake
        self._retry_s = retry_s
        self._closed = threading.Event()
        self.listening = threading.Event()
        """Set while a connection listens (tests wait for it before notifying)."""
        self.backend_pid: int | None = None
        """The PostgreSQL backend of the listening connection (for diagnostics and tests)."""
        self._thread = threading.Thread(target=self._run, name="agent-db-wake", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        reconnected = False
        while not self._closed.is_set():
            conn: Any = None
            try:
                conn, schema = self._listen()
                self.listening.set()
                if reconnected:
                    self._wake()  # a hit may have been notified while nobody listened
                self._receive(conn, schema)
            except Exception as exc:
                if not self._closed.is_set():
                    log.warning(
                        "sync agent's database wake-ups interrupted (%s); retrying in %.0f s",
                        type(exc).__name__,
                        self._retry_s,
                    )
            finally:
                self.listening.clear()
                if conn is not None:
                    _close_quietly(conn)
            reconnected = True
            self._closed.wait(self._retry_s)

    def _listen(self) -> tuple[Any, str]:
        """A psycopg connection of its own (out of the pool, autocommit) that listens."""
        pooled = self._engine.raw_connection()  # the engine's URL, TLS and options as is
        conn = pooled.driver_connection
        pooled.detach()  # never back to the pool: it stays in LISTEN until closed
        if conn is None:  # pragma: no cover - psycopg always has one
            raise RuntimeError("no psycopg connection behind the pool's")
        try:
            conn.rollback()
            conn.autocommit = True
            schema = str(conn.execute("SELECT current_schema()").fetchone()[0])
            conn.execute(f"LISTEN {CHANNEL}")
            self.backend_pid = int(conn.info.backend_pid)
        except BaseException:
            _close_quietly(conn)
            raise
        return conn, schema

    def _receive(self, conn: Any, schema: str) -> None:
        while not self._closed.is_set():
            for notice in conn.notifies(timeout=POLL_S):
                if notice.payload == schema:
                    self._wake()

    def _wake(self) -> None:
        try:
            self._on_wake()
        except Exception:
            log.exception("waking the agent failed")

    def close(self) -> None:
        """Stop listening and close the connection."""
        self._closed.set()
        self._thread.join(self._retry_s + POLL_S + 2)


def _close_quietly(conn: Any) -> None:
    try:
        conn.close()
    except Exception:
        log.debug("closing the wake-up connection failed", exc_info=True)
