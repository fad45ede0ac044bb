"""The items detections are stored as on DynamoDB, built and read back (pure: no I/O).

Two kinds of item hold the same reads (see ``detections.py`` for why two):

- a **plate item** per read, in the partition of its plate's confusion key, sorted by
  ``time_sort_key``: the whole record as compact JSON (``r``), when the cloud received it
  (``at``) and its TTL. About 0.5 KB, so 1 write unit, the same as a bare pointer would cost;
- **chunk items** packing a batch's reads (zlib-compressed JSON, ``z``) in the partition of
  their site and the UTC day of the chunk's newest read, sorted by that newest time: a few
  hundred bytes for the seed site's 2-second batches, ~60 bytes per read in a backlog's.
  A chunk spans at most ``CHUNK_SPAN`` of receive time, so a search that resumes below a
  time T finds every chunk holding older reads among those whose newest read is before
  T + ``CHUNK_SPAN``.

A record's ``id`` is left out when it is the ``detection_uuid(stream, seq)`` the node gives
(nearly always), and ``None`` fields are left out: both come back on decoding. A corrected
read (issue 15) also holds its revision (``rev``) and the plate before its latest correction
(``prev``) beside the record's fields; a read never corrected holds neither.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cloud_plane.records.detections import StoredDetection, hour_of
from cloud_plane.store import keys
from sync_protocol.detections import DetectionRecord, detection_uuid
from sync_protocol.plate_rules import confusion_key

CHUNK_SPAN = timedelta(seconds=60)  # most receive time one chunk covers (see above)
CHUNK_RECORDS = 500  # most reads in one chunk: ~30 KB compressed, far below 400 KB
# A preset zlib dictionary of what every chunk repeats (field names, time prefixes): a batch of
# a few reads has too little text of its own to compress well, and a chunk over 1 KB costs a
# second write unit. Changing it needs a new ``ZDICT_VERSION`` (chunks name theirs in ``v``).
ZDICT_VERSION = 1
ZDICT = (
    b'"vehicle":{"type":"car","make":"","model":"","color":""},"image_sha256":"'
    b'"region":"gb","direction":"approaching","receding","bbox":[,"confidence":0.9'
    b'"plate":"","plate_norm":"","source_camera":"","event_id":"","camera_id":"'
    b'{"st":"","at":"","r":[{"seq":,"captured_at":"20T:Z","received_at":"20T:Z"'
)
COUNT_PREFIX = "cam#"  # a read-counter item's attribute per camera: cam#<camera_id>
REVISION, PREVIOUS = "rev", "prev"  # a corrected read's extra fields (no record has them)


@dataclass(frozen=True, slots=True)
class Row:
    """One stored read, decoded only as far as sorting and filtering need."""

    key: str  # keys.time_sort_key: the search order (newest first = descending)
    site_id: str
    stream_id: str
    ingested_at: str
    data: dict[str, Any]  # the compact record (``encode_record``)

    @property
    def plate_norm(self) -> str:
        """The read's normalised plate."""
        return str(self.data["plate_norm"])

    @property
    def camera_id(self) -> str:
        """The node camera that delivered the read."""
        return str(self.data["camera_id"])

    @property
    def received_at(self) -> datetime:
        """The node's receive time (the search's order)."""
        return keys.parse_time_sort_key(self.key)[0]

    def stored(self) -> StoredDetection:
        """Return the full, validated detection."""
        return StoredDetection(
            site_id=self.site_id,
            stream_id=self.stream_id,
            ingested_at=datetime.fromisoformat(self.ingested_at),
            record=decode_record(self.data, self.stream_id),
            revision=int(self.data.get(REVISION, 1)),
            previous_plate=self.data.get(PREVIOUS),
        )


def encode_record(
    record: DetectionRecord,
    stream_id: str,
    *,
    revision: int = 1,
    previous_plate: str | None = None,
) -> dict[str, Any]:
    """Return the record as compact JSON-able data (derivable id and Nones left out), with
    its revision and previous plate once corrected."""
    data = record.model_dump(mode="json", exclude_none=True)
    if record.id == detection_uuid(stream_id, record.seq):
        del data["id"]
    if revision > 1:
        data[REVISION] = revision
    if previous_plate is not None:
        data[PREVIOUS] = previous_plate
    return data


def decode_record(data: Mapping[str, Any], stream_id: str) -> DetectionRecord:
    """Return the record ``encode_record`` encoded."""
    full = {k: v for k, v in data.items() if k not in (REVISION, PREVIOUS)}
    full.setdefault("id", str(detection_uuid(stream_id, int(full["seq"]))))
    return DetectionRecord.model_validate(full)


def sort_key(site_id: str, stream_id: str, record: DetectionRecord) -> str:
    """Return the record's position in the search order (``keys.time_sort_key``)."""
    return keys.time_sort_key(record.received_at, site_id, stream_id, record.seq)


def plate_item(
    site_id: str,
    stream_id: str,
    record: DetectionRecord,
    *,
    ingested_at: datetime,
    expires_at: int | None,
    revision: int = 1,
    previous_plate: str | None = None,
) -> dict[str, Any]:
    """Return the plate item of one read (at ``revision``, once corrected)."""
    data = encode_record(record, stream_id, revision=revision, previous_plate=previous_plate)
    item: dict[str, Any] = {
        **keys.plate_detection(
            confusion_key(record.plate_norm), record.received_at, site_id, stream_id, record.seq
        ),
        "r": json.dumps(data, separators=(",", ":")),
        "at": ingested_at.isoformat(),
    }
    if expires_at is not None:
        item["expires_at"] = expires_at
    return item


