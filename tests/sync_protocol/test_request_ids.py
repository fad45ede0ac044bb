"""Request ids: a well-formed incoming X-Request-ID is kept, anything else replaced."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from sync_protocol.request_ids import MAX_LENGTH, RequestIds, accepted, request_id


async def echo_context(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request_id.get() or "none")


def client(app=None) -> httpx.AsyncClient:
    app = app or Starlette(routes=[Route("/", echo_context)])
    wrapped = RequestIds(app, new_id=lambda: "generated")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=wrapped), base_url="http://node")


async def get(headers: dict[str, str] | None = None, app=None) -> httpx.Response:
    async with client(app) as c:
        return await c.get("/", headers=headers)


@pytest.mark.parametrize(
    "value",
    ["3f2b9c1e-0d4a-4e8a-9b1c-2d3e4f5a6b7c", "JlO6BhHbIAMEVTg=", "a", "x" * MAX_LENGTH],
)
def test_well_formed_ids_are_accepted(value):
    assert accepted(value) == value


@pytest.mark.parametrize(
    "value",
    ["", "has space", "line\nbreak", "x" * (MAX_LENGTH + 1), "-leading-dash", 'quote"d', "é"],
)
def test_malformed_ids_are_refused(value):
    assert accepted(value) is None


@pytest.mark.anyio
async def test_a_well_formed_incoming_id_is_echoed():
    r = await get({"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"


@pytest.mark.anyio
async def test_the_app_sees_the_id_while_serving():
    assert (await get({"X-Request-ID": "abc-123"})).text == "abc-123"


@pytest.mark.anyio
async def test_a_malformed_incoming_id_is_replaced():
    r = await get({"X-Request-ID": "two words"})
    assert r.headers["x-request-id"] == "generated" and r.text == "generated"


@pytest.mark.anyio
async def test_a_request_without_an_id_gets_a_new_one():
    assert (await get()).headers["x-request-id"] == "generated"


@pytest.mark.anyio
async def test_the_id_is_cleared_after_the_request():
    await get({"X-Request-ID": "abc-123"})
    assert request_id.get() is None


@pytest.mark.anyio
async def test_only_one_id_header_goes_out():
    async def app(scope, receive, send):
        headers = [(b"x-request-id", b"from-app")]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    r = await get({"X-Request-ID": "abc"}, app=app)
    assert r.headers.get_list("x-request-id") == ["abc"]


@pytest.mark.anyio
async def test_on_lambda_the_api_gateway_request_id_is_used():
    sent: list[dict] = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 204, "headers": []})

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "headers": [], "aws.event": {"requestContext": {"requestId": "Jl=="}}}
    await RequestIds(app)(scope, None, send)
    assert (b"x-request-id", b"Jl==") in sent[0]["headers"]
