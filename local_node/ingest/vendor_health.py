"""The latest health each vendor agent reported for its video streams, kept in memory.

A Rekor/OpenALPR agent posts a heartbeat every minute listing its video streams. The
node keeps only the latest state of each stream, per node camera (the camera whose key
the agent posts with), for `/api/v1/status`. Nothing is written to the database: the
state is a minute old at most, rebuilt by the next heartbeat after a restart, and never
synced, so a table and its migration would buy nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

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
    """Thread-safe map of node camera id → its vendor streams' latest health."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_camera: dict[str, dict[tuple[str, str], StreamHealth]] = {}

    def record_heartbeat(
        self, camera_id: str, beat: AgentHeartbeat, *, received_at: datetime
    ) -> int:
        """Replace the state of each stream in `beat` under `camera_id`; return how many."""
        with self._lock:
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
            streams = list(self._by_camera.get(camera_id, {}).values())
        return sorted(streams, key=lambda s: (s.source_camera, s.agent_uid or ""))
