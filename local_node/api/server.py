"""The node's HTTP server: uvicorn with read deadlines and a connection cap.

uvicorn has no deadline for a request's headers (a client sending a header byte every
second holds its connection for ever) nor for its body, and accepts any number of
connections. Here:

* headers must be complete ``request_timeout_s`` after the connection opens or the last
  response ends, or the connection is closed (``HeaderDeadline``, a subclass of uvicorn's
  own protocol, so h11 and httptools behave the same);
* the body must be complete ``request_timeout_s`` after the headers, or the client gets
  408 and the connection is closed (``BodyDeadline``, an ASGI middleware);
* past ``max_connections`` open connections, new requests get 503 (uvicorn's
  ``limit_concurrency``); idle keep-alive connections close after 5 s (uvicorn's default).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from local_node.config import NodeSettings
from sync_protocol.log_format import uvicorn_log_config

logger = logging.getLogger(__name__)

TIMED_OUT = b"request body not received in time\n"


def server_config(app: ASGIApp, settings: NodeSettings, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration `node serve` runs `app` with (tests start the same one)."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        # uvicorn's error and access lines go through the root logger: --log-format applies.
        "log_config": uvicorn_log_config(),
        "timeout_graceful_shutdown": 10,
        "limit_concurrency": settings.max_connections,
        # Behind a proxy (Caddy, the ALB) the peer is the proxy: its X-Forwarded-* name the
        # client, believed only from the addresses given.
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "http": header_deadline_protocol(settings.request_timeout_s),
        **overrides,
    }
    return uvicorn.Config(BodyDeadline(app, settings.request_timeout_s), **options)


def header_deadline_protocol(timeout_s: float, base: Any = AutoHTTPProtocol) -> type[Any]:
    """uvicorn's HTTP protocol, closing connections whose headers take over ``timeout_s``."""

    class HeaderDeadline(base):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()  # the next request's headers get the same time

        def connection_lost(self, exc: Exception | None) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            if not self.transport.is_closing():
                self._deadline = self.loop.call_later(timeout_s, self._expire)

        def _expire(self) -> None:
            self._deadline = None
            # A request under way has its headers; its body has BodyDeadline.
            if self.cycle is None or self.cycle.response_complete:
                host, port = self.client or ("unknown", 0)
                logger.info("closed %s:%s: no complete headers in %s s", host, port, timeout_s)
                self.transport.close()

    return HeaderDeadline


class BodyDeadline:
    """Answers 408 and closes the connection when a body is not complete in ``timeout_s``.

    The application then sees the client as gone (``http.disconnect``), as if it had hung
    up, and whatever it answers is dropped.
    """

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        body_done = timed_out = started = False

        async def timed_receive() -> Message:
            nonlocal body_done, timed_out
            if timed_out:
                return {"type": "http.disconnect"}
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
            except TimeoutError:
                timed_out = True
                client = scope.get("client") or ("unknown", 0)
                logger.warning(
                    "%s:%s sent no complete body of %s %s in %s s; answered 408",
                    *client,
                    scope["method"],
                    scope["path"],
                    self.timeout_s,
                )
                if not started:
                    await _send_408(send)
                return {"type": "http.disconnect"}
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if timed_out:
                return  # the 408 went out instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, timed_receive, guarded_send)


async def _send_408(send: Send) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(TIMED_OUT)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 408, "headers": headers})
    await send({"type": "http.response.body", "body": TIMED_OUT})
