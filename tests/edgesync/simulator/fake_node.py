"""A local node played by `httpx.MockTransport`: idempotent by event id, with scripted failures."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import default

import httpx


def parse_detection(request: httpx.Request) -> tuple[dict, bytes | None, str | None]:
    """The metadata, image bytes and image type of a posted detection, whichever format."""
    ctype = request.headers["content-type"]
    if ctype.startswith("application/json"):
        body = json.loads(request.content)
        image = body.pop("image_b64", None)
        return body, None if image is None else base64.b64decode(image), None
    raw = b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + request.content
    message = BytesParser(policy=default).parsebytes(raw)
    meta, image, image_type = {}, None, None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name == "metadata":
            meta = json.loads(part.get_payload(decode=True))
        elif name == "image":
            image, image_type = part.get_payload(decode=True), part.get_content_type()
    return meta, image, image_type


class FakeNode:
    """Answers 201 to a new (key, event_id), 200 with the first id to a repeat.

    `script` is consulted before storing: it may return a response (e.g. a 503) or raise an
    `httpx` transport error for the n-th request (0-based).
    """

    def __init__(
        self, script: Callable[[int, httpx.Request], httpx.Response | None] | None = None
    ) -> None:
        self.requests: list[httpx.Request] = []
        self.bodies: list[tuple[dict, bytes | None, str | None]] = []
        self.stored: dict[tuple[str, str], dict] = {}
        self._script = script

    def transport(self) -> httpx.MockTransport:
        """A transport that routes requests to this fake."""
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Play the node for one request."""
        n = len(self.requests)
        self.requests.append(request)
        body = parse_detection(request)
        self.bodies.append(body)
        if self._script is not None:
            scripted = self._script(n, request)
            if scripted is not None:
                return scripted
        key = request.headers["authorization"].removeprefix("Bearer ")
        meta = body[0]
        found = self.stored.get((key, meta["event_id"]))
        if found is not None:
            return httpx.Response(200, json={"id": found["id"], "plate_norm": "", "hits": []})
        record = {"id": f"det-{len(self.stored) + 1}", "seq": len(self.stored) + 1}
        self.stored[(key, meta["event_id"])] = record
        return httpx.Response(201, json={**record, "plate_norm": "", "hits": []})
