"""The latest health each vendor agent reported for its video streams, kept in memory.

A Rekor/OpenALPR agent posts a heartbeat every minute listing its video streams. The
node keeps only the latest state of each stream, per node camera (the camera whose key
the agent posts with), for `/api/v1/status`. Nothing is written to the database: the
state is a minute old at most, rebuilt by the next heartbeat after a restart, and never
synced, so a table and its migration would buy nothing.

With `node serve --workers N` a heartbeat reaches one worker and a status request maybe
another, so there the map lives in one small JSON file in the data dir (``path``): a
heartbeat updates it under an exclusive flock (read, merge, write a new file, rename), and
a status request reads the file. The parent removes it at start, as a restart forgets the
map of one process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from local_node.ingest.vendors import AgentHeartbeat

# A misconfigured agent must not grow the node's memory without bound.
MAX_STREAMS_PER_CAMERA = 64
MAX_CAMERAS = 1024


@dataclass(frozen=True)
class StreamHealth:
    """One vendor video stream as its agent last described it."""

    source_camera: str
    camera_name: str | None
    agent_uid: str | None
    agent_hostname: str | None
    agent_version: str | None
    fps: float | None
    is_streaming: bool | None
    last_update: datetime | None
    last_plate_read: datetime | None
    reported_at: datetime | None
    received_at: datetime


class VendorHealth:
    """Thread-safe map of node camera id → its vendor streams' latest health.

    ``path``: keep the map in this file, shared by every process of the node; None: in memory.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._by_camera: dict[str, dict[tuple[str, str], StreamHealth]] = {}
        self._path = path

    def record_heartbeat(
        self, camera_id: str, beat: AgentHeartbeat, *, received_at: datetime
    ) -> int:
        """Replace the state of each stream in `beat` under `camera_id`; return how many."""
        with self._shared():
            streams = self._by_camera.get(camera_id)
            if streams is None:
                if len(self._by_camera) >= MAX_CAMERAS:
                    self._by_camera.clear()
                streams = self._by_camera.setdefault(camera_id, {})
            for stream in beat.video_streams:
                key = (beat.agent_uid or "", stream.camera_id)
                if key not in streams and len(streams) >= MAX_STREAMS_PER_CAMERA:
                    # Drop the stalest stream to make room for the one reporting now.
                    stalest = min(streams, key=lambda k: streams[k].received_at)
                    del streams[stalest]
                streams[key] = StreamHealth(
                    source_camera=stream.camera_id,
                    camera_name=stream.camera_name,
                    agent_uid=beat.agent_uid,
                    agent_hostname=beat.agent_hostname,
                    agent_version=beat.agent_version,
                    fps=stream.fps,
                    is_streaming=stream.is_streaming,
                    last_update=stream.last_update,
                    last_plate_read=stream.last_plate_read,
                    reported_at=beat.timestamp,
                    received_at=received_at,
                )
            return len(beat.video_streams)

    def streams_of(self, camera_id: str) -> list[StreamHealth]:
        """The streams reported under a node camera, ordered by vendor camera id."""
        with self._lock:
            if self._path is not None:
                self._by_camera = _load(self._path)
            streams = list(self._by_camera.get(camera_id, {}).values())
        return sorted(streams, key=lambda s: (s.source_camera, s.agent_uid or ""))

    @contextlib.contextmanager
    def _shared(self) -> Iterator[None]:
        """This process's lock; with a file, also the file's lock, its state read, then saved."""
        with self._lock:
            if self._path is None:
                yield
                return
            fd = os.open(self._path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._by_camera = _load(self._path)
                yield
                _save(self._path, self._by_camera)
            finally:
                os.close(fd)  # releases the flock


_TIMES = ("last_update", "last_plate_read", "reported_at", "received_at")


def _load(path: Path) -> dict[str, dict[tuple[str, str], StreamHealth]]:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    out: dict[str, dict[tuple[str, str], StreamHealth]] = {}
    for camera_id, streams in raw.items():
        for item in streams:
            for name in _TIMES:
                if item[name] is not None:
                    item[name] = datetime.fromisoformat(item[name])
            health = StreamHealth(**item)
            out.setdefault(camera_id, {})[(health.agent_uid or "", health.source_camera)] = health
    return out


def _save(path: Path, by_camera: dict[str, dict[tuple[str, str], StreamHealth]]) -> None:
    raw = {
        camera_id: [dataclasses.asdict(s) for s in streams.values()]
        for camera_id, streams in by_camera.items()
    }
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(raw, out, default=lambda t: t.isoformat())
    os.replace(tmp, path)  # readers see the old file or the new one, never half of one
