"""Typed settings of the cloud plane (environment prefix EDGESYNC_CLOUD_), grouped by component.

The alerting side's knobs are groups (``alerts``, ``smtp``, ``health``) handed to the
components that use them. The variables stay flat as documented (``EDGESYNC_CLOUD_ALERT_SMS``
is ``settings.alerts.sms``), and so do the constructor's keyword names
(``CloudSettings(alert_sms="none")``); see cloud_plane.grouped_settings.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from cloud_plane.image_settings import ImageSettings
from sync_protocol.codec import MAX_BODY_BYTES
from sync_protocol.grouped_settings import GroupedSettings, SettingsGroup, default_data_dir
from sync_protocol.units import ByteSize, Seconds, WholeSeconds
from sync_protocol.zones import check_zone


# -- the cloud's groups ---------------------------------------------------------------------------
class AlertSettings(SettingsGroup):
    """Alert channels, grouping, delivery and escalation (the dispatcher and the alert service)."""

    flat_prefix: ClassVar[str] = "alert_"

    # --- channels ---------------------------------------------------------------------------------
    sms: Literal["none", "sns", "file"] = Field(
        default="file",
        description="How SMS alerts travel: sns (Amazon SNS), file (recorded to alert_file_path, "
        "the embedded default) or none (SMS subscriptions are not delivered)",
    )
    email: Literal["none", "ses", "smtp", "file"] = Field(
        default="file",
        description="How email alerts travel: ses (Amazon SES), smtp, file (recorded to "
        "alert_file_path, the embedded default) or none",
    )
    webhooks: bool = Field(
        default=True, description="Deliver to recipients' webhook URLs (signed, HMAC-SHA256)"
    )
    file_path: Path | None = Field(
        default=None,
        description="JSON-lines file the file channel appends every message to; "
        "unset: DATA_DIR/alerts/messages.jsonl",
    )
    sns_sender_id: str | None = Field(
        default=None, max_length=11, description="Alphanumeric SMS sender id (where allowed)"
    )
    ses_from: str | None = Field(
        default=None, description="Verified SES identity alert emails come from (alert_email=ses)"
    )
    ses_configuration_set: str | None = Field(
        default=None, description="SES configuration set for bounce/complaint events"
    )
    timezone: Annotated[str, AfterValidator(check_zone)] = Field(
        default="UTC",
        description="IANA time zone of sites that have none of their own (`create-site "
        "--timezone`, or reported by the node at enrolment): alert times, expected camera "
        "hours and the dashboard's times of such a site are in it",
    )
    # --- grouping, delivery, escalation -----------------------------------------------------------
    group_window_s: Seconds = Field(
        default=600,
        gt=0,
        description="Reads of one plate at one site on one list within this many seconds of the "
        "group's first read make one alert with a count",
    )
    max_attempts: int = Field(
        default=8, ge=1, description="Attempts per delivery before it gives up (and says so)"
    )
    retry_base_s: Seconds = Field(
        default=2.0, gt=0, description="First retry delay bound (exponential, full jitter)"
    )
    retry_cap_s: Seconds = Field(default=300.0, gt=0, description="Largest retry delay bound")
    lease_s: Seconds = Field(
        default=60.0,
        gt=0,
        description="How long a worker holds a claimed delivery; a killed worker's claims "
        "are taken over after this",
    )
    senders: int = Field(
        default=16, ge=1, le=256, description="Deliveries a dispatcher sends concurrently"
    )
    poll_s: Seconds = Field(
        default=0.2, gt=0, description="How often an idle dispatcher looks for due deliveries"
    )
    recipient_rate_per_minute: int | None = Field(
        default=30,
        ge=1,
        description="Messages per minute to one recipient on one channel (excess waits; "
        "unset: no limit)",
    )
    channel_rate_per_minute: int | None = Field(
        default=None,
        ge=1,
        description="Messages per minute on one channel in total (excess waits; unset: no limit)",
    )
    resolution_settle_s: Seconds = Field(
        default=30,
        ge=0,
        le=900,
        description="A message that an alert resolved waits this long, so alerts resolving "
        "together (cameras behind one switch) reach each recipient as one message per channel",
    )
    escalate_after_s: Seconds = Field(
        default=600,
        gt=0,
        description="An unacknowledged high-priority alert goes to the next tier after this",
    )
    escalate_min_priority: int = Field(
        default=80, ge=0, le=100, description="Alerts of at least this priority escalate"
    )
    worker: bool = Field(
        default=True,
        description="Run the dispatcher, escalation and health monitor inside the API process "
        "(false: run `edgesync cloud dispatcher` separately)",
    )


class SmtpSettings(SettingsGroup):
    """The SMTP server of the smtp email channel (alert_email=smtp)."""

    flat_prefix: ClassVar[str] = "smtp_"
    flat_renames: ClassVar[Mapping[str, str]] = {"from_address": "smtp_from"}

    host: str | None = Field(default=None, description="SMTP server (alert_email=smtp)")
    port: int = Field(default=587, ge=1, le=65535, description="SMTP server port")
    username: str | None = Field(default=None, description="SMTP login (with smtp_password)")
    password: SecretStr | None = Field(
        default=None, description="SMTP password (secret: never logged or shown)"
    )
    security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls (upgrade, required), tls (implicit, port 465) or none (local relay)",
    )
    from_address: str | None = Field(default=None, description="From address of SMTP alert emails")


class HealthSettings(SettingsGroup):
    """When a site or camera has a problem (the health monitor; site status)."""

    flat_renames: ClassVar[Mapping[str, str]] = {"interval_s": "health_interval_s"}

    interval_s: Seconds = Field(
        default=30, gt=0, description="How often sites and cameras are checked for problems"
    )
    offline_after_s: Seconds = Field(
        default=300, gt=0, description="A site without a heartbeat for this long is offline"
    )
    camera_silent_after_s: Seconds = Field(
        default=3600, gt=0, description="A camera with no read for this long is silent"
    )
    camera_expected_hours: str | None = Field(
        default=None,
        pattern=r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$",
        description="HH:MM-HH:MM (in each site's zone, else alert_timezone) when cameras are "
        "expected to read; a silent camera outside it is no problem (unset: all day; may wrap "
        "midnight, e.g. 22:00-06:00)",
    )
    disk_full_ratio: float = Field(
        default=0.9, gt=0, le=1, description="Disk use (used/total) at which a node is nearly full"
    )
    backlog_age_s: Seconds = Field(
        default=900,
        gt=0,
        description="Sync is falling behind when the oldest unsent read is older than this",
    )
    backlog_count: int = Field(
        default=100_000, ge=1, description="…or when more reads than this wait to be sent"
    )
    backlog_growth_s: Seconds = Field(
        default=1800,
        gt=0,
        le=7000,  # the site keeps 2 h of backlog samples (cloud_plane.records.backlog)
        description="…or when the backlog kept growing (never draining back) for this long, "
        "even below backlog_count",
    )
    backlog_growth_min: int = Field(
        default=100, ge=1, description="The least rise over backlog_growth_s that counts as growth"
    )
    clock_skew_s: Seconds = Field(
        default=120, gt=0, description="Largest camera-to-node clock offset before an alert"
    )


# -- the cloud ------------------------------------------------------------------------------------
DYNAMODB_PUSH_INTERVAL_S = 5.0  # bench.dynamo: ≤ 1.5 write units per read from here up


class CloudSettings(GroupedSettings):
    """Every knob of the cloud plane; each is also the variable EDGESYNC_CLOUD_<FLAT NAME>."""

    model_config = SettingsConfigDict(
        env_prefix="EDGESYNC_CLOUD_", extra="forbid", populate_by_name=True
    )

    data_dir: Path = Field(
        default_factory=lambda: default_data_dir("cloud"),
        description="The self-hosted cloud's signing key and default SQLite database live here "
        "(default: $XDG_DATA_HOME/edgesync/cloud, else "
        "~/.local/share/edgesync/cloud; as root without XDG_DATA_HOME: /var/lib/edgesync/cloud)",
    )
    database_url: str | None = Field(
        default=None,
        description="sqlite:///PATH or postgresql+psycopg://...; unset: SQLite under data_dir",
    )
    store: Literal["sql", "dynamodb"] = Field(
        default="sql", description="Where the cloud keeps its data: sql (self-hosting) or dynamodb"
    )
    table: str | None = Field(default=None, description="DynamoDB table name (store=dynamodb only)")
    detection_retention_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="How many days the cloud keeps reads (detections, their hits, hourly read "
        "counts) after the node received them, for sites without their own retention (`cloud "
        "sites set-retention`; unset: kept until deleted). store=sql: the hourly retention job "
        "deletes them and records each site's run; store=dynamodb: items expire by TTL "
        "(DynamoDB deletes within days) and the same job deletes what a shortened retention "
        "left",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key sealing webhook secrets at rest (store=dynamodb: required, e.g. "
        "from Secrets Manager; store=sql: unset reads DATA_DIR/secrets.key, created 0600)",
    )
    secrets_arn: str | None = Field(
        default=None,
        description='AWS mode: Secrets Manager secret holding {"master": "..."} (the CDK '
        "stack generates it); read once per Lambda container, and the secret key and web "
        "secret left unset are derived from it (HKDF-SHA256), so no key sits in the Lambda's "
        "environment",
    )
    sync_push_interval_s: Seconds | None = Field(
        default=None,
        gt=0,
        le=3_600,
        description="The shortest period nodes are asked to push reads at (hits still go at "
        "once): each exchange costs a request and per-batch writes, so fewer, fuller batches "
        "cost less; unset: 5 with store=dynamodb (≈1.35 DynamoDB write units per read instead "
        "of ≈1.7 at the node's 2 s, bench.dynamo), else the node's own",
    )
    delivery_queue_url: str | None = Field(
        default=None,
        description="SQS queue of alert deliveries, one message per delivery (AWS mode: the "
        "delivery Lambda consumes it, or `cloud serve`'s in-process poller; unset: the "
        "in-process dispatcher polls the store)",
    )
    delivery_dlq_url: str | None = Field(
        default=None,
        description="The delivery queue's dead-letter queue (its depth is in /metrics and "
        "/api/v1/status)",
    )
    auth: Literal["local", "cognito"] = Field(
        default="local",
        description="Staff login: local (built-in issuer, cloud's own key) or cognito (AWS)",
    )
    cognito_user_pool_id: str | None = Field(
        default=None, description="Cognito user pool id, e.g. eu-west-1_AbC123 (auth=cognito)"
    )
    cognito_client_id: str | None = Field(
        default=None, description="Cognito app client id access tokens must carry (auth=cognito)"
    )
    cognito_jwks_url: str | None = Field(
        default=None,
        description="Where the pool's signing keys are fetched (auth=cognito); unset: "
        "https://cognito-idp.REGION.amazonaws.com/POOL/.well-known/jwks.json (set it when "
        "developing against moto server: ENDPOINT/POOL/.well-known/jwks.json)",
    )
    aws_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("EDGESYNC_CLOUD_AWS_REGION", "AWS_REGION", "aws_region"),
        description="AWS region of the Cognito pool (also read from AWS_REGION)",
    )
    host: str = Field(default="127.0.0.1", description="Address the cloud's HTTP API binds to")
    port: int = Field(default=8090, ge=1, le=65535, description="Port of the cloud's HTTP API")
    request_timeout_s: Seconds = Field(
        default=30,
        gt=0,
        description=(
            "`cloud serve`: a request's headers, and then its body, must arrive within this many "
            "seconds or the connection is closed (the body: 408)"
        ),
    )
    max_connections: int = Field(
        default=500,
        ge=1,
        description="`cloud serve`: open connections past which new requests get 503",
    )
    public_url: str | None = Field(
        default=None,
        description="URL staff and nodes reach the cloud at (links, local token issuer); "
        "unset: http://HOST:PORT",
    )
    token_ttl_s: WholeSeconds = Field(
        default=3600, ge=60, le=86_400, description="Lifetime of staff tokens from the local issuer"
    )
    enrollment_code_ttl_s: WholeSeconds = Field(
        default=24 * 3600, ge=60, description="How long a site's one-time enrolment code works"
    )
    hotlist_snapshot_threshold: int = Field(
        default=10_000,
        ge=1,
        description="A node more than this many hotlist versions behind gets a snapshot",
    )
    hotlist_tombstone_retention_days: int = Field(
        default=90,
        ge=1,
        description="Deleted hotlist entries are kept as tombstones (so nodes get the deletion "
        "in their delta) this many days after the cloud applied the delete, then purged "
        "(hourly, by the alert worker or the monitor Lambda); a node that has not synced for "
        "longer gets a snapshot instead",
    )
    hotlist_lookback_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="When an entry is added, reads received this many days back that match it "
        "are stored as historical hits (0: no look-back)",
    )
    hotlist_lookback_interval_s: Seconds = Field(
        default=30,
        gt=0,
        description="How often `cloud serve` checks for entries not yet scanned for past reads "
        "(an edit through the API or dashboard starts a scan at once)",
    )
    max_request_bytes: ByteSize = Field(
        default=MAX_BODY_BYTES,
        ge=1024,
        le=MAX_BODY_BYTES,
        description="Largest (compressed) sync request body accepted; larger ones get 413",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed logins from one address (or for one username) before each further "
        "attempt waits: 1 s, then doubling (429 with Retry-After)",
    )
    login_window_s: Seconds = Field(
        default=300,
        gt=0,
        description="Failures are forgotten this long after the next attempt they allowed",
    )
    login_address_max_delay_s: Seconds = Field(
        default=900, gt=0, description="Longest wait imposed on an address that keeps failing"
    )
    login_user_max_delay_s: Seconds = Field(
        default=30,
        gt=0,
        description="Longest wait imposed on a username under attack (only for addresses that "
        "have failed; a correct password from a clean address is always accepted)",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or CIDRs of reverse proxies (e.g. the ALB's "
        "subnets) whose X-Forwarded-For names the client; empty: the socket peer is the client",
    )
    metrics_public: bool = Field(
        default=False, description="Serve /metrics without a token (trusted scrape networks)"
    )
    web_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="Key of the dashboard's CSRF tokens (at least 32 characters; set the same "
        "value on every process or Lambda serving the dashboard); unset: a random key kept in "
        "DATA_DIR/web_secret.key (mode 0600)",
    )
    web_cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="Dashboard cookies Secure: auto (when the request came over HTTPS), always "
        "(behind a TLS proxy), never (plain-HTTP LAN)",
    )

    alerts: AlertSettings = Field(
        default_factory=AlertSettings, description="Alert channels, delivery and escalation"
    )
    smtp: SmtpSettings = Field(
        default_factory=SmtpSettings, description="The SMTP server of alert_email=smtp"
    )
    health: HealthSettings = Field(
        default_factory=HealthSettings, description="Site and camera health thresholds"
    )
    images: ImageSettings = Field(
        default_factory=ImageSettings, description="Reads' images asked of their sites"
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)  # ValueError: a clear 422
        return value

    @property
    def resolved_push_interval_s(self) -> float | None:
        """The push period asked of nodes (None: each node's own)."""
        if self.sync_push_interval_s is not None:
            return self.sync_push_interval_s
        return DYNAMODB_PUSH_INTERVAL_S if self.store == "dynamodb" else None

    @property
    def resolved_alert_file(self) -> Path:
        """The file channel's file."""
        return self.alerts.file_path or self.data_dir / "alerts" / "messages.jsonl"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'cloud.db').resolve()}"

    @property
    def resolved_public_url(self) -> str:
        """Where the cloud is reached; the local token issuer's `iss`."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def web_secret_path(self) -> Path:
        """The dashboard's random key when ``web_secret`` is unset (created 0600)."""
        return self.data_dir / "web_secret.key"

    @property
    def staff_key_path(self) -> Path:
        """The local issuer's RSA private key (created on first start, mode 0600)."""
        return self.data_dir / "staff_signing_key.pem"


@lru_cache
def get_settings() -> CloudSettings:
    """Settings read once from the environment (tests build CloudSettings(**overrides))."""
    return CloudSettings()
