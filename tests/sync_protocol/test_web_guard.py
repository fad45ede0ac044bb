"""The pages' guard: headers, the CSRF seed cookie, the origin check, API paths untouched."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from sync_protocol import web_security as ws
from sync_protocol.web_guard import PageGuard

KEY = b"k" * 32


async def page(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"{request.state.csrf_seed}|{request.state.csrf_token}")


async def api(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def client(mode: str = "auto") -> httpx.AsyncClient:
    app = Starlette(
        routes=[
            Route("/", page, methods=["GET", "POST"]),
            Route("/api/v1/x", api, methods=["GET", "POST"]),
        ]
    )
    guarded = PageGuard(app, key=KEY, cookie_secure=mode)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://node")


@pytest.mark.anyio
async def test_a_first_visit_gets_a_seed_cookie_and_the_page_headers() -> None:
    async with client() as c:
        r = await c.get("/")
    assert r.headers["content-security-policy"] == ws.CONTENT_SECURITY_POLICY
    assert r.headers["server-timing"].startswith("app;dur=")
    assert "HttpOnly" in r.headers["set-cookie"] and "Secure" not in r.headers["set-cookie"]
    assert r.text.startswith("None|")  # a fresh seed signs no form yet


@pytest.mark.anyio
async def test_the_token_handed_to_the_page_matches_the_seed_cookie() -> None:
    async with client() as c:
        await c.get("/")
        seed, token = (await c.get("/")).text.split("|")
    assert ws.csrf_ok(KEY, seed, token)


@pytest.mark.anyio
async def test_a_cross_site_post_is_refused_before_the_app() -> None:
    async with client() as c:
        r = await c.post("/", headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "Origin" in r.text


@pytest.mark.anyio
async def test_api_paths_are_left_alone() -> None:
    async with client() as c:
        r = await c.post("/api/v1/x", headers={"Origin": "http://evil.example"})
    assert r.status_code == 200 and "content-security-policy" not in r.headers


@pytest.mark.anyio
async def test_always_secure_cookies_carry_the_host_prefix() -> None:
    async with client("always") as c:
        r = await c.get("/")
    assert r.headers["set-cookie"].startswith("__Host-edgesync_csrf=")
    assert "Secure" in r.headers["set-cookie"]
