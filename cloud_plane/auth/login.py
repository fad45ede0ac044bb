"""Self-hosted password login, one rule for the JSON route and the dashboard's sign-in form.

Both go through ``password_login``: the same back-off (``auth/ratelimit.py``), the same
wording (never which part was wrong; "account disabled" only to someone who knows the
password), the same metrics, and a token of Cognito's shape from the local issuer.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloud_plane.auth.ratelimit import LoginLimiter
from cloud_plane.auth.tokens import LocalIssuer
from cloud_plane.errors import ACCOUNT_DISABLED, WRONG_PASSWORD, NotAuthenticated
from cloud_plane.metrics import CloudMetrics
from cloud_plane.store.roles import UserStore
from sync_protocol.passwords import verify_password


@dataclass(frozen=True)
class IssuedToken:
    """A staff access token and how long it lives."""

    access_token: str
    expires_in: int
    username: str


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
    limiter.begin(address, username)
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
