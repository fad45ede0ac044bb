"""The formats ``node import`` reads, told apart by their first line (pure).

* ``node-csv`` and ``node-jsonl``: the node's own export (``local_node.export``, ``node
  export``). Every line has the exporting node's detection ``id``: that is the read's
  event id here, so a re-run (or a second export that overlaps) stores nothing twice. The
  export's ``received_at`` is kept as the read's time; images are not in an export.
* ``platerecognizer-csv``: the CSV file Plate Recognizer Stream writes
  (``local_node.importing.platerecognizer``).

A parser turns one record (a CSV row as a list of cells, or a decoded JSON object) into
the detection values it stands for, or raises ``LineError`` naming the source's column.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local_node.importing import values as v
from local_node.importing.values import LineError, TimeWindow
from sync_protocol.csv_cells import FORMULA_START
from sync_protocol.plate_rules import confusion_key

NODE_CSV = "node-csv"
NODE_JSONL = "node-jsonl"
PLATERECOGNIZER_CSV = "platerecognizer-csv"
FORMATS = (NODE_CSV, NODE_JSONL, PLATERECOGNIZER_CSV)

# What a node export line must hold; the export writes more (local_node.export.COLUMNS).
NODE_REQUIRED = ("id", "camera_id", "captured_at", "received_at", "plate")
PLATERECOGNIZER_REQUIRED = ("timestamp", "plate", "score", "file")

Parser = Callable[[Any], dict[str, Any]]
"""One record in, the values of one read out (see ``read_values``)."""


class UnknownFormat(ValueError):
    """The first line is no header this command knows."""


def detect(first_line: str) -> str:
    """The format of a file from its first line: a JSON object, or a known CSV header."""
    text = first_line.lstrip("\ufeff").strip()
    if text.startswith("{"):
        return NODE_JSONL
    header = {c.strip().strip('"').lower() for c in text.split(",")}
    if all(c in header for c in NODE_REQUIRED):
        return NODE_CSV
    if all(c in header for c in PLATERECOGNIZER_REQUIRED):
        return PLATERECOGNIZER_CSV
    raise UnknownFormat(
        "the first line is neither a JSON object nor a known CSV header "
        f"(node export: {', '.join(NODE_REQUIRED)}; Plate Recognizer Stream: "
        f"{', '.join(PLATERECOGNIZER_REQUIRED)}); name the format with --format"
    )


def missing_columns(fmt: str, header: Sequence[str]) -> list[str]:
    """Required columns a CSV header lacks (none for JSON lines: checked per line)."""
    required = {NODE_CSV: NODE_REQUIRED, PLATERECOGNIZER_CSV: PLATERECOGNIZER_REQUIRED}
    names = {h.strip().lower() for h in header}
    return [c for c in required.get(fmt, ()) if c not in names]


def read_values(
    *,
    event_id: str,
    camera: str,
    source_camera: str | None,
    captured_at: datetime,
    received_at: datetime,
    plate: tuple[str, str],
    confidence: float | None,
    region: str | None = None,
    direction: str | None = None,
    bbox: str | None = None,
    vehicle: tuple[str | None, str | None, str | None, str | None] = (None, None, None, None),
) -> dict[str, Any]:
    """The detection values of one read (all but camera_id, seq, id, has_hit and the flags).

    ``camera`` is the source's camera name: the import camera it is stored under.
    """
    text, norm = plate
    return {
        "event_id": event_id,
        "camera": camera,
        "source_camera": source_camera,
        "captured_at": captured_at,
        "received_at": received_at,
        "plate": text,
        "plate_norm": norm,
        "plate_key": confusion_key(norm),
        "confidence": confidence,
        "region": region,
        "direction": direction,
        "bbox": bbox,
        "vehicle_type": vehicle[0],
        "vehicle_make": vehicle[1],
        "vehicle_model": vehicle[2],
        "vehicle_color": vehicle[3],
    }


def line_hash(cells: Sequence[str]) -> str:
    """A stable event id for a line without one of its own: a digest of its cells."""
    return "h:" + hashlib.blake2b("\x1f".join(cells).encode(), digest_size=16).hexdigest()


def undefuse(text: str) -> str:
    """A CSV cell as written before ``safe_cell`` quoted it against spreadsheets."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        return text[1:]
    return text


@dataclass(frozen=True)
class Columns:
    """Where each column of a CSV header is (-1: absent)."""

    at: dict[str, int]

    @classmethod
    def of(cls, header: Sequence[str]) -> Columns:
        return cls({name.strip().lower(): i for i, name in enumerate(header)})

    def getter(self, name: str) -> Callable[[Sequence[str]], str | None]:
        i = self.at.get(name, -1)
        if i < 0:
            return lambda row: None
        return lambda row: undefuse(row[i]) if i < len(row) and row[i] != "" else None


