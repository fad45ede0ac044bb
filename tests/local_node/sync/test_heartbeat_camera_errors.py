"""The heartbeat carries each camera's errors of the last hour, by reason, and the unnamed ones."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx

from local_node.db import camera_errors
from local_node.sync.heartbeat import build_heartbeat
from tests.local_node.sync.conftest import post


def test_the_heartbeat_carries_camera_errors_by_reason(synced) -> None:
    s = synced()
    post(s.node)
    with s.node.camera() as cam:
        cam.post("/api/v1/detections", json={"plate": "no time"})
        cam.post("/api/v1/detections", json={"plate": "AB1", "captured_at": "2020-01-01T00:00:00Z"})
    with httpx.Client(base_url=s.node.url) as anonymous:
        anonymous.post("/api/v1/detections", json={"plate": "AB1"})
    s.node.services.camera_errors.flush()  # the API process writes within a second anyway
    s.agent.exchange(heartbeat=True)
    beat = s.cloud.heartbeats[-1]
    [camera] = beat.cameras
    assert camera.errors == 2
    assert camera.errors_by_reason == {"invalid": 1, "clock_skew": 1}
    assert beat.unattributed_errors == {"unauthenticated": 1}
    assert beat.errors_window_s == camera_errors.WINDOW_S


def test_heartbeats_report_a_rolling_hour_not_reset_by_the_previous_one(node) -> None:
    with node.camera() as cam:
        cam.post("/api/v1/detections", json={"plate": "no time"})
    node.services.camera_errors.flush()

    def errors_at(minutes_later: float) -> tuple[int, dict]:
        beat = build_heartbeat(
            node.services.engine,
            now=node.clock() + timedelta(minutes=minutes_later),
            started_at=time.monotonic(),
            data_dir=node.settings.data_dir,
            interval_s=60,
        )
        return beat.cameras[0].errors, beat.cameras[0].errors_by_reason

    assert errors_at(0) == (1, {"invalid": 1})
    assert errors_at(0) == (1, {"invalid": 1})  # a heartbeat sent does not reset it
    assert errors_at(50) == (1, {"invalid": 1})
    assert errors_at(61) == (0, {})
