"""The pages' guard: one plain-ASGI middleware both web apps put in front of their HTML.

For every request outside the JSON API and machine endpoints (``skip_prefixes``):

- sets the page headers (CSP without ``unsafe-inline``, no framing, no sniffing, no-store)
  and ``Server-Timing: app;dur=<ms>`` (what the page benchmark reads);
- makes sure the browser holds a CSRF seed cookie (a new one on first visit) and hands the
  page its form token in ``scope["state"]``: ``csrf_seed``, ``csrf_token`` and
  ``cookie_policy`` (the ``CookiePolicy`` for this request, so that session cookies get the
  same Secure/HttpOnly/SameSite attributes);
- refuses an unsafe method (POST, PUT, PATCH, DELETE) whose ``Origin`` names another site
  (403 before the app runs). The form token itself is checked by each app's web routes
  (``csrf_ok`` on the form field or the ``X-CSRF-Token`` header), since reading a form body
  belongs to the framework.

Plain ASGI (no Starlette import) so that it lives here, next to the rules it applies, and
both apps share one copy.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any, Literal

from sync_protocol import web_security as ws

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_SKIP = ("/api/", "/metrics", "/healthz", "/docs", "/redoc", "/openapi.json", "/static/")
SEED_MAX_AGE = 30 * 24 * 3600
CookieSecure = Literal["auto", "always", "never"]


def cookie_policy(mode: CookieSecure, https: bool) -> ws.CookiePolicy:
    """Secure cookies when the mode says so, or ("auto") when the request came over HTTPS."""
    secure = mode == "always" or (mode == "auto" and https)
    return ws.CookiePolicy(secure=secure)


def request_cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies by name (unparseable headers count as none)."""
    jar: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            try:
                parsed: SimpleCookie = SimpleCookie(value.decode("latin-1"))
            except CookieError:
                continue
            jar.update({k: m.value for k, m in parsed.items()})
    return jar


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return value.decode("latin-1")
    return None


class PageGuard:
    """Headers, CSRF seed and origin check for the HTML pages (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        key: bytes,
        cookie_secure: CookieSecure = "auto",
        skip_prefixes: tuple[str, ...] = DEFAULT_SKIP,
    ) -> None:
        self.app = app
        self.key = key
        self.cookie_secure = cookie_secure
        self.skip_prefixes = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefixes):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        policy = cookie_policy(self.cookie_secure, scope.get("scheme") == "https")
        cookie_name = policy.name(ws.CSRF_COOKIE)
        seed = request_cookies(scope).get(cookie_name)
        fresh = not seed or len(seed) > 128
        if fresh:
            seed = ws.new_seed()
        assert seed is not None
        state = scope.setdefault("state", {})
        state.update(
            csrf_seed=None if fresh else seed,  # a brand-new seed cannot have signed a form
            csrf_token=ws.csrf_token(self.key, seed),
            cookie_policy=policy,
        )
        if scope["method"] in ws.UNSAFE_METHODS and not ws.origin_ok(
            _header(scope, b"origin"), _header(scope, b"host")
        ):
            await _refuse(send, "cross-site request refused (Origin is not this site)")
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in ws.PAGE_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.encode(), value.encode()))
                ms = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={ms:.1f}".encode()))
                if fresh:
                    headers.append((b"set-cookie", _seed_cookie(cookie_name, seed, policy)))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _seed_cookie(name: str, seed: str, policy: ws.CookiePolicy) -> bytes:
    parts = [f"{name}={seed}", "Path=/", f"Max-Age={SEED_MAX_AGE}", "HttpOnly"]
    parts.append(f"SameSite={policy.same_site.capitalize()}")
    if policy.secure:
        parts.append("Secure")
    return "; ".join(parts).encode()


async def _refuse(send: Send, detail: str) -> None:
    body = detail.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
