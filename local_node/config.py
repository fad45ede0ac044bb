"""Typed settings of the local node (environment prefix EDGESYNC_NODE_), grouped by component.

Each group (``sync``, ``fallback``, ``mqtt``, ``ingest``, ``retention``) is a small model handed
to the component that uses it. The variables stay flat as documented
(``EDGESYNC_NODE_SYNC_PUSH_INTERVAL_S`` is ``settings.sync.push_interval_s``), and so do the
constructor's keyword names (``NodeSettings(sync_push_interval_s=5)``); see
local_node.grouped_settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, PrivateAttr, field_validator
from pydantic_settings import SettingsConfigDict

from local_node.database_secret import database_url_from_secret
from local_node.fallback_settings import FallbackSettings as FallbackSettings  # its own module
from sync_protocol.grouped_settings import GroupedSettings, SettingsGroup, default_data_dir
from sync_protocol.units import ByteSize, Days, OptionalByteSize, Seconds
from sync_protocol.zones import check_zone

MiB = 1024 * 1024


# -- the node's groups ----------------------------------------------------------------------------
class IngestSettings(SettingsGroup):
    """How reads come in and are made durable (the camera API and the writer)."""

    max_body_bytes: ByteSize = Field(
        default=5 * MiB, ge=1024, description="Largest request body (and image) accepted"
    )
    image_sync: Literal["auto", "fdatasync", "syncfs", "file", "group"] = Field(
        default="auto",
        description=(
            "How images are flushed before a read is acknowledged. auto: syncfs where the "
            "image folder's filesystem is known to honour it (ext4, xfs, btrfs...), else "
            "fdatasync; fdatasync: every image of a group commit, concurrently; syncfs: one "
            "syncfs(2) per group commit (refused at start on other filesystems, e.g. FUSE); "
            "file: fsync each image as it is written; group: the old name of auto"
        ),
    )
    commit_batch_max: int = Field(
        default=128, ge=1, le=4096, description="Most reads made durable by one group commit"
    )
    max_pending: int = Field(
        default=2000,
        ge=1,
        description="Reads waiting for the writer before new ones get 503 with Retry-After",
    )
    openalpr_store_frames: bool = Field(
        default=False,
        description=(
            "Also store Rekor/OpenALPR per-frame `alpr_results` posts (off: only `alpr_group`, "
            "one read per vehicle, is stored and frames are acknowledged and ignored)"
        ),
    )
    clock_skew_s: Seconds = Field(
        default=120,
        gt=0,
        description="A stored read whose captured_at is further than this from the node's clock "
        "counts as a clock_skew error of its camera in the heartbeat",
    )


class RetentionSettings(SettingsGroup):
    """How long images and metadata are kept, and how much disk they may use."""

    flat_renames: ClassVar[Mapping[str, str]] = {
        "image_days": "image_retention_days",
        "hit_image_days": "hit_image_retention_days",
        "metadata_days": "metadata_retention_days",
        "interval_s": "retention_interval_s",
    }

    disk_budget_bytes: OptionalByteSize = Field(
        default=None, ge=0, description="Most bytes the image store may use; unset: no cap"
    )
    min_free_bytes: ByteSize = Field(
        default=512 * MiB, ge=0, description="Free space kept on the data volume at all times"
    )
    image_days: Days = Field(default=30, gt=0, description="Images older than this are pruned")
    hit_image_days: Days = Field(
        default=365, gt=0, description="Evidence hold: images of hotlist hits are kept this long"
    )
    metadata_days: Days = Field(
        default=400, gt=0, description="Detection metadata older than this is deleted"
    )
    interval_s: Seconds = Field(default=300, gt=0, description="How often the retention job runs")


class SyncSettings(SettingsGroup):
    """The sync agent: where the cloud is, how often it talks to it, how much at once."""

    flat_prefix: ClassVar[str] = "sync_"
    flat_renames: ClassVar[Mapping[str, str]] = {"cloud_url": "cloud_url"}

    cloud_url: str | None = Field(
        default=None, description="The cloud plane's URL; unset: the node runs stand-alone"
    )
    agent: bool = Field(
        default=True, description="Run the sync agent inside `node serve` (off: --no-agent)"
    )
    push_interval_s: Seconds = Field(
        default=2, gt=0, description="How often the agent pushes detections, hits and edits"
    )
    heartbeat_interval_s: Seconds = Field(
        default=30, gt=0, description="How often the agent sends a heartbeat"
    )
    hotlist_interval_s: Seconds = Field(
        default=10, gt=0, description="How often the agent pulls hotlist changes"
    )
    command_poll_s: Seconds = Field(
        default=2,
        ge=0,
        description="How often an idle agent asks the cloud whether commands (image requests) "
        "wait for it: one signed, read-only request, cheaper than an exchange; 0: commands "
        "wait for the next exchange",
    )
    timeout_s: Seconds = Field(
        default=15, gt=0, description="Timeout of every request to the cloud (connect, read)"
    )
    backoff_base_s: Seconds = Field(
        default=1, gt=0, description="First retry delay after a failed exchange (full jitter)"
    )
    backoff_cap_s: Seconds = Field(
        default=300, gt=0, description="Longest retry delay after repeated failures"
    )
    batch_max_records: int = Field(
        default=5000, ge=1, le=5000, description="Most detections in one exchange"
    )
    batch_max_bytes: ByteSize = Field(
        default=2 * MiB,
        ge=1024,
        le=2 * MiB,
        description="Most bytes of detection JSON (before compression) in one exchange",
    )


class MqttSettings(SettingsGroup):
    """Frigate's licence-plate events over MQTT."""

    flat_prefix: ClassVar[str] = "mqtt_"

    url: str | None = Field(
        default=None,
        description="mqtt://[user:pass@]host[:port] or mqtts://... of Frigate's broker; unset: off",
    )
    topic_prefix: str = Field(
        default="frigate",
        min_length=1,
        description=(
            "Frigate's MQTT topic prefix; the node reads <prefix>/tracked_object_update "
            "and <prefix>/events"
        ),
    )
    events: bool = Field(
        default=True,
        description=(
            "Also read plates from <prefix>/events (recognized_license_plate of tracked "
            "objects; the same car on both topics is stored once); false: only "
            "<prefix>/tracked_object_update"
        ),
    )
    cameras: dict[str, str] = Field(
        default_factory=dict,
        description="Frigate camera name -> node camera name (or id), as a JSON object in the env",
    )
    default_camera: str | None = Field(
        default=None,
        description="Node camera for Frigate cameras not in mqtt_cameras; unset: their reads drop",
    )


