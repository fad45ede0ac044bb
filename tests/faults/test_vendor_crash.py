"""The vendor endpoints keep every event they acknowledged across SIGKILLs, like the native one.

Given a real node and Plate Recognizer (multipart with image) and OpenALPR (JSON with a base64
crop) events posted concurrently, with retries of the same event on connection errors,
when the node is SIGKILLed several times and restarted,
then every acknowledged event's detections are stored exactly once with intact images.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.faults.test_node_crash import start_node

pytestmark = pytest.mark.slow
PAYLOADS = Path(__file__).parents[1] / "local_node/ingest/vendors/payloads"


def pr_event(n: int) -> tuple[dict, bytes]:
    event = json.loads((PAYLOADS / "platerecognizer/stream_recognition_2021.json").read_text())
    when = datetime.now(UTC) - timedelta(seconds=n)
    event["data"]["timestamp"] = when.isoformat()
    for i, result in enumerate(event["data"]["results"]):
        result["plate"] = f"pr{n:05d}{i}"
    return event, (PAYLOADS / "platerecognizer/upload.jpg").read_bytes()


def alpr_event(n: int) -> dict:
    group = copy.deepcopy(json.loads((PAYLOADS / "openalpr/alpr_group.json").read_text()))
    group["best_uuid"] = str(uuid.uuid4())
    group["best_plate_number"] = f"AL{n:05d}"
    group["epoch_start"] = int(time.time() * 1000)
    group["epoch_end"] = group["epoch_start"] + 500
    return group


def test_vendor_events_survive_repeated_sigkill(tmp_path: Path):
    data_dir = tmp_path / "node"
    env = {
        **os.environ,
        "EDGESYNC_NODE_DATA_DIR": str(data_dir),
        "EDGESYNC_NODE_MIN_FREE_BYTES": "0",
        "EDGESYNC_NODE_SYNC_AGENT": "false",
    }
    key = json.loads(
        subprocess.run(
            [sys.executable, "-m", "edgesync", "node", "add-camera", "lane-1", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["api_key"]
    port = free_port()
    log = tmp_path / "node.log"
    node = start_node(env, port, log)
    acked: list[dict] = []
    lock = threading.Lock()
    stop = threading.Event()

    def worker(worker_id: int) -> None:
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            timeout=10,
            headers={"Authorization": f"Bearer {key}"},
        )
        n = worker_id * 100_000
        while not stop.is_set():
            n += 1
            if n % 2:
                event, image = pr_event(n)
                send = lambda e=event, i=image: client.post(  # noqa: E731
                    "/api/v1/ingest/platerecognizer",
                    files={"json": (None, json.dumps(e)), "upload": ("a.jpg", i, "image/jpeg")},
                )
            else:
                group = alpr_event(n)
                send = lambda g=group: client.post("/api/v1/ingest/openalpr", json=g)  # noqa: E731
            for _ in range(50):  # the same event again until it is acknowledged
                try:
                    r = send()
                except httpx.TransportError:
                    time.sleep(0.1)
                    continue
                if r.status_code in (200, 201):
                    with lock:
                        acked.extend(r.json()["detections"])
                    break
                assert r.status_code == 503, r.text
                time.sleep(0.1)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    try:
        for _ in range(3):
            time.sleep(1.5)
            node.send_signal(signal.SIGKILL)
            node.wait(10)
            node = start_node(env, port, log)
        time.sleep(1)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
        node.send_signal(signal.SIGTERM)
        node.wait(30)

    assert len(acked) > 100
    db = sqlite3.connect(data_dir / "node.db")
    rows = {
        r[0]: r for r in db.execute("SELECT id, event_id, image_path, image_sha256 FROM detections")
    }
    events = [r[1] for r in rows.values()]
    assert len(events) == len(set(events)), "an event stored twice"
    for answer in acked:
        row = rows.get(answer["id"])
        assert row is not None, f"acknowledged {answer} is missing"
        image = data_dir / "images" / row[2]
        assert hashlib.sha256(image.read_bytes()).hexdigest() == row[3]
    assert not list((data_dir / "images").rglob(".tmp-*"))
    # An OpenALPR crop is stored as sent (base64 decoded).
    crop = base64.b64decode(alpr_event(0)["best_plate"]["plate_crop_jpeg"])
    assert any((data_dir / "images" / r[2]).read_bytes() == crop for r in rows.values() if r[2])
