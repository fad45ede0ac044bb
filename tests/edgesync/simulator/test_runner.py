"""Running a schedule through the client: limits, pictures, stop."""

from __future__ import annotations

import asyncio
import io
import json
import random

import httpx

from edgesync.simulator.client import Camera, DetectionClient
from edgesync.simulator.images import ImageFactory
from edgesync.simulator.runner import RunLimits, run
from edgesync.simulator.traffic import TrafficConfig, schedule

from .fake_node import FakeNode

FLEET = [Camera(name="a", key="ka"), Camera(name="b", key="kb")]


def _run(
    node: FakeNode,
    limits: RunLimits,
    *,
    images: ImageFactory | None = None,
    config: TrafficConfig | None = None,
    stop_after: float | None = None,
) -> tuple:
    log = io.StringIO()

    async def go() -> tuple:
        stop = asyncio.Event()
        if stop_after is not None:
            asyncio.get_running_loop().call_later(stop_after, stop.set)
        async with DetectionClient(
            "http://node.test", transport=node.transport(), ack_log=log
        ) as client:
            reads = schedule(
                config or TrafficConfig(cameras=2, rate_per_minute=0), random.Random(1)
            )
            await run(
                reads=reads, cameras=FLEET, client=client, images=images, limits=limits, stop=stop
            )
            return client.stats

    stats = asyncio.run(go())
    return stats, [json.loads(line) for line in log.getvalue().splitlines()]


def test_closed_loop_run_sends_exactly_count_reads_and_logs_every_ack() -> None:
    node = FakeNode()
    stats, acks = _run(node, RunLimits(count=50, closed_loop=True, concurrency=8))
    assert stats.reads == 50 and stats.created == 50 and stats.failed == 0
    assert len(acks) == 50 and len(node.stored) == 50


def test_reads_carry_pictures_when_an_image_factory_is_given() -> None:
    node = FakeNode()
    images = ImageFactory(target_bytes=15_000, rng=random.Random(2))
    _run(node, RunLimits(count=5, closed_loop=True), images=images)
    assert all(
        image is not None and image.startswith(b"\xff\xd8\xff") for _, image, _ in node.bodies
    )


def test_each_camera_posts_with_its_own_key() -> None:
    node = FakeNode()
    _run(node, RunLimits(count=40, closed_loop=True))
    keys = {r.headers["authorization"] for r in node.requests}
    assert keys == {"Bearer ka", "Bearer kb"}


def test_stop_event_ends_an_open_ended_paced_run() -> None:
    node = FakeNode()
    config = TrafficConfig(cameras=2, rate_per_minute=600)  # ~20 reads/s
    stats, _ = _run(node, RunLimits(), config=config, stop_after=0.3)
    assert 0 < stats.reads < 40


def test_duration_limits_a_paced_run_by_schedule_time() -> None:
    node = FakeNode()
    config = TrafficConfig(cameras=2, rate_per_minute=1200, burst_share=0.0)  # ~40 reads/s
    stats, _ = _run(node, RunLimits(duration_s=0.5), config=config)
    assert 5 <= stats.reads <= 45


def test_duration_is_wall_clock_even_when_the_node_cannot_keep_up() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.2)
        return httpx.Response(201, json={"id": "d", "seq": 1})

    async def go() -> float:
        async with DetectionClient("http://node.test", transport=httpx.MockTransport(slow)) as c:
            config = TrafficConfig(cameras=2, rate_per_minute=6000)  # far beyond 1 at a time
            return await run(
                reads=schedule(config, random.Random(3)),
                cameras=FLEET,
                client=c,
                images=None,
                limits=RunLimits(duration_s=0.5, concurrency=1),
                stop=asyncio.Event(),
            )

    assert asyncio.run(go()) < 2.0  # by schedule time alone it would take ~20 s
