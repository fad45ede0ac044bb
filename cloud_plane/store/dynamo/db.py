"""What every DynamoDB role shares: the table, the secret box, retention, and the clock of TTLs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cloud_plane.clock import Clock, utc_now
from cloud_plane.store.dynamo.table import DynamoTable
from cloud_plane.store.secret_box import SecretBox


@dataclass
class DynamoDb:
    """The table the roles of one ``DynamoStore`` share, and the settings they need."""

    table: DynamoTable
    secret_box: SecretBox | None = None
    retention: timedelta | None = None  # detections, hits, read counts: TTL after this
    clock: Clock = utc_now  # what "expired" is measured against (tests pin it)

    def expires_at(self, received_at: datetime) -> int | None:
        """Return the TTL (epoch seconds) of data received at ``received_at`` (None: keep)."""
        if self.retention is None:
            return None
        return int((received_at + self.retention).timestamp())
