"""SQLModel tables of the local node (the migrations in ./migrations build them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from local_node.db.types import UTCDateTime
from sync_protocol.hotlist_rules import DEFAULT_PRIORITY


def _utc_column(*, nullable: bool = False, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class NodeState(SQLModel, table=True):
    """One row: the stream identity and counters every writer shares."""

    __tablename__ = "node_state"

    id: int = Field(default=1, primary_key=True)
    stream_id: str = Field(max_length=64)
    next_seq: int = Field(default=1)
    hotlist_rev: int = Field(default=0, description="Bumped on every hotlist change")
    created_at: datetime = Field(sa_column=_utc_column())


class Camera(SQLModel, table=True):
    """A camera allowed to post reads; its API key and URL token are kept only as digests."""

    __tablename__ = "cameras"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=64, unique=True)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=_utc_column())
    disabled: bool = Field(default=False)
    previous_key_hash: str | None = Field(
        default=None, max_length=64, index=True, description="The key before the last rotation"
    )
    previous_key_expires_at: datetime | None = Field(
        default=None, sa_column=_utc_column(nullable=True)
    )
    deleted_at: datetime | None = Field(
        default=None, sa_column=_utc_column(nullable=True), description="Key gone, reads kept"
    )
    url_token_hash: str | None = Field(
        default=None,
        max_length=64,
        unique=True,
        index=True,
        description="Digest of the secret in its ingest URL (/api/v1/ingest/<vendor>/k/<token>)",
    )


class ApiToken(SQLModel, table=True):
    """A token for scripts and the local UI; kept only as a SHA-256 digest."""

    __tablename__ = "api_tokens"

    id: str = Field(primary_key=True, max_length=32)
    role: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=_utc_column())
    name: str | None = Field(default=None, max_length=64)
    expires_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_used_at: datetime | None = Field(
        default=None, sa_column=_utc_column(nullable=True), description="To within a minute"
    )


class Detection(SQLModel, table=True):
    """One stored plate read; `seq` is the per-stream order the sync agent ships by."""

    __tablename__ = "detections"
    __table_args__ = (
        UniqueConstraint("camera_id", "event_id", name="uq_detections_camera_event"),
        Index("ix_detections_camera_seq", "camera_id", "seq"),
        # Time ranges filter on received_at; BRIN on PostgreSQL (migration 0011), a B-tree
        # on SQLite, which has no BRIN.
        Index("ix_detections_received_at", "received_at", postgresql_using="brin"),
        # A plate's reads newest first (issue 14): search fetches reads plate by plate.
        Index("ix_detections_plate_seq", "plate_norm", "seq"),
    )

    id: str = Field(primary_key=True, max_length=36)
    seq: int = Field(unique=True)
    event_id: str | None = Field(default=None, max_length=128)
    camera_id: str = Field(max_length=32, foreign_key="cameras.id")
    source_camera: str | None = Field(default=None, max_length=64)
    captured_at: datetime = Field(sa_column=_utc_column())
    received_at: datetime = Field(sa_column=_utc_column())
    plate: str = Field(max_length=32)
    plate_norm: str = Field(max_length=32)
    plate_key: str = Field(max_length=32, description="OCR-confusion key")
    confidence: float | None = None
    region: str | None = Field(default=None, max_length=64)
    direction: str | None = Field(default=None, max_length=64)
    bbox: str | None = Field(default=None, max_length=64, description="JSON [x, y, w, h]")
    vehicle_type: str | None = Field(default=None, max_length=64)
    vehicle_make: str | None = Field(default=None, max_length=64)
    vehicle_model: str | None = Field(default=None, max_length=64)
    vehicle_color: str | None = Field(default=None, max_length=64)
    image_path: str | None = Field(default=None, max_length=255)
    image_sha256: str | None = Field(default=None, max_length=64)
    image_bytes: int | None = None
    image_type: str | None = Field(default=None, max_length=16)
    image_pruned_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    has_hit: bool = Field(default=False)
    local_only: bool = Field(
        default=False, description="Imported with --local-only: never sent to the cloud"
    )
    imported_from: str | None = Field(
        default=None, max_length=64, description="The import format it came from; NULL: a camera"
    )
    revision: int = Field(default=1, description="1 + the corrections it had (issue 15)")
    preview: bool = Field(default=False, description="A vendor's preview reading, not yet final")


class DetectionRevision(SQLModel, table=True):
    """A correction of a stored read: the reading it replaced (its history) and the sync outbox.

    ``id`` orders corrections for the sync agent, which sends those past ``corrections_acked``.
    ``kind`` is ``reading`` (a better reading replaced the values below) or ``image`` (a repeat
    brought the image the read lacked; the values below are unchanged).
    """

    __tablename__ = "detection_revisions"

    id: int | None = Field(default=None, primary_key=True)
    detection_id: str = Field(max_length=36, foreign_key="detections.id", index=True)
    detection_seq: int
    revision: int = Field(description="The read's revision this correction made")
    kind: str = Field(max_length=8)
    changed_at: datetime = Field(sa_column=_utc_column())
    plate: str = Field(max_length=32)
    plate_norm: str = Field(max_length=32)
    confidence: float | None = None
    region: str | None = Field(default=None, max_length=64)
    direction: str | None = Field(default=None, max_length=64)
    bbox: str | None = Field(default=None, max_length=64)
    vehicle_type: str | None = Field(default=None, max_length=64)
    vehicle_make: str | None = Field(default=None, max_length=64)
    vehicle_model: str | None = Field(default=None, max_length=64)
    vehicle_color: str | None = Field(default=None, max_length=64)
    preview: bool = False


class HotlistEntry(SQLModel, table=True):
    """A hotlist entry keyed by (list, plate); deletions stay as tombstones."""

    __tablename__ = "hotlist"

    list_name: str = Field(primary_key=True, max_length=32)
    plate_norm: str = Field(primary_key=True, max_length=32, description="Plate or pattern")
    plate: str = Field(max_length=32, description="As entered")
    reason: str | None = Field(default=None, max_length=500)
    priority: int = Field(default=DEFAULT_PRIORITY, description="0..100, as on the wire")
    expires_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    updated_by: str | None = Field(default=None, max_length=128)
    updated_at: datetime = Field(sa_column=_utc_column())
    deleted: bool = Field(default=False)
    version: int | None = Field(default=None, description="The cloud's version, once confirmed")
    owner: str | None = Field(
        default=None,
        max_length=80,
        description="cloud, or site:<id>; NULL: made here before the node knew its site id",
    )
    refused_reason: str | None = Field(
        default=None, max_length=500, description="why the cloud refused this site's last edit"
    )
    refused_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class Hit(SQLModel, table=True):
    """A detection that matched a live hotlist entry, unique per (detection, entry)."""

    __tablename__ = "hits"
    __table_args__ = (
        UniqueConstraint(
            "detection_id", "list_name", "entry_plate", name="uq_hits_detection_entry"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    detection_id: str = Field(max_length=36, foreign_key="detections.id", index=True)
    detection_seq: int = Field(index=True)
    list_name: str = Field(max_length=32)
    entry_plate: str = Field(max_length=32)
    match_kind: str = Field(max_length=16)
    distance: float = 0.0
    priority: int = DEFAULT_PRIORITY
    reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_column=_utc_column())
    historical: bool = Field(
        default=False, description="Found in past reads when the entry was added (issue 14)"
    )


class SyncState(SQLModel, table=True):
    """One row: the node's enrolment and the sync agent's progress (local_node.sync)."""

    __tablename__ = "sync_state"

    id: int = Field(default=1, primary_key=True)
    site_id: str | None = Field(default=None, max_length=64)
    key_id: str | None = Field(default=None, max_length=64)
    cloud_url: str | None = Field(default=None, max_length=500)
    cloud_epoch: str | None = Field(default=None, max_length=64)
    enrolled_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    hotlist_version: int = Field(default=0, description="Cloud hotlist version the node holds")
    hits_acked: int = Field(default=0, description="Highest hits.id the cloud has stored")
    corrections_acked: int = Field(
        default=0, description="Highest detection_revisions.id the cloud has applied"
    )
    last_attempt_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_success_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_error: str | None = Field(default=None, max_length=500)


class SyncStream(SQLModel, table=True):
    """A detection stream of this database: rows with seq > seq_base (up to the next stream's
    base) travel as wire seq = seq - seq_base; `acked` is the cloud's mark in wire seqs."""

    __tablename__ = "sync_streams"

    stream_id: str = Field(primary_key=True, max_length=64)
    seq_base: int = Field(default=0, unique=True)
    acked: int = Field(default=0)
    created_at: datetime = Field(sa_column=_utc_column())


