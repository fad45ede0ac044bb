"""Typed settings of the local node (environment prefix EDGESYNC_NODE_)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MiB = 1024 * 1024

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+", re.ASCII)
"""Loose on purpose; what matters is no whitespace (no header injection) and one @."""


class NodeSettings(BaseSettings):
    """Every knob of the local node; each is also the variable EDGESYNC_NODE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="EDGESYNC_NODE_", extra="forbid")

    data_dir: Path = Field(
        default=Path("edgesync-data/node"),
        description="Images, the default SQLite database and the node's keys live here",
    )
    database_url: str | None = Field(
        default=None,
        description="sqlite:///PATH or postgresql+psycopg://...; unset: SQLite under data_dir",
    )
    host: str = Field(default="127.0.0.1", description="Address the node's HTTP API binds to")
    port: int = Field(default=8080, ge=1, le=65535, description="Port of the node's HTTP API")
    max_body_bytes: int = Field(
        default=5 * MiB, ge=1024, description="Largest request body (and image) accepted"
    )
    image_sync: Literal["group", "file"] = Field(
        default="group",
        description="group: one syncfs(2) per group commit; file: fsync every image file",
    )
    commit_batch_max: int = Field(
        default=128, ge=1, le=4096, description="Most reads made durable by one group commit"
    )
    max_pending: int = Field(
        default=2000,
        ge=1,
        description="Reads waiting for the writer before new ones get 503 with Retry-After",
    )
    disk_budget_bytes: int | None = Field(
        default=None, ge=0, description="Most bytes the image store may use; unset: no cap"
    )
    min_free_bytes: int = Field(
        default=512 * MiB, ge=0, description="Free space kept on the data volume at all times"
    )
    image_retention_days: float = Field(
        default=30, gt=0, description="Images older than this are pruned"
    )
    hit_image_retention_days: float = Field(
        default=365, gt=0, description="Evidence hold: images of hotlist hits are kept this long"
    )
    metadata_retention_days: float = Field(
        default=400, gt=0, description="Detection metadata older than this is deleted"
    )
    retention_interval_s: float = Field(
        default=300, gt=0, description="How often the retention job runs"
    )
    metrics_public: bool = Field(
        default=False, description="Serve /metrics without a token (trusted scrape networks)"
    )
    cloud_url: str | None = Field(
        default=None, description="The cloud plane's URL; unset: the node runs stand-alone"
    )
    sync_agent: bool = Field(
        default=True, description="Run the sync agent inside `node serve` (off: --no-agent)"
    )
    sync_push_interval_s: float = Field(
        default=2, gt=0, description="How often the agent pushes detections, hits and edits"
    )
    sync_heartbeat_interval_s: float = Field(
        default=30, gt=0, description="How often the agent sends a heartbeat"
    )
    sync_hotlist_interval_s: float = Field(
        default=10, gt=0, description="How often the agent pulls hotlist changes"
    )
    sync_timeout_s: float = Field(
        default=15, gt=0, description="Timeout of every request to the cloud (connect, read)"
    )
    sync_backoff_base_s: float = Field(
        default=1, gt=0, description="First retry delay after a failed exchange (full jitter)"
    )
    sync_backoff_cap_s: float = Field(
        default=300, gt=0, description="Longest retry delay after repeated failures"
    )
    sync_batch_max_records: int = Field(
        default=5000, ge=1, le=5000, description="Most detections in one exchange"
    )
    sync_batch_max_bytes: int = Field(
        default=2 * MiB,
        ge=1024,
        le=2 * MiB,
        description="Most bytes of detection JSON (before compression) in one exchange",
    )
    openalpr_store_frames: bool = Field(
        default=False,
        description=(
            "Also store Rekor/OpenALPR per-frame `alpr_results` posts (off: only `alpr_group`, "
            "one read per vehicle, is stored and frames are acknowledged and ignored)"
        ),
    )
    mqtt_url: str | None = Field(
        default=None,
        description="mqtt://[user:pass@]host[:port] or mqtts://... of Frigate's broker; unset: off",
    )
    mqtt_topic_prefix: str = Field(
        default="frigate",
        min_length=1,
        description="Frigate's MQTT topic prefix; the node reads <prefix>/tracked_object_update",
    )
    mqtt_cameras: dict[str, str] = Field(
        default_factory=dict,
        description="Frigate camera name -> node camera name (or id), as a JSON object in the env",
    )
    mqtt_default_camera: str | None = Field(
        default=None,
        description="Node camera for Frigate cameras not in mqtt_cameras; unset: their reads drop",
    )
    fallback_after_s: float = Field(
        default=120,
        gt=0,
        description=(
            "Offline fallback: once the cloud has been unreachable this long, the node sends "
            "hit alerts itself through the fallback channels below (none set: never)"
        ),
    )
    fallback_min_priority: int = Field(
        default=0,
        ge=0,
        description="Only hits of hotlist entries with at least this priority go out locally",
    )
    fallback_max_age_s: float = Field(
        default=86_400,
        gt=0,
        description="Hits older than this are left to the cloud (no stale alerts after restarts)",
    )
    fallback_smtp_host: str | None = Field(
        default=None, description="SMTP server for fallback email; unset: no email fallback"
    )
    fallback_smtp_port: int = Field(
        default=587, ge=1, le=65535, description="Port of the fallback SMTP server"
    )
    fallback_smtp_starttls: bool = Field(
        default=True,
        description="Upgrade the SMTP connection with STARTTLS (fail if the server cannot)",
    )
    fallback_smtp_user: str | None = Field(
        default=None, description="SMTP login user (with fallback_smtp_password); unset: none"
    )
    fallback_smtp_password: SecretStr | None = Field(
        default=None, description="SMTP login password (secret: never logged)"
    )
    fallback_email_from: str | None = Field(
        default=None, description="From address of fallback email (needed with the SMTP host)"
    )
    fallback_email_to: list[str] = Field(
        default_factory=list,
        max_length=16,
        description="Fallback email recipients, one email each (a JSON list in the env)",
    )
    fallback_webhook_url: str | None = Field(
        default=None,
        max_length=2048,
        description="http(s) URL for fallback webhooks (signed); unset: no webhook fallback",
    )
    fallback_webhook_secret: SecretStr | None = Field(
        default=None,
        description="HMAC key of fallback webhooks, at least 16 characters (secret: never logged)",
    )
    fallback_timeout_s: float = Field(
        default=10, gt=0, description="Timeout of every fallback send (SMTP, webhook)"
    )

    @field_validator("fallback_email_from", "fallback_email_to")
    @classmethod
    def _email_addresses(cls, value: str | list[str] | None) -> str | list[str] | None:
        for address in [value] if isinstance(value, str) else value or []:
            if not _EMAIL.fullmatch(address):
                raise ValueError(f"not an email address: {address!r}")
        return value

    @field_validator("fallback_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and (
            not value.startswith(("https://", "http://")) or any(c.isspace() for c in value)
        ):
            raise ValueError("must be an http(s) URL without spaces")
        return value

    @model_validator(mode="after")
    def _fallback_complete(self) -> NodeSettings:
        if self.fallback_smtp_host and not (self.fallback_email_from and self.fallback_email_to):
            raise ValueError("fallback_smtp_host needs fallback_email_from and fallback_email_to")
        if (self.fallback_smtp_user is None) != (self.fallback_smtp_password is None):
            raise ValueError("fallback_smtp_user and fallback_smtp_password go together")
        if (self.fallback_webhook_url is None) != (self.fallback_webhook_secret is None):
            raise ValueError("fallback_webhook_url and fallback_webhook_secret go together")
        secret = self.fallback_webhook_secret
        if secret is not None and len(secret.get_secret_value()) < 16:
            raise ValueError("fallback_webhook_secret must have at least 16 characters")
        return self

    @property
    def fallback_configured(self) -> bool:
        """Whether any offline-fallback channel is set up."""
        return bool(self.fallback_smtp_host or self.fallback_webhook_url)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'node.db').resolve()}"

    @property
    def images_dir(self) -> Path:
        """Root of the date-sharded image tree."""
        return self.data_dir / "images"


@lru_cache
def get_settings() -> NodeSettings:
    """Settings read once from the environment (tests build NodeSettings(**overrides))."""
    return NodeSettings()
