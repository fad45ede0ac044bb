"""The single writer: makes camera reads durable in group commits.

Requests hand their validated read to `submit` and wait on a future. One thread takes
everything that is waiting (up to `batch_max`), writes the images and makes them durable in
one flush (see images/store.py), then inserts every row, its `seq` and its hits in ONE
database transaction (one WAL fsync). Under load N reads share one commit instead of
paying N; when idle a read is committed alone at once. A future resolves only after that
commit: a 201 means durable.

Several writers at once (`node serve --workers N`: one per worker process, and the parent's
for MQTT reads) are safe, and keep what the sync outbox relies on: **seq order is commit
order**, so the seqs committed at any moment are a contiguous prefix and the outbox, which
sends ``acked+1 .. max(seq)``, can never send past a seq that commits later.

* Every transaction takes its seqs with ``UPDATE node_state ... RETURNING`` as its first
  write. On PostgreSQL that row lock is held until COMMIT: a second writer's UPDATE waits
  for it and then reads the committed ``next_seq`` (READ COMMITTED re-evaluates the row),
  so it gets the next seqs and commits after the first. On SQLite the UPDATE takes the
  database's one write lock (pysqlite opens the transaction at the first write, so there is
  no older read snapshot to upgrade: no SQLITE_BUSY_SNAPSHOT), held until COMMIT; a second
  writer waits in the busy handler (``busy_timeout``, db/engine.py). A failed transaction
  rolls back its ``next_seq`` with its rows: no hole either.
* Two writers storing one ``event_id`` meet the unique index: the loser's IntegrityError
  retries its reads one by one and answers 200 with the first id (``_commit_or_fail``).
* The disk budget is one total for all of them (``ingest.image_bytes``): a batch reserves
  its images' bytes before writing them, pruning or waiting for other writers' batches in
  flight when they do not fit (``ingest.image_room``).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from local_node.clock import Clock
from local_node.db.live_hotlist import hotlist_rev, live_matcher
from local_node.db.plate_dictionary import record_reads
from local_node.db.tables import Detection, Hit, NodeState, SyncStream
from local_node.domain.hotlist import HotlistMatcher, LiveEntry
from local_node.errors import Overloaded, StorageFull
from local_node.images.store import ImageStore, StoredImage
from local_node.ingest import refine
from local_node.ingest.hooks import HitListener, NoMetrics, SpaceReclaimer, WriterMetrics
from local_node.ingest.image_bytes import ImageBytes
from local_node.ingest.image_room import ImageRoom
from local_node.ingest.models import DetectionIn
from local_node.ingest.read_rows import hit_row, read_row
from local_node.ingest.results import HitOut, IngestResult, hit_out
from local_node.ingest.stored_reads import stored_reads
from sync_protocol.detections import detection_uuid

log = logging.getLogger(__name__)


@dataclass
class PendingRead:
    """A validated read waiting for the writer."""

    camera_id: str
    detection: DetectionIn
    image: bytes | None
    image_kind: str | None
    future: Future[IngestResult] = field(default_factory=Future)
    refinable: bool = False
    preview: bool = False


class IngestWriter:
    """Owns the write path of detections; start() once per process, stop() to drain."""

    def __init__(
        self,
        *,
        engine: Engine,
        images: ImageStore,
        clock: Clock,
        batch_max: int = 128,
        max_pending: int = 2000,
        min_free_bytes: int = 0,
        disk_budget_bytes: int | None = None,
        image_bytes: ImageBytes | None = None,
        reclaim: SpaceReclaimer | None = None,
        metrics: WriterMetrics | None = None,
    ) -> None:
        self._engine = engine
        self._images = images
        self._clock = clock
        self._batch_max = batch_max
        self._max_pending = max_pending
        self._metrics: WriterMetrics = metrics or NoMetrics()
        self._queue: queue.Queue[PendingRead | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._hotlist_rev = -1
        self._matcher: HotlistMatcher[LiveEntry] = HotlistMatcher([])
        self._hit_listeners: list[HitListener] = []
        self._stream_bases: dict[str, int] = {}
        self.image_bytes = image_bytes or ImageBytes()
        self._room = ImageRoom(images, self.image_bytes, min_free_bytes, disk_budget_bytes, reclaim)

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Commit what is waiting, then stop the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def add_hit_listener(self, listener: HitListener) -> None:
        """Be told of every committed read that hit (the sync agent's priority lane)."""
        self._hit_listeners.append(listener)

    @property
    def pending(self) -> int:
        """Reads waiting for the writer."""
        return self._queue.qsize()

    @property
    def image_bytes_total(self) -> int:
        """Bytes of images the node holds (every writer of the node counts into it)."""
        return self.image_bytes.total

    @image_bytes_total.setter
    def image_bytes_total(self, total: int) -> None:
        self.image_bytes.set(total)

    def account_freed(self, freed_bytes: int) -> None:
        """Retention tells the writer what it freed so the budget check stays exact."""
        self.image_bytes.add(-freed_bytes)

    # -- the request side ------------------------------------------------------------
    def submit(
        self,
        *,
        camera_id: str,
        detection: DetectionIn,
        image: bytes | None,
        image_kind: str | None,
        refinable: bool = False,
        preview: bool = False,
    ) -> Future[IngestResult]:
        """Queue a read; the future resolves once it is durable (or raises a NodeError).

        `refinable`/`preview`: see `VendorRead` (a later, better reading of the same event).
        """
        if self._queue.qsize() >= self._max_pending:
            self._metrics.rejected("overloaded")
            raise Overloaded(f"{self._max_pending} reads are waiting to be stored; retry shortly")
        read = PendingRead(
            camera_id, detection, image, image_kind, refinable=refinable, preview=preview
        )
        self._queue.put(read)
        return read.future

    # -- the writer thread -----------------------------------------------------------
    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < self._batch_max:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._commit_or_fail(batch)
        self._store_leftovers()

    def _store_leftovers(self) -> None:
        """Store the reads still queued behind the stop: those put back for the next batch."""
        for _ in range(3):  # a read is put back at most once per batch that stores its event
            batch = [item for item in _drain(self._queue) if item is not None]
            if not batch:
                return
            self._commit_or_fail(batch)
        for item in _drain(self._queue):
            if item is not None and not item.future.done():
                item.future.set_exception(Overloaded("the node is stopping; retry shortly"))

    def _commit_or_fail(self, batch: list[PendingRead]) -> None:
        started = time.perf_counter()
        try:
            results = self._commit(batch)
        except IntegrityError:
            # Another process stored one of these event ids between our check and our insert:
            # retry one by one so each read gets its own answer.
            if len(batch) == 1:
                results = self._commit(batch)
            else:
                for read in batch:
                    self._commit_or_fail([read])
                return
        except Exception as exc:  # every waiting request must hear back
            log.exception("group commit of %d reads failed", len(batch))
            for read in batch:
                if not read.future.done():
                    read.future.set_exception(exc)
            return
        elapsed = time.perf_counter() - started
        self._metrics.committed(len(batch), elapsed, pending=self._queue.qsize())
        hits: list[tuple[str, int]] = []
        for read, result in zip(batch, results, strict=True):
            if result is None:
                self._queue.put(read)  # decided against the stored read in the next batch
                continue
            if isinstance(result, Exception):
                read.future.set_exception(result)
                continue
            read.future.set_result(result)
            if (result.created and result.hits) or result.new_hits:
                hits.append((result.id, result.seq))
        if hits:
            for listener in self._hit_listeners:
                try:
                    listener(hits)
                except Exception:
                    log.exception("hit listener failed")

    def _commit(self, batch: list[PendingRead]) -> list[IngestResult | Exception | None]:
        """Store a batch; a None result is a read put back in the queue for the next batch."""
        now = self._clock()
        results: list[IngestResult | Exception | None] = [None] * len(batch)
        existing, stored_of = self._existing(batch)
        first_of: dict[tuple[str, str], int] = {}
        new_rows: list[int] = []
        changes: dict[int, refine.Change] = {}
        changed: dict[int, dict] = {}  # the row each change writes (images added below)
        later: list[int] = []
        for i, read in enumerate(batch):
            key = (read.camera_id, read.detection.event_id or "")
            if read.detection.event_id and key in existing:
                row = _row_of(read, now, None)
                change = refine.change_of(
                    stored_of[key],
                    row,
                    refinable=read.refinable,
                    preview=read.preview,
                    has_image=read.image is not None and read.image_kind is not None,
                )
                if change is None:
                    results[i] = existing[key]
                else:
                    changes[i], changed[i] = change, row
            elif read.detection.event_id and key in first_of:
                if read.refinable or read.image is not None:
                    # It may change the read this batch stores first: decided in the next
                    # batch, against the stored read.
                    later.append(i)
                continue  # else answered from the first one below
            else:
                if read.detection.event_id:
                    first_of[key] = i
                new_rows.append(i)

        with_images = new_rows + [i for i, c in changes.items() if c.image]
        reserved = self._reserve_space(batch, with_images)
        image_ok = reserved is not None
        rows: list[dict] = []
        row_of: dict[int, dict] = {}
        hit_rows: list[dict] = []
        written: list[str] = []
        dirs: set[Path] = set()
        try:
            for i in with_images:
                read = batch[i]
                if read.image is not None and not image_ok:
                    if i in changes:  # the reading may still change; the image waits
                        changes[i] = refine.Change(reading=changes[i].reading, image=False)
                        continue
                    results[i] = StorageFull(
                        "the image store is full and nothing more can be pruned"
                    )
                    continue
                stored = None
                if read.image is not None and read.image_kind is not None:
                    # Named at random: the detection id is derived from the seq, which is
                    # only allocated inside the transaction below.
                    stored, directory = self._images.write(
                        detection_id=uuid.uuid4().hex,
                        camera_id=read.camera_id,
                        received_at=now,
                        data=read.image,
                        kind=read.image_kind,
                    )
                    written.append(stored.path)
                    dirs.add(directory)
                if i in changes:
                    changed[i] = _row_of(read, now, stored)
                else:
                    row_of[i] = _row_of(read, now, stored)
                    rows.append(row_of[i])
            self._images.make_durable(dirs)
            with self._engine.begin() as conn:
                self._refresh_hotlist(conn)
                if rows:
                    last, stream_id = conn.execute(
                        update(NodeState)
                        .where(NodeState.id == 1)
                        .values(next_seq=NodeState.next_seq + len(rows))
                        .returning(NodeState.next_seq, NodeState.stream_id)
                    ).one()
                    seq = last - len(rows)
                    base = self._stream_base(conn, stream_id, seq)
                    for row in rows:
                        row["seq"] = seq
                        # Derived from the stream and the seq the cloud will see it under,
                        # ids cost nothing on the sync wire (sync_protocol.detections).
                        row["id"] = str(detection_uuid(stream_id, seq - base))
                        seq += 1
                        matches = self._matcher.match(row["plate_norm"], now)
                        row["has_hit"] = bool(matches)
                        hit_rows.extend(hit_row(row, m, now) for m in matches)
                    conn.execute(insert(Detection.__table__), rows)
                    record_reads(conn, rows)
                    if hit_rows:
                        conn.execute(insert(Hit.__table__), hit_rows)
                for i, change in list(changes.items()):
                    read = batch[i]
                    outcome = refine.apply(
                        conn,
                        stored_of[(read.camera_id, read.detection.event_id or "")],
                        changed[i],
                        change,
                        preview=read.preview,
                        matcher=self._matcher,
                        now=now,
                    )
                    if outcome is None:
                        later.append(i)  # another writer changed the read first: decide again
                        del changes[i]
                    else:
                        self._metrics.refined(change.reading, change.image)
                        results[i] = outcome
        except BaseException:
            self._images.delete_many(written)  # one request for a bucket, not one per image
            self.image_bytes.settle(reserved or 0, 0)
            raise
        kept = [r["image_bytes"] or 0 for r in rows]
        for i, row in changed.items():
            if i in changes and changes[i].image:
                kept.append(row["image_bytes"] or 0)
            elif row["image_path"]:
                self._images.delete(row["image_path"])  # its read took another image
        self.image_bytes.settle(reserved or 0, sum(kept))

        hits_by_id: dict[str, list[HitOut]] = {}
        for h in hit_rows:
            hits_by_id.setdefault(h["detection_id"], []).append(hit_out(h))
        for i in new_rows:
            if results[i] is not None:
                continue
            row = row_of[i]
            results[i] = IngestResult(
                id=row["id"],
                seq=row["seq"],
                plate_norm=row["plate_norm"],
                hits=hits_by_id.get(row["id"], []),
                created=True,
            )
        for i, read in enumerate(batch):
            if results[i] is None and i not in later:  # in-batch duplicate
                first = results[first_of[(read.camera_id, read.detection.event_id or "")]]
                results[i] = first.as_repeat() if isinstance(first, IngestResult) else first
        return results

    def _stream_base(self, conn: Connection, stream_id: str, first_seq: int) -> int:
        """The seq just before the stream's first read, registering the stream if it is new.

        Registered here, in the transaction of the stream's first rows, so the base every id
        was derived from can never change later (a later, different base could make two
        reads of one stream derive the same id).
        """
        if stream_id in self._stream_bases:
            return self._stream_bases[stream_id]
        base = conn.execute(
            select(SyncStream.seq_base).where(SyncStream.stream_id == stream_id)
        ).scalar_one_or_none()
        if base is None:
            others = conn.execute(select(SyncStream.stream_id).limit(1)).first()
            base = 0 if others is None else first_seq - 1  # the node's first stream starts at 0
            conn.execute(
                insert(SyncStream.__table__).values(
                    stream_id=stream_id, seq_base=base, acked=0, created_at=self._clock()
                )
            )
        self._stream_bases[stream_id] = base
        return base

    def _existing(
        self, batch: list[PendingRead]
    ) -> tuple[dict[tuple[str, str], IngestResult], dict[tuple[str, str], RowMapping]]:
        """The batch's reads already stored: their answers, and their rows (``refine``)."""
        wanted = {(r.camera_id, r.detection.event_id) for r in batch if r.detection.event_id}
        found, stored = stored_reads(self._engine, wanted)
        self._metrics.duplicates(len(found))
        return found, stored

    def _reserve_space(self, batch: list[PendingRead], new_rows: list[int]) -> int | None:
        """Reserve the batch's image bytes in the budget: the bytes reserved, None if full."""
        needed = sum(len(batch[i].image or b"") for i in new_rows)
        if needed == 0 or self._room.reserve(needed):
            return needed
        self._metrics.rejected("storage_full")
        return None

    def _refresh_hotlist(self, conn: Connection) -> None:
        rev = hotlist_rev(conn)
        if rev == self._hotlist_rev:
            return
        self._matcher = live_matcher(conn)
        self._hotlist_rev = rev
        log.info("hotlist loaded: %d live entries (rev %d)", len(self._matcher), rev)


def _row_of(read: PendingRead, now: datetime, stored: StoredImage | None) -> dict:
    return read_row(read.camera_id, read.detection, read.image_kind, now, stored, read.preview)


def _drain(pending: queue.Queue[PendingRead | None]) -> list[PendingRead | None]:
    items: list[PendingRead | None] = []
    while True:
        try:
            items.append(pending.get_nowait())
        except queue.Empty:
            return items
