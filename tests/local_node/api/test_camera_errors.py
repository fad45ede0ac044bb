"""What a camera does wrong is counted per camera and reason, over real HTTP to the node."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx

from local_node.db import access, camera_errors
from local_node.ingest.camera_errors import CameraErrors
from tests.local_node.conftest import RunningNode, make_jpeg, now_rfc3339


def counts(node: RunningNode) -> dict[str, dict[str, int]]:
    """What the database holds for the last hour, once the pending counts are written."""
    node.services.camera_errors.flush()
    with node.services.engine.connect() as conn:
        return camera_errors.window_counts(conn, node.clock())


def read(plate: str = "AB12CDE", **extra: object) -> dict:
    return {"plate": plate, "captured_at": now_rfc3339(), **extra}


def test_invalid_metadata_counts_as_invalid_for_its_camera(node: RunningNode) -> None:
    with node.camera() as cam:
        assert cam.post("/api/v1/detections", json={"plate": "AB12CDE"}).status_code == 422
        assert cam.post("/api/v1/detections", json=read(camera_id="other")).status_code == 422
    assert counts(node) == {node.camera_id: {"invalid": 2}}


def test_an_oversized_body_counts_as_too_large(node_factory) -> None:
    node = node_factory(max_body_bytes=2048)
    with node.camera() as cam:
        big = read(event_id="x" * 100, region="r" * 60) | {"padding": "p" * 4000}
        assert cam.post("/api/v1/detections", json=big).status_code == 413
    assert counts(node) == {node.camera_id: {"too_large": 1}}


def test_an_image_that_is_not_an_image_counts_as_bad_image(node: RunningNode) -> None:
    with node.camera() as cam:
        response = cam.post(
            "/api/v1/detections",
            files={
                "metadata": (None, json.dumps(read())),
                "image": ("a.jpg", b"<html>not a jpeg</html>", "image/jpeg"),
            },
        )
    assert response.status_code == 415
    assert counts(node) == {node.camera_id: {"bad_image": 1}}


def test_a_disabled_cameras_key_counts_against_that_camera(node: RunningNode) -> None:
    access.set_camera_disabled(node.services.engine, node.camera_id, True)
    with node.camera() as cam:
        assert cam.post("/api/v1/detections", json=read()).status_code == 401
    assert counts(node) == {node.camera_id: {"camera_disabled": 1}}


def test_a_missing_or_unknown_key_counts_for_no_camera(node: RunningNode) -> None:
    with httpx.Client(base_url=node.url) as anonymous:
        assert anonymous.post("/api/v1/detections", json=read()).status_code == 401
        # A claimed camera id in an unauthenticated post names nothing: no row per made-up id.
        forged = {"Authorization": "Bearer cam_not-a-real-key"}
        for i in range(5):
            response = anonymous.post(
                "/api/v1/detections", json=read(camera_id=f"made-up-{i}"), headers=forged
            )
            assert response.status_code == 401
    assert counts(node) == {camera_errors.UNNAMED: {"unauthenticated": 6}}


def test_vendor_posts_are_counted_too(node: RunningNode) -> None:
    with node.camera() as cam:
        response = cam.post("/api/v1/ingest/platerecognizer", json={"data": {"results": "no"}})
    assert response.status_code == 422
    assert counts(node) == {node.camera_id: {"invalid": 1}}


def test_a_read_from_a_skewed_camera_clock_is_stored_and_counted_once(node: RunningNode) -> None:
    late = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    on_time = read("ZZ0001")
    with node.camera() as cam:
        skewed = {"plate": "AB12CDE", "captured_at": late, "event_id": "e-1"}
        assert cam.post("/api/v1/detections", json=skewed).status_code == 201
        assert cam.post("/api/v1/detections", json=skewed).status_code == 200  # a repeat
        assert cam.post("/api/v1/detections", json=on_time).status_code == 201
    assert counts(node) == {node.camera_id: {"clock_skew": 1}}


def test_good_reads_count_nothing(node: RunningNode) -> None:
    with node.camera() as cam:
        response = cam.post(
            "/api/v1/detections",
            files={
                "metadata": (None, json.dumps(read())),
                "image": ("a.jpg", make_jpeg(), "image/jpeg"),
            },
        )
    assert response.status_code == 201
    assert counts(node) == {}


def test_counts_reach_the_database_within_a_second_without_a_flush(node: RunningNode) -> None:
    with node.camera() as cam:
        assert cam.post("/api/v1/detections", json={"plate": "X"}).status_code == 422
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with node.services.engine.connect() as conn:
            if camera_errors.window_counts(conn, node.clock()):
                break
        time.sleep(0.05)
    with node.services.engine.connect() as conn:
        assert camera_errors.window_counts(conn, node.clock()) == {node.camera_id: {"invalid": 1}}


def test_another_process_reads_the_counts_from_the_database(node: RunningNode) -> None:
    with node.camera() as cam:
        cam.post("/api/v1/detections", json={"plate": "X"})
    node.services.camera_errors.flush()
    script = (
        "import json, sys; from datetime import datetime;"
        "from local_node.db.engine import make_engine;"
        "from local_node.db.camera_errors import window_counts;"
        "engine = make_engine(sys.argv[1]);"
        "conn = engine.connect();"
        "print(json.dumps(window_counts(conn, datetime.fromisoformat(sys.argv[2]))))"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            node.settings.resolved_database_url,
            node.clock().isoformat(),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout) == {node.camera_id: {"invalid": 1}}


def test_counts_leave_the_window_after_an_hour_and_are_then_deleted(node: RunningNode) -> None:
    with node.camera() as cam:
        cam.post("/api/v1/detections", json={"plate": "X"})
    assert counts(node) == {node.camera_id: {"invalid": 1}}
    node.clock.advance(seconds=camera_errors.WINDOW_S + camera_errors.SLOT_S)
    assert counts(node) == {}
    with node.camera() as cam:
        cam.post("/api/v1/detections", json={"plate": "Y"})
    assert counts(node) == {node.camera_id: {"invalid": 1}}
    with node.services.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM camera_error_counts").scalar_one()
    assert rows == 1  # the old slot was deleted when the new count was written


def test_counts_not_written_yet_are_written_on_close(tmp_path) -> None:
    from local_node.db.engine import make_engine
    from local_node.db.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    upgrade(engine)
    now = datetime.now(UTC)
    errors = CameraErrors(engine, lambda: now, skew_limit_s=120, flush_after_s=3600)
    errors.note("cam-1", "invalid")
    errors.close()
    with engine.connect() as conn:
        assert camera_errors.window_counts(conn, now) == {"cam-1": {"invalid": 1}}
