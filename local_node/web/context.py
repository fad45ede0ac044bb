"""What the web pages share, built once with the app: form key, templates, thumbnails."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import jinja2
from fastapi import Depends, Request

from local_node.config import NodeSettings
from local_node.users import SessionPolicy
from local_node.web.thumbs import ThumbnailCache
from sync_protocol import web_assets
from sync_protocol.private_files import private_dir, private_file

KEY_FILE = "web_secret.key"
KEY_BYTES = 32
TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class WebContext:
    """The web app's collaborators (on ``app.state.web``)."""

    key: bytes
    templates: jinja2.Environment
    thumbs: ThumbnailCache
    sessions: SessionPolicy


def load_key(data_dir: Path) -> bytes:
    """The app's secret for form tokens, made on first start in an owner-only (0600) file.

    Kept across restarts so that a page open in a browser still posts after a restart.
    """
    private_dir(data_dir)
    path = private_file(data_dir / KEY_FILE)
    key = path.read_bytes()
    if len(key) < KEY_BYTES:
        key = secrets.token_bytes(KEY_BYTES)
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "wb") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
    return key


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


def build_context(settings: NodeSettings) -> WebContext:
    """The web app's context for these settings."""
    return WebContext(
        key=load_key(settings.data_dir),
        templates=make_templates(),
        thumbs=ThumbnailCache(),
        sessions=SessionPolicy(
            idle=timedelta(seconds=settings.web.session_idle_s),
            max_age=timedelta(seconds=settings.web.session_max_s),
        ),
    )


def get_web(request: Request) -> WebContext:
    """The web context the app was built with."""
    return request.app.state.web


Web = Annotated[WebContext, Depends(get_web)]
