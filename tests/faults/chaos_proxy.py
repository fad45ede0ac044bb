"""An HTTP/1.1 proxy that misbehaves on purpose, between a node and the cloud.

Each request gets one fate, drawn from a seeded RNG: pass, drop before forwarding, drop after
forwarding (the cloud applied it, the node never hears), delay, answer 502 itself, truncate
the response body, or deliver the request twice. Runs in a thread with its own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections import Counter

FATES = ("pass", "drop_before", "drop_after", "delay", "error", "truncate", "duplicate")


class ChaosProxy:
    """Forwards 127.0.0.1:listen_port to the upstream port, applying fates when enabled."""

    def __init__(self, upstream_port: int, *, seed: int = 1, fault_rate: float = 0.5) -> None:
        self.upstream_port = upstream_port
        self.rng = random.Random(seed)
        self.fault_rate = fault_rate
        self.enabled = False
        self.fates: Counter[str] = Counter()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        # Connections still open (a node's keep-alive) are cancelled and awaited here, not
        # left pending for the garbage collector to report during some later test.
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    def _fate(self) -> str:
        if not self.enabled or self.rng.random() >= self.fault_rate:
            return "pass"
        return self.rng.choice(FATES[1:])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_message(reader)
                if request is None:
                    return
                fate = self._fate()
                self.fates[fate] += 1
                if fate == "drop_before":
                    return
                if fate == "error":
                    writer.write(
                        b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n"
                        b"connection: close\r\n\r\n"
                    )
                    await writer.drain()
                    return
                if fate == "delay":
                    await asyncio.sleep(self.rng.uniform(0.2, 1.5))
                if fate == "duplicate":
                    await self._forward(request)
                response = await self._forward(request)
                if fate == "drop_after":
                    return
                if fate == "truncate":
                    writer.write(response[: max(1, len(response) * 2 // 3)])
                    await writer.drain()
                    return
                writer.write(response)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _forward(self, request: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        try:
            # One request per upstream connection keeps framing trivial.
            head, _, body = request.partition(b"\r\n\r\n")
            lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
            writer.write(b"\r\n".join([*lines, b"connection: close"]) + b"\r\n\r\n" + body)
            await writer.drain()
            response = await _read_message(reader)
            if response is None:
                raise ConnectionError("upstream closed")
            return response
        finally:
            writer.close()


async def _read_message(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 message with a Content-Length body (what httpx and uvicorn send here)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head + body