class LocalAlertDelivery(SQLModel, table=True):
    """One attempt of the offline fallback to alert one recipient of one hit (local_node.alerts).

    A row is written *before* the send (``ok`` NULL: in flight) and settled after it, so
    the unique (hit, channel, recipient, attempt) key lets only one sender claim an
    attempt, and a recipient that has an ok or in-flight row is never sent the hit again.
    """

    __tablename__ = "local_alert_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "hit_id", "channel", "recipient", "attempt", name="uq_local_alert_attempt"
        ),
        Index("ix_local_alert_deliveries_hit", "hit_id", "ok"),
    )

    id: int | None = Field(default=None, primary_key=True)
    hit_id: int = Field(description="hits.id (no foreign key: retention deletes both)")
    detection_id: str = Field(max_length=36, index=True)
    channel: str = Field(max_length=16, description="smtp | webhook")
    recipient: str = Field(max_length=254, description="email address or redacted webhook label")
    attempt: int = Field(default=1, description="1 for the first try")
    attempted_at: datetime = Field(sa_column=_utc_column())
    ok: bool | None = Field(default=None, description="NULL while in flight")
    provider_message_id: str | None = Field(default=None, max_length=500)
    error: str | None = Field(default=None, max_length=500)


class LocalUser(SQLModel, table=True):
    """A person who signs in to the site's web app; the password kept as an scrypt hash.

    ``version`` is bumped by a password reset or a disable: sessions carry the version they
    were made under, so every older session ends at once.
    """

    __tablename__ = "local_users"

    username: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=16, description="admin | viewer")
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=_utc_column())
    disabled: bool = Field(default=False)
    version: int = Field(default=1, description="Bumped on password reset and disable")


