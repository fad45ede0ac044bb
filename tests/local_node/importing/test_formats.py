"""The formats `node import` reads: told apart by their first line, mapped column by column.

Sample layouts: see conftest.py (Plate Recognizer's published sample line; the node's own
export made by the real `node export`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from edgesync.cli import main
from local_node.db.tables import Detection
from local_node.export import COLUMNS
from local_node.importing import formats
from local_node.importing.store import _sqlite_time, id_maker
from local_node.importing.values import LineError, TimeWindow
from sync_protocol.detections import detection_uuid
from tests.local_node.conftest import RunningNode
from tests.local_node.importing.conftest import PR_HEADER, pr_file, pr_line


@pytest.mark.parametrize(
    ("first_line", "expected"),
    [
        (",".join(COLUMNS), formats.NODE_CSV),
        ('{"id":"x","seq":1}', formats.NODE_JSONL),
        (PR_HEADER, formats.PLATERECOGNIZER_CSV),
        ("\ufeff" + PR_HEADER, formats.PLATERECOGNIZER_CSV),
    ],
)
def test_the_format_is_told_from_the_first_line(first_line, expected):
    assert formats.detect(first_line) == expected


def test_an_unknown_header_names_what_it_expected():
    with pytest.raises(formats.UnknownFormat, match="--format"):
        formats.detect("plate,when,where")


def test_a_stream_line_maps_as_the_webhook_does(import_file, node_db):
    result = import_file(pr_file(pr_line()))
    assert result.exit_code == 0, result.stderr
    [row] = node_db.rows(
        "SELECT plate, plate_norm, confidence, source_camera, region, direction, bbox, "
        "vehicle_type, vehicle_make, vehicle_model, vehicle_color, imported_from, event_id "
        "FROM detections"
    )
    assert row[:-1] == (
        "SJUBI1", "SJUBI1", 0.781, "camera-1", None, None, "[847, 80, 97, 25]",
        "Big Truck", "Volkswagen", "Golf", "white", "platerecognizer-csv",
    )  # fmt: skip
    assert row[-1].startswith("pr:")


def test_stream_percent_scores_become_fractions(import_file, node_db):
    result = import_file(pr_file(pr_line(score="87")))
    assert result.exit_code == 0, result.stderr
    assert node_db.scalar("SELECT confidence FROM detections") == pytest.approx(0.87)


def test_each_stream_camera_gets_its_own_import_camera(import_file, node_db):
    lines = [pr_line("aa11aaa", camera="gate-in"), pr_line("bb22bbb", camera="gate-out")]
    import_file(pr_file(*lines))
    names = node_db.rows("SELECT name, disabled FROM cameras ORDER BY name")
    assert names == [("imported:gate-in", True), ("imported:gate-out", True)]


def _export(node: RunningNode, fmt: str) -> str:
    args = ["node", "export", "--format", fmt, "--database-url"]
    args += [node.settings.resolved_database_url, "--data-dir", str(node.settings.data_dir)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_node_export_imports_with_its_values(node_factory, import_file, node_db, fmt):
    # The exporting node shares the test's database: its own reads stay apart (their camera),
    # and the imported copies are the rows with imported_from.
    source = node_factory()
    with source.camera() as cam:
        r = cam.post(
            "/api/v1/detections",
            json={
                "plate": "=AB12 CDE",  # defused by the CSV export, restored by the import
                "captured_at": "2026-12-01T08:00:00Z",
                "confidence": 0.91,
                "bbox": [10, 20, 120, 30],
                "region": "gb",
                "vehicle": {"type": "car", "color": "blue"},
            },
        )
    assert r.status_code == 201, r.text
    exported = _export(source, fmt)
    original = json.loads(_export(source, "jsonl"))

    result = import_file(exported, name=f"export.{fmt}")

    assert result.exit_code == 0, result.stderr
    [row] = node_db.rows(
        "SELECT d.event_id, d.plate, d.plate_norm, d.confidence, d.bbox, d.region, "
        "d.vehicle_type, d.vehicle_color, d.imported_from, c.name FROM detections d "
        "JOIN cameras c ON c.id = d.camera_id WHERE d.imported_from IS NOT NULL"
    )
    assert row == (
        original["id"], "=AB12 CDE", "AB12CDE", 0.91, "[10, 20, 120, 30]", "gb", "car", "blue",
        f"node-{fmt}", f"imported:{original['camera_id']}",
    )  # fmt: skip
    with node_db.engine.connect() as conn:
        times = conn.execute(
            select(Detection.captured_at, Detection.received_at).where(
                Detection.imported_from.is_not(None)
            )
        ).one()
    assert [t.isoformat() for t in times] == [original["captured_at"], original["received_at"]]


def test_naive_times_are_read_in_the_given_zone():
    times = TimeWindow(datetime(2026, 12, 5, tzinfo=UTC), zone=ZoneInfo("Europe/Paris"))
    assert times.parse("2026-12-01 09:00:00", "t") == datetime(2026, 12, 1, 8, tzinfo=UTC)


def test_an_implausible_time_is_a_line_error_naming_the_column():
    times = TimeWindow(datetime(2026, 12, 5, tzinfo=UTC))
    with pytest.raises(LineError) as caught:
        times.parse("2040-01-01T00:00:00Z", "captured_at")
    assert caught.value.field == "captured_at" and "future" in caught.value.reason


def test_fast_ids_are_the_derived_detection_ids():
    make = id_maker("stream-1")
    assert [make(n) for n in (0, 1, 77, 2**40)] == [
        str(detection_uuid("stream-1", n)) for n in (0, 1, 77, 2**40)
    ]


def test_fast_sqlite_times_are_what_the_column_type_stores():
    column = Detection.__table__.c.received_at.type
    dialect = create_engine("sqlite://").dialect
    convert = column.dialect_impl(dialect).bind_processor(dialect)
    for at in (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2026, 1, 2, 3, 4, 5, 6)):
        at = at.replace(tzinfo=UTC)
        assert _sqlite_time(at) == convert(at)
