"""What to send next (pure): stream arithmetic, batch planning, rows to wire records.

A database holds one or more detection streams (a restore starts a new one). Stream *i*
owns the rows with ``seq_base_i < seq <= seq_base_{i+1}`` and sends them as wire seq
``seq - seq_base_i``, so that every stream starts at wire seq 1 as the cloud expects.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync_protocol import codec
from sync_protocol.detections import DetectionRecord, Vehicle
from sync_protocol.messages import MAX_LOCAL_DELIVERIES, HitRecord, LocalDelivery
from sync_protocol.rules import SeqGap, batch_after_ack
from sync_protocol.wire_types import strip_control_characters


@dataclass(frozen=True)
class StreamMark:
    """A stream of this database and the cloud's ack for it (in wire seqs)."""

    stream_id: str
    seq_base: int
    acked: int


@dataclass(frozen=True)
class BatchPlan:
    """Send database seqs ``first..last`` of ``stream``."""

    stream: StreamMark
    first: int
    last: int


@dataclass(frozen=True)
class Plan:
    """The next batch (or None) and the streams the cloud lacks data the node no longer has."""

    batch: BatchPlan | None
    gaps: list[str]


def ordered(streams: Sequence[StreamMark]) -> list[StreamMark]:
    """Streams oldest first (by base)."""
    return sorted(streams, key=lambda s: s.seq_base)


def stream_end(streams: Sequence[StreamMark], stream: StreamMark) -> int | None:
    """The last database seq ``stream`` can own (None: the newest stream, open-ended)."""
    later = [s.seq_base for s in streams if s.seq_base > stream.seq_base]
    return min(later) if later else None


def stream_of(streams: Sequence[StreamMark], seq: int) -> StreamMark | None:
    """The stream that owns database seq ``seq``."""
    owner = None
    for stream in ordered(streams):
        if stream.seq_base < seq:
            owner = stream
    return owner


def wire_seq(stream: StreamMark, seq: int) -> int:
    """The seq a row of ``stream`` carries on the wire."""
    return seq - stream.seq_base


def acked_through(streams: Sequence[StreamMark]) -> int:
    """The largest database seq such that every row at or below it is acked (0: none)."""
    prefix = 0
    streams = ordered(streams)
    for stream in streams:
        if stream.seq_base > prefix:
            break  # rows between the prefix and this stream belong to no known stream
        covered = stream.seq_base + stream.acked
        end = stream_end(streams, stream)
        if end is None or covered < end:
            return covered
        prefix = end
    return prefix


def plan_batch(
    streams: Sequence[StreamMark],
    held: Mapping[str, tuple[int, int] | None],
    *,
    max_count: int,
    skip: frozenset[str] = frozenset(),
) -> Plan:
    """Pick the oldest stream with unacked rows and the seq range to send from it.

    ``held`` maps each stream to the (oldest, newest) database seqs still stored for it.
    A stream whose missing rows were already deleted here is reported in ``gaps`` and
    skipped (the cloud would refuse a batch past its mark; the loss must be visible).
    """
    gaps: list[str] = []
    for stream in ordered(streams):
        span = held.get(stream.stream_id)
        if span is None or stream.stream_id in skip:
            continue
        oldest, newest = span
        try:
            found = batch_after_ack(
                acked=stream.acked,
                oldest_held=wire_seq(stream, oldest),
                newest=wire_seq(stream, newest),
                max_count=max_count,
            )
        except SeqGap:
            gaps.append(stream.stream_id)
            continue
        if found is not None:
            return Plan(
                BatchPlan(stream, stream.seq_base + found.first, stream.seq_base + found.last),
                gaps,
            )
    return Plan(None, gaps)


def new_mark(*, current: int, reply_ack: int | None, epoch_changed: bool) -> int:
    """The node's acked mark for a stream after a reply.

    The cloud's mark wins whenever it names the stream, even when lower (it lost data:
    the node resends from it); exchanges are serialised, so a reply is never stale. A
    stream the reply does not name keeps its mark, unless the cloud's epoch changed (it
    was restored): then nothing is known to be held and the node resends from 1.
    """
    if reply_ack is not None:
        return reply_ack
    return 0 if epoch_changed else current


def first_fitting(
    records: Sequence[DetectionRecord], *, max_count: int, max_bytes: int
) -> list[DetectionRecord]:
    """The longest prefix of ``records`` within the count and byte limits (at least one)."""
    if not records:
        return []
    return codec.split_into_batches(records, max_count=max_count, max_bytes=max_bytes)[0]


