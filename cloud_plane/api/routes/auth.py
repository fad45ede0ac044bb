"""Self-hosted staff login: username + password → an access token of Cognito's shape."""

from __future__ import annotations

from functools import partial
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from cloud_plane.api.openapi import LOGIN_BODY
from cloud_plane.auth.client_address import client_address
from cloud_plane.auth.login import password_login
from cloud_plane.deps import Services
from cloud_plane.errors import WRONG_PASSWORD, InvalidInput, NotFound
from sync_protocol import json_depth

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
    address = client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        services.trusted_proxies,
    )
    issued = await run_in_threadpool(
        partial(
            password_login,
            users=services.store.users,
            issuer=services.issuer,
            limiter=services.limiter,
            metrics=services.metrics,
            username=creds.username,
            password=creds.password,
            address=address,
        )
    )
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)
