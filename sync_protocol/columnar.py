"""Columnar layout of a detection batch: what makes ~1,000 detections compress well.

Row-per-record JSON repeats every key and interleaves unlike values; zlib then
pays for each row's structure (~100 B/detection). Here each field is a column:

* ids equal to ``detection_uuid(stream_id, seq)`` are omitted; only other ids
  travel, as ``[position, id]`` pairs;
* low-cardinality fields (camera with its vendor id, region, direction, each
  vehicle attribute) are dictionary-encoded, most frequent value first so that
  common indices are one digit;
* ``received_at`` is a delta chain (seq order is receive order, so deltas are
  small and non-negative); ``captured_at`` is its lag behind ``received_at`` in
  the capture clock's own unit (cameras send ms, the node has µs); each time
  column uses the coarsest exact unit (s, ms or µs), so the layout is lossless;
* ``plate`` travels as its *shape* relative to ``plate_norm`` ("AB12 CDE" is
  ``"???? ???"``), which repeats; a plate that a shape cannot rebuild travels
  verbatim;
* ``bbox`` is four integer columns; image digests are one base64 string of raw
  bytes (hex would cost ~4 more bytes per detection after compression);
* optional composite values list the positions where they are missing.

The functions here are pure: ``DetectionRecord`` objects one way, plain dicts
(validated afterwards by the models) the other way.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from sync_protocol.detections import DetectionRecord, detection_uuid

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNITS = (1_000_000, 1_000, 1)  # µs per s, ms, µs: the coarsest exact unit wins
_VEHICLE = ("type", "make", "model", "color")
_BLANK = "?"  # stands for one plate_norm character in a plate shape

COLUMNS = frozenset(
    {
        "id_overrides",
        "event_id",
        "camera",
        "received_at",
        "capture_lag",
        "plate_norm",
        "plate_shape",
        "plate_verbatim",
        "confidence",
        "region",
        "direction",
        "bbox",
        "vehicle",
        "image_sha256",
    }
)


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(microseconds=1)


def _from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def _unit(values: Sequence[int]) -> int:
    return next(u for u in _UNITS if all(v % u == 0 for v in values))


def _check_unit(unit: object) -> int:
    if unit not in _UNITS:
        raise ValueError(f"time unit_us must be one of {_UNITS}, got {unit!r}")
    return unit


def _dict_column(values: Sequence[Hashable]) -> dict[str, Any]:
    ranked = [value for value, _ in Counter(values).most_common()]
    position = {value: i for i, value in enumerate(ranked)}
    return {
        "values": [list(v) if isinstance(v, tuple) else v for v in ranked],
        "index": [position[v] for v in values],
    }


def _undict_column(column: dict[str, Any]) -> list[Any]:
    values = column["values"]
    if any(not isinstance(i, int) or i < 0 for i in column["index"]):
        raise ValueError("dictionary index must be non-negative integers")
    return [values[i] for i in column["index"]]


def _shape(plate: str, plate_norm: str) -> str | None:
    shape = "".join(_BLANK if ch.isalnum() else ch for ch in plate)
    return shape if _fill(shape, plate_norm) == plate else None


def _fill(shape: str, plate_norm: str) -> str | None:
    chars = iter(plate_norm)
    out = "".join(next(chars, "") if ch == _BLANK else ch for ch in shape)
    # Every plate_norm character must be used exactly once.
    return out if next(chars, None) is None and len(out) == len(shape) else None


def to_columns(stream_id: str, first_seq: int, records: Sequence[DetectionRecord]) -> dict:
    """Return the columnar wire form of ``records`` (seqs from ``first_seq``)."""
    received = [_micros(r.received_at) for r in records]
    captured = [_micros(r.captured_at) for r in records]
    rcv_unit, cap_unit = _unit(received), _unit(captured)
    rcv_scaled = [v // rcv_unit for v in received]
    shapes = [_shape(r.plate, r.plate_norm) for r in records]
    boxes = [r.bbox for r in records if r.bbox is not None]
    vehicles = [r.vehicle for r in records if r.vehicle is not None]
    digests = b"".join(bytes.fromhex(r.image_sha256) for r in records if r.image_sha256)
    return {
        "id_overrides": [
            [i, str(r.id)]
            for i, r in enumerate(records)
            if r.id != detection_uuid(stream_id, first_seq + i)
        ],
        "event_id": [r.event_id for r in records],
        "camera": _dict_column([(r.camera_id, r.source_camera) for r in records]),
        "received_at": {
            "unit_us": rcv_unit,
            "values": rcv_scaled[:1] + [b - a for a, b in pairwise(rcv_scaled)],
        },
        "capture_lag": {
            "unit_us": cap_unit,
            "values": [
                rcv // cap_unit - cap // cap_unit
                for rcv, cap in zip(received, captured, strict=True)
            ],
        },
        "plate_norm": [r.plate_norm for r in records],
        "plate_shape": _dict_column(shapes),
        "plate_verbatim": [[i, r.plate] for i, r in enumerate(records) if shapes[i] is None],
        "confidence": [r.confidence for r in records],
        "region": _dict_column([r.region for r in records]),
        "direction": _dict_column([r.direction for r in records]),
        "bbox": {
            "missing": [i for i, r in enumerate(records) if r.bbox is None],
            **{axis: [b[k] for b in boxes] for k, axis in enumerate("xywh")},
        },
        "vehicle": {
            "missing": [i for i, r in enumerate(records) if r.vehicle is None],
            **{attr: _dict_column([getattr(v, attr) for v in vehicles]) for attr in _VEHICLE},
        },
        "image_sha256": {
            "missing": [i for i, r in enumerate(records) if r.image_sha256 is None],
            "digests": base64.b64encode(digests).decode(),
        },
    }


def _present(count: int, missing: Sequence[int], values: Sequence[Any], name: str) -> list[Any]:
    """Spread ``values`` over the positions not in ``missing``; None elsewhere."""
    gaps = set(missing)
    if len(gaps) != len(missing) or any(not 0 <= i < count for i in gaps):
        raise ValueError(f"{name}.missing must be distinct positions in 0..{count - 1}")
    if len(values) != count - len(gaps):
        raise ValueError(f"{name} has {len(values)} values for {count - len(gaps)} rows")
    it = iter(values)
    return [None if i in gaps else next(it) for i in range(count)]


def from_columns(stream_id: str, first_seq: int, columns: dict[str, Any]) -> list[dict]:
    """Return record dicts (to be validated as ``DetectionRecord``) from the columnar form.

    Raises ``ValueError`` when columns are missing, unknown or inconsistent;
    ``KeyError``/``IndexError``/``TypeError`` from malformed input are the
    caller's to turn into a validation error.
    """
    if set(columns) != COLUMNS:
        missing, unknown = COLUMNS - set(columns), set(columns) - COLUMNS
        raise ValueError(f"batch columns missing {sorted(missing)}, unknown {sorted(unknown)}")
    count = len(columns["plate_norm"])
    rcv_unit = _check_unit(columns["received_at"]["unit_us"])
    cap_unit = _check_unit(columns["capture_lag"]["unit_us"])
    received, total = [], 0
    for delta in columns["received_at"]["values"]:
        total += delta
        received.append(total * rcv_unit)
    bbox = columns["bbox"]
    boxes = list(zip(*(bbox[axis] for axis in "xywh"), strict=True))
    vehicle = columns["vehicle"]
    attrs = list(zip(*(_undict_column(vehicle[a]) for a in _VEHICLE), strict=True))
    try:
        raw = base64.b64decode(columns["image_sha256"]["digests"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"image_sha256.digests is not base64: {exc}") from exc
    if len(raw) % 32:
        raise ValueError("image_sha256.digests is not a whole number of 32-byte digests")
    flat: dict[str, list[Any]] = {
        "event_id": list(columns["event_id"]),
        "camera": _undict_column(columns["camera"]),
        "received_at": received,
        "capture_lag": list(columns["capture_lag"]["values"]),
        "plate_shape": _undict_column(columns["plate_shape"]),
        "confidence": list(columns["confidence"]),
        "region": _undict_column(columns["region"]),
        "direction": _undict_column(columns["direction"]),
        "bbox": _present(count, bbox["missing"], boxes, "bbox"),
        "vehicle": _present(count, vehicle["missing"], attrs, "vehicle"),
        "image_sha256": _present(
            count,
            columns["image_sha256"]["missing"],
            [raw[i : i + 32].hex() for i in range(0, len(raw), 32)],
            "image_sha256",
        ),
    }
    lengths = {name: len(values) for name, values in flat.items()}
    if any(n != count for n in lengths.values()):
        raise ValueError(f"batch columns must all have {count} rows: {lengths}")
    ids = {int(i): v for i, v in columns["id_overrides"]}
    plates = {int(i): v for i, v in columns["plate_verbatim"]}
    records = []
    for i in range(count):
        norm = columns["plate_norm"][i]
        shape = flat["plate_shape"][i]
        plate = plates.get(i) if shape is None else _fill(shape, norm)
        if plate is None:
            raise ValueError(f"row {i}: plate shape {shape!r} does not fit plate_norm {norm!r}")
        camera_id, source_camera = flat["camera"][i]
        box, attr = flat["bbox"][i], flat["vehicle"][i]
        rcv = flat["received_at"][i]
        records.append(
            {
                "id": ids.get(i) or detection_uuid(stream_id, first_seq + i),
                "seq": first_seq + i,
                "event_id": flat["event_id"][i],
                "camera_id": camera_id,
                "source_camera": source_camera,
                "captured_at": _from_micros((rcv // cap_unit - flat["capture_lag"][i]) * cap_unit),
                "received_at": _from_micros(rcv),
                "plate": plate,
                "plate_norm": norm,
                "confidence": flat["confidence"][i],
                "region": flat["region"][i],
                "direction": flat["direction"][i],
                "bbox": box,
                "vehicle": None if attr is None else dict(zip(_VEHICLE, attr, strict=True)),
                "image_sha256": flat["image_sha256"][i],
            }
        )
    return records


__all__ = ["COLUMNS", "from_columns", "to_columns"]
