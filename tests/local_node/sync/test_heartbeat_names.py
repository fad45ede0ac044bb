"""The heartbeat names each camera, so the cloud can show and alert by name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from local_node.db import access
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.sync.heartbeat import camera_health

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def test_heartbeat_cameras_carry_their_names_and_skip_deleted_ones(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    upgrade(engine)
    kept = access.create_camera(engine, "north gate", NOW)
    gone = access.create_camera(engine, "old gate", NOW)
    access.delete_camera(engine, gone.id, NOW)
    with engine.connect() as conn:
        cameras = camera_health(conn, NOW, 60)
    assert [(c.camera_id, c.name) for c in cameras] == [(kept.id, "north gate")]
