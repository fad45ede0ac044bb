"""SQLModel tables of the SQL cloud store (the migrations in ./migrations build them).

They live on their own registry/metadata, never on ``SQLModel.metadata``: the
node's tables are registered there, and a process that loads both (the test
suite, the demo) must not mix the two schemas.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field

# The investigation tables (issue 14) have a module of their own; imported here so that
# ``metadata`` holds every table whichever module a caller imports.
from cloud_plane.store.investigation_tables import (  # noqa: F401
    ImageRequestRow,
    PlateIndexRow,
    PlateRotationRow,
)
from cloud_plane.store.table_base import CloudTable, cloud_registry, metadata, utc_column
from cloud_plane.store.types import UTCDateTime

__all__ = ["CloudTable", "cloud_registry", "metadata"]

_utc = utc_column


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
    archived_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # The hotlist version the node said it holds at its last exchange (the dashboard shows it).
    hotlist_version: int | None = Field(default=None, sa_type=BigInteger, nullable=True)
    hotlist_seen_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # issue 18: the site's IANA zone (None: the cloud's alert_timezone), recent backlog samples.
    timezone: str | None = Field(default=None, max_length=64)
    backlog_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # issue 13: how long the cloud keeps this site's reads (None: the cloud-wide setting).
    read_retention_days: int | None = Field(default=None, nullable=True)


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
        Index(
            "ix_cloud_detections_plate_order",
            "plate_norm",
            "received_at",
            "site_id",
            "stream_id",
            "seq",
        ),
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
    plate_key: str = Field(max_length=20, description="OCR-confusion key")
    confidence: float | None = None
    region: str | None = Field(default=None, max_length=64)
    direction: str | None = Field(default=None, max_length=64)
    bbox: str | None = Field(default=None, max_length=64, description="JSON [x, y, w, h]")
    vehicle_type: str | None = Field(default=None, max_length=64)
    vehicle_make: str | None = Field(default=None, max_length=64)
    vehicle_model: str | None = Field(default=None, max_length=64)
    vehicle_color: str | None = Field(default=None, max_length=64)
    image_sha256: str | None = Field(default=None, max_length=64)
    # issue 15: a better reading of the same event replaces the values (never a second row).
    revision: int = Field(default=1, description="1 + corrections")
    previous_plate: str | None = Field(
        default=None, max_length=20, description="the plate before the latest correction"
    )


class ReadCountRow(CloudTable, table=True):
    """Reads per site, camera and hour (node receive time), kept with each batch.

    The dashboard's counts and charts read these few rows instead of counting detections.
    """

    __tablename__ = "cloud_read_counts"

    site_id: str = Field(primary_key=True, max_length=64)
    hour: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    camera_id: str = Field(primary_key=True, max_length=64)
    reads: int = Field(default=0, sa_type=BigInteger)


class HitRow(CloudTable, table=True):
    """A hit, once per (detection, entry)."""

    __tablename__ = "cloud_hits"
    __table_args__ = (
        Index("ix_cloud_hits_order", "created_at", "detection_id", "list_name", "plate_norm"),
        Index("ix_cloud_hits_entry", "list_name", "plate_norm"),
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
    historical: bool = Field(
        default=False, description="Found in past reads when the entry was added (issue 14)"
    )
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
    owner: str = Field(default="cloud", max_length=80)
    reported_by: str | None = Field(default=None, max_length=64)


class HotlistOpRow(CloudTable, table=True):
    """The result given to one hotlist op, so a re-sent op gets the same answer."""

    __tablename__ = "cloud_hotlist_ops"

    op_id: str = Field(primary_key=True, max_length=36)
    site_id: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=16)
    version: int | None = Field(default=None, sa_type=BigInteger)
    reason: str | None = Field(default=None, max_length=500)
    applied_at: datetime = Field(sa_column=_utc())
    # What a refused op tried (staff see refused attempts); NULL on rows before migration 0004.
    action: str | None = Field(default=None, max_length=8)
    list_name: str | None = Field(default=None, max_length=64)
    plate_norm: str | None = Field(default=None, max_length=20)
    reported_by: str | None = Field(default=None, max_length=64)


class UserRow(CloudTable, table=True):
    """A staff user: role and site scope (also for Cognito users, keyed by username)."""

    __tablename__ = "cloud_users"

    username: str = Field(primary_key=True, max_length=254)
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(max_length=16)
    sites_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_utc())
    # issue 16: revocation. Disabling or a password reset bumps token_version (tokens carry it).
    disabled: bool = Field(default=False)
    token_version: int = Field(default=0)


# --- alerts (issue 4): see store/alert_roles.py for the access patterns --------------------


class AlertRow(CloudTable, table=True):
    """An alert (hit or health problem), its group count, acknowledgement and escalation."""

    __tablename__ = "cloud_alerts"
    __table_args__ = (
        Index("ix_cloud_alerts_order", "created_at", "alert_id"),
        Index("ix_cloud_alerts_escalation", "next_escalation_at"),
    )

    alert_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=32)
    priority: int = Field(default=50)
    site_id: str = Field(max_length=64, index=True)
    status: str = Field(max_length=16)
    first_seen: datetime = Field(sa_column=_utc())
    last_seen: datetime = Field(sa_column=_utc())
    count: int = Field(default=1)
    created_at: datetime = Field(sa_column=_utc())
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    camera_id: str | None = Field(default=None, max_length=64)
    plate: str | None = Field(default=None, max_length=64)
    plate_norm: str | None = Field(default=None, max_length=20)
    list_name: str | None = Field(default=None, max_length=64)
    confidence: float | None = None
    detection_id: str | None = Field(default=None, max_length=36)
    link: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    group_key: str | None = Field(default=None, max_length=200)
    open_key: str | None = Field(default=None, max_length=200, unique=True)
    acked_by: str | None = Field(default=None, max_length=254)
    acked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    resolved_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    escalation_tier: int = Field(default=0)
    next_escalation_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    resolution: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class AlertKeyRow(CloudTable, table=True):
    """One alert per idempotency key (a hit's detection and entry), including grouped hits."""

    __tablename__ = "cloud_alert_keys"

    dedup_key: str = Field(primary_key=True, max_length=300)
    alert_id: str = Field(max_length=36)


class AlertGroupRow(CloudTable, table=True):
    """The current alert of a plate's group at a site; its row lock serialises grouping."""

    __tablename__ = "cloud_alert_groups"

    group_key: str = Field(primary_key=True, max_length=200)
    alert_id: str | None = Field(default=None, max_length=36)
    first_seen: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class RecipientRow(CloudTable, table=True):
    """A person or system alerts go to."""

    __tablename__ = "cloud_recipients"

    recipient_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=16)
    email: str | None = Field(default=None, max_length=254)
    webhook_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    webhook_secret: str | None = Field(default=None, max_length=512)
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class SubscriptionRow(CloudTable, table=True):
    """What a recipient is told about, through which channels, at which escalation tier."""

    __tablename__ = "cloud_subscriptions"

    subscription_id: str = Field(primary_key=True, max_length=64)
    recipient_id: str = Field(max_length=64, index=True)
    site_id: str | None = Field(default=None, max_length=64)
    lists_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    min_priority: int | None = None
    kinds_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    channels_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    quiet_start: str | None = Field(default=None, max_length=5)
    quiet_end: str | None = Field(default=None, max_length=5)
    quiet_zone: str = Field(default="UTC", max_length=64)
    quiet_below_priority: int = Field(default=70)
    tier: int = Field(default=0)
    created_at: datetime = Field(sa_column=_utc())


