"""A node killed with SIGKILL under camera load keeps every read it acknowledged.

Given a real node process and the camera simulator posting 20 kB JPEGs as fast as it answers,
when the node is SIGKILLed several times mid-load and restarted each time,
then every read that got a 201/200 is stored exactly once, its image on disk has the
recorded sha256, and no partial image file is left visible.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from pathlib import Path

import pytest

from tests.faults.conftest import acked_rows, crash_run

pytestmark = pytest.mark.slow
KILLS = 4


def test_acknowledged_reads_survive_repeated_sigkill(tmp_path: Path):
    run = crash_run(tmp_path)
    data_dir = run.data_dir
    acks = run.load_and_kill(kills=KILLS, rng=random.Random(1))

    assert len(acks) > 200, "the load was too light to mean anything"
    db = sqlite3.connect(data_dir / "node.db")
    rows = {
        r[0]: r
        for r in db.execute(
            "SELECT id, event_id, image_path, image_sha256, camera_id FROM detections"
        )
    }
    for row in acked_rows(acks, rows):
        image = data_dir / "images" / row[2]
        assert hashlib.sha256(image.read_bytes()).hexdigest() == row[3]
    images_dir = data_dir / "images"
    assert not list(images_dir.rglob(".tmp-*")), "partial image files left visible"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    referenced = {r[2] for r in rows.values() if r[2]}
    on_disk = {p.relative_to(images_dir).as_posix() for p in images_dir.rglob("*") if p.is_file()}
    assert on_disk == referenced, "image files without a row (or rows without a file)"
