"""Helpers of the crash tests: a real node process, simulated cameras posting at it, SIGKILLs.

Plain functions (imported by the tests) rather than fixtures: each test decides its node's
environment (data dir, image store) and when to kill it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import free_port


def start_node(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """`edgesync node serve` on `port`, returned once /healthz answers 200."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "edgesync", "node", "serve", "--port", str(port)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("node did not come up: " + log.read_text()[-2000:])


def add_camera(env: dict[str, str], name: str = "gate-1") -> str:
    """A new camera of the node in `env`; its API key."""
    out = subprocess.run(
        [sys.executable, "-m", "edgesync", "node", "add-camera", name, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return str(json.loads(out.stdout)["api_key"])


def start_cameras(
    env: dict[str, str],
    port: int,
    key: str,
    ack_log: Path,
    stderr_log: Path,
    *,
    cameras: int = 4,
    concurrency: int = 8,
    image_size: int = 20_000,
) -> subprocess.Popen:
    """The camera simulator posting as fast as the node answers, retrying on errors, and
    logging every acknowledged read (201/200) to `ack_log` (JSONL)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edgesync",
            "camera",
            "simulate",
            "--node",
            f"http://127.0.0.1:{port}",
            "--key",
            key,
            "--cameras",
            str(cameras),
            "--max-rate",
            "--concurrency",
            str(concurrency),
            "--image-size",
            str(image_size),
            "--duplicate-share",
            "0.05",
            "--ack-log",
            str(ack_log),
            "--seed",
            "7",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr_log.open("wb"),
    )


def kill_repeatedly(
    node: subprocess.Popen,
    restart: Callable[[], subprocess.Popen],
    *,
    kills: int,
    rng: random.Random,
    after: Callable[[], None] = lambda: None,
) -> subprocess.Popen:
    """SIGKILL the node `kills` times, 1-2.5 s into each life, restarting it each time.

    `after()` runs once each killed process is gone, before the restart (to look at what
    the crash left). Returns the last node, running.
    """
    for _ in range(kills):
        time.sleep(rng.uniform(1.0, 2.5))
        node.send_signal(signal.SIGKILL)
        node.wait(10)
        after()
        node = restart()
    return node


def stop_load(camera: subprocess.Popen, node: subprocess.Popen) -> None:
    """Stop the cameras (they finish their requests in flight), then the node gracefully."""
    camera.send_signal(signal.SIGINT)
    try:
        camera.wait(30)
    except subprocess.TimeoutExpired:
        camera.kill()
    node.send_signal(signal.SIGTERM)
    node.wait(30)


def read_acks(ack_log: Path) -> list[dict]:
    """Every acknowledged read the simulator logged."""
    return [json.loads(line) for line in ack_log.read_text().splitlines() if line.strip()]


@dataclass(frozen=True)
class CrashRun:
    """One crash test's node: its environment, camera key, port and logs under `tmp_path`."""

    data_dir: Path
    env: dict[str, str]
    key: str
    port: int
    log: Path
    ack_log: Path

    def start_node(self) -> subprocess.Popen:
        """The node, (re)started on the run's port, once /healthz answers."""
        return start_node(self.env, self.port, self.log)

    def load_and_kill(
        self,
        *,
        kills: int,
        rng: random.Random,
        after: Callable[[], None] = lambda: None,
        **camera_options: Any,
    ) -> list[dict]:
        """Start the node and the cameras, SIGKILL and restart the node `kills` times under
        load, let the last one run a moment, stop everything; the acknowledged reads."""
        node = self.start_node()
        camera = start_cameras(
            self.env, self.port, self.key, self.ack_log, self.log.parent / "camera.log",
            **camera_options,
        )  # fmt: skip
        try:
            node = kill_repeatedly(node, self.start_node, kills=kills, rng=rng, after=after)
            time.sleep(1.5)
        finally:
            stop_load(camera, node)
        return read_acks(self.ack_log)


def crash_run(tmp_path: Path, extra_env: Mapping[str, str] = {}) -> CrashRun:
    """A node's data dir under `tmp_path` (no free-space floor, `extra_env` on top of this
    process's environment), with one camera added and a free port to serve on."""
    data_dir = tmp_path / "node"
    env = {
        **os.environ,
        "EDGESYNC_NODE_DATA_DIR": str(data_dir),
        "EDGESYNC_NODE_MIN_FREE_BYTES": "0",
        **extra_env,
    }
    return CrashRun(
        data_dir=data_dir,
        env=env,
        key=add_camera(env),
        port=free_port(),
        log=tmp_path / "node.log",
        ack_log=tmp_path / "acks.jsonl",
    )


def acked_rows(acks: Iterable[dict], rows: Mapping[str, Sequence]) -> list[Sequence]:
    """The row of each acknowledged read, checked to exist with the read's event id and to be
    the only row of that event (rows by id; a row's second column is its event id)."""
    by_event: dict[str, int] = {}
    for _, event_id, *_ in rows.values():
        by_event[event_id] = by_event.get(event_id, 0) + 1
    out = []
    for ack in acks:
        row = rows.get(ack["id"])
        assert row is not None, f"acknowledged read {ack} is missing"
        assert row[1] == ack["event_id"]
        assert by_event[ack["event_id"]] == 1, f"{ack['event_id']} stored more than once"
        out.append(row)
    return out
