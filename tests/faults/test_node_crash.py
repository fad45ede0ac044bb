"""A node killed with SIGKILL under camera load keeps every read it acknowledged.

Given a real node process and the camera simulator posting 20 kB JPEGs as fast as it answers,
when the node is SIGKILLed several times mid-load and restarted each time,
then every read that got a 201/200 is stored exactly once, its image on disk has the
recorded sha256, and no partial image file is left visible.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.faults.conftest import (
    add_camera,
    kill_repeatedly,
    read_acks,
    start_cameras,
    start_node,
    stop_load,
)

pytestmark = pytest.mark.slow
KILLS = 4


def test_acknowledged_reads_survive_repeated_sigkill(tmp_path: Path):
    data_dir = tmp_path / "node"
    env = {
        **os.environ,
        "EDGESYNC_NODE_DATA_DIR": str(data_dir),
        "EDGESYNC_NODE_MIN_FREE_BYTES": "0",
    }
    key = add_camera(env)
    port = free_port()
    log = tmp_path / "node.log"
    ack_log = tmp_path / "acks.jsonl"
    node = start_node(env, port, log)
    camera = start_cameras(env, port, key, ack_log, tmp_path / "camera.log")
    try:
        node = kill_repeatedly(
            node, lambda: start_node(env, port, log), kills=KILLS, rng=random.Random(1)
        )
        time.sleep(1.5)
    finally:
        stop_load(camera, node)

    acks = read_acks(ack_log)
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
