"""Staff password login, one rule for the JSON route and the dashboard's sign-in form.

Both go through ``password_login`` (self-hosted: the store's password hash, a token of
Cognito's shape from the local issuer) or ``cognito_login`` (Cognito mode: InitiateAuth
``USER_PASSWORD_AUTH`` through ``auth/cognito.py``), with the same back-off
(``sync_protocol/login_limiter.py``), the same wording (never which part was wrong) and the
same metrics (``edgesync_cloud_logins{outcome}``) in both modes.

Cognito mode, decided:

- a challenge (``NEW_PASSWORD_REQUIRED`` for a user created with a temporary password, ...)
  is answered 403 naming it (``CHALLENGE_REFUSED``): the cloud's clients cannot answer
  challenges; an admin sets a permanent password (``edgesync cloud users reset-password``
  or ``create-user --password``). Cognito only asks one after a correct password, so it
  clears the back-off like a success;
- "account disabled" is said as Cognito says it, whether or not the password was right
  (anyone can ask Cognito directly with the public client id, so hiding it here buys
  nothing); it still counts as a failure for the back-off;
- ``cognito_refresh`` trades the refresh token for a new access token (no back-off: a
  refresh token is not guessable); a refused one is 401 ``REFRESH_REFUSED``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloud_plane.auth.cognito import CognitoClient, CognitoTokens, LoginRefused
from cloud_plane.auth.tokens import LocalIssuer
from cloud_plane.errors import (
    ACCOUNT_DISABLED,
    WRONG_PASSWORD,
    Forbidden,
    NotAuthenticated,
    TooManyRequests,
)
from cloud_plane.metrics import CloudMetrics
from cloud_plane.store.roles import UserStore
from sync_protocol.login_limiter import LoginLimiter, LoginThrottled
from sync_protocol.passwords import verify_password


@dataclass(frozen=True)
class IssuedToken:
    """A staff access token and how long it lives."""

    access_token: str
    expires_in: int
    username: str
    refresh_token: str | None = None  # Cognito mode only


CHALLENGE_REFUSED = (
    "Cognito asks this account to answer the challenge {challenge} before it can sign in, "
    "which this cloud cannot do: ask an admin to set a permanent password "
    "(edgesync cloud users reset-password)"
)
REFRESH_REFUSED = "refresh token is invalid, expired or revoked; sign in again"


def password_login(
    *,
    users: UserStore,
    issuer: LocalIssuer,
    limiter: LoginLimiter,
    metrics: CloudMetrics,
    username: str,
    password: str,
    address: str,
) -> IssuedToken:
    """Check the password and issue a token; raise NotAuthenticated or TooManyRequests.

    Blocking (scrypt and the store): call it from a worker thread in async code.
    """
    username = username.strip().lower()
    try:
        limiter.begin(address, username)
    except LoginThrottled as exc:
        raise TooManyRequests(str(exc), retry_after_s=exc.retry_after_s) from None
    user = users.get_user(username)
    ok = verify_password(password, user.password_hash if user else None)
    if user is None or not ok:
        metrics.logins.labels(outcome="failed").inc()
        raise NotAuthenticated(WRONG_PASSWORD)
    limiter.succeeded(address, username)
    if user.disabled:  # only said to someone who knows the password
        metrics.logins.labels(outcome="disabled").inc()
        raise NotAuthenticated(ACCOUNT_DISABLED)
    metrics.logins.labels(outcome="ok").inc()
    token = issuer.issue(user.username, user.role, version=user.token_version)
    return IssuedToken(access_token=token, expires_in=issuer.ttl_s, username=user.username)


def cognito_login(
    *,
    cognito: CognitoClient,
    limiter: LoginLimiter,
    metrics: CloudMetrics,
    username: str,
    password: str,
    address: str,
) -> IssuedToken:
    """Sign in through Cognito; raise NotAuthenticated, Forbidden (a challenge),
    TooManyRequests or ServiceUnavailable.

    Blocking (a Cognito call): call it from a worker thread in async code.
    """
    username = username.strip().lower()
    try:
        limiter.begin(address, username)
    except LoginThrottled as exc:
        raise TooManyRequests(str(exc), retry_after_s=exc.retry_after_s) from None
    try:
        tokens = cognito.login(username, password)
    except LoginRefused as exc:
        if exc.kind == "challenge":  # asked only after a correct password
            limiter.succeeded(address, username)
            metrics.logins.labels(outcome="challenge").inc()
            raise Forbidden(CHALLENGE_REFUSED.format(challenge=exc.challenge)) from None
        if exc.kind == "disabled":
            metrics.logins.labels(outcome="disabled").inc()
            raise NotAuthenticated(ACCOUNT_DISABLED) from None
        metrics.logins.labels(outcome="failed").inc()
        raise NotAuthenticated(WRONG_PASSWORD) from None
    limiter.succeeded(address, username)
    metrics.logins.labels(outcome="ok").inc()
    return _issued(tokens, username)


def cognito_refresh(*, cognito: CognitoClient, refresh_token: str) -> IssuedToken:
    """A new access token for a refresh token; raise NotAuthenticated or ServiceUnavailable."""
    try:
        tokens = cognito.refresh(refresh_token)
    except LoginRefused as exc:
        if exc.kind == "challenge":
            raise Forbidden(CHALLENGE_REFUSED.format(challenge=exc.challenge)) from None
        raise NotAuthenticated(REFRESH_REFUSED) from None
    # Cognito returns a new refresh token only when the pool rotates them; None: keep the old.
    return _issued(tokens, "")


def _issued(tokens: CognitoTokens, username: str) -> IssuedToken:
    return IssuedToken(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        username=username,
        refresh_token=tokens.refresh_token,
    )