def plate_row(item: Mapping[str, Any]) -> Row:
    """Return the read a plate item holds."""
    sk = str(item["sk"])
    _, site_id, stream_id, _ = keys.parse_time_sort_key(sk)
    return Row(sk, site_id, stream_id, str(item["at"]), json.loads(item["r"]))


def split_chunks(records: Sequence[DetectionRecord]) -> list[list[DetectionRecord]]:
    """Cut a batch (in seq order) into runs of at most ``CHUNK_RECORDS`` reads spanning at
    most ``CHUNK_SPAN`` of receive time (node clocks may step back: the span is max - min)."""
    chunks: list[list[DetectionRecord]] = []
    current: list[DetectionRecord] = []
    low = high = None
    for record in records:
        at = record.received_at
        if (
            current
            and low is not None
            and high is not None
            and (len(current) >= CHUNK_RECORDS or max(high, at) - min(low, at) > CHUNK_SPAN)
        ):
            chunks.append(current)
            current, low, high = [], None, None
        current.append(record)
        low = at if low is None else min(low, at)
        high = at if high is None else max(high, at)
    if current:
        chunks.append(current)
    return chunks


def chunk_item(
    site_id: str,
    stream_id: str,
    records: Sequence[DetectionRecord],
    *,
    ingested_at: datetime,
    expires_at: int | None,
) -> dict[str, Any]:
    """Return the chunk item of a run of one stream's reads (``split_chunks``)."""
    if not records:
        raise ValueError("a chunk holds at least one read")
    newest = max(r.received_at for r in records)
    body = {
        "st": stream_id,
        "at": ingested_at.isoformat(),
        "r": [encode_record(r, stream_id) for r in records],
    }
    item: dict[str, Any] = {
        **keys.detection_chunk(site_id, newest, stream_id, records[0].seq),
        "z": _pack(body),
        "v": ZDICT_VERSION,
    }
    if expires_at is not None:
        item["expires_at"] = expires_at  # the newest read's: older ones are checked one by one
    return item


def chunk_site(item: Mapping[str, Any]) -> str:
    """Return the site a chunk item belongs to (from its partition key)."""
    return str(item["pk"]).split(keys.SEP)[1]


def chunk_newest(item: Mapping[str, Any]) -> str:
    """Return the time text of a chunk's newest read (the head of its sort key)."""
    return str(item["sk"]).split(keys.SEP)[0]


def _pack(body: Mapping[str, Any]) -> bytes:
    packer = zlib.compressobj(9, zdict=ZDICT)
    return packer.compress(json.dumps(body, separators=(",", ":")).encode()) + packer.flush()


def _unpack(item: Mapping[str, Any]) -> dict[str, Any]:
    if item.get("v") != ZDICT_VERSION:
        raise ValueError(f"chunk {item['pk']}/{item['sk']} has unknown version {item.get('v')}")
    unpacker = zlib.decompressobj(zdict=ZDICT)
    body: dict[str, Any] = json.loads(unpacker.decompress(bytes(item["z"])) + unpacker.flush())
    return body


def rewrite_chunk(item: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the chunk item with its read of ``data``'s seq replaced by ``data`` (a read's
    correction: its place in the chunk, hence the chunk's key, stays)."""
    body = _unpack(item)
    reads = body["r"]
    at = next(i for i, r in enumerate(reads) if r["seq"] == data["seq"])
    reads[at] = dict(data)
    return {**item, "z": _pack(body)}


def chunk_rows(item: Mapping[str, Any]) -> list[Row]:
    """Return the reads a chunk item holds."""
    site_id = chunk_site(item)
    body = _unpack(item)
    stream_id, at = body["st"], body["at"]
    return [
        Row(
            keys.time_sort_key(
                datetime.fromisoformat(data["received_at"]), site_id, stream_id, data["seq"]
            ),
            site_id,
            stream_id,
            at,
            data,
        )
        for data in body["r"]
    ]


def hour_counts(records: Sequence[DetectionRecord]) -> dict[datetime, Counter[str]]:
    """Return the reads per camera in each hour (node receive time) of ``records``."""
    counts: dict[datetime, Counter[str]] = {}
    for record in records:
        counts.setdefault(hour_of(record.received_at), Counter())[record.camera_id] += 1
    return counts


def counter_update(counts: Counter[str], expires_at: int | None) -> dict[str, Any]:
    """Return the UpdateItem parts adding ``counts`` to one hour's counter item.

    One ``ADD`` per camera attribute (``cam#<camera_id>``): a single write unit whatever the
    number of cameras, where an item per camera and hour would cost one each.
    """
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds = []
    for i, (camera, n) in enumerate(sorted(counts.items())):
        names[f"#c{i}"] = COUNT_PREFIX + camera
        values[f":c{i}"] = n
        adds.append(f"#c{i} :c{i}")
    expression = "ADD " + ", ".join(adds)
    if expires_at is not None:
        values[":exp"] = expires_at
        expression = "SET expires_at = :exp " + expression
    return {"expression": expression, "names": names, "values": values}


def counter_cameras(item: Mapping[str, Any]) -> dict[str, int]:
    """Return the reads per camera an hour's counter item holds."""
    return {
        name[len(COUNT_PREFIX) :]: int(value)
        for name, value in item.items()
        if name.startswith(COUNT_PREFIX)
    }