class WebSession(SQLModel, table=True):
    """A signed-in browser; only the SHA-256 digest of its cookie's session id is stored."""

    __tablename__ = "web_sessions"

    id_hash: str = Field(primary_key=True, max_length=64)
    username: str = Field(max_length=64, foreign_key="local_users.username", index=True)
    user_version: int = Field(description="The user's version at sign-in")
    created_at: datetime = Field(sa_column=_utc_column())
    expires_at: datetime = Field(sa_column=_utc_column(index=True), description="Absolute end")
    last_seen_at: datetime = Field(sa_column=_utc_column(), description="To within a minute")


class CameraErrorCount(SQLModel, table=True):
    """What cameras did wrong, counted per camera, reason and 5-minute slot (issue 18).

    Bounded: ``camera_id`` is a camera the node authenticated ("" for posts that named none),
    ``reason`` one of ``sync_protocol.messages.CameraErrorReason``, and slots older than the
    window are deleted as new counts are written. Written by the API process, read by the
    sync agent's heartbeat (often another process).
    """

    __tablename__ = "camera_error_counts"

    camera_id: str = Field(primary_key=True, max_length=32)
    reason: str = Field(primary_key=True, max_length=32)
    slot_start: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    count: int = Field(default=0)


class AuditEntry(SQLModel, table=True):
    """One audited action (issue 13): who did what, to what, and why; append-only.

    A trigger refuses UPDATE and DELETE on this table (migration 0010), so not even the node's
    own code can rewrite history; export is `edgesync node audit export`. ``actor`` is who
    (``user:NAME``, ``token:ID``, ``cli``, ``cloud``), ``action`` one of
    ``sync_protocol.audit.AuditAction``, ``detail_json`` a small JSON object.
    """

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc_column(index=True))
    actor: str = Field(max_length=200)
    action: str = Field(max_length=64, index=True)
    target: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=500)
    source: str | None = Field(default=None, max_length=64, description="client address or cli")
    detail_json: str | None = Field(default=None, max_length=4000)


