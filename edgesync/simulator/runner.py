"""Drive a schedule of reads through a client: pacing, concurrency, progress and a clean stop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from edgesync.simulator.client import Camera, DetectionClient, Stats
from edgesync.simulator.images import ImageFactory
from edgesync.simulator.traffic import Read

# After a stop request, reads already in flight get this long to be acknowledged: cutting
# them off would leave reads the node stored but the ack log never heard of.
STOP_GRACE_S = 10.0


@dataclass(frozen=True, slots=True)
class RunLimits:
    """When a run ends (whichever comes first; neither = at the stop event) and how wide it is."""

    duration_s: float | None = None
    count: int | None = None
    concurrency: int = 64
    closed_loop: bool = False  # ignore the schedule's times: send as fast as answers come
    progress_every_s: float = 5.0


ProgressFn = Callable[[Stats, float, float], None]  # stats, elapsed s, seconds behind schedule


async def run(
    *,
    reads: Iterator[Read],
    cameras: Sequence[Camera],
    client: DetectionClient,
    images: ImageFactory | None,
    limits: RunLimits,
    stop: asyncio.Event,
    progress: ProgressFn | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> float:
    """Send reads until a limit or `stop`; returns the elapsed seconds (stats are the client's)."""
    started = clock()
    gate = asyncio.Semaphore(max(limits.concurrency, 1))
    in_flight: set[asyncio.Task[None]] = set()
    behind = 0.0
    reporter = (
        asyncio.create_task(_report(client.stats, started, clock, limits, progress, lambda: behind))
        if progress
        else None
    )

    async def one(read: Read) -> None:
        try:
            camera = cameras[read.camera % len(cameras)]
            picture = None
            if images is not None:
                # In a worker thread: the encoder releases the GIL, and the event loop keeps
                # answering sockets meanwhile.
                picture = await asyncio.to_thread(images.render, read.plate, read.camera)
            await client.deliver(camera, read, picture)
        finally:
            gate.release()

    sent = 0
    try:
        for read in reads:
            if stop.is_set() or (limits.count is not None and sent >= limits.count):
                break
            # Wall-clock time bounds the run even when the node is too slow to keep up with the
            # schedule; schedule time keeps a paced run from starting reads past the end.
            if limits.duration_s is not None and (
                clock() - started >= limits.duration_s or read.at >= limits.duration_s
            ):
                break
            if not limits.closed_loop:
                delay = started + read.at - clock()
                if delay > 0 and await _wait(stop, delay):
                    break
                behind = max(-delay, 0.0)
            await _acquire(gate, stop)
            if stop.is_set():
                break
            task = asyncio.create_task(one(read))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            sent += 1
        if in_flight:
            _, pending = await asyncio.wait(
                in_flight, timeout=STOP_GRACE_S if stop.is_set() else None
            )
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
    finally:
        if reporter is not None:
            reporter.cancel()
    return clock() - started


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` or until `stop`; True if stopped."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


async def _acquire(gate: asyncio.Semaphore, stop: asyncio.Event) -> None:
    """Take a concurrency slot, unless a stop request arrives first (then return holding none)."""
    if not gate.locked():
        await gate.acquire()
        return
    acquire = asyncio.ensure_future(gate.acquire())
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({acquire, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not acquire.done():
        acquire.cancel()
    elif stop.is_set():
        gate.release()


async def _report(
    stats: Stats,
    started: float,
    clock: Callable[[], float],
    limits: RunLimits,
    progress: ProgressFn,
    behind: Callable[[], float],
) -> None:
    while True:
        await asyncio.sleep(limits.progress_every_s)
        progress(stats, clock() - started, behind())
