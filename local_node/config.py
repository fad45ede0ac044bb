"""Typed settings of the local node (environment prefix EDGESYNC_NODE_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MiB = 1024 * 1024


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
        default=1000, ge=1, le=5000, description="Most detections in one exchange"
    )
    sync_batch_max_bytes: int = Field(
        default=1 * MiB,
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
