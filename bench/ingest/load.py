"""Load generators, each in processes other than the server's (so they never share its GIL).

- `run_hey`: closed loop at saturation with `hey` (Go; the preferred client, cheap per request).
- `run_python_closed`: the same closed loop from N Python processes speaking raw HTTP/1.1 over
  asyncio streams (no HTTP library in the hot path), when `hey` is missing.
- `run_open_loop`: Poisson arrivals at a fixed rate (the seed's cameras), latency measured
  from each request's scheduled time, so a slow server cannot hide its queueing.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import re
import resource
import shutil
import subprocess
import time
from array import array
from collections import Counter
from pathlib import Path

from bench.ingest.payload import CONTENT_TYPE, metadata, multipart_body
from bench.ingest.procs import progress
from bench.ingest.stats import latency_summary

PATH = "/api/v1/detections"


# -- hey ------------------------------------------------------------------------------------
def ensure_hey(install: bool) -> str | None:
    """The path of `hey`; installs the Debian package first when allowed and possible."""
    found = shutil.which("hey")
    if found or not install:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    progress("hey not found: installing the Debian package (apt-get install -y hey)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "-q", "hey"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    if subprocess.run(cmd, check=False, **quiet).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=False, **quiet)
        subprocess.run(cmd, check=False, **quiet)
    return shutil.which("hey")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_hey(
    hey: str, url: str, *, body_file: Path, key: str | None, concurrency: int, seconds: float
) -> dict:
    """Closed loop for `seconds` at `concurrency`; hey's summary parsed into figures."""
    cmd = [hey, "-z", f"{seconds}s", "-c", str(concurrency), "-t", "30", "-m", "POST"]
    cmd += ["-T", CONTENT_TYPE, "-D", str(body_file)]
    if key:
        cmd += ["-H", f"Authorization: Bearer {key}"]
    cpu0 = _children_cpu()
    done = subprocess.run([*cmd, url + PATH], capture_output=True, text=True, check=False)
    client_cpu = _children_cpu() - cpu0
    if done.returncode != 0:
        raise RuntimeError(f"hey failed ({done.returncode}): {done.stderr[-2000:]}")
    result = parse_hey(done.stdout)
    result["client"] = "hey"
    result["client_cpu_s"] = round(client_cpu, 2)
    return result


def parse_hey(text: str) -> dict:
    """Figures from hey's default summary output."""

    def number(label: str) -> float:
        m = re.search(rf"{re.escape(label)}:\s+([0-9.]+)", text)
        return float(m.group(1)) if m else 0.0

    pct = {int(p): float(s) for p, s in re.findall(r"(\d+)%+ in ([0-9.]+) secs", text)}
    statuses = Counter(
        {int(code): int(n) for code, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text)}
    )
    errors_part = text.split("Error distribution:", 1)[1] if "Error distribution:" in text else ""
    errors = sum(int(n) for n in re.findall(r"^\s*\[(\d+)\]", errors_part, re.M))
    seconds = number("Total")
    ok = statuses.get(201, 0)
    return {
        "seconds": seconds,
        "requests": sum(statuses.values()) + errors,
        "status": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors,
        "ok": ok,
        "ok_per_s": round(ok / seconds, 1) if seconds else 0.0,
        "p50_ms": round(pct.get(50, 0.0) * 1000, 2),
        "p90_ms": round(pct.get(90, 0.0) * 1000, 2),
        "p99_ms": round(pct.get(99, 0.0) * 1000, 2),
        "max_ms": round(number("Slowest") * 1000, 2),
    }


