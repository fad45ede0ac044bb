"""Input that used to crash a request (a 500) is refused with a clear 4xx instead.

Deeply nested JSON (RecursionError in the parser), cursors holding integers no column
holds (OverflowError in the driver), and plates with no letters or digits (stored with an
empty normalised plate that no search finds).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from local_node.db.tables import Detection
from tests.local_node.conftest import RunningNode, now_rfc3339

PAYLOADS = Path(__file__).parents[1] / "ingest" / "vendors" / "payloads"
DEEP = "[" * 5000 + "]" * 5000  # far past the parser's recursion limit, 10 kB
TOO_DEEP = "JSON nested deeper than 32 levels"


def meta(**fields: object) -> dict[str, Any]:
    return {"plate": "AB12 CDE", "captured_at": now_rfc3339(), **fields}


def vendor(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def stored_count(node: RunningNode) -> int:
    with node.services.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Detection)).scalar_one()


def deep_in(document: dict[str, Any]) -> str:
    """`document` as JSON with a deeply nested array under an extra key."""
    return json.dumps({**document, "x": "@"}).replace('"@"', DEEP)


# -- nesting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/detections", DEEP),
        ("/api/v1/detections", deep_in(meta())),
        ("/api/v1/ingest/platerecognizer", DEEP),
        ("/api/v1/ingest/openalpr", deep_in(vendor("openalpr/alpr_group"))),
    ],
    ids=["native-array", "native-field", "platerecognizer", "openalpr"],
)
def test_deeply_nested_json_body_is_refused_with_422(node: RunningNode, path: str, body: str):
    with node.camera() as cam:
        r = cam.post(path, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert TOO_DEEP in r.json()["detail"]
    assert stored_count(node) == 0


def test_deeply_nested_metadata_part_is_refused_with_422(node: RunningNode):
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", files={"metadata": (None, deep_in(meta()))})
    assert r.status_code == 422, r.text
    assert TOO_DEEP in r.json()["detail"]


def test_deeply_nested_platerecognizer_json_part_is_refused_with_422(node: RunningNode):
    with node.camera() as cam:
        r = cam.post("/api/v1/ingest/platerecognizer", files={"json": (None, DEEP)})
    assert r.status_code == 422, r.text
    assert TOO_DEEP in r.json()["detail"]


def test_brackets_inside_strings_do_not_count_as_nesting(node: RunningNode):
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json=meta(region='\\"' + "[" * 60))
    assert r.status_code == 201, r.text


# -- cursors ------------------------------------------------------------------------------


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    # Negative seqs are handed out since issue 14 (local-only imports take seqs <= 0), so
    # the negative case is one out of the column's range.
    "raw",
    [f"s{2**31}", "s" + "9" * 19, "s" + "9" * 40, f"s-{2**31}", "s--1", "s1e5", "s 1"],
    ids=str,
)
def test_cursor_outside_what_the_api_hands_out_is_422(node: RunningNode, raw: str):
    with node.viewer() as v:
        r = v.get("/api/v1/detections", params={"cursor": _cursor(raw)})
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "cursor is not one this API returned"


def test_cursor_at_the_largest_seq_is_accepted(node: RunningNode):
    with node.viewer() as v:
        r = v.get("/api/v1/detections", params={"cursor": _cursor(f"s{2**31 - 1}")})
    assert r.status_code == 200, r.text


# -- plates without letters or digits -----------------------------------------------------

NO_CHARACTERS = ["..", "🚗🚓", "-- / --"]


@pytest.mark.parametrize("plate", NO_CHARACTERS)
def test_native_read_whose_plate_has_no_letters_or_digits_is_422(node: RunningNode, plate: str):
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json=meta(plate=plate))
    assert r.status_code == 422, r.text
    assert "plate has no letters or digits" in r.text
    assert stored_count(node) == 0


@pytest.mark.parametrize("plate", NO_CHARACTERS)
def test_vendor_read_whose_plate_has_no_letters_or_digits_is_422(node: RunningNode, plate: str):
    event = vendor("platerecognizer/stream_recognition_mmc")
    event["data"]["results"][0]["plate"] = plate
    group = vendor("openalpr/alpr_group")
    group["best_plate_number"] = plate
    with node.camera() as cam:
        answers = [
            cam.post("/api/v1/ingest/platerecognizer", json=event),
            cam.post("/api/v1/ingest/openalpr", json=group),
        ]
    for r in answers:
        assert r.status_code == 422, r.text
        assert "plate has no letters or digits" in r.json()["detail"]
    assert stored_count(node) == 0


# -- control characters ----------------------------------------------------------------------


def test_a_read_with_a_nul_in_its_text_is_refused_with_422(node: RunningNode):
    before = stored_count(node)
    with node.camera() as cam:
        response = cam.post("/api/v1/detections", json=meta(vehicle={"make": "Ford\x00"}))
    assert response.status_code == 422, response.text
    assert "control characters" in response.text
    assert stored_count(node) == before


def test_a_nul_in_a_path_or_query_is_422_not_a_server_error(node: RunningNode):
    with node.admin() as http:
        by_path = http.get("/api/v1/detections/%00")
        by_query = http.get("/api/v1/detections", params={"camera_id": "\x00"})
    assert (by_path.status_code, by_query.status_code) == (422, 422)
    assert "control characters" in by_path.json()["detail"]
