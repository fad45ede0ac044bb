"""The seed site's reads, and the batches a node ships them in (in sync, or draining a backlog)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime

from bench.sync.backlog import CAMERAS, generate, hotlist_plates
from local_node.config import SyncSettings
from local_node.sync.outbox import StreamMark, to_record
from sync_protocol.detections import DetectionRecord, detection_uuid

DEFAULTS = SyncSettings()
PUSH_INTERVAL_S = float(DEFAULTS.push_interval_s)  # the node agent's default push period
MAX_RECORDS = DEFAULTS.batch_max_records
MAX_BYTES = int(DEFAULTS.batch_max_bytes)


def site_reads(count: int, *, end: datetime, seed: int) -> tuple[str, list[DetectionRecord]]:
    """Return a new stream id and ``count`` reads of one seed-like site ending before ``end``."""
    stream_id = uuid.uuid4().hex
    cameras = [uuid.uuid4().hex for _ in range(CAMERAS)]
    mark = StreamMark(stream_id=stream_id, seq_base=0, acked=0)
    rows = generate(count, camera_ids=cameras, hotlist=hotlist_plates(200), end=end, seed=seed)
    out = []
    for seq, row in enumerate(rows, start=1):
        row.update(seq=seq, id=str(detection_uuid(stream_id, seq)), has_hit=False)
        out.append(to_record(row, mark))
    return stream_id, out


def push_batches(
    records: Sequence[DetectionRecord], interval_s: float = PUSH_INTERVAL_S
) -> Iterator[list[DetectionRecord]]:
    """Yield the batches of a node in sync: each push takes what arrived since the last one."""
    batch: list[DetectionRecord] = []
    tick = None
    for record in records:
        at = int(record.received_at.timestamp() // interval_s)
        if batch and (at != tick or len(batch) >= MAX_RECORDS):
            yield batch
            batch = []
        tick = at
        batch.append(record)
    if batch:
        yield batch


def backlog_batches(records: Sequence[DetectionRecord]) -> Iterator[list[DetectionRecord]]:
    """Yield the batches of a node draining a backlog: the wire's most reads or bytes."""
    batch: list[DetectionRecord] = []
    size = 0
    for record in records:
        length = len(record.model_dump_json())
        if batch and (len(batch) >= MAX_RECORDS or size + length > MAX_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += length
    if batch:
        yield batch
