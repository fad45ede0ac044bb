"""SQLModel tables of the SQL cloud store (the migrations in ./migrations build them).

They live on their own registry/metadata, never on ``SQLModel.metadata``: the
node's tables are registered there, and a process that loads both (the test
suite, the demo) must not mix the two schemas.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from cloud_plane.store.types import UTCDateTime

cloud_registry = registry()


class CloudTable(SQLModel, registry=cloud_registry):
    """Base of the cloud's tables (own metadata)."""


metadata = cloud_registry.metadata


def _utc(*, nullable: bool = False, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class MetaRow(CloudTable, table=True):
    """Named values and counters: epoch, hotlist version, purge mark."""

    __tablename__ = "cloud_meta"

    name: str = Field(primary_key=True, max_length=32)
    text_value: str | None = Field(default=None, max_length=128)
    int_value: int = Field(default=0, sa_type=BigInteger)


class SiteRow(CloudTable, table=True):
    """A site; its latest heartbeat is kept on the row (one item per site on DynamoDB)."""

    __tablename__ = "cloud_sites"

    site_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=_utc())
    revoked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    enrolled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_heartbeat_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    heartbeat_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SiteKeyRow(CloudTable, table=True):
    """A node's public key, registered at enrolment."""

    __tablename__ = "cloud_site_keys"

    site_id: str = Field(primary_key=True, max_length=64, foreign_key="cloud_sites.site_id")
    key_id: str = Field(primary_key=True, max_length=64)
    public_key_pem: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_utc())


class EnrollmentRow(CloudTable, table=True):
    """A one-time enrolment code, kept as its SHA-256."""

    __tablename__ = "cloud_enrollments"

    code_hash: str = Field(primary_key=True, max_length=64)
    site_id: str = Field(max_length=64, foreign_key="cloud_sites.site_id", index=True)
    expires_at: datetime = Field(sa_column=_utc())
    used_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    key_id: str | None = Field(default=None, max_length=64)


class NonceRow(CloudTable, table=True):
    """A sync request nonce, remembered until it expires (the shared replay cache)."""

    __tablename__ = "cloud_nonces"

    nonce_key: str = Field(primary_key=True, max_length=160)
    expires_at: datetime = Field(sa_column=_utc(index=True))


class StreamRow(CloudTable, table=True):
    """A node's detection stream and the contiguous high-water seq the cloud holds."""

    __tablename__ = "cloud_streams"

    site_id: str = Field(primary_key=True, max_length=64)
    stream_id: str = Field(primary_key=True, max_length=64)
    high_water: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = Field(sa_column=_utc())


class DetectionRow(CloudTable, table=True):
    """One detection's metadata, keyed by where the node stored it."""

    __tablename__ = "cloud_detections"
    __table_args__ = (
        Index("ix_cloud_detections_order", "received_at", "site_id", "stream_id", "seq"),
        Index("ix_cloud_detections_plate", "plate_norm", "received_at"),
    )

    site_id: str = Field(primary_key=True, max_length=64)
    stream_id: str = Field(primary_key=True, max_length=64)
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    id: str = Field(max_length=36, index=True)
    event_id: str | None = Field(default=None, max_length=64)
    camera_id: str = Field(max_length=64)
    source_camera: str | None = Field(default=None, max_length=64)
    captured_at: datetime = Field(sa_column=_utc())
    received_at: datetime = Field(sa_column=_utc())
    ingested_at: datetime = Field(sa_column=_utc())
    plate: str = Field(max_length=20)
    plate_norm: str = Field(max_length=20)
    plate_key: str = Field(max_length=20, index=True, description="OCR-confusion key")
    confidence: float | None = None
    region: str | None = Field(default=None, max_length=64)
    direction: str | None = Field(default=None, max_length=64)
    bbox: str | None = Field(default=None, max_length=64, description="JSON [x, y, w, h]")
    vehicle_type: str | None = Field(default=None, max_length=64)
    vehicle_make: str | None = Field(default=None, max_length=64)
    vehicle_model: str | None = Field(default=None, max_length=64)
    vehicle_color: str | None = Field(default=None, max_length=64)
    image_sha256: str | None = Field(default=None, max_length=64)


class HitRow(CloudTable, table=True):
    """A hit, once per (detection, entry)."""

    __tablename__ = "cloud_hits"
    __table_args__ = (
        Index("ix_cloud_hits_order", "created_at", "detection_id", "list_name", "plate_norm"),
    )

    detection_id: str = Field(primary_key=True, max_length=36)
    list_name: str = Field(primary_key=True, max_length=64)
    plate_norm: str = Field(primary_key=True, max_length=20)
    site_id: str = Field(max_length=64, index=True)
    stream_id: str = Field(max_length=64)
    seq: int = Field(sa_type=BigInteger)
    match_kind: str = Field(max_length=16)
    source: str = Field(max_length=8)
    plate: str = Field(max_length=20)
    camera_id: str = Field(max_length=64)
    captured_at: datetime = Field(sa_column=_utc())
    hotlist_version: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(sa_column=_utc())
    image_sha256: str | None = Field(default=None, max_length=64)


class HotlistRow(CloudTable, table=True):
    """The authoritative state of one hotlist entry (tombstones kept for deltas)."""

    __tablename__ = "cloud_hotlist"

    list_name: str = Field(primary_key=True, max_length=64)
    plate_norm: str = Field(primary_key=True, max_length=20)
    plate: str = Field(max_length=20)
    reason: str = Field(default="", max_length=500)
    priority: int = Field(default=50)
    expires_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    updated_by: str = Field(max_length=64)
    updated_at: datetime = Field(sa_column=_utc())
    op_id: str = Field(max_length=36)
    deleted: bool = Field(default=False)
    version: int = Field(sa_type=BigInteger, unique=True)


class HotlistOpRow(CloudTable, table=True):
    """The result given to one hotlist op, so a re-sent op gets the same answer."""

    __tablename__ = "cloud_hotlist_ops"

    op_id: str = Field(primary_key=True, max_length=36)
    site_id: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=16)
    version: int | None = Field(default=None, sa_type=BigInteger)
    reason: str | None = Field(default=None, max_length=500)
    applied_at: datetime = Field(sa_column=_utc())


class UserRow(CloudTable, table=True):
    """A staff user: role and site scope (also for Cognito users, keyed by username)."""

    __tablename__ = "cloud_users"

    username: str = Field(primary_key=True, max_length=254)
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(max_length=16)
    sites_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_utc())
