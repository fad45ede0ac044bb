"""The DynamoDB cloud store (AWS mode): one table, one module per role, like ``store/sql``.

``DynamoStore`` composes the roles over one ``DynamoDb`` (``db.py``): the table (``table.py``:
metered typed items, batch limits kept), the secret box and the retention. Keys come from
``store/keys.py`` and the role modules; the table's shape from ``schema.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cloud_plane.clock import Clock, utc_now
from cloud_plane.store.dynamo.alerts import DynamoAlerts
from cloud_plane.store.dynamo.audit import DynamoAudit
from cloud_plane.store.dynamo.capacity import CapacityMeter
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.deliveries import DynamoDeliveries
from cloud_plane.store.dynamo.detections import DynamoDetections
from cloud_plane.store.dynamo.hits import DynamoHits
from cloud_plane.store.dynamo.hotlist import DynamoHotlist
from cloud_plane.store.dynamo.images import DynamoImages
from cloud_plane.store.dynamo.meta import DynamoMeta
from cloud_plane.store.dynamo.rate_limits import DynamoRateLimits
from cloud_plane.store.dynamo.recipients import DynamoRecipients
from cloud_plane.store.dynamo.retention import DynamoRetention
from cloud_plane.store.dynamo.sites import DynamoSites
from cloud_plane.store.dynamo.table import DynamoTable
from cloud_plane.store.dynamo.users import DynamoUsers
from cloud_plane.store.secret_box import SecretBox


class DynamoStore:
    """``CloudStore`` on one DynamoDB table."""

    def __init__(self, db: DynamoDb) -> None:
        self.db = db
        self.meta = DynamoMeta(db)
        self.sites = DynamoSites(db)
        self.detections = DynamoDetections(db)
        self.hits = DynamoHits(db)
        self.hotlist = DynamoHotlist(db)
        self.users = DynamoUsers(db)
        self.alerts = DynamoAlerts(db)
        self.recipients = DynamoRecipients(db)
        self.deliveries = DynamoDeliveries(db)
        self.audit = DynamoAudit(db)
        self.rate_limits = DynamoRateLimits(db)
        self.retention = DynamoRetention(db)
        self.images = DynamoImages(db)

    @property
    def capacity(self) -> CapacityMeter:
        """The write and read units this store has spent (counted by item size)."""
        return self.db.table.meter

    @classmethod
    def open(
        cls,
        table_name: str,
        *,
        client: Any | None = None,
        region: str | None = None,
        secret_box: SecretBox | None = None,
        retention_days: int | None = None,
        clock: Clock = utc_now,
    ) -> DynamoStore:
        """Connect to the existing table (``AWS_ENDPOINT_URL`` is honoured by boto3)."""
        if client is None:
            import boto3

            client = boto3.client("dynamodb", region_name=region)
        retention = timedelta(days=retention_days) if retention_days else None
        db = DynamoDb(
            DynamoTable(client, table_name), secret_box=secret_box, retention=retention, clock=clock
        )
        store = cls(db)
        store.meta.ensure()
        return store
