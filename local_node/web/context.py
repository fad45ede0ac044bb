"""What the web pages share, built once with the app: form key, templates, thumbnails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import jinja2
from fastapi import Depends, Request

from local_node.clock import utc_now
from local_node.config import NodeSettings
from local_node.users import SessionPolicy
from local_node.web.thumbs import ThumbnailCache
from sync_protocol import web_assets
from sync_protocol.login_limiter import LoginLimiter, SharedCounts
from sync_protocol.private_files import load_or_create_secret

KEY_FILE = "web_secret.key"
TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class WebContext:
    """The web app's collaborators (on ``app.state.web``)."""

    key: bytes
    templates: jinja2.Environment
    thumbs: ThumbnailCache
    sessions: SessionPolicy
    limiter: LoginLimiter  # failed sign-ins back off per address and username


def load_key(data_dir: Path) -> bytes:
    """The app's secret for form tokens, kept across restarts in an owner-only (0600) file.

    Kept so that a page open in a browser still posts after a restart.
    """
    return load_or_create_secret(data_dir / KEY_FILE)


def make_templates() -> jinja2.Environment:
    """Our templates first, then the shared layout and macros; autoescape always on."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(TEMPLATES), jinja2.FileSystemLoader(web_assets.TEMPLATES)]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["bytes"] = human_bytes
    return env


def human_bytes(value: int | None) -> str:
    """1536 -> '1.5 KiB'."""
    if value is None:
        return "—"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} B"


def build_context(settings: NodeSettings, login_counts: SharedCounts | None = None) -> WebContext:
    """The web app's context for these settings.

    ``login_counts``: where the sign-in back-off keeps its counts (None: in this process).
    """
    return WebContext(
        key=load_key(settings.data_dir),
        templates=make_templates(),
        thumbs=ThumbnailCache(),
        sessions=SessionPolicy(
            idle=timedelta(seconds=settings.web.session_idle_s),
            max_age=timedelta(seconds=settings.web.session_max_s),
        ),
        # The cloud's defaults: five free failures, then 1 s, 2 s, 4 s ... per address.
        limiter=LoginLimiter(max_failures=5, window_s=900, clock=utc_now, shared=login_counts),
    )


def get_web(request: Request) -> WebContext:
    """The web context the app was built with."""
    return request.app.state.web


Web = Annotated[WebContext, Depends(get_web)]