class RetentionRun(SQLModel, table=True):
    """A record of one retention run that deleted something (issue 13)."""

    __tablename__ = "retention_runs"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(sa_column=_utc_column(index=True))
    finished_at: datetime = Field(sa_column=_utc_column())
    images_pruned: int = Field(default=0)
    bytes_freed: int = Field(default=0, sa_type=BigInteger)
    rows_deleted: int = Field(default=0)
    hotlist_tombstones: int = Field(default=0)
    metadata_cutoff: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    image_cutoff: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class BackupRun(SQLModel, table=True):
    """One database backup attempt (issue 13): where it went, its checksum, its verification."""

    __tablename__ = "backup_runs"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(sa_column=_utc_column(index=True))
    finished_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    trigger: str = Field(max_length=16, description="schedule | cli")
    status: str = Field(max_length=16, description="running | ok | failed")
    destination: str = Field(max_length=500, description="folder or s3://bucket/prefix")
    file: str | None = Field(default=None, max_length=500)
    size_bytes: int | None = Field(default=None, sa_type=BigInteger)
    sha256: str | None = Field(default=None, max_length=64)
    verified: bool | None = Field(default=None, description="NULL: not verified")
    counts_json: str | None = Field(default=None, max_length=4000)
    error: str | None = Field(default=None, max_length=2000)


class PlateIndexEntry(SQLModel, table=True):
    """One distinct plate the node holds reads of (``sync_protocol.plate_index``)."""

    __tablename__ = "plate_index"
    __table_args__ = (
        # Plates newest read first, covering what a broad pattern checks: the walk of
        # local_node.db.plate_recency reads only this index.
        Index("ix_plate_index_recent", "last_seq", "plate_key", "plate_norm", "last_received_at"),
        # A key's plates and their newest reads from the index alone (the fuzzy lookups, the
        # joins from a rotation range): PostgreSQL then skips a heap fetch per candidate.
        Index("ix_plate_index_key", "plate_key", "plate_norm", "last_seq", "last_received_at"),
    )

    plate_norm: str = Field(primary_key=True, max_length=32)
    plate_key: str = Field(max_length=32, description="OCR-confusion key")
    reads: int = Field(default=0, sa_type=BigInteger)
    last_seq: int = Field(sa_type=BigInteger, description="Its newest read's seq")
    last_received_at: datetime = Field(sa_column=_utc_column())


class PlateRotation(SQLModel, table=True):
    """One rotation of ``plate_key + END``: the permuterm rows of the plate dictionary."""

    __tablename__ = "plate_rotations"
    __table_args__ = {"sqlite_with_rowid": False}

    rotation: str = Field(primary_key=True, max_length=40)


class LoginFailure(SQLModel, table=True):
    """Failed web sign-ins of one client address or one username, shared by every process
    serving the node (``local_node/web/login_counts.py``); rows go once forgotten.

    The key is stored as a SHA-256 digest: a username field sometimes holds a password typed
    in the wrong box, and the table needs only to recognise the key again.
    """

    __tablename__ = "login_failures"

    kind: str = Field(primary_key=True, max_length=8, description="address or user")
    key_hash: str = Field(primary_key=True, max_length=64)
    failures: int
    next_at: float = Field(description="Earliest allowed attempt (epoch s)")
    forget_at: float = Field(index=True, description="When the failures are forgotten")
