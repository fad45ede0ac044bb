"""The dashboard's refresh-token cookie (Cognito mode): sealed, HttpOnly, SameSite, as the session.

Decided for issue 9: the Cognito refresh token is kept in the browser so that the dashboard
session outlives the access token (Cognito's default: one hour) without a server-side session
store. It is kept only under the same rules as the session cookie (HttpOnly, SameSite=Lax,
Secure and ``__Host-`` when the site is HTTPS; ``CookiePolicy``), and **sealed**: encrypted and
authenticated with Fernet under a key derived from the dashboard's web key
(``EDGESYNC_CLOUD_WEB_SECRET``), so script, a proxy log or a stolen cookie jar never shows the
token itself, and a cookie altered or sealed by another deployment is ignored. A sealed
Cognito refresh token (~1.8 KB) makes a cookie of ~2.5 KB, under the browsers' 4 KB.

The cookie lives ``REFRESH_COOKIE_MAX_AGE_S`` (Cognito's default refresh token validity, 30
days); if the pool's validity is shorter, the refresh fails and the person signs in again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

REFRESH_COOKIE = "edgesync_refresh"
REFRESH_COOKIE_MAX_AGE_S = 30 * 24 * 3600
_PURPOSE = b"edgesync dashboard refresh cookie v1"


def _fernet(web_key: bytes) -> Fernet:
    # A key of its own (not the CSRF key itself): one secret, one use per derived key.
    derived = hmac.new(web_key, _PURPOSE, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(web_key: bytes, refresh_token: str) -> str:
    """The cookie value for ``refresh_token`` (encrypted and authenticated)."""
    return _fernet(web_key).encrypt(refresh_token.encode()).decode()


def unseal(web_key: bytes, value: str | None) -> str | None:
    """The refresh token sealed in ``value``; None if absent, altered, foreign or too old."""
    if not value:
        return None
    try:
        return _fernet(web_key).decrypt(value.encode(), ttl=REFRESH_COOKIE_MAX_AGE_S).decode()
    except (InvalidToken, ValueError):
        return None
