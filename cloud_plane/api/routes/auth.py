"""Self-hosted staff login: username + password → an access token of Cognito's shape."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from cloud_plane.api.openapi import LOGIN_BODY
from cloud_plane.auth.passwords import verify_password
from cloud_plane.deps import Services
from cloud_plane.errors import InvalidInput, NotAuthenticated, NotFound

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

MAX_LOGIN_BODY = 4096
FAILED = "wrong username or password"  # never says which part was wrong


class LoginIn(BaseModel):
    """Credentials, as JSON or form fields."""

    username: str
    password: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


async def _credentials(request: Request) -> LoginIn:
    body = await request.body()
    if len(body) > MAX_LOGIN_BODY:
        raise InvalidInput("login body is too large")
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        else:
            fields = json.loads(body or b"{}")
        return LoginIn.model_validate(fields)
    except (ValueError, ValidationError):
        raise InvalidInput("send username and password (JSON or form fields)") from None


@router.post("/login", response_model=TokenOut, openapi_extra=LOGIN_BODY)
async def login(request: Request, services: Services) -> TokenOut:
    """Trade a username and password for an access token (self-hosted mode only)."""
    if services.issuer is None:
        raise NotFound("local login is off: staff sign in with Cognito")
    creds = await _credentials(request)
    username = creds.username.strip().lower()
    services.limiter.check(username)
    user = await run_in_threadpool(services.store.users.get_user, username)
    ok = await run_in_threadpool(
        verify_password, creds.password, user.password_hash if user else None
    )
    if user is None or not ok:
        services.limiter.failed(username)
        services.metrics.logins.labels(outcome="failed").inc()
        raise NotAuthenticated(FAILED)
    services.limiter.succeeded(username)
    services.metrics.logins.labels(outcome="ok").inc()
    token = services.issuer.issue(user.username, user.role)
    return TokenOut(access_token=token, expires_in=services.issuer.ttl_s)
