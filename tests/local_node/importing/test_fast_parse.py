"""The node-csv parser's shortcuts (cells by position, memoized checks, the export's own time
form) give what the general path gives, and refuse what it refuses."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from local_node.export import COLUMNS
from local_node.importing import formats
from local_node.importing.values import LineError, TimeWindow, memoized

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


def _record(**changes: object) -> dict[str, object]:
    at = NOW - timedelta(days=3, microseconds=123)
    record: dict[str, object] = {c: None for c in COLUMNS}
    record.update(
        id="8f0c7f5e-2c55-4d1e-9a3c-1f1f1f1f1f1f",
        seq=7,
        camera_id="lane-1",
        captured_at=at.isoformat(),
        received_at=(at + timedelta(milliseconds=150)).isoformat(),
        plate="ab12 cde",
        plate_norm="AB12CDE",
        confidence=0.87,
        region="gb",
        bbox="[10, 20, 120, 30]",
        vehicle_type="car",
        vehicle_color="white",
        has_hit=False,
    )
    record.update(changes)
    return record


def _csv_row(record: dict[str, object]) -> list[str]:
    out = io.StringIO()
    csv.writer(out).writerow(["" if record[c] is None else record[c] for c in COLUMNS])
    return next(csv.reader([out.getvalue()]))


def test_a_csv_row_parses_as_its_json_line_does():
    times = TimeWindow(NOW)
    parse_csv = formats.node_csv_parser(list(COLUMNS), times)
    parse_json = formats.node_jsonl_parser(times)
    records = [
        _record(),
        _record(plate="'=XY99 ZZZ", region="", bbox="[1,2,3,4]"),
        _record(captured_at="2026-12-01T09:00:00+01:00", received_at="1764576000"),
        _record(confidence="87", vehicle_make="  Ford ", source_camera="cam 2"),
    ]
    for record in records:
        for _ in range(2):  # the second time from what the memoized checks remember
            expected = parse_json(
                json.loads(json.dumps({**record, "plate": str(record["plate"]).lstrip("'")}))
            )
            assert parse_csv(_csv_row(record)) == expected


def test_a_refused_value_is_refused_every_time_it_comes():
    parse = formats.node_csv_parser(list(COLUMNS), TimeWindow(NOW))
    for _ in range(3):
        with pytest.raises(LineError) as caught:
            parse(_csv_row(_record(plate="--")))
        assert caught.value.field == "plate"
        with pytest.raises(LineError) as caught:
            parse(_csv_row(_record(bbox="[0, 0, 0, 0]")))
        assert caught.value.field == "bbox"


def test_columns_absent_from_the_header_read_as_empty():
    header = ["id", "camera_id", "captured_at", "received_at", "plate"]
    record = _record()
    values = formats.node_csv_parser(header, TimeWindow(NOW))([str(record[c]) for c in header])
    assert values["region"] is None and values["confidence"] is None and values["bbox"] is None
    assert values["plate_norm"] == "AB12CDE" and values["camera"] == "lane-1"


def test_the_export_time_form_is_still_checked_against_the_window():
    times = TimeWindow(NOW)
    future = (NOW + timedelta(days=3)).isoformat(timespec="microseconds")
    assert len(future) == 32  # the form the shortcut takes
    with pytest.raises(LineError, match="future"):
        times.parse(future, "received_at")
    past = (NOW - timedelta(days=3660)).isoformat(timespec="microseconds")
    with pytest.raises(LineError, match="past"):
        times.parse(past, "received_at")
    ok = (NOW - timedelta(days=1)).isoformat(timespec="microseconds")
    assert times.parse(ok, "t") == NOW - timedelta(days=1)
    assert times.parse(ok, "t").tzinfo is UTC


def test_memoized_checks_once_per_text_and_forgets_at_its_limit():
    calls: list[str] = []

    def check(value: str) -> str:
        calls.append(value)
        return value.upper()

    upper = memoized(check, limit=2)
    assert [upper(t) for t in ("a", "b", "a", "b")] == ["A", "B", "A", "B"]
    assert calls == ["a", "b"]
    upper("c")  # over the limit: what it remembered is forgotten
    upper("a")
    assert calls == ["a", "b", "c", "a"]
