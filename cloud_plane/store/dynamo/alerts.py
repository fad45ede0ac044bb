"""``AlertStore`` on DynamoDB (being written: see the contract suite for what it must do)."""

from __future__ import annotations

from cloud_plane.store.dynamo.db import DynamoDb


class DynamoAlerts:
    """``AlertStore`` over the single table."""

    def __init__(self, db: DynamoDb) -> None:
        self._db = db