class WebSettings(SettingsGroup):
    """The site's local web app (pages at `/`): its sign-in sessions and cookies."""

    flat_prefix: ClassVar[str] = "web_"

    cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description=(
            "Secure flag of the web app's cookies. auto: when the request came over HTTPS "
            "(a plain-HTTP site LAN still works); always: behind a TLS proxy; never: plain HTTP"
        ),
    )
    session_idle_s: Seconds = Field(
        default=12 * 3600, gt=0, description="A web session unused this long ends (sign in again)"
    )
    session_max_s: Seconds = Field(
        default=7 * 86400,
        gt=0,
        description="A web session ends this long after sign-in, used or not",
    )


class BackupSettings(SettingsGroup):
    """Scheduled database backups (issue 13): when, where to, how many to keep, verified."""

    flat_prefix: ClassVar[str] = "backup_"

    enabled: bool = Field(
        default=True, description="Run the scheduled backup in the process that runs the agent"
    )
    destination: str | None = Field(
        default=None,
        max_length=500,
        description="Folder (e.g. a NAS mount) or s3://bucket/prefix the backups go to; "
        "unset: DATA_DIR/backups",
    )
    schedule: str = Field(
        default="30 2 * * *",
        description="When the backup runs: a crontab line (minute hour day month weekday) in "
        "the site's time zone; default nightly at 02:30",
    )
    keep_daily: int = Field(default=7, ge=1, description="Newest daily backups kept")
    keep_weekly: int = Field(
        default=4,
        ge=0,
        description="Weekly backups kept besides the daily ones (newest of each week)",
    )
    verify: bool = Field(
        default=True,
        description="Restore every new backup into a scratch database and compare row counts",
    )

    @field_validator("schedule")
    @classmethod
    def _crontab(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a crontab line (minute hour day month weekday): {exc}") from None
        return value


# -- the node -------------------------------------------------------------------------------------
class NodeSettings(GroupedSettings):
    """Every knob of the local node; each is also the variable EDGESYNC_NODE_<FLAT NAME>."""

    model_config = SettingsConfigDict(env_prefix="EDGESYNC_NODE_", extra="forbid")

    data_dir: Path = Field(
        default_factory=lambda: default_data_dir("node"),
        description="Images, the default SQLite database and the node's keys live here "
        "(default: $XDG_DATA_HOME/edgesync/node, else "
        "~/.local/share/edgesync/node; as root without XDG_DATA_HOME: /var/lib/edgesync/node)",
    )
    database_url: str | None = Field(
        default=None,
        description="sqlite:///PATH or postgresql+psycopg://...; unset: SQLite under data_dir "
        "(or the database of database_secret_arn)",
    )
    database_secret_arn: str | None = Field(
        default=None,
        description="ARN of a Secrets Manager secret in the JSON shape RDS generates (username, "
        "password, host, port, dbname, engine): the node reads it once at start and connects "
        "to that PostgreSQL database with TLS (database_sslmode); database_url wins if set",
    )
    database_secret_region: str | None = Field(
        default=None,
        description="AWS region of database_secret_arn; unset: the ARN's region, else "
        "AWS_REGION / AWS_DEFAULT_REGION",
    )
    database_sslmode: Literal[
        "disable", "allow", "prefer", "require", "verify-ca", "verify-full"
    ] = Field(
        default="verify-full",
        description="libpq sslmode of the database built from database_secret_arn (an explicit "
        "database_url carries its own, e.g. ?sslmode=verify-full)",
    )
    database_sslrootcert: Path = Field(
        default=Path("/etc/edgesync/rds-ca-bundle.pem"),
        description="CA bundle that verifies the database's certificate with sslmode "
        "verify-ca/verify-full (the image ships the RDS global bundle there)",
    )
    image_store: str | None = Field(
        default=None,
        max_length=1024,
        description="Where images go: a directory, or s3://BUCKET/PREFIX for an S3 bucket "
        "(full cloud, docs/full-cloud.md); unset: the images folder of data_dir",
    )
    image_store_endpoint_url: str | None = Field(
        default=None,
        description="S3 endpoint of an s3:// image store other than AWS's (MinIO, a test "
        "server); unset: AWS in the region of the environment",
    )
    image_put_concurrency: int = Field(
        default=16,
        ge=1,
        le=128,
        description="Uploads of one group commit that run at once (s3:// image store)",
    )
    host: str = Field(default="127.0.0.1", description="Address the node's HTTP API binds to")
    port: int = Field(default=8080, ge=1, le=65535, description="Port of the node's HTTP API")
    metrics_public: bool = Field(
        default=False, description="Serve /metrics without a token (trusted scrape networks)"
    )
    request_timeout_s: Seconds = Field(
        default=30,
        gt=0,
        description=(
            "A request's headers, and then its body, must arrive within this many seconds or "
            "the connection is closed (the body: 408)"
        ),
    )
    max_connections: int = Field(
        default=200, ge=1, description="Open connections past which new requests get 503"
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        max_length=1024,
        description="Addresses or networks (comma-separated, e.g. 10.0.0.0/16) of the proxies "
        "whose X-Forwarded-For/-Proto are believed: the client's address in the audit log and "
        "the sign-in back-off, and https behind a TLS proxy (the full cloud's ALB)",
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=32,
        description="Processes serving the HTTP API (`node serve --workers`); the jobs that "
        "must run once per node (sync agent, MQTT, retention, backups) run once in the parent",
    )
    timezone: str | None = Field(
        default=None,
        max_length=64,
        description="IANA time zone of the site (e.g. Europe/Berlin), reported to the cloud at "
        "enrolment as the site's zone unless staff set one; unset: the host's zone (TZ, then "
        "/etc/localtime, then /etc/timezone)",
    )
    hotlist_lookback_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="When an entry is added here or arrives from the cloud, reads received this "
        "many days back that match it are stored as historical hits (0: no look-back)",
    )
    hotlist_lookback_interval_s: Seconds = Field(
        default=5,
        gt=0,
        description="How often the node looks for hotlist entries that became live and scans "
        "their past reads (one cheap query when nothing changed)",
    )
    ingest: IngestSettings = Field(
        default_factory=IngestSettings, description="The camera API and the ingest writer"
    )
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings, description="The retention job and the disk limits"
    )
    sync: SyncSettings = Field(default_factory=SyncSettings, description="The sync agent")
    mqtt: MqttSettings = Field(
        default_factory=MqttSettings, description="Frigate's plate events over MQTT"
    )
    fallback: FallbackSettings = Field(
        default_factory=FallbackSettings, description="The offline alert fallback"
    )
    web: WebSettings = Field(
        default_factory=WebSettings, description="The local web app's sessions and cookies"
    )
    backup: BackupSettings = Field(
        default_factory=BackupSettings, description="Scheduled database backups"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)

    # The URL built from database_secret_arn: read once per process, and carried to the
    # spawned workers of `node serve --workers` with the settings object (pickled with it).
    _secret_url: str | None = PrivateAttr(default=None)

    @property
    def resolved_database_url(self) -> str:
        """The database URL: database_url, else database_secret_arn's, else SQLite in data_dir.

        Everything that opens the node's database (serve, the agent, every command) asks here,
        so all see the same URL; the secret is read at the first call only. The URL may hold
        a password: never log it (``sync_protocol.settings_errors.redact_url``).
        """
        if self.database_url:
            return self.database_url
        if self.database_secret_arn:
            if self._secret_url is None:
                self._secret_url = database_url_from_secret(
                    self.database_secret_arn,
                    self.database_secret_region,
                    sslmode=self.database_sslmode,
                    sslrootcert=str(self.database_sslrootcert),
                )
            return self._secret_url
        return f"sqlite:///{(self.data_dir / 'node.db').resolve()}"

    @property
    def images_in_s3(self) -> bool:
        """Whether the image store is an S3 bucket (image_store = s3://...)."""
        return bool(self.image_store and self.image_store.startswith("s3://"))

    @property
    def images_dir(self) -> Path:
        """Root of the date-sharded image tree (for an S3 store: unused, data_dir/images)."""
        if self.image_store and not self.images_in_s3:
            return Path(self.image_store)
        return self.data_dir / "images"


@lru_cache
def get_settings() -> NodeSettings:
    """Settings read once from the environment (tests build NodeSettings(**overrides))."""
    return NodeSettings()
