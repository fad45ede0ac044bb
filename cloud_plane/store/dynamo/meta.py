"""``MetaStore`` on DynamoDB: the epoch item; ``atomic`` groups nothing (see below)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.ids import new_epoch_id

log = logging.getLogger(__name__)

EPOCH = "epoch"


class DynamoMeta:
    """``MetaStore`` over the ``META`` partition."""

    def __init__(self, db: DynamoDb) -> None:
        self._db = db

    def ensure(self) -> None:
        """Create the epoch item of a new table (a second process racing here loses quietly)."""
        self._db.table.put(
            {**keys.meta(EPOCH), "value": new_epoch_id()},
            condition="attribute_not_exists(pk)",
        )

    def close(self) -> None:
        """Nothing to release: boto3 clients pool their own connections."""

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run the block as is: on DynamoDB every store call is its own conditional write.

        Callers stay correct because each write is idempotent on its own and the order of
        effects puts the acknowledgement last (a stream's high-water mark moves only after
        its items are durable), so a crash between two calls is repaired by the resend.
        """
        yield

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` now: every write before it returned durable (no open transaction)."""
        try:
            callback()
        except Exception:  # as on SQL: the writes stand whatever the callback did
            log.exception("a callback after commit failed")

    def epoch(self) -> str:
        """Return the store's epoch."""
        item = self._db.table.get(keys.meta(EPOCH))
        if item is None:
            self.ensure()
            item = self._db.table.get(keys.meta(EPOCH))
        assert item is not None  # ensure() wrote it (or a racing process did)
        return str(item["value"])

    def new_epoch(self) -> str:
        """Replace the epoch and return it."""
        epoch = new_epoch_id()
        self._db.table.put({**keys.meta(EPOCH), "value": epoch})
        return epoch
