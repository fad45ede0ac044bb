"""Who is calling: cameras by API key, scripts and the UI by token (both cached briefly)."""

from __future__ import annotations

import time

from fastapi import Request

from local_node import credentials
from local_node.credentials import CachedCredential
from local_node.db import repo
from local_node.errors import Forbidden, NotAuthenticated
from local_node.services import NodeServices

CACHE_SECONDS = 30.0
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
        raise NotAuthenticated("missing camera key (Authorization: Bearer <key> or X-API-Key)")
    if not secret.startswith(credentials.CAMERA_KEY_PREFIX):
        raise NotAuthenticated("invalid camera key")
    return _cached(
        services, "camera:" + credentials.digest(secret), lambda: _camera(services, secret)
    )


def cached_camera(services: NodeServices, secret: str | None) -> CachedCredential | None:
    """The camera of a key checked in the last seconds, without touching the database."""
    if not secret or not secret.startswith(credentials.CAMERA_KEY_PREFIX):
        return None
    hit = services.credential_cache.get("camera:" + credentials.digest(secret))
    return hit if hit is not None and hit.expires > time.monotonic() else None


def authenticate_token(services: NodeServices, secret: str | None, need: str) -> CachedCredential:
    """The role of a token, checked against the role the route needs."""
    if not secret:
        raise NotAuthenticated("missing token (Authorization: Bearer <token>)")
    if not secret.startswith(credentials.TOKEN_PREFIX):
        raise NotAuthenticated("invalid token")
    cred = _cached(
        services, "token:" + credentials.digest(secret), lambda: _token(services, secret)
    )
    if ROLE_RANK.get(cred.subject, 0) < ROLE_RANK[need]:
        raise Forbidden(f"this needs the {need} role")
    return cred


def _cached(services: NodeServices, key: str, load) -> CachedCredential:
    now = time.monotonic()
    hit = services.credential_cache.get(key)
    if hit is not None and hit.expires > now:
        return hit
    found = load()
    if found is None:
        raise NotAuthenticated("invalid key or token")
    subject, name = found
    cred = CachedCredential(subject=subject, name=name, expires=now + CACHE_SECONDS)
    if len(services.credential_cache) > 10_000:
        services.credential_cache.clear()
    services.credential_cache[key] = cred
    return cred


def _camera(services: NodeServices, secret: str) -> tuple[str, str] | None:
    camera = repo.camera_by_key(services.engine, secret)
    return (camera.id, camera.name) if camera else None


def _token(services: NodeServices, secret: str) -> tuple[str, str] | None:
    role = repo.token_role(services.engine, secret)
    return (role, role) if role else None
