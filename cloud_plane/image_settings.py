"""The cloud's settings of images on demand (a group of ``CloudSettings``: ``images_*``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from sync_protocol.grouped_settings import SettingsGroup
from sync_protocol.units import Seconds


class ImageSettings(SettingsGroup):
    """Reads' images asked of their sites through the sync channel (issue 14)."""

    flat_prefix: ClassVar[str] = "images_"

    keep_s: Seconds = Field(
        default=86_400, gt=0, description="How long the cloud keeps an image a site uploaded"
    )
    upload_hits: bool = Field(
        default=False,
        description="Ask for a hit's image as soon as the hit arrives, so the alert's link "
        "shows the evidence",
    )
    max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest image a site may upload"
    )
    offline_after_s: Seconds = Field(
        default=90,
        gt=0,
        description="A site whose last heartbeat is older than this is offline: image requests "
        "are answered at once with 'site offline since ...'",
    )
    pickup_s: Seconds = Field(
        default=15,
        gt=0,
        description="A request the site has not answered within this long is answered "
        "'not answering' instead of pending",
    )
    resend_after_s: Seconds = Field(
        default=10,
        gt=0,
        description="A command not answered within this long goes out again (its reply may "
        "have been lost)",
    )
    bucket: str | None = Field(
        default=None,
        description="S3 bucket images are kept in (AWS mode: sites PUT to presigned URLs); "
        "unset: files under DATA_DIR/images",
    )
    poll_interval_s: Seconds | None = Field(
        default=None,
        ge=0,
        le=3_600,
        description="The shortest period idle nodes are asked to poll for waiting commands at "
        "(0: not at all, commands then ride on exchanges: pushes, hotlist pulls); unset: 0 "
        "with store=dynamodb (a poll every 2 s is ~1.3 M requests and Lambda calls a month "
        "per site, ~$2.5), else the node's own (sync_command_poll_s)",
    )
    url_ttl_s: int = Field(
        default=300, ge=30, le=3600, description="How long a presigned upload URL is valid"
    )
