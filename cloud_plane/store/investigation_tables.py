"""The SQL cloud store's investigation tables (issue 14): the plate index and image requests.

On the cloud's own registry (``cloud_plane.store.table_base``); ``tables`` re-exports them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field

from cloud_plane.store.table_base import CloudTable
from cloud_plane.store.table_base import utc_column as _utc


class PlateIndexRow(CloudTable, table=True):
    """One distinct plate a site has reads of (``sync_protocol.plate_index``)."""

    __tablename__ = "cloud_plate_index"
    __table_args__ = (
        # Plates newest read first, covering what a broad pattern checks: the walk of
        # cloud_plane.store.sql.plate_recency reads only this index.
        Index(
            "ix_cloud_plate_index_recent", "last_received_at", "plate_key", "plate_norm", "site_id"
        ),
        # By key, covering what the join of a wildcard's rotations checks and hands over.
        Index("ix_cloud_plate_index_key", "plate_key", "plate_norm", "last_received_at", "site_id"),
    )

    site_id: str = Field(primary_key=True, max_length=64)
    plate_norm: str = Field(primary_key=True, max_length=20)
    plate_key: str = Field(max_length=20)
    reads: int = Field(default=0, sa_type=BigInteger)
    last_received_at: datetime = Field(sa_column=_utc())


class PlateRotationRow(CloudTable, table=True):
    """One rotation of ``plate_key + END`` over every site's keys (the permuterm rows)."""

    __tablename__ = "cloud_plate_rotations"
    __table_args__ = {"sqlite_with_rowid": False}

    rotation: str = Field(primary_key=True, max_length=32)


class ImageRequestRow(CloudTable, table=True):
    """A read's image asked of its site through the sync channel, and where it is kept."""

    __tablename__ = "cloud_image_requests"
    __table_args__ = (
        Index("ix_cloud_image_requests_site_status", "site_id", "status"),
        Index("ix_cloud_image_requests_detection", "detection_id"),
        Index("ix_cloud_image_requests_expires", "expires_at"),
    )

    request_id: str = Field(primary_key=True, max_length=36)
    site_id: str = Field(max_length=64)
    detection_id: str = Field(max_length=36)
    requested_by: str = Field(max_length=254)
    requested_at: datetime = Field(sa_column=_utc())
    status: str = Field(max_length=16, description="pending, sent, stored, failed, expired")
    reason: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    stored_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    sha256: str | None = Field(default=None, max_length=64)
    size_bytes: int | None = None
    content_type: str | None = Field(default=None, max_length=64)
    blob_key: str | None = Field(default=None, max_length=255)
    expires_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    error: str | None = Field(default=None, max_length=500)
