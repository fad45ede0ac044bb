"""Plate Recognizer Stream's CSV output as imported reads (pure).

The layout, as Plate Recognizer documents it ("Webhooks and Outputs", CSV,
https://guides.platerecognizer.com/docs/stream/results)::

    timestamp,plate,score,dscore,file,box,model_make,color,vehicle,region,orientation,
    candidates,source_url,position_sec,direction

One line per plate. ``timestamp`` carries its offset (``2021-10-27 06:20:43.970337+00:00``),
``score`` is 0..1, ``file`` is the screenshot's path under ``<camera>_screenshots/``
(Stream names the camera nowhere else in the line), and the nested cells (``box``,
``model_make``, ``color``, ``vehicle``, ``region``) are Python reprs of the webhook's
objects (``{'xmin': 847, ...}``); they are read with small patterns rather than
``ast.literal_eval`` (ten times dearer per line). The values map as the webhook's do in
``local_node.ingest.vendors.platerecognizer``, including its event key, so the id of a
line is stable across re-runs and Stream's own formatting of its cells.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from local_node.importing import values as v
from local_node.importing.formats import Columns, Parser, read_values
from local_node.importing.values import LineError, TimeWindow
from local_node.ingest.vendors.base import box_to_bbox, direction_text
from local_node.ingest.vendors.platerecognizer import event_key

DEFAULT_CAMERA = "platerecognizer"
_UNKNOWN = {"", "unknown", "generic"}  # as the webhook mapper: "the model could not tell"

_Q = "['\"]"  # Stream writes Python reprs; JSON's double quotes are read the same
_CAMERA = re.compile(r"([^/\\]+)_screenshots[/\\]")
_BOX = re.compile(rf"{_Q}(xmin|ymin|xmax|ymax){_Q}\s*:\s*(-?\d+(?:\.\d+)?)")
_MAKE = re.compile(
    rf"{_Q}make{_Q}\s*:\s*{_Q}([^'\"]*){_Q}\s*,\s*{_Q}model{_Q}\s*:\s*{_Q}([^'\"]*){_Q}"
    rf"\s*,\s*{_Q}score{_Q}\s*:\s*(\d+(?:\.\d+)?)"
)
_COLOR = re.compile(
    rf"{_Q}color{_Q}\s*:\s*{_Q}([^'\"]*){_Q}\s*,\s*{_Q}score{_Q}\s*:\s*(\d+(?:\.\d+)?)"
)
_TYPE = re.compile(rf"{_Q}type{_Q}\s*:\s*{_Q}([^'\"]*){_Q}")
_CODE = re.compile(rf"{_Q}code{_Q}\s*:\s*{_Q}([^'\"]*){_Q}")


def camera_of(path: str | None) -> str:
    """The Stream camera a screenshot path names (``/camera-1_screenshots/...``)."""
    found = _CAMERA.search(path or "")
    return found.group(1) if found else DEFAULT_CAMERA


def _known(text: str | None) -> str | None:
    return None if (text or "").strip().lower() in _UNKNOWN else v.text(text)


def _bbox(cell: str | None) -> str | None:
    if not cell:
        return None
    corners = dict(_BOX.findall(cell))
    if len(corners) != 4:
        raise LineError("box", "is not {'xmin': .., 'ymin': .., 'xmax': .., 'ymax': ..}")
    box = box_to_bbox(*(float(corners[k]) for k in ("xmin", "ymin", "xmax", "ymax")))
    return v.bbox_json(list(box), "box") if box else None


def _vehicle(
    make_cell: str | None, color_cell: str | None, vehicle_cell: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    make = model = color = kind = None
    makes = [m for m in _MAKE.findall(make_cell or "") if _known(m[0])]
    if makes:
        best = max(makes, key=lambda m: float(m[2]))
        make, model = _known(best[0]), _known(best[1])
    colors = [c for c in _COLOR.findall(color_cell or "") if _known(c[0])]
    if colors:
        color = _known(max(colors, key=lambda c: float(c[1]))[0])
    found = _TYPE.search(vehicle_cell or "")
    if found:
        kind = _known(found.group(1))
    return kind, make, model, color


def _direction(cell: str | None) -> str | None:
    angle = v.finite(cell, "direction")
    return direction_text(angle) if angle is not None else None


def parser(header: Sequence[str], times: TimeWindow, camera: str | None = None) -> Parser:
    """Rows of a Stream CSV file; ``camera`` overrides the camera named by ``file``."""
    cols = Columns.of(header)
    get = {
        name: cols.getter(name)
        for name in [
            "timestamp",
            "plate",
            "score",
            "file",
            "box",
            "model_make",
            "color",
            "vehicle",
            "region",
            "direction",
        ]
    }
    width = len(header)

    def parse(row: Sequence[str]) -> dict[str, Any]:
        if len(row) != width:
            raise LineError("line", f"has {len(row)} cells, the header {width}")
        cell = {name: g(row) for name, g in get.items()}
        at: datetime = times.parse(cell["timestamp"], "timestamp")
        plate = v.plate((cell["plate"] or "").upper(), "plate")
        source = camera or camera_of(cell["file"])
        region = _CODE.search(cell["region"] or "")
        return read_values(
            event_id=event_key(source, at, plate[0]),
            camera=source,
            source_camera=v.text(source),
            captured_at=at,
            received_at=at,
            plate=plate,
            confidence=v.confidence(cell["score"], "score"),
            region=_known(region.group(1)) if region else None,
            direction=_direction(cell["direction"]),
            bbox=_bbox(cell["box"]),
            vehicle=_vehicle(cell["model_make"], cell["color"], cell["vehicle"]),
        )

    return parse
