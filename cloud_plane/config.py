"""Typed settings of the cloud plane (environment prefix EDGESYNC_CLOUD_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sync_protocol.codec import MAX_BODY_BYTES


class CloudSettings(BaseSettings):
    """Every knob of the cloud plane; each is also the variable EDGESYNC_CLOUD_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix="EDGESYNC_CLOUD_", extra="forbid", populate_by_name=True
    )

    data_dir: Path = Field(
        default=Path("edgesync-data/cloud"),
        description="The self-hosted cloud's signing key and default SQLite database live here",
    )
    database_url: str | None = Field(
        default=None,
        description="sqlite:///PATH or postgresql+psycopg://...; unset: SQLite under data_dir",
    )
    store: Literal["sql", "dynamodb"] = Field(
        default="sql", description="Where the cloud keeps its data: sql (self-hosting) or dynamodb"
    )
    table: str | None = Field(default=None, description="DynamoDB table name (store=dynamodb only)")
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
    aws_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("EDGESYNC_CLOUD_AWS_REGION", "AWS_REGION", "aws_region"),
        description="AWS region of the Cognito pool (also read from AWS_REGION)",
    )
    host: str = Field(default="127.0.0.1", description="Address the cloud's HTTP API binds to")
    port: int = Field(default=8090, ge=1, le=65535, description="Port of the cloud's HTTP API")
    public_url: str | None = Field(
        default=None,
        description="URL staff and nodes reach the cloud at (links, local token issuer); "
        "unset: http://HOST:PORT",
    )
    token_ttl_s: int = Field(
        default=3600, ge=60, le=86_400, description="Lifetime of staff tokens from the local issuer"
    )
    enrollment_code_ttl_s: int = Field(
        default=24 * 3600, ge=60, description="How long a site's one-time enrolment code works"
    )
    hotlist_snapshot_threshold: int = Field(
        default=10_000,
        ge=1,
        description="A node more than this many hotlist versions behind gets a snapshot",
    )
    max_request_bytes: int = Field(
        default=MAX_BODY_BYTES,
        ge=1024,
        le=MAX_BODY_BYTES,
        description="Largest (compressed) sync request body accepted; larger ones get 413",
    )
    offline_after_s: float = Field(
        default=300, gt=0, description="A site without a heartbeat for this long is offline"
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins per username within login_window_s before 429"
    )
    login_window_s: float = Field(
        default=300, gt=0, description="Window of the per-username login rate limit"
    )
    metrics_public: bool = Field(
        default=False, description="Serve /metrics without a token (trusted scrape networks)"
    )

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
    def staff_key_path(self) -> Path:
        """The local issuer's RSA private key (created on first start, mode 0600)."""
        return self.data_dir / "staff_signing_key.pem"


@lru_cache
def get_settings() -> CloudSettings:
    """Settings read once from the environment (tests build CloudSettings(**overrides))."""
    return CloudSettings()
