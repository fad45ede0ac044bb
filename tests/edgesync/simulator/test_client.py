"""The camera client: formats, auth, idempotent retries, re-sends and the ack log."""

from __future__ import annotations

import asyncio
import io
import json
import random
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from edgesync.simulator.client import (
    Camera,
    DetectionClient,
    load_keys_file,
    retry_delay,
)
from edgesync.simulator.images import Picture
from edgesync.simulator.traffic import Read

from .fake_node import FakeNode

CAMERA = Camera(name="gate-1", key="esc_secret")
PICTURE = Picture(b"\xff\xd8\xff\xe0fake-jpeg", "image/jpeg", (10, 20, 100, 22))
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _read(event_id: str = "7f1c7c36-0d5e-4d0a-9f53-3b2b8a1f9c11", resend: bool = False) -> Read:
    return Read(
        at=0.0,
        camera=0,
        plate="AB12 CDE",
        event_id=event_id,
        confidence=0.93,
        region="gb",
        direction="approaching",
        bbox=(1, 2, 3, 4),
        vehicle={"type": "car", "make": "Ford", "model": "Focus", "color": "red"},
        resend=resend,
    )


class _Sleeps:
    """Records requested sleeps instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _deliver(node: FakeNode, read: Read, picture: Picture | None = PICTURE, **kwargs) -> tuple:
    sleeps = _Sleeps()

    async def go() -> tuple:
        async with DetectionClient(
            "http://node.test",
            transport=node.transport(),
            sleep=sleeps,
            now=lambda: NOW,
            rng=random.Random(0),
            **kwargs,
        ) as client:
            status = await client.deliver(CAMERA, read, picture)
            return status, client.stats

    status, stats = asyncio.run(go())
    return status, stats, sleeps.calls


def test_multipart_post_carries_metadata_image_and_bearer_key() -> None:
    node = FakeNode()
    status, _, _ = _deliver(node, _read())
    assert status == 201
    request = node.requests[0]
    assert request.url.path == "/api/v1/detections"
    assert request.headers["authorization"] == "Bearer esc_secret"
    meta, image, image_type = node.bodies[0]
    assert image == PICTURE.data and image_type == "image/jpeg"
    assert meta["plate"] == "AB12 CDE" and meta["event_id"] == _read().event_id
    assert meta["captured_at"] == "2024-05-01T12:00:00.000Z"
    assert meta["bbox"] == [10, 20, 100, 22]  # the plate's place in the picture sent


def test_multipart_without_image_is_still_multipart() -> None:
    node = FakeNode()
    _deliver(node, _read(), picture=None)
    assert node.requests[0].headers["content-type"].startswith("multipart/form-data")
    assert node.bodies[0][1] is None


def test_json_format_sends_image_as_base64() -> None:
    node = FakeNode()
    _deliver(node, _read(), body_format="json")
    assert node.requests[0].headers["content-type"] == "application/json"
    meta, image, _ = node.bodies[0]
    assert image == PICTURE.data and meta["plate"] == "AB12 CDE"


def test_camera_id_and_clock_skew_come_from_the_camera() -> None:
    node = FakeNode()
    camera = Camera(name="gate-2", key="k2", camera_id="cam-abc", clock_skew_s=-90)

    async def go() -> None:
        async with DetectionClient(
            "http://node.test", transport=node.transport(), now=lambda: NOW
        ) as client:
            await client.deliver(camera, _read())

    asyncio.run(go())
    meta = node.bodies[0][0]
    assert meta["camera_id"] == "cam-abc"
    assert meta["captured_at"] == "2024-05-01T11:58:30.000Z"


def test_retry_after_503_reuses_the_same_event_id_and_honours_retry_after() -> None:
    def overloaded_twice(n: int, request: httpx.Request) -> httpx.Response | None:
        if n < 2:
            return httpx.Response(503, headers={"Retry-After": "3"}, json={"detail": "busy"})
        return None

    node = FakeNode(overloaded_twice)
    status, stats, sleeps = _deliver(node, _read())
    assert status == 201
    assert [body[0]["event_id"] for body in node.bodies] == [_read().event_id] * 3
    assert len({body[0]["captured_at"] for body in node.bodies}) == 1  # the same read, resent
    assert sleeps == [3.0, 3.0]
    assert stats.retries == 2 and stats.errors["503"] == 2 and stats.created == 1


def test_network_errors_are_retried_with_the_same_event_id() -> None:
    def drop_first(n: int, request: httpx.Request) -> httpx.Response | None:
        if n == 0:
            raise httpx.ConnectError("connection refused", request=request)
        return None

    node = FakeNode(drop_first)
    status, stats, sleeps = _deliver(node, _read())
    assert status == 201
    assert node.bodies[0][0]["event_id"] == node.bodies[1][0]["event_id"]
    assert stats.errors["network"] == 1 and len(sleeps) == 1


def test_client_errors_are_not_retried() -> None:
    node = FakeNode(lambda n, r: httpx.Response(422, json={"detail": "plate: required"}))
    status, stats, sleeps = _deliver(node, _read())
    assert status == 422 and len(node.requests) == 1 and sleeps == []
    assert stats.failed == 1 and stats.errors["422"] == 1


def test_delivery_gives_up_after_max_attempts() -> None:
    node = FakeNode(lambda n, r: httpx.Response(500))
    status, stats, _ = _deliver(node, _read(), max_attempts=3)
    assert status == 500 and len(node.requests) == 3 and stats.failed == 1


def test_duplicate_resend_shares_the_event_id_and_is_answered_200() -> None:
    node = FakeNode()
    _, stats, _ = _deliver(node, _read(resend=True))
    assert len(node.requests) == 2
    assert node.bodies[0][0]["event_id"] == node.bodies[1][0]["event_id"]
    assert stats.created == 1 and stats.duplicate == 1 and stats.resends == 1
    assert len(node.stored) == 1


def test_ack_log_has_a_line_for_each_201_and_200() -> None:
    node = FakeNode()
    log = io.StringIO()
    _deliver(node, _read(resend=True), ack_log=log)
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    assert [line["status"] for line in lines] == [201, 200]
    assert {line["event_id"] for line in lines} == {_read().event_id}
    assert lines[0]["id"] == lines[1]["id"] == "det-1"
    assert lines[0]["seq"] == 1


def test_ack_log_has_no_line_for_a_read_never_acknowledged() -> None:
    node = FakeNode(lambda n, r: httpx.Response(503, headers={"Retry-After": "0"}))
    log = io.StringIO()
    _deliver(node, _read(), ack_log=log, max_attempts=2)
    assert log.getvalue() == ""


def test_retry_delay_without_retry_after_backs_off_within_a_cap() -> None:
    rng = random.Random(0)
    delays = [retry_delay(None, attempt, rng, base_s=0.5, cap_s=4.0) for attempt in range(10)]
    assert all(0 <= d <= 4.0 for d in delays)


def test_retry_delay_caps_a_long_retry_after() -> None:
    response = httpx.Response(503, headers={"Retry-After": "3600"})
    assert retry_delay(response, 0, random.Random(0), base_s=0.5, cap_s=30.0) == 30.0


def test_keys_file_accepts_plain_keys_and_add_camera_objects(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"a": "esc_a", "b": {"api_key": "esc_b", "camera_id": "c1"}}))
    assert load_keys_file(path) == [
        Camera(name="a", key="esc_a"),
        Camera(name="b", key="esc_b", camera_id="c1"),
    ]


def test_keys_file_with_a_malformed_entry_names_the_camera(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"gate": 42}))
    with pytest.raises(ValueError, match="gate"):
        load_keys_file(path)


def test_stats_summary_reports_counts_rate_and_latency_percentiles() -> None:
    node = FakeNode(
        lambda n, r: httpx.Response(503, headers={"Retry-After": "0"}) if n == 0 else None
    )
    _, stats, _ = _deliver(node, _read(resend=True))
    summary = stats.summary(elapsed_s=2.0)
    assert summary["reads"] == 1 and summary["sent"] == 3 and summary["sent_per_s"] == 1.5
    assert summary["created"] == 1 and summary["duplicate"] == 1 and summary["retries"] == 1
    assert summary["errors"] == {"503": 1}
    assert summary["p50_ms"] is not None and summary["p50_ms"] <= summary["p99_ms"]
    json.dumps(summary)  # one JSON object for --json
