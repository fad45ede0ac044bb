"""Ingest URL tokens: `/api/v1/ingest/<vendor>/k/<token>` served as `/api/v1/ingest/<vendor>`.

For senders that cannot set a header (Snapshot Cloud webhooks, the OpenALPR daemon, cameras
that take only a URL), a camera's URL token is its credential, in the path. A pure ASGI
middleware, first in the stack, takes the token out of the path before anything else sees the
request: it rewrites ``scope["path"]`` and ``scope["raw_path"]`` in place and keeps the token
under ``local_node.auth.URL_TOKEN_SCOPE``, where only the camera ingest dependency reads it.
In place matters: uvicorn writes its access line from the very same scope dict once the answer
starts, and the request metrics label by the matched route, so neither ever holds the token.
Every route under ``/api/v1/ingest/<name>`` gets a token URL this way, with no code of its own.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

from local_node.auth import URL_TOKEN_SCOPE
from local_node.credentials import INGEST_PREFIX

_TOKEN_PATH = re.compile(r"(?P<base>.*/api/v1/ingest/[^/]+)/k/(?P<token>[^/]+)/?")


def split_url_token(path: str) -> tuple[str, str] | None:
    """``(path without the token, token)`` for an ingest URL token path, else None (pure)."""
    found = _TOKEN_PATH.fullmatch(path)
    if found is None:
        return None
    return found["base"], found["token"]


def strip_url_token(scope: Scope) -> None:
    """Move a URL token from ``scope``'s path into ``scope[URL_TOKEN_SCOPE]``, in place."""
    split = split_url_token(scope["path"])
    if split is None:
        return
    base, token = split
    scope["path"] = base
    raw = scope.get("raw_path")
    if raw is not None:
        raw_split = split_url_token(raw.decode("latin-1"))
        # The raw path may spell the same path with escapes; rebuilt from the decoded one then.
        raw_base = raw_split[0] if raw_split is not None else quote(base)
        scope["raw_path"] = raw_base.encode("latin-1")
    scope[URL_TOKEN_SCOPE] = token


class UrlTokens:
    """Takes an ingest URL token out of the path (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and INGEST_PREFIX in scope["path"]:
            strip_url_token(scope)
        await self.app(scope, receive, send)
