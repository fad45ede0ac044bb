"""Baseline (b): the raw disk limit — one image file written and fsynced per iteration.

open/write/fsync/close of the same bytes into a UTC yyyy/mm/dd/hh/camera tree like the
node's, one file at a time, in one thread: what durable image storage costs before any
HTTP, parsing, database or group commit enters the picture.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench.ingest.stats import percentile


def raw_fsync(root: Path, image: bytes, seconds: float, cameras: int = 20) -> dict:
    """Write+fsync files for `seconds`; returns files/s and per-file latency."""
    shard = datetime.now(UTC).strftime("%Y/%m/%d/%H")
    dirs = [root / shard / f"cam-{i:02d}" for i in range(cameras)]
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    i = 0
    while True:
        t0 = time.perf_counter()
        if t0 >= deadline:
            break
        path = dirs[i % cameras] / f"{uuid.uuid4()}.jpg"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            view = memoryview(image)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        latencies.append(time.perf_counter() - t0)
        i += 1
    elapsed = time.perf_counter() - started
    return {
        "files": i,
        "seconds": round(elapsed, 3),
        "files_per_s": round(i / elapsed, 1),
        "MB_per_s": round(i * len(image) / elapsed / 1e6, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 3),
        "p99_ms": round(percentile(latencies, 99) * 1000, 3),
    }
