"""The web pages' security rules, one copy for the cloud dashboard and the node's web app.

Pure functions (no framework): each app's middleware applies them.

- CSRF: a signed double-submit token. A random seed lives in an HttpOnly cookie; every form
  carries ``HMAC(key, seed)``. A forged cross-site POST has the cookie but cannot know the
  seed (HttpOnly, same-origin) nor make the HMAC without the app's key, and a cookie planted
  from a sibling subdomain is useless without the key too. The seed is set before sign-in, so
  the sign-in form is protected as well (login CSRF).
- Origin check on unsafe methods: a browser always sends ``Origin`` on a cross-site POST;
  when present it must name this host.
- Headers: a Content-Security-Policy with no ``unsafe-inline`` anywhere (scripts and styles
  come from the app's own static files only, so an injected ``<script>`` or ``onerror=``
  never runs even if escaping were missed), no framing, no MIME sniffing.
- ``safe_next``: the page to return to after sign-in is a local path only (no open redirect).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

CSRF_FIELD = "csrf_token"
"""The hidden form field (and, for fetch() calls, the header ``X-CSRF-Token``)."""
CSRF_HEADER = "x-csrf-token"
CSRF_COOKIE = "edgesync_csrf"

# The words both apps show, so the product says one thing (tests and docs quote them).
SESSION_ENDED = "Your session has ended; sign in again."
BAD_CSRF = "missing or wrong CSRF token"
SEED_BYTES = 32

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)

PAGE_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Pages show plates and people's names: never kept by a shared cache.
    "Cache-Control": "no-store",
}
"""Headers every HTML page and fragment carries."""

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def new_seed() -> str:
    """A fresh random CSRF seed for the cookie."""
    return secrets.token_urlsafe(SEED_BYTES)


def csrf_token(key: bytes, seed: str) -> str:
    """The token forms carry for ``seed``: HMAC-SHA256 under the app's key."""
    mac = hmac.new(key, seed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def csrf_ok(key: bytes, seed: str | None, presented: str | None) -> bool:
    """True if ``presented`` is the token for the cookie's ``seed`` (constant time)."""
    if not seed or not presented or len(presented) > 128:
        return False
    return hmac.compare_digest(csrf_token(key, seed), presented)


def origin_ok(origin: str | None, host: str | None) -> bool:
    """True if a request's ``Origin`` is absent (not a browser's cross-site form) or this host.

    ``host`` is the request's Host header (``name[:port]``). ``Origin: null`` (sandboxed
    frames, some redirects) is refused: a page of ours never sends it.
    """
    if origin is None:
        return True
    if not host or origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(c) < 0x20 or c == "\x7f" for c in target) or len(target) > 2048:
        return default
    return target


@dataclass(frozen=True)
class CookiePolicy:
    """How the apps set their cookies: HttpOnly always, Secure unless a plain-HTTP LAN."""

    secure: bool = True
    same_site: str = "lax"

    def name(self, base: str) -> str:
        """``__Host-`` prefixed when Secure: the browser then refuses it from a subdomain."""
        return f"__Host-{base}" if self.secure else base

    def attributes(self, max_age: int | None) -> dict[str, object]:
        """Keyword arguments for Starlette's ``Response.set_cookie``."""
        return {
            "max_age": max_age,
            "path": "/",
            "secure": self.secure,
            "httponly": True,
            "samesite": self.same_site,
        }