def _text(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    # Rows stored before control characters were refused must not hold up the stream.
    value = strip_control_characters(value).strip()
    return value[:limit] if value else None


def _bbox(raw: str | None) -> tuple[int, int, int, int] | None:
    if not raw:
        return None
    try:
        box = [int(v) for v in json.loads(raw)]
    except (ValueError, TypeError):
        return None
    if len(box) != 4 or not all(0 <= v <= 65_535 for v in box):
        return None
    return (box[0], box[1], box[2], box[3])


def to_record(row: Mapping[str, Any], stream: StreamMark) -> DetectionRecord:
    """The wire record of a detection row (image digest only for reads that hit).

    Values the wire bounds more tightly than the table are cut to fit rather than
    holding up the stream: event ids over 64 characters travel as None (the cloud
    deduplicates by detection id), plates are cut to 20 characters.
    """
    vehicle = None
    attrs = {k: _text(row.get(f"vehicle_{k}"), 64) for k in ("type", "make", "model", "color")}
    if any(v is not None for v in attrs.values()):
        vehicle = Vehicle(**attrs)
    event_id = row.get("event_id")
    confidence = row.get("confidence")
    return DetectionRecord(
        id=uuid.UUID(row["id"]),
        seq=wire_seq(stream, row["seq"]),
        event_id=_text(event_id, 64) if event_id and len(event_id) <= 64 else None,
        camera_id=row["camera_id"],
        source_camera=_text(row.get("source_camera"), 64),
        captured_at=row["captured_at"],
        received_at=row["received_at"],
        plate=(_text(row["plate"], 20) or "?"),
        plate_norm=(_text(row["plate_norm"], 20) or "?"),
        confidence=None if confidence is None else min(1.0, max(0.0, float(confidence))),
        region=_text(row.get("region"), 64),
        direction=_text(row.get("direction"), 64),
        bbox=_bbox(row.get("bbox")),
        vehicle=vehicle,
        # Digests cost ~33 B each on the wire: only evidence (reads that hit) carries one.
        image_sha256=row.get("image_sha256") if row.get("has_hit") else None,
    )


def to_hit_record(row: Mapping[str, Any], stream: StreamMark, *, hotlist_version: int) -> HitRecord:
    """The wire record of a hit row joined with its detection (and its local deliveries)."""
    return HitRecord(
        detection_id=uuid.UUID(row["detection_id"]),
        seq=wire_seq(stream, row["detection_seq"]),
        list_name=row["list_name"],
        plate_norm=row["entry_plate"][:20],
        match_kind=row["match_kind"],
        image_sha256=row.get("image_sha256"),
        hotlist_version=hotlist_version,
        plate=(_text(row["plate"], 20) or "?"),
        camera_id=row["camera_id"],
        captured_at=row["captured_at"],
        historical=bool(row.get("historical", False)),
        delivered_locally=[
            LocalDelivery(
                channel=d["channel"],
                recipient=d["recipient"][:254],
                delivered_at=d["attempted_at"],
                provider_message_id=_text(d["provider_message_id"], 500),
            )
            for d in row.get("delivered_locally", ())[:MAX_LOCAL_DELIVERIES]
        ],
    )


def hits_of_one_stream(
    rows: Sequence[Mapping[str, Any]], streams: Sequence[StreamMark]
) -> tuple[StreamMark | None, list[Mapping[str, Any]]]:
    """The leading hits (by id) that belong to one stream, and that stream.

    A request names one stream and hits carry no stream of their own, so hits of an
    older stream go first, alone, in a request about that stream.
    """
    chosen: list[Mapping[str, Any]] = []
    owner: StreamMark | None = None
    for row in rows:
        stream = stream_of(streams, row["detection_seq"])
        if stream is None:
            continue
        if owner is None:
            owner = stream
        elif stream.stream_id != owner.stream_id:
            break
        chosen.append(row)
    return owner, chosen


def backlog_count(streams: Sequence[StreamMark], newest: Mapping[str, int | None]) -> int:
    """Rows not yet acked, given each stream's newest held database seq."""
    total = 0
    for stream in streams:
        top = newest.get(stream.stream_id)
        if top is not None:
            total += max(0, top - stream.seq_base - stream.acked)
    return total


def age_seconds(now: datetime, then: datetime | None) -> float | None:
    """Seconds from ``then`` to ``now`` (never negative)."""
    return None if then is None else max(0.0, (now - then).total_seconds())