def node_csv_parser(header: Sequence[str], times: TimeWindow) -> Parser:
    """Rows of ``node export --format csv`` (cells are text; empty means none).

    Cells are taken by position (no dict per row), and the checks of values that repeat
    (cameras, plates, regions, boxes, vehicles, confidences) are ``memoized``: the checks
    are the JSON lines' (``_node_values``), a test holds the two formats' reads equal.
    """
    keys = [name.strip().lower() for name in header]
    width = len(keys)
    at = {key: i for i, key in enumerate(keys)}  # a repeated name: its last cell, as a dict

    def cell(name: str) -> int:
        return at.get(name, width)  # an absent column reads the None appended to each row

    i_id, i_camera, i_source = cell("id"), cell("camera_id"), cell("source_camera")
    i_captured, i_received, i_plate = cell("captured_at"), cell("received_at"), cell("plate")
    i_confidence, i_region, i_direction = cell("confidence"), cell("region"), cell("direction")
    i_bbox, i_type, i_make = cell("bbox"), cell("vehicle_type"), cell("vehicle_make")
    i_model, i_color = cell("vehicle_model"), cell("vehicle_color")
    text = v.memoized(v.text)
    plate = v.memoized(lambda value: _plate_values(value, "plate"))
    confidence = v.memoized(lambda value: v.confidence(value, "confidence"))
    bbox = v.memoized(lambda value: v.bbox_json(value, "bbox"))
    when = times.parse

    def parse(row: list[str | None]) -> dict[str, Any]:
        if len(row) != width:
            raise LineError("line", f"has {len(row)} cells, the header {width}")
        if "'" in "".join(row):  # type: ignore[arg-type]  # rare: cells the export defused
            row = [undefuse(c) if c and c[0] == "'" else c for c in row]
        row.append(None)
        camera = text(row[i_camera])
        if camera is None:
            raise LineError("camera_id", "is empty")
        event_id = v.event_id(row[i_id], "id")
        source_camera = text(row[i_source])
        captured_at = when(row[i_captured], "captured_at")
        received_at = when(row[i_received], "received_at")
        plate_text, plate_norm, plate_key = plate(row[i_plate])
        return {
            "event_id": event_id,
            "camera": camera,
            "source_camera": source_camera,
            "captured_at": captured_at,
            "received_at": received_at,
            "plate": plate_text,
            "plate_norm": plate_norm,
            "plate_key": plate_key,
            "confidence": confidence(row[i_confidence]),
            "region": text(row[i_region]),
            "direction": text(row[i_direction]),
            "bbox": bbox(row[i_bbox]),
            "vehicle_type": text(row[i_type]),
            "vehicle_make": text(row[i_make]),
            "vehicle_model": text(row[i_model]),
            "vehicle_color": text(row[i_color]),
        }

    return parse


def _plate_values(value: object, field: str) -> tuple[str, str, str]:
    """The plate as read, normalised and keyed (``v.plate`` and its confusion key)."""
    plate_text, norm = v.plate(value, field)
    return plate_text, norm, confusion_key(norm)


def node_jsonl_parser(times: TimeWindow) -> Parser:
    """Objects of ``node export --format jsonl``."""

    def parse(record: Any) -> dict[str, Any]:
        if not isinstance(record, dict):
            raise LineError("line", "is not a JSON object")
        return _node_values(record, times)

    return parse


def _node_values(r: dict[str, Any], times: TimeWindow) -> dict[str, Any]:
    camera = v.text(r.get("camera_id"))
    if camera is None:
        raise LineError("camera_id", "is empty")
    return read_values(
        event_id=v.event_id(r.get("id"), "id"),
        camera=camera,
        source_camera=v.text(r.get("source_camera")),
        captured_at=times.parse(r.get("captured_at"), "captured_at"),
        received_at=times.parse(r.get("received_at"), "received_at"),
        plate=v.plate(r.get("plate"), "plate"),
        confidence=v.confidence(r.get("confidence"), "confidence"),
        region=v.text(r.get("region")),
        direction=v.text(r.get("direction")),
        bbox=v.bbox_json(r.get("bbox"), "bbox"),
        vehicle=(
            v.text(r.get("vehicle_type")),
            v.text(r.get("vehicle_make")),
            v.text(r.get("vehicle_model")),
            v.text(r.get("vehicle_color")),
        ),
    )
