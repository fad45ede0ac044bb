"""Staff login: username + password → an access token, the same call in both auth modes.

Self-hosted mode: the cloud checks the password and issues a token of Cognito's shape.
Cognito mode: the cloud asks Cognito (InitiateAuth ``USER_PASSWORD_AUTH``) and hands on its
access token and refresh token, so clients and the dashboard do not care which mode runs.
``POST /refresh`` trades a Cognito refresh token for a new access token; in self-hosted mode
it answers 404 (decided: the local issuer has no refresh tokens; its tokens live
``EDGESYNC_CLOUD_TOKEN_TTL_S`` and the client signs in again).
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from cloud_plane.api.openapi import LOGIN_BODY, REFRESH_BODY
from cloud_plane.auth.client_address import client_address
from cloud_plane.auth.login import IssuedToken, cognito_login, cognito_refresh, password_login
from cloud_plane.deps import Services
from cloud_plane.errors import WRONG_PASSWORD, InvalidInput, NotFound
from cloud_plane.services import CloudServices
from sync_protocol import json_depth

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

MAX_LOGIN_BODY = 4096
MAX_REFRESH_BODY = 16384  # Cognito refresh tokens are encrypted JWTs of ~2 KB
FAILED = WRONG_PASSWORD  # never says which part was wrong
NO_REFRESH_LOCALLY = (
    "refresh tokens exist only in Cognito mode: sign in again with POST /api/v1/auth/login"
)
_LOGIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong username or password, or the account is disabled"},
    403: {"description": "Cognito mode: Cognito asks a challenge first (named in the message)"},
    404: {"description": "The route is off in this mode"},
    429: {"description": "Too many failed logins (Retry-After)"},
    503: {"description": "Cognito mode: Cognito could not be reached"},
}


class LoginIn(BaseModel):
    """Credentials, as JSON or form fields."""

    username: str
    password: str


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds the access token lives")
    refresh_token: str | None = Field(
        default=None,
        description="Cognito mode: trade it at POST /api/v1/auth/refresh for a new access "
        "token (absent in self-hosted mode; in a refresh answer only when Cognito rotated it: "
        "keep using the one you have)",
    )


async def _fields(request: Request, limit: int) -> dict[str, Any]:
    body = await request.body()
    if len(body) > limit:
        raise InvalidInput("body is too large")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
    try:
        fields = json_depth.loads(body or b"{}")
    except json_depth.JsonTooDeep as exc:
        raise InvalidInput(str(exc)) from None
    except ValueError:
        raise InvalidInput("send a JSON object or form fields") from None
    return fields if isinstance(fields, dict) else {}


def _no_store(response: Response) -> None:
    # A token must not be kept by a browser or proxy cache (RFC 6749 section 5.1).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


def _out(issued: IssuedToken) -> TokenOut:
    return TokenOut(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
    )


@router.post(
    "/login",
    response_model=TokenOut,
    response_model_exclude_none=True,
    openapi_extra=LOGIN_BODY,
    responses=_LOGIN_ERRORS,
)
async def login(request: Request, response: Response, services: Services) -> TokenOut:
    """Trade a username and password for an access token (and, in Cognito mode, a refresh token).

    Failures slow down the failing address and, for addresses that have failed, the
    username (``sync_protocol/login_limiter.py``): 429 with ``Retry-After``.
    """
    _no_store(response)
    try:
        creds = LoginIn.model_validate(await _fields(request, MAX_LOGIN_BODY))
    except ValidationError:
        raise InvalidInput("send username and password (JSON or form fields)") from None
    address = client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        services.trusted_proxies,
    )
    call = partial(_login, services, creds.username, creds.password, address)
    return _out(await run_in_threadpool(call))


def _login(services: CloudServices, username: str, password: str, address: str) -> IssuedToken:
    """The mode's login (blocking: scrypt, or a call to Cognito)."""
    if services.cognito is not None:
        return cognito_login(
            cognito=services.cognito,
            limiter=services.limiter,
            metrics=services.metrics,
            username=username,
            password=password,
            address=address,
        )
    assert services.issuer is not None  # build_auth picks one of the two
    return password_login(
        users=services.store.users,
        issuer=services.issuer,
        limiter=services.limiter,
        metrics=services.metrics,
        username=username,
        password=password,
        address=address,
    )


@router.post(
    "/refresh",
    response_model=TokenOut,
    response_model_exclude_none=True,
    openapi_extra=REFRESH_BODY,
    responses={
        401: {"description": "The refresh token is invalid, expired or revoked"},
        404: {"description": "Self-hosted mode: there are no refresh tokens; sign in again"},
        422: {"description": "No refresh_token field"},
        503: {"description": "Cognito could not be reached"},
    },
)
async def refresh(request: Request, response: Response, services: Services) -> TokenOut:
    """Trade a Cognito refresh token for a new access token (Cognito mode only)."""
    _no_store(response)
    if services.cognito is None:
        raise NotFound(NO_REFRESH_LOCALLY)
    try:
        body = RefreshIn.model_validate(await _fields(request, MAX_REFRESH_BODY))
    except ValidationError:
        raise InvalidInput("send refresh_token (JSON or form field)") from None
    issued = await run_in_threadpool(
        partial(cognito_refresh, cognito=services.cognito, refresh_token=body.refresh_token)
    )
    return _out(issued)