class DeliveryRow(CloudTable, table=True):
    """The queue: one row per (alert, recipient, channel, purpose), leased while sent."""

    __tablename__ = "cloud_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "alert_id", "recipient_id", "channel", "purpose", name="uq_cloud_deliveries_key"
        ),
        Index("ix_cloud_deliveries_due", "status", "next_at"),
    )

    delivery_id: str = Field(primary_key=True, max_length=36)
    alert_id: str = Field(max_length=36)
    recipient_id: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    status: str = Field(max_length=16)
    attempt: int = Field(default=0)
    next_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    tier: int = Field(default=0)
    source: str = Field(default="cloud", max_length=8)
    lease_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    leased_by: str | None = Field(default=None, max_length=64)
    provider_message_id: str | None = Field(default=None, max_length=500)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    gave_up_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())
    sent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # "alert": the alert itself; "resolution": the message that it resolved (issue 18).
    purpose: str = Field(
        default="alert", max_length=16, sa_column_kwargs={"server_default": "alert"}
    )


class RateBucketRow(CloudTable, table=True):
    """One rate-limit bucket's GCRA theoretical arrival time, shared by every worker."""

    __tablename__ = "cloud_rate_buckets"

    bucket: str = Field(primary_key=True, max_length=200)
    tat: datetime = Field(sa_column=_utc(index=True))


class DeliveryAttemptRow(CloudTable, table=True):
    """The ledger: one row per attempt, written before the send and completed after it."""

    __tablename__ = "cloud_delivery_attempts"

    delivery_id: str = Field(primary_key=True, max_length=36)
    attempt: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    alert_id: str = Field(max_length=36, index=True)
    recipient_id: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    worker: str = Field(max_length=64)
    started_at: datetime = Field(sa_column=_utc())
    finished_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    outcome: str | None = Field(default=None, max_length=8)
    provider_message_id: str | None = Field(default=None, max_length=500)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class AuditRow(CloudTable, table=True):
    """One audited action (issue 13); append-only (a trigger refuses UPDATE and DELETE).

    ``site_id`` scopes the entry: a manager sees the entries of their sites, an admin all;
    None for fleet-wide actions (a shared hotlist edit, a user change).
    """

    __tablename__ = "cloud_audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc(index=True))
    actor: str = Field(max_length=200)
    action: str = Field(max_length=64, index=True)
    site_id: str | None = Field(default=None, max_length=64, index=True)
    target: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=500)
    source: str | None = Field(default=None, max_length=64)
    detail_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class RetentionRunRow(CloudTable, table=True):
    """A record of one run deleting a site's reads past its retention (issue 13)."""

    __tablename__ = "cloud_retention_runs"

    id: int | None = Field(default=None, primary_key=True)
    site_id: str = Field(max_length=64, index=True)
    started_at: datetime = Field(sa_column=_utc(index=True))
    finished_at: datetime = Field(sa_column=_utc())
    cutoff: datetime = Field(sa_column=_utc())
    reads_deleted: int = Field(default=0)
    hits_deleted: int = Field(default=0)
