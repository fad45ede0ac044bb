"""``MetaStore`` on SQL: the epoch, transactions spanning every role, and the connections."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import select, update

from cloud_plane.store.ids import new_epoch_id
from cloud_plane.store.sql.database import (
    EPOCH,
    HOTLIST_PURGED,
    HOTLIST_VERSION,
    SqlDatabase,
)
from cloud_plane.store.tables import MetaRow


class SqlMeta:
    """``MetaStore`` over the ``cloud_meta`` rows."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def ensure(self) -> None:
        """Create the meta rows (epoch, hotlist counters) of a new database."""
        with self._db.tx(write=True) as conn:
            rows = [
                {"name": EPOCH, "text_value": new_epoch_id(), "int_value": 0},
                {"name": HOTLIST_VERSION, "text_value": None, "int_value": 0},
                {"name": HOTLIST_PURGED, "text_value": None, "int_value": 0},
            ]
            conn.execute(self._db.insert(conn, MetaRow).values(rows).on_conflict_do_nothing())

    def close(self) -> None:
        """Release connections."""
        self._db.engine.dispose()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run the calls made inside, through any role of this store, in one write transaction."""
        with self._db.atomic():
            yield

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once this thread's open transaction commits (now if none is open)."""
        self._db.after_commit(callback)

    def epoch(self) -> str:
        """Return the store's epoch."""
        with self._db.tx() as conn:
            return conn.execute(
                select(MetaRow.text_value).where(MetaRow.name == EPOCH)
            ).scalar_one()

    def new_epoch(self) -> str:
        """Replace the epoch and return it."""
        epoch = new_epoch_id()
        with self._db.tx(write=True) as conn:
            conn.execute(update(MetaRow).where(MetaRow.name == EPOCH).values(text_value=epoch))
        return epoch
