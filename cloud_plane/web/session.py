"""Dashboard sessions: who signs in how, the session cookie, and who a page's caller is.

The session cookie holds the staff access token itself (HttpOnly, attributes from the
request's ``CookiePolicy``, lifetime the token's), and every page verifies it exactly as the
JSON API verifies a bearer token: ``services.verifier`` then ``current_staff``, so disabling
a user, a password reset or a role change applies at their next page or fragment, not when
the token expires.

Sign-in sits behind ``SignIn``: ``LocalSignIn`` (the self-hosted issuer) or ``CognitoSignIn``
(InitiateAuth ``USER_PASSWORD_AUTH``), each the same use case as ``POST /api/v1/auth/login``
(same back-off, wording and metrics). In Cognito mode the refresh token is kept too, sealed in
its own cookie (``web/refresh_cookie.py``); when the access token has expired (or its cookie
is gone), the page renews it with ``REFRESH_TOKEN_AUTH`` once, verifies the new token as any
other, and ``PageRoute`` sets the new session cookie on the answer (``remember_session``). A
refresh Cognito refuses ends the session (back to sign-in, both cookies cleared).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request, Response

from cloud_plane.auth.client_address import client_address
from cloud_plane.auth.cognito import CognitoUnavailable
from cloud_plane.auth.login import IssuedToken, cognito_login, cognito_refresh, password_login
from cloud_plane.auth.staff import Staff, current_staff
from cloud_plane.auth.tokens import StaffClaims
from cloud_plane.deps import Services, get_services
from cloud_plane.errors import TOKEN_EXPIRED, Forbidden, NotAuthenticated
from cloud_plane.services import CloudServices
from cloud_plane.web.refresh_cookie import REFRESH_COOKIE, REFRESH_COOKIE_MAX_AGE_S, seal, unseal
from sync_protocol.web_security import BAD_CSRF, CSRF_FIELD, CSRF_HEADER, csrf_ok

log = logging.getLogger(__name__)

SESSION_COOKIE = "edgesync_session"
FRAGMENT_PREFIX = "/fragments/"
NO_SESSION = "no session"


class SignIn(Protocol):
    """How the sign-in form's username and password become a staff access token."""

    def sign_in(self, username: str, password: str, *, address: str) -> IssuedToken:
        """Return a token; raise NotAuthenticated (wrong or disabled) or TooManyRequests."""
        ...


@dataclass
class LocalSignIn:
    """Self-hosted mode: the same check, back-off and token as ``POST /api/v1/auth/login``."""

    services: CloudServices

    def sign_in(self, username: str, password: str, *, address: str) -> IssuedToken:
        """Check the password and issue a token (blocking: scrypt)."""
        s = self.services
        assert s.issuer is not None  # chosen only in self-hosted mode
        return password_login(
            users=s.store.users,
            issuer=s.issuer,
            limiter=s.limiter,
            metrics=s.metrics,
            username=username,
            password=password,
            address=address,
        )


@dataclass
class CognitoSignIn:
    """Cognito mode: the same Cognito call, back-off and token as ``POST /api/v1/auth/login``."""

    services: CloudServices

    def sign_in(self, username: str, password: str, *, address: str) -> IssuedToken:
        """Sign in at Cognito (blocking); a challenge raises Forbidden naming it."""
        s = self.services
        assert s.cognito is not None  # chosen only in Cognito mode
        return cognito_login(
            cognito=s.cognito,
            limiter=s.limiter,
            metrics=s.metrics,
            username=username,
            password=password,
            address=address,
        )


def sign_in_for(services: CloudServices) -> SignIn:
    """The sign-in this cloud offers."""
    return CognitoSignIn(services) if services.cognito is not None else LocalSignIn(services)


class SessionEnded(Exception):
    """No session, or one the verifier or the store refuses: back to the sign-in page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def session_cookie_name(request: Request) -> str:
    """The session cookie's name (``__Host-`` prefixed when Secure)."""
    return request.state.cookie_policy.name(SESSION_COOKIE)


def refresh_cookie_name(request: Request) -> str:
    """The sealed refresh token's cookie name (``__Host-`` prefixed when Secure)."""
    return request.state.cookie_policy.name(REFRESH_COOKIE)


