"""The vendor endpoints keep every event they acknowledged across SIGKILLs, like the native one.

Given a real node and events of every vendor endpoint posted concurrently — Plate Recognizer
(multipart with image), OpenALPR (JSON with a base64 crop), Survision and Genetec (JSON with a
base64 image), Verkada (JSON, no image), Hikvision and Axis (multipart XML/JSON with pictures) —
with retries of the same event on connection errors,
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
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.faults.conftest import start_node

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


def survision_event(n: int) -> dict:
    push = json.loads((PAYLOADS / "survision/anpr_push.json").read_text())
    push["anpr"]["@date"] = str(int(time.time() * 1000) - n)
    push["anpr"]["@id"] = str(n)
    push["anpr"]["decision"]["@plate"] = f"SV{n:05d}"
    push["anpr"]["decision"]["jpeg"] = base64.b64encode(JPEG).decode()
    return push


def genetec_event(n: int) -> dict:
    read = json.loads((PAYLOADS / "genetec/security_center_read.json").read_text())
    now = datetime.now(UTC)
    read["VehicleID"] = str(uuid.uuid4())
    read["Plate"] = f"GN{n:05d}"
    read["DateUtc"], read["TimeUtc"] = now.strftime("%m/%d/%Y"), now.strftime("%H:%M:%S")
    read["ContextImage"] = base64.b64encode(JPEG).decode()
    return read


def verkada_event(n: int) -> dict:
    hook = json.loads((PAYLOADS / "verkada/lpr_2025_09.json").read_text())
    hook["data"]["license_plate_number"] = f"VK{n:05d}"
    hook["data"]["created"] = int(time.time()) - n % 1000
    return hook


def hikvision_alarm(n: int) -> bytes:
    alarm = (PAYLOADS / "hikvision/anpr_detection_picture_2024.xml").read_text()
    when = datetime.now(UTC).isoformat(timespec="seconds")
    alarm = alarm.replace("2024-01-19T11:17:19+08:00", when)
    alarm = alarm.replace("<licensePlate>ABCD600<", f"<licensePlate>HK{n:05d}<")
    start = alarm.index("<UUID>") + len("<UUID>")
    return (alarm[:start] + uuid.uuid4().hex + alarm[alarm.index("</UUID>") :]).encode()


def axis_push(n: int) -> dict:
    event = json.loads((PAYLOADS / "axis/lost_p1445_2021.json").read_text())
    event["capture_timestamp"] = str(int(time.time() * 1000) - n % 1000)
    event["plateText"] = event["plateUnicode"] = event["plateUTF8"] = f"AX{n:05d}"
    event["plateASCII"] = event["plateText"]
    event["carID"] = str(n)
    return event


JPEG = (PAYLOADS / "platerecognizer/upload.jpg").read_bytes()


def sender(client: httpx.Client, n: int) -> tuple[Callable[[], httpx.Response], bool]:
    """A function posting vendor event ``n`` (the same event each call), and if it has an image."""
    kind = n % 7
    if kind == 0:
        event, image = pr_event(n)
        files = {"json": (None, json.dumps(event)), "upload": ("a.jpg", image, "image/jpeg")}
        return lambda: client.post("/api/v1/ingest/platerecognizer", files=files), True
    if kind == 1:
        group = alpr_event(n)
        return lambda: client.post("/api/v1/ingest/openalpr", json=group), True
    if kind == 2:
        push = survision_event(n)
        headers = {"survision-serial-number": "SN-1"}
        return lambda: client.post("/api/v1/ingest/survision", json=push, headers=headers), True
    if kind == 3:
        read = genetec_event(n)
        return lambda: client.post("/api/v1/ingest/genetec", json=read), True
    if kind == 4:
        alarm = hikvision_alarm(n)
        parts = [
            ("anpr.xml", ("anpr.xml", alarm, "application/xml")),
            ("detectionPicture.jpg", ("detectionPicture.jpg", JPEG, "image/jpeg")),
        ]
        return lambda: client.post("/api/v1/ingest/hikvision", files=parts), True
    if kind == 5:
        push = axis_push(n)
        parts = [
            ("event", ("event.json", json.dumps(push).encode(), "application/json")),
            ("image", ("image.jpg", JPEG, "image/jpeg")),
        ]
        return lambda: client.post("/api/v1/ingest/axis", files=parts), True
    hook = verkada_event(n)
    return lambda: client.post("/api/v1/ingest/verkada", json=hook), False


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
    acked: list[tuple[dict, bool]] = []
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
            send, has_image = sender(client, n)
            for _ in range(50):  # the same event again until it is acknowledged
                try:
                    r = send()
                except httpx.TransportError:
                    time.sleep(0.1)
                    continue
                if r.status_code in (200, 201):
                    with lock:
                        acked.extend((d, has_image) for d in r.json()["detections"])
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
    for answer, has_image in acked:
        row = rows.get(answer["id"])
        assert row is not None, f"acknowledged {answer} is missing"
        assert bool(row[2]) == has_image, f"{answer}: image {row[2]!r}, expected one: {has_image}"
        if has_image:
            image = data_dir / "images" / row[2]
            assert hashlib.sha256(image.read_bytes()).hexdigest() == row[3]
    stored_vendors = {(r[1] or "").split(":")[0] for r in rows.values()}
    expected = {"pr", "survision", "genetec", "verkada", "hikvision", "axis"}
    assert expected <= stored_vendors, stored_vendors
    assert not list((data_dir / "images").rglob(".tmp-*"))
    # An OpenALPR crop is stored as sent (base64 decoded).
    crop = base64.b64decode(alpr_event(0)["best_plate"]["plate_crop_jpeg"])
    assert any((data_dir / "images" / r[2]).read_bytes() == crop for r in rows.values() if r[2])
