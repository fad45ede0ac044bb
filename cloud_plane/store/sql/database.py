"""The database the SQL roles share: engine, thread-local transactions, dialect helpers.

Concurrency: every write runs in a transaction that takes its lock first (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: ``SELECT ... FOR UPDATE`` on the row that
serialises the change: the stream row for batches, the hotlist counter for
edits, the enrolment row for codes), so concurrent exchanges of one stream or
concurrent edits of the hotlist are applied one after the other.

The open transaction is kept per thread on the database, not on a role, so a
``with db.atomic():`` block spans calls to every role built over this database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from cloud_plane.store.engine import IMMEDIATE
from cloud_plane.store.secret_box import SecretBox
from cloud_plane.store.tables import MetaRow

log = logging.getLogger(__name__)

# Names of the rows in ``cloud_meta``.
EPOCH = "epoch"
HOTLIST_VERSION = "hotlist_version"
HOTLIST_PURGED = "hotlist_purged"


class SqlDatabase:
    """One engine, its per-thread transaction, and the secret box of sealed columns."""

    def __init__(self, engine: Engine, *, secret_box: SecretBox | None = None) -> None:
        self.engine = engine
        # Webhook secrets are sealed with this key; without one (tests, tools) a throwaway key
        # is used, so nothing is ever written in clear.
        self.secret_box = secret_box or SecretBox(Fernet.generate_key())
        self._local = threading.local()

    @contextmanager
    def tx(self, *, write: bool = False) -> Iterator[Connection]:
        """Yield this thread's open connection, or open a transaction (locking first if write)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        committed: list[Callable[[], object]] = []
        with self.engine.connect() as conn:
            if write:
                conn = conn.execution_options(**{IMMEDIATE: True})
            with conn.begin():
                self._local.conn = conn
                self._local.after_commit = committed
                try:
                    yield conn
                finally:
                    self._local.conn = None
                    self._local.after_commit = None
        # Reached only when the block above committed (an exception skips this).
        _run(committed)

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` after this thread's open transaction commits, or now if none is."""
        pending = getattr(self._local, "after_commit", None)
        if pending is None:
            _run([callback])
        else:
            pending.append(callback)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run the calls made inside in one write transaction."""
        with self.tx(write=True):
            yield

    def insert(self, conn: Connection, table: Any) -> Any:
        """Return the dialect's INSERT (it has ``on_conflict_do_*``, which Core's lacks)."""
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    def counter(self, conn: Connection, name: str, *, lock: bool = False) -> int:
        """Return a ``cloud_meta`` counter, locking its row for the transaction if asked."""
        stmt = select(MetaRow.int_value).where(MetaRow.name == name)
        return conn.execute(stmt.with_for_update() if lock else stmt).scalar_one()


def _run(callbacks: list[Callable[[], object]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the transaction committed: its writes stand whatever this did
            log.exception("a callback after commit failed")


def before(columns: Sequence[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """Return ``columns < values`` in lexicographic (keyset) order, portable SQL."""
    column, value = columns[0], values[0]
    if len(columns) == 1:
        return column < value
    return or_(column < value, and_(column == value, before(columns[1:], values[1:])))
