"""What every DynamoDB role shares: the table, the secret box, retention, and the clock of TTLs.

Retention is per site (issue 13): a site's own days live on one ``RETENTION`` item (an
attribute per site, ``keys.retention_overrides``), read eventually consistently at most once
per ``OVERRIDES_KEPT_S`` per process (half a read unit) instead of per exchange; sites without
an attribute use ``retention``, the cloud-wide ``detection_retention_days``. A changed
retention therefore reaches the TTL of new items within that time in other processes (at
once in the process that changed it), and never changes items already written: a shortened
retention leaves older items to the retention job (``retention.py``; readers already skip
them), a lengthened one keeps longer only the items written after the change (TTL deletes the
earlier ones at their old time).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cloud_plane.clock import Clock, utc_now
from cloud_plane.store import keys
from cloud_plane.store.dynamo.table import DynamoTable
from cloud_plane.store.secret_box import SecretBox

OVERRIDES_KEPT_S = 300.0


@dataclass
class DynamoDb:
    """The table the roles of one ``DynamoStore`` share, and the settings they need."""

    table: DynamoTable
    secret_box: SecretBox | None = None
    retention: timedelta | None = None  # the default for reads, hits, read counts: TTL after
    clock: Clock = utc_now  # what "expired" is measured against (tests pin it)
    _overrides: dict[str, int] | None = field(default=None, init=False, repr=False)
    _loaded_at: float = field(default=0.0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def overrides(self) -> dict[str, int]:
        """Return the sites' own retention days (site id -> days), cached per process."""
        with self._lock:
            cached = self._overrides
            fresh = time.monotonic() - self._loaded_at < OVERRIDES_KEPT_S
        if cached is not None and fresh:
            return cached
        item = self.table.get(keys.retention_overrides(), consistent=False) or {}
        loaded = {
            name.removeprefix(keys.RETENTION_ATTRIBUTE): int(value)
            for name, value in item.items()
            if name.startswith(keys.RETENTION_ATTRIBUTE)
        }
        with self._lock:
            self._overrides, self._loaded_at = loaded, time.monotonic()
        return loaded

    def forget_overrides(self) -> None:
        """Drop the cached overrides (this process changed one: read them again)."""
        with self._lock:
            self._overrides = None

    def site_retention(self, site_id: str) -> timedelta | None:
        """Return how long the site's reads are kept (None: forever)."""
        days = self.overrides().get(site_id)
        return self.retention if days is None else timedelta(days=days)

    def longest_retention(self) -> timedelta | None:
        """Return the longest any site's reads are kept (None: some site keeps them forever)."""
        if self.retention is None:
            return None
        return max([self.retention, *(timedelta(days=d) for d in self.overrides().values())])

    def expires_at(self, received_at: datetime, site_id: str) -> int | None:
        """Return the TTL (epoch seconds) of the site's data received at ``received_at``
        (None: keep)."""
        retention = self.site_retention(site_id)
        if retention is None:
            return None
        return int((received_at + retention).timestamp())
