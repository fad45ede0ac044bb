"""Columnar layout of a detection batch: what makes ~1,000 detections compress well.

Row-per-record JSON repeats every key and scatters similar values; zlib then
pays for each row's structure. Here each field becomes one column:

* ids equal to ``detection_uuid(stream_id, seq)`` are omitted (only exceptions
  travel, as ``[position, id]`` pairs);
* low-cardinality fields (camera, source camera, region, direction, vehicle)
  are dictionary-encoded, most frequent value first so common indices are
  one digit;
* ``received_at`` is a delta chain in node-clock order (seq order is receive
  order, so deltas are small and non-negative) and ``captured_at`` is stored as
  its lag behind ``received_at`` (per-camera clock offsets repeat); each in the
  coarsest exact unit (s, ms or µs), so the layout is lossless;
* ``plate`` is ``null`` when it equals ``plate_norm``.

The functions here are pure and work on ``DetectionRecord`` objects one way
and plain dicts (validated afterwards by the models) the other way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sync_protocol.detections import DetectionRecord, detection_uuid

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNITS = (1_000_000, 1_000, 1)  # µs per s, per ms, per µs: coarsest exact unit wins

COLUMNS = frozenset(
    {
        "id_overrides",
        "event_id",
        "camera_id",
        "source_camera",
        "received_at",
        "capture_lag",
        "plate_norm",
        "plate",
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


def _time_column(values: Sequence[int], *, chain: bool) -> dict[str, Any]:
    unit = next(u for u in _UNITS if all(v % u == 0 for v in values))
    scaled = [v // unit for v in values]
    if chain:
        # First value absolute, then differences: small numbers compress well.
        scaled = scaled[:1] + [b - a for a, b in zip(scaled, scaled[1:], strict=False)]
    return {"unit_us": unit, "values": scaled}


def _untime_column(column: dict[str, Any], *, chain: bool) -> list[int]:
    unit = column["unit_us"]
    if unit not in _UNITS:
        raise ValueError(f"time unit_us must be one of {_UNITS}, got {unit!r}")
    values = list(column["values"])
    if chain:
        total = 0
        for i, delta in enumerate(values):
            total += delta
            values[i] = total
    return [v * unit for v in values]


def _dict_column(values: Sequence[Hashable]) -> dict[str, Any]:
    # Most frequent first, so the common indices are single digits.
    ranked = [value for value, _ in Counter(values).most_common()]
    position = {value: i for i, value in enumerate(ranked)}
    return {"values": ranked, "index": [position[v] for v in values]}


def _undict_column(column: dict[str, Any]) -> list[Any]:
    values = column["values"]
    return [values[i] for i in column["index"]]


def to_columns(stream_id: str, first_seq: int, records: Sequence[DetectionRecord]) -> dict:
    """Return the columnar wire form of ``records`` (seqs from ``first_seq``)."""
    received = [_micros(r.received_at) for r in records]
    vehicles = [
        None if r.vehicle is None else (r.vehicle.type, r.vehicle.make, r.vehicle.model,
                                        r.vehicle.color)
        for r in records
    ]
    vehicle_column = _dict_column(vehicles)
    vehicle_column["values"] = [None if v is None else list(v) for v in vehicle_column["values"]]
    return {
        "id_overrides": [
            [i, str(r.id)]
            for i, r in enumerate(records)
            if r.id != detection_uuid(stream_id, first_seq + i)
        ],
        "event_id": [r.event_id for r in records],
        "camera_id": _dict_column([r.camera_id for r in records]),
        "source_camera": _dict_column([r.source_camera for r in records]),
        "received_at": _time_column(received, chain=True),
        "capture_lag": _time_column(
            [rcv - _micros(r.captured_at) for rcv, r in zip(received, records, strict=True)],
            chain=False,
        ),
        "plate_norm": [r.plate_norm for r in records],
        "plate": [None if r.plate == r.plate_norm else r.plate for r in records],
        "confidence": [r.confidence for r in records],
        "region": _dict_column([r.region for r in records]),
        "direction": _dict_column([r.direction for r in records]),
        "bbox": [None if r.bbox is None else list(r.bbox) for r in records],
        "vehicle": vehicle_column,
        "image_sha256": [r.image_sha256 for r in records],
    }


def from_columns(stream_id: str, first_seq: int, columns: dict[str, Any]) -> list[dict]:
    """Return record dicts (to be validated as ``DetectionRecord``) from the columnar form.

    Raises ``ValueError`` (or ``KeyError``/``IndexError``/``TypeError``, which the
    caller turns into a validation error) when columns are missing, unknown or of
    unequal length.
    """
    if set(columns) != COLUMNS:
        missing, unknown = COLUMNS - set(columns), set(columns) - COLUMNS
        raise ValueError(f"batch columns missing {sorted(missing)}, unknown {sorted(unknown)}")
    flat: dict[str, list[Any]] = {
        "event_id": list(columns["event_id"]),
        "camera_id": _undict_column(columns["camera_id"]),
        "source_camera": _undict_column(columns["source_camera"]),
        "received_at": _untime_column(columns["received_at"], chain=True),
        "capture_lag": _untime_column(columns["capture_lag"], chain=False),
        "plate_norm": list(columns["plate_norm"]),
        "plate": list(columns["plate"]),
        "confidence": list(columns["confidence"]),
        "region": _undict_column(columns["region"]),
        "direction": _undict_column(columns["direction"]),
        "bbox": list(columns["bbox"]),
        "vehicle": _undict_column(columns["vehicle"]),
        "image_sha256": list(columns["image_sha256"]),
    }
    lengths = {name: len(values) for name, values in flat.items()}
    count = lengths["plate_norm"]
    if any(n != count for n in lengths.values()):
        raise ValueError(f"batch columns have unequal lengths: {lengths}")
    overrides: dict[int, Any] = {}
    for position, record_id in columns["id_overrides"]:
        if not 0 <= position < count:
            raise ValueError(f"id_overrides position {position} outside 0..{count - 1}")
        overrides[position] = record_id
    records = []
    for i in range(count):
        received = flat["received_at"][i]
        vehicle = flat["vehicle"][i]
        records.append(
            {
                "id": overrides.get(i) or detection_uuid(stream_id, first_seq + i),
                "seq": first_seq + i,
                "event_id": flat["event_id"][i],
                "camera_id": flat["camera_id"][i],
                "source_camera": flat["source_camera"][i],
                "captured_at": _from_micros(received - flat["capture_lag"][i]),
                "received_at": _from_micros(received),
                "plate": flat["plate"][i] if flat["plate"][i] is not None
                else flat["plate_norm"][i],
                "plate_norm": flat["plate_norm"][i],
                "confidence": flat["confidence"][i],
                "region": flat["region"][i],
                "direction": flat["direction"][i],
                "bbox": flat["bbox"][i],
                "vehicle": None if vehicle is None else dict(
                    zip(("type", "make", "model", "color"), vehicle, strict=True)
                ),
                "image_sha256": flat["image_sha256"][i],
            }
        )
    return records


__all__ = ["COLUMNS", "from_columns", "to_columns"]
