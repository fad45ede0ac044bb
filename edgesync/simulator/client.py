"""Deliver simulated reads to a local node the way a well-behaved camera does.

Every read is posted to `POST /api/v1/detections` (multipart `metadata` + `image`, or JSON with
`image_b64`) with its camera's key. Network errors, timeouts, 429 and 5xx are retried with the
*same* event id and the same metadata, honouring `Retry-After`; the node answers a repeat with
200 and the first id, so a retry can never store a read twice. Every acknowledged answer (201 or
200) can be appended to a JSON-lines *ack log*, written only after the answer arrived, which is
what a crash test compares with the node's contents afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import time
from array import array
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal, TextIO

import httpx

from edgesync.simulator.images import Picture
from edgesync.simulator.traffic import Read

BodyFormat = Literal["multipart", "json"]
DETECTIONS_PATH = "/api/v1/detections"
ACKNOWLEDGED = (200, 201)


@dataclass(frozen=True, slots=True)
class Camera:
    """A simulated camera: its name, API key, node camera id if known, and clock error."""

    name: str
    key: str
    camera_id: str | None = None
    clock_skew_s: float = 0.0


def load_keys_file(path: Path) -> list[Camera]:
    """Read cameras from JSON `{name: key}` or `{name: {"api_key", "camera_id"?, "clock_skew"?}}`.

    The object form takes what `edgesync node add-camera --json` prints. Raises ValueError
    naming the camera whose entry is malformed.
    """
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{path}: expected a non-empty JSON object {{camera_name: key}}")
    cameras = []
    for name, entry in raw.items():
        if isinstance(entry, str) and entry:
            cameras.append(Camera(name=name, key=entry))
        elif isinstance(entry, dict) and isinstance(entry.get("api_key") or entry.get("key"), str):
            cameras.append(
                Camera(
                    name=name,
                    key=entry.get("api_key") or entry["key"],
                    camera_id=entry.get("camera_id"),
                    clock_skew_s=float(entry.get("clock_skew", 0.0)),
                )
            )
        else:
            raise ValueError(f"{path}: camera {name!r} needs a key string or {{'api_key': ...}}")
    return cameras


@dataclass
class Stats:
    """Counters of one run; `requests` counts HTTP attempts, the others count answers."""

    reads: int = 0  # reads finished (acknowledged or given up)
    requests: int = 0
    created: int = 0  # 201
    duplicate: int = 0  # 200: a repeat the node recognised
    retries: int = 0
    resends: int = 0  # deliberate duplicate re-sends
    failed: int = 0  # reads given up after the last attempt or a 4xx
    errors: Counter[str] = field(default_factory=Counter)  # by status code, or network/timeout
    # A typed array: 8 bytes a value, so an hour at 1,000 reads/s stays near 30 MB.
    latencies_ms: array[float] = field(default_factory=lambda: array("d"))

    def percentile(self, p: float, since: int = 0) -> float | None:
        """The p-th percentile (0–100) of latencies recorded from index `since` on."""
        values = sorted(self.latencies_ms[since:])
        if not values:
            return None
        return values[min(int(len(values) * p / 100), len(values) - 1)]

    def summary(self, elapsed_s: float) -> dict[str, object]:
        """The figures of the run as one JSON-ready object."""
        p50, p99 = self.percentile(50), self.percentile(99)
        return {
            "elapsed_s": round(elapsed_s, 3),
            "reads": self.reads,
            "sent": self.requests,
            "sent_per_s": round(self.requests / elapsed_s, 1) if elapsed_s > 0 else 0.0,
            "created": self.created,
            "duplicate": self.duplicate,
            "retries": self.retries,
            "resends": self.resends,
            "failed": self.failed,
            "errors": dict(sorted(self.errors.items())),
            "p50_ms": None if p50 is None else round(p50, 2),
            "p99_ms": None if p99 is None else round(p99, 2),
        }


def retry_delay(
    response: httpx.Response | None,
    attempt: int,
    rng: random.Random,
    *,
    base_s: float,
    cap_s: float,
) -> float:
    """How long to wait before attempt `attempt + 1`: the node's Retry-After if it gave one
    (seconds or an HTTP date, capped at `cap_s`), else capped exponential backoff with full
    jitter so that a fleet of cameras does not retry in lockstep."""
    header = response.headers.get("retry-after") if response is not None else None
    if header:
        try:
            return min(max(float(header), 0.0), cap_s)
        except ValueError:
            try:
                when = parsedate_to_datetime(header)
                return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), cap_s)
            except (TypeError, ValueError):
                pass  # unreadable: fall back to our own backoff
    return rng.uniform(0, min(cap_s, base_s * 2**attempt))


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def rfc3339(moment: datetime) -> str:
    """`2024-05-01T12:00:00.123Z`: UTC, millisecond precision, as cameras usually write it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class DetectionClient:
    """Posts reads to one node; one instance serves all cameras of a run (one connection pool).

    `transport` replaces the network (tests pass `httpx.MockTransport`); `sleep`, `now` and
    `rng` are injectable so retries are testable without waiting.
    """

    def __init__(
        self,
        node_url: str,
        *,
        body_format: BodyFormat = "multipart",
        timeout_s: float = 10.0,
        max_attempts: int = 5,
        backoff_base_s: float = 0.2,
        max_retry_after_s: float = 30.0,
        ack_log: TextIO | None = None,
        stats: Stats | None = None,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.stats = stats if stats is not None else Stats()
        self._format = body_format
        self._max_attempts = max(max_attempts, 1)
        self._backoff_base_s = backoff_base_s
        self._max_retry_after_s = max_retry_after_s
        self._ack_log = ack_log
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._now = now
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._http = httpx.AsyncClient(
            base_url=node_url.rstrip("/"),
            timeout=timeout_s,
            transport=transport,
            limits=limits,
        )

    async def __aenter__(self) -> DetectionClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    def metadata(self, camera: Camera, read: Read, picture: Picture | None) -> dict[str, object]:
        """The metadata JSON of a read as this camera reports it, stamped with its own clock."""
        meta = read.metadata()
        meta["captured_at"] = rfc3339(self._now() + timedelta(seconds=camera.clock_skew_s))
        if picture is not None:
            meta["bbox"] = list(picture.bbox)  # where the plate really is in the picture
        if camera.camera_id:
            meta["camera_id"] = camera.camera_id
        return meta

    async def deliver(
        self, camera: Camera, read: Read, picture: Picture | None = None
    ) -> int | None:
        """Post one read until the node acknowledges it or the attempts run out.

        Returns the final HTTP status (None when the last attempt had no answer). A read marked
        `resend` is posted once more after its acknowledgement, with the same event id.
        """
        headers, content = self._encode(self.metadata(camera, read, picture), picture)
        status = await self._post_with_retries(camera, read, headers, content)
        if read.resend and status in ACKNOWLEDGED:
            self.stats.resends += 1
            await self._post_with_retries(camera, read, headers, content)
        self.stats.reads += 1
        return status

    def _encode(
        self, meta: dict[str, object], picture: Picture | None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """Encode the body once; every attempt sends these same bytes (and event id)."""
        if self._format == "json":
            body = dict(meta)
            if picture is not None:
                body["image_b64"] = base64.b64encode(picture.data).decode("ascii")
            return {"content-type": "application/json"}, {"content": json.dumps(body).encode()}
        files: dict[str, tuple[str | None, bytes, str]] = {
            # Sent as a file-less part so that it is multipart even without an image.
            "metadata": (None, json.dumps(meta).encode(), "application/json"),
        }
        if picture is not None:
            suffix = "jpg" if picture.content_type == "image/jpeg" else "png"
            files["image"] = (f"{meta['event_id']}.{suffix}", picture.data, picture.content_type)
        return {}, {"files": files}

    async def _post_with_retries(
        self, camera: Camera, read: Read, headers: dict[str, str], content: dict[str, Any]
    ) -> int | None:
        headers = {**headers, "authorization": f"Bearer {camera.key}"}
        status: int | None = None
        for attempt in range(self._max_attempts):
            if attempt:
                self.stats.retries += 1
            response: httpx.Response | None = None
            self.stats.requests += 1
            started = time.perf_counter()
            try:
                response = await self._http.post(DETECTIONS_PATH, headers=headers, **content)
            except httpx.TimeoutException:
                status = None
                self.stats.errors["timeout"] += 1
            except httpx.TransportError:
                status = None
                self.stats.errors["network"] += 1
            else:
                status = response.status_code
                self.stats.latencies_ms.append((time.perf_counter() - started) * 1000)
                if status in ACKNOWLEDGED:
                    self._acknowledged(camera, read, response)
                    return status
                self.stats.errors[str(status)] += 1
                if not _retryable(status):
                    break
            if attempt + 1 < self._max_attempts:
                await self._sleep(
                    retry_delay(
                        response,
                        attempt,
                        self._rng,
                        base_s=self._backoff_base_s,
                        cap_s=self._max_retry_after_s,
                    )
                )
        self.stats.failed += 1
        return status

    def _acknowledged(self, camera: Camera, read: Read, response: httpx.Response) -> None:
        if response.status_code == 201:
            self.stats.created += 1
        else:
            self.stats.duplicate += 1
        if self._ack_log is None:
            return
        try:
            body = response.json()
        except ValueError:
            body = {}
        line = {
            "event_id": read.event_id,
            "id": body.get("id") if isinstance(body, dict) else None,
            "seq": body.get("seq") if isinstance(body, dict) else None,
            "status": response.status_code,
            "camera": camera.name,
        }
        # Line-buffered and flushed per answer: the log must hold every ack the node gave,
        # even if this process is killed the next moment.
        self._ack_log.write(json.dumps(line) + "\n")
        self._ack_log.flush()
