"""A node killed with SIGKILL under camera load keeps every read it acknowledged.

Given a real node process and the camera simulator posting 20 kB JPEGs as fast as it answers,
when the node is SIGKILLed several times mid-load and restarted each time,
then every read that got a 201/200 is stored exactly once, its image on disk has the
recorded sha256, and no partial image file is left visible.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.slow
KILLS = 4


def start_node(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
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


def test_acknowledged_reads_survive_repeated_sigkill(tmp_path: Path):
    data_dir = tmp_path / "node"
    env = {
        **os.environ,
        "EDGESYNC_NODE_DATA_DIR": str(data_dir),
        "EDGESYNC_NODE_MIN_FREE_BYTES": "0",
    }
    out = subprocess.run(
        [sys.executable, "-m", "edgesync", "node", "add-camera", "gate-1", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = json.loads(out.stdout)["api_key"]
    port = free_port()
    log = tmp_path / "node.log"
    ack_log = tmp_path / "acks.jsonl"
    node = start_node(env, port, log)
    camera = subprocess.Popen(
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
            "4",
            "--max-rate",
            "--concurrency",
            "8",
            "--image-size",
            "20000",
            "--duplicate-share",
            "0.05",
            "--ack-log",
            str(ack_log),
            "--seed",
            "7",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "camera.log").open("wb"),
    )
    rng = random.Random(1)
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(1.0, 2.5))
            node.send_signal(signal.SIGKILL)
            node.wait(10)
            node = start_node(env, port, log)
        time.sleep(1.5)
    finally:
        camera.send_signal(signal.SIGINT)
        try:
            camera.wait(30)
        except subprocess.TimeoutExpired:
            camera.kill()
        node.send_signal(signal.SIGTERM)
        node.wait(30)

    acks = [json.loads(line) for line in ack_log.read_text().splitlines() if line.strip()]
    assert len(acks) > 200, "the load was too light to mean anything"
    db = sqlite3.connect(data_dir / "node.db")
    rows = {
        r[0]: r
        for r in db.execute(
            "SELECT id, event_id, image_path, image_sha256, camera_id FROM detections"
        )
    }
    by_event: dict[str, int] = {}
    for _, event_id, *_ in rows.values():
        by_event[event_id] = by_event.get(event_id, 0) + 1
    for ack in acks:
        row = rows.get(ack["id"])
        assert row is not None, f"acknowledged read {ack} is missing"
        assert row[1] == ack["event_id"]
        assert by_event[ack["event_id"]] == 1, f"{ack['event_id']} stored more than once"
        image = data_dir / "images" / row[2]
        assert hashlib.sha256(image.read_bytes()).hexdigest() == row[3]
    images_dir = data_dir / "images"
    assert not list(images_dir.rglob(".tmp-*")), "partial image files left visible"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    referenced = {r[2] for r in rows.values() if r[2]}
    on_disk = {p.relative_to(images_dir).as_posix() for p in images_dir.rglob("*") if p.is_file()}
    assert on_disk == referenced, "image files without a row (or rows without a file)"
