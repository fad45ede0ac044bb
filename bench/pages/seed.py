"""The seed's scale in both databases: a day of reads per site, stored by the products' own paths.

* The node: `bench.sync.backlog.fill` writes a day of the seed site's reads (and the hits the
  node's own matcher finds) straight into the node's database, as the ingest writer stores
  them, without HTTP (the fastest honest path; the ingest and sync benches use it too).
* The cloud: each site's reads go through the cloud's sync use case
  (`ExchangeService.exchange`, in this process, on the cloud's SQLite file) in batches of
  the wire's maximum size, with a heartbeat: the store's batch insert, the cloud's own
  hotlist matching and the alerts it raises, as when a node drains its backlog, minus the
  HTTP, signing and codec that `bench.sync` measures. Site A's batches are the node's own
  rows (so node and cloud agree, and the node's agent finds the cloud up to date); site B's
  are generated the same way for a second site.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.sync.backlog import CAMERAS, generate
from cloud_plane.clock import utc_now
from cloud_plane.config import CloudSettings
from cloud_plane.services import build_services
from local_node.db.engine import make_engine
from local_node.db.tables import Detection, SyncStream
from local_node.sync.outbox import StreamMark, to_record
from sync_protocol.codec import MAX_BATCH_RECORDS
from sync_protocol.detections import DetectionRecord, detection_uuid
from sync_protocol.messages import CameraHealth, DetectionBatch, ExchangeRequest, Heartbeat

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Shipped:
    """What one site's batches did in the cloud."""

    site_id: str
    records: int
    stored: int
    cloud_hits: int
    seconds: float


def node_batches(db_path: Path) -> Iterator[tuple[str, list[DetectionRecord]]]:
    """The node's detection rows as wire records, in batches, with their stream id."""
    engine = make_engine(f"sqlite:///{db_path.resolve()}")
    try:
        with engine.connect() as conn:
            stream_id, base = conn.execute(
                select(SyncStream.stream_id, SyncStream.seq_base).order_by(SyncStream.seq_base)
            ).first() or (None, 0)
            if stream_id is None:
                raise RuntimeError(f"{db_path} has no detection stream")
            mark = StreamMark(stream_id=stream_id, seq_base=base, acked=0)
            rows = conn.execute(
                select(Detection.__table__).where(Detection.seq > base).order_by(Detection.seq)
            ).mappings()
            batch: list[DetectionRecord] = []
            for row in rows:
                batch.append(to_record(row, mark))
                if len(batch) == MAX_BATCH_RECORDS:
                    yield stream_id, batch
                    batch = []
            if batch:
                yield stream_id, batch
    finally:
        engine.dispose()


def generated_batches(
    count: int, *, hotlist: Sequence[str], end: datetime, seed: int = 8
) -> tuple[list[str], Iterator[tuple[str, list[DetectionRecord]]]]:
    """A second site's day, generated as `backlog.fill` does the node's: camera ids, batches."""
    stream_id = uuid.uuid4().hex
    cameras = [uuid.uuid4().hex for _ in range(CAMERAS)]
    mark = StreamMark(stream_id=stream_id, seq_base=0, acked=0)

    def batches() -> Iterator[tuple[str, list[DetectionRecord]]]:
        batch: list[DetectionRecord] = []
        rows = generate(count, camera_ids=cameras, hotlist=hotlist, end=end, seed=seed)
        for seq, row in enumerate(rows, start=1):
            row.update(seq=seq, id=str(detection_uuid(stream_id, seq)), has_hit=False)
            batch.append(to_record(row, mark))
            if len(batch) == MAX_BATCH_RECORDS:
                yield stream_id, batch
                batch = []
        if batch:
            yield stream_id, batch

    return cameras, batches()


def heartbeat(camera_ids: Sequence[str], now: datetime) -> Heartbeat:
    """A healthy site's heartbeat: every camera seen in the last seconds, backlog empty."""
    return Heartbeat(
        node_version="bench",
        uptime_s=86_400,
        disk_used_bytes=40 * 2**30,
        disk_total_bytes=500 * 2**30,
        db_size_bytes=300 * 2**20,
        backlog_count=0,
        cameras=[
            CameraHealth(
                camera_id=cid,
                name=f"bench-cam-{i + 1:02d}",
                last_seen=now - timedelta(seconds=i % 7),
                detections_last_interval=2,
                clock_offset_s=0.4,
            )
            for i, cid in enumerate(camera_ids)
        ],
    )


class CloudSeeder:
    """The cloud's sync use case on its own data dir, in this process (the server is stopped)."""

    def __init__(self, data_dir: Path) -> None:
        settings = CloudSettings(
            data_dir=data_dir, database_url=f"sqlite:///{(data_dir / 'cloud.db').resolve()}"
        )
        self.services = build_services(settings, clock=utc_now)

    def close(self) -> None:
        self.services.close()

    def ship(
        self,
        site_id: str,
        batches: Iterator[tuple[str, list[DetectionRecord]]],
        camera_ids: Sequence[str],
        progress: Progress | None = None,
        label: str = "",
    ) -> Shipped:
        """Apply every batch as the node's exchanges would, the heartbeat with the last one."""
        started = time.perf_counter()
        store = self.services.store
        version = store.hotlist.current_version()
        records = stored = hits = 0
        for (stream_id, batch), last in _lookahead(batches):
            now = datetime.now(UTC)
            request = ExchangeRequest(
                site_id=site_id,
                stream_id=stream_id,
                node_time=now,
                batch=DetectionBatch(stream_id=stream_id, first_seq=batch[0].seq, records=batch),
                heartbeat=heartbeat(camera_ids, now) if last else None,
                hotlist_version=version,
            )
            _, stats = self.services.exchange.exchange(site_id, request)
            records += len(batch)
            stored += stats.stored
            hits += stats.cloud_hits
            if progress and records % 50_000 < len(batch):
                progress(f"  cloud {label or site_id}: {records:,} reads, {hits:,} hits")
        return Shipped(site_id, records, stored, hits, round(time.perf_counter() - started, 2))


def _lookahead(items: Iterator[Any]) -> Iterator[tuple[Any, bool]]:
    """Each item with whether it is the last."""
    previous = sentinel = object()
    for item in items:
        if previous is not sentinel:
            yield previous, False
        previous = item
    if previous is not sentinel:
        yield previous, True
