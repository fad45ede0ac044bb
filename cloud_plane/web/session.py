"""Dashboard sessions: who signs in how, the session cookie, and who a page's caller is.

The session cookie holds the staff access token itself (HttpOnly, attributes from the
request's ``CookiePolicy``), and every page verifies it exactly as the JSON API verifies a
bearer token: ``services.verifier`` then ``current_staff``, so disabling a user, a password
reset or a role change applies at their next page or fragment, not when the token expires.

Sign-in sits behind ``SignIn`` so that Cognito (issue 9: InitiateAuth with
USER_PASSWORD_AUTH, and its refresh token to renew the session) plugs in without touching
the pages. Today only the self-hosted issuer is wired; in Cognito mode the sign-in page says
so instead of pretending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request

from cloud_plane.auth.client_address import client_address
from cloud_plane.auth.login import IssuedToken, password_login
from cloud_plane.auth.staff import Staff, current_staff
from cloud_plane.deps import Services, get_services
from cloud_plane.errors import Forbidden, NotAuthenticated
from cloud_plane.services import CloudServices
from sync_protocol.web_security import BAD_CSRF, CSRF_FIELD, CSRF_HEADER, csrf_ok

SESSION_COOKIE = "edgesync_session"
COGNITO_NOT_YET = (
    "Sign-in through Cognito is not available in the dashboard yet (issue 9). "
    "Use the API with a Cognito access token meanwhile."
)
FRAGMENT_PREFIX = "/fragments/"


class SignIn(Protocol):
    """How the sign-in form's username and password become a staff access token."""

    @property
    def unavailable(self) -> str | None:
        """Why sign-in cannot work here (shown on the sign-in page), or None."""
        ...

    def sign_in(self, username: str, password: str, *, address: str) -> IssuedToken:
        """Return a token; raise NotAuthenticated (wrong or disabled) or TooManyRequests."""
        ...


@dataclass
class LocalSignIn:
    """Self-hosted mode: the same check, back-off and token as ``POST /api/v1/auth/login``."""

    services: CloudServices
    unavailable: str | None = None

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
    """Cognito mode: not wired yet (issue 9); the page says so."""

    unavailable: str | None = COGNITO_NOT_YET

    def sign_in(self, username: str, password: str, *, address: str) -> IssuedToken:
        """Refuse: there is no Cognito client here yet."""
        raise NotAuthenticated(COGNITO_NOT_YET)


def sign_in_for(services: CloudServices) -> SignIn:
    """The sign-in this cloud offers."""
    return LocalSignIn(services) if services.issuer is not None else CognitoSignIn()


class SessionEnded(Exception):
    """No session, or one the verifier or the store refuses: back to the sign-in page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def session_cookie_name(request: Request) -> str:
    """The session cookie's name (``__Host-`` prefixed when Secure)."""
    return request.state.cookie_policy.name(SESSION_COOKIE)


def caller_address(request: Request, services: CloudServices) -> str:
    """The client's address as the login back-off counts it (trusted proxies honoured)."""
    return client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        services.trusted_proxies,
    )


def page_staff(request: Request, services: Services) -> Staff:
    """The signed-in caller as the store has them now; raise SessionEnded."""
    token = request.cookies.get(session_cookie_name(request))
    if not token:
        raise SessionEnded("no session")
    try:
        claims = services.verifier.verify(token)
        return current_staff(claims, services.store.users, local=services.issuer is not None)
    except NotAuthenticated as exc:
        raise SessionEnded(exc.detail) from None


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