# -- raw HTTP/1.1 over asyncio --------------------------------------------------------------
def http_request(host: str, port: int, body: bytes, key: str | None) -> bytes:
    """The full bytes of one POST (keep-alive)."""
    head = [f"POST {PATH} HTTP/1.1", f"Host: {host}:{port}", f"Content-Type: {CONTENT_TYPE}"]
    if key:
        head.append(f"Authorization: Bearer {key}")
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _roundtrip(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bool]:
    """Send one request, read its response; (status, server keeps the connection)."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, keep = 0, True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
        elif name == b"transfer-encoding":
            raise RuntimeError("chunked responses are not expected from the camera API")
    if length:
        await reader.readexactly(length)
    return status, keep


def _closed_worker(
    host: str, port: int, request: bytes, conns: int, start_at: float, seconds: float, pipe
) -> None:
    """One client process: `conns` connections, each sending back-to-back until the end."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    latencies = array("d")
    statuses: Counter[int] = Counter()
    errors = 0

    async def connection() -> None:
        nonlocal errors
        reader = writer = None
        while time.time() < start_at + seconds:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                t0 = time.perf_counter()
                status, keep = await _roundtrip(reader, writer, request)
                latencies.append(time.perf_counter() - t0)
                statuses[status] += 1
                if not keep:
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                writer = None
                await asyncio.sleep(0.01)
        if writer is not None:
            writer.close()

    async def main() -> None:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        await asyncio.gather(*(connection() for _ in range(conns)))

    cpu0 = time.process_time()
    asyncio.run(main())
    pipe.send((latencies.tobytes(), dict(statuses), errors, time.process_time() - cpu0))
    pipe.close()


def run_python_closed(
    host: str,
    port: int,
    *,
    body: bytes,
    key: str | None,
    concurrency: int,
    seconds: float,
    processes: int,
) -> dict:
    """The closed loop from `processes` Python processes (fallback when hey is missing)."""
    ctx = multiprocessing.get_context("spawn")
    request = http_request(host, port, body, key)
    start_at = time.time() + 1.5  # every process connects at the same moment
    workers, pipes = [], []
    for i in range(processes):
        conns = concurrency // processes + (1 if i < concurrency % processes else 0)
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_closed_worker, args=(host, port, request, conns, start_at, seconds, child)
        )
        proc.start()
        workers.append(proc)
        pipes.append(parent)
    latencies = array("d")
    statuses: Counter[int] = Counter()
    errors, cpu = 0, 0.0
    try:
        for pipe in pipes:
            lat, st, err, used = pipe.recv()
            latencies.frombytes(lat)
            statuses.update(st)
            errors += err
            cpu += used
    finally:
        for proc in workers:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
    ok = statuses.get(201, 0)
    return {
        "client": f"python x{processes}",
        "seconds": seconds,
        "requests": sum(statuses.values()) + errors,
        "status": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors,
        "ok": ok,
        "ok_per_s": round(ok / seconds, 1),
        **latency_summary(latencies),
        "client_cpu_s": round(cpu, 2),
    }


# -- open loop ------------------------------------------------------------------------------
def run_open_loop(
    host: str,
    port: int,
    *,
    key: str,
    image: bytes,
    rate: float,
    requests: int,
    seed: int = 7,
) -> dict:
    """`requests` reads with Poisson arrivals at `rate`/s, each with its own event_id."""
    return asyncio.run(_open_loop(host, port, key, image, rate, requests, seed))


async def _open_loop(
    host: str, port: int, key: str, image: bytes, rate: float, requests: int, seed: int
) -> dict:
    rng = random.Random(seed)
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    lag = 0.0
    run_id = f"{os.getpid()}-{int(time.time())}"

    async def one(i: int, scheduled: float) -> None:
        nonlocal errors
        meta = metadata(event_id=f"bench-{run_id}-{i}", plate=f"SD{i % 97:02d}ABC")
        request = http_request(host, port, multipart_body(meta, image), key)
        for _attempt in range(2):  # a keep-alive connection the server just closed: once more
            reader = writer = None
            while idle:
                r, w, last = idle.pop()
                if time.perf_counter() - last < 4.0:  # uvicorn closes idle ones after 5 s
                    reader, writer = r, w
                    break
                w.close()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                status, keep = await _roundtrip(reader, writer, request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                writer.close() if writer is not None else None
                continue
            latencies.append(time.perf_counter() - scheduled)
            statuses[status] += 1
            if keep:
                idle.append((reader, writer, time.perf_counter()))
            else:
                writer.close()
            return
        errors += 1

    tasks = []
    start = time.perf_counter() + 0.2
    at = start
    for i in range(requests):
        at += rng.expovariate(rate)
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lag = max(lag, time.perf_counter() - at)
        tasks.append(asyncio.create_task(one(i, at)))
    await asyncio.gather(*tasks)
    for _, w, _ in idle:
        w.close()
    elapsed = time.perf_counter() - start
    return {
        "client": "python open loop (Poisson)",
        "rate_per_s": rate,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "status": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors,
        "ok": statuses.get(201, 0),
        **latency_summary(latencies),
        "max_schedule_lag_ms": round(lag * 1000, 2),
    }
