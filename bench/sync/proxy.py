"""A counting TCP proxy on loopback: every byte between the node and the cloud, both ways.

The node is enrolled with the proxy's URL, so each exchange (request headers with the
signed JWT, the compressed body, the reply) passes through here unchanged. Besides raw
byte counts, a light HTTP/1.1 reader splits each direction into header and body bytes and
counts requests and responses (Content-Length framing, as httpx and uvicorn use for these
bodies; a chunked message only makes the split unavailable, never the totals wrong).

It runs its own asyncio loop in a daemon thread of the benchmark process.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Counts:
    """Bytes and messages seen since the last reset."""

    up_bytes: int = 0  # node -> cloud (requests)
    down_bytes: int = 0  # cloud -> node (replies)
    up_header_bytes: int = 0
    down_header_bytes: int = 0
    requests: int = 0
    responses: int = 0
    connections: int = 0
    unframed: int = 0  # messages whose header/body split could not be followed

    @property
    def total(self) -> int:
        return self.up_bytes + self.down_bytes

    def as_dict(self) -> dict:
        return {**asdict(self), "total_bytes": self.total}


class _Framer:
    """Follows HTTP/1.1 messages in one direction to count header bytes and messages."""

    def __init__(self, counts: Callable[[], Counts], up: bool) -> None:
        self._counts, self.up = counts, up
        self.buf = b""
        self.body_left = 0
        self.lost = False

    def feed(self, data: bytes) -> None:
        if self.lost:
            return
        while data:
            if self.body_left:
                take = min(self.body_left, len(data))
                self.body_left -= take
                data = data[take:]
                continue
            self.buf += data
            data = b""
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > 65536:
                    self._lose()
                return
            head, rest = self.buf[: end + 4], self.buf[end + 4 :]
            self.buf = b""
            counts = self._counts()
            if self.up:
                counts.up_header_bytes += len(head)
                counts.requests += 1
            else:
                counts.down_header_bytes += len(head)
                counts.responses += 1
            length = None
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value.strip())
                elif name == b"transfer-encoding":
                    self._lose()
                    return
            self.body_left = length or 0
            data = rest

    def _lose(self) -> None:
        self.lost = True
        self._counts().unframed += 1


class CountingProxy:
    """Forward 127.0.0.1:<port> to 127.0.0.1:<target_port>, counting bytes."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.counts = Counts()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="proxy", daemon=True)
        self._tasks: set[asyncio.Task] = set()

    def start(self) -> int:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        self.port = fut.result(10)
        return self.port

    async def _serve(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counts.connections += 1
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        def current() -> Counts:
            return self.counts

        t1 = asyncio.ensure_future(self._pump(reader, up_w, _Framer(current, True), True))
        t2 = asyncio.ensure_future(self._pump(up_r, writer, _Framer(current, False), False))
        self._tasks |= {t1, t2}
        await asyncio.wait({t1, t2}, return_when=asyncio.FIRST_COMPLETED)
        for t in (t1, t2):
            t.cancel()
        for w in (writer, up_w):
            w.close()
        self._tasks -= {t1, t2}

    async def _pump(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, framer: _Framer, up: bool
    ) -> None:
        while True:
            data = await src.read(65536)
            if not data:
                return
            counts = self.counts
            if up:
                counts.up_bytes += len(data)
            else:
                counts.down_bytes += len(data)
            framer.feed(data)
            dst.write(data)
            await dst.drain()

    def reset(self) -> None:
        """Start counting afresh (messages in flight are split across the reset)."""
        self.counts = Counts()

    def snapshot(self) -> dict:
        return self.counts.as_dict()

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for t in list(self._tasks):
                t.cancel()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