def remember_session(
    request: Request, response: Response, issued: IssuedToken, web_key: bytes
) -> None:
    """Set the session cookie (and, with a refresh token, its sealed cookie) on ``response``."""
    policy = request.state.cookie_policy
    response.set_cookie(
        session_cookie_name(request),
        issued.access_token,
        **policy.attributes(max_age=issued.expires_in),
    )
    if issued.refresh_token:
        response.set_cookie(
            refresh_cookie_name(request),
            seal(web_key, issued.refresh_token),
            **policy.attributes(max_age=REFRESH_COOKIE_MAX_AGE_S),
        )


def forget_session(request: Request, response: Response) -> None:
    """Delete both session cookies in this browser."""
    secure = request.state.cookie_policy.secure
    for name in (session_cookie_name(request), refresh_cookie_name(request)):
        response.delete_cookie(name, path="/", secure=secure, httponly=True)


def revoke_refresh_token(request: Request, services: CloudServices) -> None:
    """Cognito mode: revoke the browser's refresh token at Cognito (sign-out), so a copy of
    the cookie renews nothing. Blocking; a Cognito outage is logged, never a failed sign-out
    (the browser drops the cookie either way)."""
    if services.cognito is None:
        return
    refresh_token = unseal(services.web_key, request.cookies.get(refresh_cookie_name(request)))
    if refresh_token is None:
        return
    try:
        services.cognito.revoke(refresh_token)
    except CognitoUnavailable as exc:
        log.warning("sign-out: the refresh token was not revoked at Cognito: %s", exc.detail)


def renewed_session(request: Request) -> IssuedToken | None:
    """The token this request renewed the session with (``PageRoute`` sets its cookie)."""
    return getattr(request.state, "renewed_session", None)


def caller_address(request: Request, services: CloudServices) -> str:
    """The client's address as the login back-off counts it (trusted proxies honoured)."""
    return client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        services.trusted_proxies,
    )


def page_staff(request: Request, services: Services) -> Staff:
    """The signed-in caller as the store has them now; raise SessionEnded.

    Blocking when it renews the session (a Cognito call): FastAPI runs it in the threadpool.
    """
    try:
        claims = _session_claims(request, services)
        return current_staff(claims, services.store.users, local=services.issuer is not None)
    except NotAuthenticated as exc:
        raise SessionEnded(exc.detail) from None


def _session_claims(request: Request, services: CloudServices) -> StaffClaims:
    renewed = renewed_session(request)
    if renewed is not None:  # renewed earlier in this request (the error page asks again)
        return services.verifier.verify(renewed.access_token)
    token = request.cookies.get(session_cookie_name(request))
    if token:
        try:
            return services.verifier.verify(token)
        except NotAuthenticated as exc:
            if exc.detail != TOKEN_EXPIRED or not _can_renew(request, services):
                raise
    elif not _can_renew(request, services):
        raise SessionEnded(NO_SESSION)
    return _renew(request, services)


def _can_renew(request: Request, services: CloudServices) -> bool:
    return services.cognito is not None and bool(request.cookies.get(refresh_cookie_name(request)))


def _renew(request: Request, services: CloudServices) -> StaffClaims:
    """A new access token from the sealed refresh token; NotAuthenticated if refused."""
    assert services.cognito is not None  # _can_renew checked it
    refresh_token = unseal(services.web_key, request.cookies.get(refresh_cookie_name(request)))
    if refresh_token is None:  # altered, foreign or too old
        raise NotAuthenticated(TOKEN_EXPIRED)
    issued = cognito_refresh(cognito=services.cognito, refresh_token=refresh_token)
    claims = services.verifier.verify(issued.access_token)
    request.state.renewed_session = issued
    return claims


def page_admin(staff: Annotated[Staff, Depends(page_staff)]) -> Staff:
    """The caller if they are an admin; raise Forbidden (a 403 page)."""
    if staff.role != "admin":
        raise Forbidden("this page is for admins")
    return staff


async def check_csrf(request: Request) -> None:
    """Refuse (403) a POST whose form field or header lacks this browser's CSRF token."""
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not csrf_ok(get_services(request).web_key, request.state.csrf_seed, presented):
        raise Forbidden(BAD_CSRF)


PageStaff = Annotated[Staff, Depends(page_staff)]
PageAdmin = Annotated[Staff, Depends(page_admin)]
Csrf = Annotated[None, Depends(check_csrf)]
