"""`edgesync node ...` commands: JSON output for scripts, clear errors, export, maintenance."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgesync.cli import main
from local_node.db.engine import make_engine
from local_node.images.store import FileImageStore
from local_node.ingest.models import DetectionIn
from local_node.ingest.writer import IngestWriter


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"EDGESYNC_NODE_DATA_DIR": str(tmp_path / "node")}


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_add_camera_json_prints_exactly_one_object(env):
    code, out, _ = run(env, "node", "add-camera", "gate-1", "--json")
    assert code == 0
    body = json.loads(out)
    assert set(body) == {"camera_id", "api_key"} and body["api_key"].startswith("esc_")


def test_add_camera_twice_fails_with_a_message(env):
    run(env, "node", "add-camera", "gate-1")
    code, _, err = run(env, "node", "add-camera", "gate-1")
    assert code != 0 and "exists already" in err


@pytest.mark.parametrize("name", ["../etc", "a/b", "", "x" * 65])
def test_path_like_camera_names_are_refused(env, name):
    code, _, err = run(env, "node", "add-camera", name)
    assert code != 0 and "NAME" in err


def test_create_token_json(env):
    code, out, _ = run(env, "node", "create-token", "--role", "viewer", "--json")
    assert code == 0 and json.loads(out)["token"].startswith("est_")


def test_keys_are_stored_only_as_digests(env, tmp_path: Path):
    _, out, _ = run(env, "node", "add-camera", "gate-1", "--json")
    key = json.loads(out)["api_key"]
    raw = (tmp_path / "node" / "node.db").read_bytes()
    assert key.encode() not in raw


def test_help_lists_the_environment_variables(env):
    _, out, _ = run(env, "node", "serve", "--help")
    assert "EDGESYNC_NODE_DATA_DIR" in out and "EDGESYNC_NODE_PORT" in out


def _stock(tmp_path: Path, n: int, plate: str = "AB{i:03d}CD") -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'node' / 'node.db'}")
    from local_node.db import repo

    camera = repo.create_camera(engine, "cam", datetime.now(UTC))
    writer = IngestWriter(
        engine=engine,
        images=FileImageStore(tmp_path / "node" / "images"),
        clock=lambda: datetime.now(UTC),
    )
    writer.start()
    futures = [
        writer.submit(
            camera_id=camera.id,
            detection=DetectionIn(plate=plate.format(i=i), captured_at=datetime.now(UTC)),
            image=None,
            image_kind=None,
        )
        for i in range(n)
    ]
    for f in futures:
        f.result(10)
    writer.stop()
    engine.dispose()


def test_export_jsonl_streams_every_detection(env, tmp_path: Path):
    run(env, "node", "create-token", "--role", "viewer")  # creates and migrates the database
    _stock(tmp_path, 25)
    code, out, err = run(env, "node", "export", "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 25 and "exported 25" in err
    assert [r["seq"] for r in lines] == list(range(1, 26))


def test_export_csv_to_a_file_with_a_time_range(env, tmp_path: Path):
    run(env, "node", "create-token", "--role", "viewer")
    _stock(tmp_path, 5)
    out_file = tmp_path / "out.csv"
    code, _, _ = run(
        env,
        "node",
        "export",
        "--format",
        "csv",
        "--out",
        str(out_file),
        "--since",
        "2000-01-01T00:00:00Z",
    )
    rows = list(csv.DictReader(io.StringIO(out_file.read_text())))
    assert code == 0 and len(rows) == 5 and rows[0]["plate_norm"] == "AB000CD"
    code, _, err = run(env, "node", "export", "--until", "2000-01-01T00:00:00Z")
    assert "exported 0" in err


def test_export_csv_defuses_plate_text_a_spreadsheet_would_run(env, tmp_path: Path):
    run(env, "node", "create-token", "--role", "viewer")
    _stock(tmp_path, 1, plate="=1+AB{i}")
    out_file = tmp_path / "out.csv"
    code, _, _ = run(env, "node", "export", "--format", "csv", "--out", str(out_file))
    rows = list(csv.DictReader(io.StringIO(out_file.read_text())))
    assert code == 0 and rows[0]["plate"] == "'=1+AB0"


def test_db_check_reports_a_healthy_database(env):
    run(env, "node", "create-token", "--role", "viewer")
    code, out, _ = run(env, "node", "db", "check")
    assert code == 0 and out.strip() == "ok"


def test_db_sizes_lists_tables_with_rows(env, tmp_path: Path):
    run(env, "node", "create-token", "--role", "viewer")
    _stock(tmp_path, 3)
    code, out, _ = run(env, "node", "db", "sizes", "--json")
    sizes = {row["name"]: row for row in json.loads(out)}
    assert code == 0 and sizes["detections"]["rows"] == 3 and sizes["detections"]["bytes"] > 0


def test_db_optimize_runs(env):
    run(env, "node", "create-token", "--role", "viewer")
    code, out, _ = run(env, "node", "db", "optimize", "--vacuum")
    assert code == 0 and "database file" in out


def test_db_commands_on_a_missing_database_fail_clearly(env):
    code, _, err = run(env, "node", "db", "check")
    assert code != 0 and "no database" in err


def _stock_images(tmp_path: Path, n: int) -> list[tuple[str, Path]]:
    """`n` reads with an image each, as the writer stores them: (read id, image file)."""
    from local_node.db import repo

    engine = make_engine(f"sqlite:///{tmp_path / 'node' / 'node.db'}")
    images = FileImageStore(tmp_path / "node" / "images")
    camera = repo.create_camera(engine, "cam", datetime.now(UTC))
    writer = IngestWriter(engine=engine, images=images, clock=lambda: datetime.now(UTC))
    writer.start()
    futures = [
        writer.submit(
            camera_id=camera.id,
            detection=DetectionIn(plate=f"AB{i:03d}CD", captured_at=datetime.now(UTC)),
            image=b"\xff\xd8\xff\xe0" + bytes([i]) * 1000,
            image_kind="jpeg",
        )
        for i in range(n)
    ]
    ids = [f.result(10).id for f in futures]
    writer.stop()
    out = []
    for read_id in ids:
        found = repo.get_detection(engine, read_id)
        assert found is not None and found[0].image_path is not None
        out.append((read_id, images.path_of(found[0].image_path)))
    engine.dispose()
    return out


def test_db_check_images_passes_when_every_image_is_intact(env, tmp_path: Path):
    run(env, "node", "create-token", "--role", "viewer")
    _stock_images(tmp_path, 3)
    code, out, err = run(env, "node", "db", "check", "--images")
    assert code == 0 and "3 checked, 0 damaged" in out and "checked 3/3 images" in err


def test_db_check_images_lists_the_damaged_reads_and_fails(env, tmp_path: Path):
    run(env, "node", "create-token", "--role", "viewer")
    stored = _stock_images(tmp_path, 4)
    (emptied, emptied_file), (removed, removed_file) = stored[0], stored[2]
    emptied_file.write_bytes(b"")
    removed_file.unlink()
    code, out, _ = run(env, "node", "db", "check", "--images", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["images"]["checked"] == 4
    damaged = {d["detection_id"]: d for d in report["images"]["damaged"]}
    assert set(damaged) == {emptied, removed}
    assert damaged[emptied]["problem"] == "size" and damaged[emptied]["found_bytes"] == 0
    assert damaged[removed]["problem"] == "missing"


def test_db_check_images_becomes_the_check_the_status_shows(env, tmp_path: Path):
    from local_node.images.integrity import ImageHealth

    run(env, "node", "create-token", "--role", "viewer")
    (read_id, path), *_ = _stock_images(tmp_path, 2)
    path.write_bytes(b"")
    run(env, "node", "db", "check", "--images")
    last = ImageHealth(tmp_path / "node").last_check()
    assert last is not None and last["scope"] == "all" and last["damaged"] == 1
    assert [d["detection_id"] for d in last["sample"]] == [read_id]
