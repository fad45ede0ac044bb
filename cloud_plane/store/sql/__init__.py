"""The SQL cloud store: SQLite (default, self-hosting) or PostgreSQL, one module per role.

``SqlStore`` composes the roles over one shared ``SqlDatabase`` (``database.py``), so a
``store.meta.atomic()`` block spans them all.
"""

from __future__ import annotations

from cloud_plane.store.engine import make_engine
from cloud_plane.store.migrate import upgrade
from cloud_plane.store.secret_box import SecretBox
from cloud_plane.store.sql.alerts import SqlAlerts
from cloud_plane.store.sql.audit import SqlAudit
from cloud_plane.store.sql.database import SqlDatabase
from cloud_plane.store.sql.deliveries import SqlDeliveries
from cloud_plane.store.sql.detections import SqlDetections
from cloud_plane.store.sql.hits import SqlHits
from cloud_plane.store.sql.hotlist import SqlHotlist
from cloud_plane.store.sql.images import SqlImages
from cloud_plane.store.sql.meta import SqlMeta
from cloud_plane.store.sql.rate_limits import SqlRateLimits
from cloud_plane.store.sql.recipients import SqlRecipients
from cloud_plane.store.sql.retention import SqlRetention
from cloud_plane.store.sql.sites import SqlSites
from cloud_plane.store.sql.users import SqlUsers


class SqlStore:
    """``CloudStore`` on SQLAlchemy Core over the tables in ``store/tables.py``."""

    def __init__(self, db: SqlDatabase) -> None:
        self.db = db
        self.meta = SqlMeta(db)
        self.sites = SqlSites(db)
        self.detections = SqlDetections(db)
        self.hits = SqlHits(db)
        self.hotlist = SqlHotlist(db)
        self.users = SqlUsers(db)
        self.alerts = SqlAlerts(db)
        self.recipients = SqlRecipients(db)
        self.deliveries = SqlDeliveries(db)
        self.audit = SqlAudit(db)
        self.rate_limits = SqlRateLimits(db)
        self.retention = SqlRetention(db)
        self.images = SqlImages(db)

    @classmethod
    def open(cls, url: str, *, secret_box: SecretBox | None = None) -> SqlStore:
        """Connect, run the migrations and create the meta rows (epoch) if new."""
        engine = make_engine(url)
        upgrade(engine)
        store = cls(SqlDatabase(engine, secret_box=secret_box))
        store.meta.ensure()
        return store
