"""Who is calling: cameras by API key or ingest URL token (cached briefly), scripts and the UI
by token.

A key or token comes in ``Authorization: Bearer <key>``, ``Authorization: Token <key>`` (Plate
Recognizer's tools send that) or ``X-API-Key``; the scheme grants nothing, the prefix says which
credential it is (``esc_`` camera key, ``est_`` token), so both schemes are taken everywhere.
A camera's URL token (``esu_``) comes only in the path ``/api/v1/ingest/<vendor>/k/<token>``:
``api.url_tokens.UrlTokens`` moves it into the request's scope (``URL_TOKEN_SCOPE``) and only
the camera ingest dependency reads it there. On such a path the URL token alone decides: a
header key is ignored (a sender that sets no header of its own may still pass on a fixed or
proxy one), and a wrong URL token is refused whatever the header holds.

Camera keys and URL tokens are cached for ``CACHE_SECONDS`` in each serving process, so that
the ingest path costs no query per read: a camera disabled, deleted, rotated out or whose URL
token was rotated or revoked by the CLI (another process) is refused within that time. Tokens
are checked against the database on every request (the local API's calls are few and each
queries the database anyway), so a revoked token gets 401 at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import Request

from local_node import credentials
from local_node.credentials import CachedCredential
from local_node.db import access
from local_node.errors import (
    MISSING_CREDENTIALS,
    TOKEN_EXPIRED,
    UNKNOWN_KEY,
    CameraDisabled,
    Forbidden,
    NotAuthenticated,
)
from local_node.services import NodeServices

CACHE_SECONDS = 10.0
"""How long a checked camera key is trusted without the database (refusal lag after disable)."""
ROLE_RANK = {"viewer": 1, "admin": 2}
AUTH_SCHEMES = frozenset({"bearer", "token"})
URL_TOKEN_SCOPE = "edgesync.url_token"
"""The scope key holding a request's ingest URL token (set by ``api.url_tokens.UrlTokens``)."""
KEY, URL_TOKEN = "camera", "url"
"""The two camera credentials: an API key in a header, a token in the ingest URL."""
_PREFIXES = {KEY: credentials.CAMERA_KEY_PREFIX, URL_TOKEN: credentials.URL_TOKEN_PREFIX}


def presented_secret(request: Request) -> str | None:
    """The key from `Authorization: Bearer`, `Authorization: Token` or `X-API-Key`."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() in AUTH_SCHEMES and value.strip():
            return value.strip()
    return request.headers.get("x-api-key") or None


def presented_camera_secret(request: Request) -> tuple[str, str | None]:
    """Which camera credential the request brings: its URL token if any, else its header key."""
    token = request.scope.get(URL_TOKEN_SCOPE)
    if token is not None:
        return URL_TOKEN, token
    return KEY, presented_secret(request)


def authenticate_camera(
    services: NodeServices, secret: str | None, kind: str = KEY
) -> CachedCredential:
    """The camera a key (or, ``kind`` URL_TOKEN, a URL token) belongs to, or NotAuthenticated."""
    if not secret:
        raise NotAuthenticated(MISSING_CREDENTIALS)
    if not secret.startswith(_PREFIXES[kind]):  # a URL token as a key, or a key in a URL
        raise NotAuthenticated(UNKNOWN_KEY)
    return _cached(
        services,
        f"{kind}:{credentials.digest(secret)}",
        lambda: _camera(services, secret, kind),
    )


def cached_camera(
    services: NodeServices, secret: str | None, kind: str = KEY
) -> CachedCredential | None:
    """The camera of a key checked in the last seconds, without touching the database."""
    if not secret or not secret.startswith(_PREFIXES[kind]):
        return None
    hit = services.credential_cache.get(f"{kind}:{credentials.digest(secret)}")
    return hit if hit is not None and hit.expires > time.monotonic() else None


def forget_cached_cameras(services: NodeServices) -> None:
    """Drop every cached camera key (after a change made in this process)."""
    services.credential_cache.clear()


def authenticate_token(services: NodeServices, secret: str | None, need: str) -> CachedCredential:
    """The role of a token, checked against the role the route needs."""
    if not secret:
        raise NotAuthenticated(MISSING_CREDENTIALS)
    if not secret.startswith(credentials.TOKEN_PREFIX):
        raise NotAuthenticated(UNKNOWN_KEY)
    now = services.clock()
    row = access.token_for(services.engine, secret, now)
    if row is None:
        raise NotAuthenticated(UNKNOWN_KEY)
    if row.expires_at is not None and row.expires_at <= now:
        raise NotAuthenticated(TOKEN_EXPIRED)
    if ROLE_RANK.get(row.role, 0) < ROLE_RANK[need]:
        raise Forbidden(f"this needs the {need} role")
    return CachedCredential(
        subject=row.role, name=row.name or row.role, expires=time.monotonic(), token_id=row.id
    )


def _cached(
    services: NodeServices, key: str, load: Callable[[], tuple[str, str]]
) -> CachedCredential:
    now = time.monotonic()
    hit = services.credential_cache.get(key)
    if hit is not None and hit.expires > now:
        return hit
    subject, name = load()
    cred = CachedCredential(subject=subject, name=name, expires=now + CACHE_SECONDS)
    if len(services.credential_cache) > 10_000:
        services.credential_cache.clear()
    services.credential_cache[key] = cred
    return cred


def _camera(services: NodeServices, secret: str, kind: str) -> tuple[str, str]:
    if kind == URL_TOKEN:
        camera = access.camera_for_url_token(services.engine, secret)
    else:
        camera = access.camera_for_key(services.engine, secret, services.clock())
    if camera is None:
        raise NotAuthenticated(UNKNOWN_KEY)
    if camera.disabled:
        raise CameraDisabled(camera.id)
    return camera.id, camera.name
