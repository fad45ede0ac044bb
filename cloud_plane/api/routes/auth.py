"""Self-hosted staff login: username + password → an access token of Cognito's shape."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from cloud_plane.api.openapi import LOGIN_BODY
from cloud_plane.auth.client_address import client_address
from cloud_plane.deps import Services
from cloud_plane.errors import (
    ACCOUNT_DISABLED,
    WRONG_PASSWORD,
    InvalidInput,
    NotAuthenticated,
    NotFound,
)
from sync_protocol import json_depth
from sync_protocol.passwords import verify_password

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

MAX_LOGIN_BODY = 4096
FAILED = WRONG_PASSWORD  # never says which part was wrong


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
            fields = json_depth.loads(body or b"{}")
        return LoginIn.model_validate(fields)
    except json_depth.JsonTooDeep as exc:
        raise InvalidInput(str(exc)) from None
    except (ValueError, ValidationError):
        raise InvalidInput("send username and password (JSON or form fields)") from None


@router.post("/login", response_model=TokenOut, openapi_extra=LOGIN_BODY)
async def login(request: Request, response: Response, services: Services) -> TokenOut:
    """Trade a username and password for an access token (self-hosted mode only).

    Failures slow down the failing address and, for addresses that have failed, the
    username (``cloud_plane/auth/ratelimit.py``): 429 with ``Retry-After``.
    """
    # A token must not be kept by a browser or proxy cache (RFC 6749 section 5.1).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    if services.issuer is None:
        raise NotFound("local login is off: staff sign in with Cognito")
    creds = await _credentials(request)
    username = creds.username.strip().lower()
    address = client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        services.trusted_proxies,
    )
    services.limiter.begin(address, username)
    user = await run_in_threadpool(services.store.users.get_user, username)
    ok = await run_in_threadpool(
        verify_password, creds.password, user.password_hash if user else None
    )
    if user is None or not ok:
        services.metrics.logins.labels(outcome="failed").inc()
        raise NotAuthenticated(FAILED)
    services.limiter.succeeded(address, username)
    if user.disabled:  # only said to someone who knows the password
        services.metrics.logins.labels(outcome="disabled").inc()
        raise NotAuthenticated(ACCOUNT_DISABLED)
    services.metrics.logins.labels(outcome="ok").inc()
    token = services.issuer.issue(user.username, user.role, version=user.token_version)
    return TokenOut(access_token=token, expires_in=services.issuer.ttl_s)
