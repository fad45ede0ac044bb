"""Who is calling: cameras by API key (cached briefly), scripts and the UI by token.

Camera keys are cached for ``CACHE_SECONDS`` in each serving process, so that the ingest path
costs no query per read: a camera disabled, deleted or rotated out by the CLI (another
process) is refused within that time. Tokens are checked against the database on every
request (the local API's calls are few and each queries the database anyway), so a revoked
token gets 401 at once.
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


def presented_secret(request: Request) -> str | None:
    """The key from `Authorization: Bearer` or `X-API-Key`."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return request.headers.get("x-api-key") or None


def authenticate_camera(services: NodeServices, secret: str | None) -> CachedCredential:
    """The camera a key belongs to, or NotAuthenticated."""
    if not secret:
        raise NotAuthenticated(MISSING_CREDENTIALS)
    if not secret.startswith(credentials.CAMERA_KEY_PREFIX):
        raise NotAuthenticated(UNKNOWN_KEY)
    return _cached(
        services, "camera:" + credentials.digest(secret), lambda: _camera(services, secret)
    )


def cached_camera(services: NodeServices, secret: str | None) -> CachedCredential | None:
    """The camera of a key checked in the last seconds, without touching the database."""
    if not secret or not secret.startswith(credentials.CAMERA_KEY_PREFIX):
        return None
    hit = services.credential_cache.get("camera:" + credentials.digest(secret))
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


def _camera(services: NodeServices, secret: str) -> tuple[str, str]:
    camera = access.camera_for_key(services.engine, secret, services.clock())
    if camera is None:
        raise NotAuthenticated(UNKNOWN_KEY)
    if camera.disabled:
        raise CameraDisabled(camera.id)
    return camera.id, camera.name
