"""One exchange with the cloud: build the request from the outbox, send it, apply the reply.

Checkpoints follow durability: a stream's acked mark moves only to the mark the cloud's
reply names (it answers after storing durably), hits are marked sent only when a reply
came back, and a lower mark or a new cloud epoch moves the mark back so that the node
resends what a restored cloud lost. Exchanges are serialised (one lock, one agent per
node), so a reply is never older than the state it is applied to.

Pipelining without a second exchange in flight: while a request is on the wire, a helper
thread already turns the NEXT range of rows into wire records (the costly part of building
a request). The next build uses them only if its plan starts exactly there; otherwise they
are dropped. So node and cloud work overlap while acks and checkpoints stay strictly serial.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine

from local_node.clock import Clock
from local_node.config import SyncSettings
from local_node.db.repo import bump_hotlist_rev
from local_node.db.tables import NodeState
from local_node.images.store import FileImageStore, ImageStore
from local_node.sync import corrections, hotlist_sync, outbox, store
from local_node.sync.client import CloudRefused, SyncClient, SyncError
from local_node.sync.heartbeat import build_heartbeat
from local_node.sync.image_commands import ImageCommands
from local_node.sync.keys import key_path, read_private_key
from sync_protocol.codec import PayloadTooLarge
from sync_protocol.messages import (
    MAX_HITS,
    MAX_HOTLIST_OPS,
    DetectionBatch,
    ExchangeReply,
    ExchangeRequest,
    ResendFrom,
    UploadImage,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExchangeOutcome:
    """What one exchange did; ``more`` asks for another exchange at once (catching up)."""

    enrolled: bool
    records: int = 0
    hits: int = 0
    ops: int = 0
    more: bool = False
    retry_after_s: float | None = None
    push_interval_s: float | None = None  # the cloud's asked push period (None: ours)


@dataclass
class _Outgoing:
    request: ExchangeRequest
    stream: outbox.StreamMark
    streams: list[outbox.StreamMark]
    last_hit_id: int | None
    hits_left: bool
    newest_held: int | None
    sent_ops: dict
    gaps: list[str]
    next_first: int | None = None  # database seq right after this request's batch
    last_correction_id: int | None = None  # the last read correction this request covers


@dataclass(frozen=True)
class _Prebuilt:
    stream_id: str
    first: int  # database seq of the first record
    records: list


class SyncAgent:
    """The node side of ``POST /sync/v1/exchange``; thread-safe, one exchange at a time."""

    def __init__(
        self,
        *,
        engine: Engine,
        settings: SyncSettings,
        data_dir: Path,
        clock: Clock,
        started_at: float | None = None,
        transport: httpx.BaseTransport | None = None,
        nonce: Callable[[], str] = lambda: uuid.uuid4().hex,
        images_dir: Path | None = None,
        images: ImageStore | None = None,  # None: a folder at images_dir or data_dir/images
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._data_dir = data_dir
        self._clock = clock
        self._started_at = time.monotonic() if started_at is None else started_at
        self._transport = transport
        self._nonce = nonce
        self._lock = threading.Lock()
        self._clients: dict[str, SyncClient] = {}
        self._command_acks: list[str] = []
        self._uploads: list[UploadImage] = []  # image commands of the last reply
        if images is None:
            images = FileImageStore(images_dir or data_dir / "images", sync_mode="file")
        self.images = ImageCommands(engine, data_dir, images, clock, nonce, self._client)
        self.max_records = settings.batch_max_records
        self._prebuilder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-prebuild")
        self._prebuilt: Future[_Prebuilt | None] | None = None

    # -- what is waiting ------------------------------------------------------------------
    def has_work(self) -> bool:
        """Whether anything waits to be sent (rows, hits, site edits, command acks)."""
        if self._command_acks:
            return True
        with self._engine.begin() as conn:
            if store.enrolment(conn) is None:
                return False
            state = store.load_state(conn)
            known = store.ensure_streams(conn, self._clock())
            if store.pending_hits(conn, state["hits_acked"], 1):
                return True
            if corrections.plan(corrections.pending(conn, state["corrections_acked"], 1), known)[0]:
                return True
            ops, _ = hotlist_sync.pending_ops(conn, 1)
            if ops:
                return True
            plan = outbox.plan_batch(known, store.held_spans(conn, known), max_count=1)
            return plan.batch is not None

    def enrolled(self) -> bool:
        """Whether the node is enrolled (the agent idles otherwise)."""
        with self._engine.begin() as conn:
            return store.enrolment(conn) is not None

    # -- one exchange ---------------------------------------------------------------------
    def exchange(self, *, heartbeat: bool = False) -> ExchangeOutcome:
        """Send what is waiting (and a heartbeat if asked); raise ``SyncError`` on failure."""
        with self._lock:
            with self._engine.connect() as conn:
                enrolment = store.enrolment(conn)
            if enrolment is None:
                return ExchangeOutcome(enrolled=False)
            now = self._clock()
            try:
                return self._exchange(enrolment, heartbeat=heartbeat)
            except SyncError as exc:
                self._record_failure(now, str(exc))
                raise
            except Exception as exc:
                self._record_failure(now, f"{type(exc).__name__}: {exc}")
                raise

    def _exchange(self, enrolment: store.Enrolment, *, heartbeat: bool) -> ExchangeOutcome:
        try:
            private_pem = read_private_key(key_path(self._data_dir))
        except FileNotFoundError:
            raise SyncError(
                f"the node's key {key_path(self._data_dir)} is missing: "
                "enrol again with `edgesync node enroll`"
            ) from None
        while True:
            out = self._build(enrolment, heartbeat=heartbeat)
            self._start_prebuild(out)
            try:
                reply = self._client(enrolment.cloud_url).exchange(
                    out.request,
                    private_pem=private_pem,
                    key_id=enrolment.key_id,
                    now=self._clock(),
                    nonce=self._nonce,
                )
                break
            except PayloadTooLarge:
                sent = len(out.request.batch.records) if out.request.batch else 0
                if sent <= 1:
                    raise
                self.max_records = max(1, sent // 2)
            except CloudRefused as exc:
                if exc.status == 413 and out.request.batch is not None:
                    self.max_records = max(1, len(out.request.batch.records) // 2)
                raise
        outcome = self._apply(out, reply)
        uploads, self._uploads = self._uploads, []
        self.images.answer_all(uploads, enrolment, private_pem)
        return outcome

    def _build(self, enrolment: store.Enrolment, *, heartbeat: bool) -> _Outgoing:
        now = self._clock()
        settings = self._settings
        with self._engine.begin() as conn:
            state = store.load_state(conn)
            known = store.ensure_streams(conn, now)
            current = conn.execute(
                select(NodeState.stream_id).where(NodeState.id == 1)
            ).scalar_one()
            all_hits = store.pending_hits(conn, state["hits_acked"], MAX_HITS)
            hit_stream, hit_rows = outbox.hits_of_one_stream(all_hits, known)
            held = store.held_spans(conn, known)
            candidates = [hit_stream] if hit_stream is not None else known
            plan = outbox.plan_batch(candidates, held, max_count=self.max_records)
            prebuilt_first = self._prebuilt_first()
            rows = (
                store.detection_rows(conn, plan.batch.first, plan.batch.last)
                if plan.batch and plan.batch.first != prebuilt_first
                else []
            )
            ops, sent_ops = hotlist_sync.pending_ops(conn, MAX_HOTLIST_OPS)
            fixes, last_fix = corrections.plan(
                corrections.pending(conn, state["corrections_acked"]), known
            )
        stream = hit_stream or (plan.batch.stream if plan.batch else None)
        if stream is None:
            stream = next(s for s in known if s.stream_id == current)
        records = self._take_prebuilt(stream.stream_id, plan.batch.first if plan.batch else None)
        if records is None:
            if plan.batch and not rows:  # skipped for a prebuild that did not fit after all
                with self._engine.connect() as conn:
                    rows = store.detection_rows(conn, plan.batch.first, plan.batch.last)
            records = self._records(rows, stream)
        batch = (
            DetectionBatch(stream_id=stream.stream_id, first_seq=records[0].seq, records=records)
            if records
            else None
        )
        hits = [
            outbox.to_hit_record(r, stream, hotlist_version=state["hotlist_version"])
            for r in hit_rows
        ]
        beat = (
            build_heartbeat(
                self._engine,
                now=now,
                started_at=self._started_at,
                data_dir=self._data_dir,
                interval_s=settings.heartbeat_interval_s,
            )
            if heartbeat
            else None
        )
        request = ExchangeRequest(
            site_id=enrolment.site_id,
            stream_id=stream.stream_id,
            node_time=now,
            cloud_epoch=state["cloud_epoch"],
            batch=batch,
            hits=hits,
            heartbeat=beat,
            hotlist_ops=ops,
            hotlist_version=state["hotlist_version"],
            acked_commands=list(self._command_acks),
            corrections=fixes,
        )
        span = held.get(stream.stream_id)
        return _Outgoing(
            request=request,
            stream=stream,
            streams=known,
            last_hit_id=hit_rows[-1]["id"] if hit_rows else None,
            hits_left=len(hit_rows) < len(all_hits) or len(all_hits) == MAX_HITS,
            newest_held=span[1] if span else None,
            sent_ops=sent_ops,
            gaps=plan.gaps,
            next_first=(plan.batch.first + len(records)) if plan.batch and records else None,
            last_correction_id=last_fix,
        )

    # -- pipelining -------------------------------------------------------------------------
    def _records(self, rows: list, stream: outbox.StreamMark) -> list:
        return outbox.first_fitting(
            [outbox.to_record(r, stream) for r in rows],
            max_count=self.max_records,
            max_bytes=self._settings.batch_max_bytes,
        )

    def _start_prebuild(self, out: _Outgoing) -> None:
        """Build the records after this batch while this request is on the wire."""
        self._prebuilt = None
        if out.next_first is None or out.newest_held is None or out.next_first > out.newest_held:
            return
        stream, first = out.stream, out.next_first
        if any(s.seq_base >= first - 1 and s.seq_base > stream.seq_base for s in out.streams):
            return  # the next rows belong to a later stream: let the planner decide

        def build() -> _Prebuilt | None:
            with self._engine.connect() as conn:
                rows = store.detection_rows(conn, first, first + self.max_records - 1)
            later = [s.seq_base for s in out.streams if s.seq_base > stream.seq_base]
            if later:
                rows = [r for r in rows if r["seq"] <= min(later)]
            records = self._records(rows, stream) if rows else []
            return _Prebuilt(stream.stream_id, first, records) if records else None

        self._prebuilt = self._prebuilder.submit(build)

    def _prebuilt_first(self) -> int | None:
        if self._prebuilt is None:
            return None
        try:
            done = self._prebuilt.result()
        except Exception:
            log.exception("prebuilding the next batch failed; building it again")
            self._prebuilt = None
            return None
        return done.first if done is not None else None

    def _take_prebuilt(self, stream_id: str, first: int | None) -> list | None:
        """The prebuilt records if the plan starts exactly where they start, else None."""
        future, self._prebuilt = self._prebuilt, None
        if future is None or first is None:
            return None
        try:
            done = future.result()
        except Exception:
            return None
        if done is None or done.stream_id != stream_id or done.first != first:
            return None
        return done.records[: self.max_records]  # the limit may have shrunk after a 413

    def _apply(self, out: _Outgoing, reply: ExchangeReply) -> ExchangeOutcome:
        now = self._clock()
        request = out.request
        with self._engine.begin() as conn:
            state = store.load_state(conn)
            epoch_changed = (
                state["cloud_epoch"] is not None and reply.cloud_epoch != state["cloud_epoch"]
            )
            if epoch_changed:
                log.warning(
                    "cloud epoch changed (%s -> %s): the cloud was restored; resending from "
                    "its marks",
                    state["cloud_epoch"],
                    reply.cloud_epoch,
                )
            known = store.streams(conn)
            marks = {
                s.stream_id: outbox.new_mark(
                    current=s.acked,
                    reply_ack=reply.ack.get(s.stream_id),
                    epoch_changed=epoch_changed,
                )
                for s in known
            }
            new_acks: list[str] = []
            for command in reply.commands:
                if isinstance(command, ResendFrom) and command.stream_id in marks:
                    marks[command.stream_id] = min(marks[command.stream_id], command.seq - 1)
                    log.warning(
                        "cloud asked to resend stream %s from %d", command.stream_id, command.seq
                    )
                if isinstance(command, UploadImage):
                    self._uploads.append(command)
                new_acks.append(command.command_id)
            store.save_marks(conn, marks)
            for s in known:
                if marks[s.stream_id] < s.acked:
                    log.warning(
                        "cloud holds stream %s only to %d (node had %d acked): resending",
                        s.stream_id,
                        marks[s.stream_id],
                        s.acked,
                    )
            hits_acked = state["hits_acked"]
            if out.last_hit_id is not None:
                hits_acked = max(hits_acked, out.last_hit_id)
            fixed = max(state["corrections_acked"], out.last_correction_id or 0)
            if epoch_changed:
                hits_acked = 0  # the restored cloud may have lost hits; it deduplicates them
                fixed = 0  # and corrections; applying one twice changes nothing
            version, changed = state["hotlist_version"], False
            if reply.hotlist is not None:
                version, changed = hotlist_sync.apply_delta(conn, reply.hotlist, version)
            version, settled = hotlist_sync.apply_op_results(
                conn, reply.op_results, out.sent_ops, version, now=now
            )
            if changed or settled:
                bump_hotlist_rev(conn)
            error = None
            if out.gaps:
                error = (
                    f"the cloud lacks detections of stream(s) {', '.join(out.gaps)} that this "
                    "node no longer holds"
                )
                log.error(error)
            store.update_state(
                conn,
                cloud_epoch=reply.cloud_epoch,
                hits_acked=hits_acked,
                corrections_acked=fixed,
                hotlist_version=version,
                last_attempt_at=now,
                last_success_at=now,
                last_error=error,
            )
        delivered = set(request.acked_commands)
        self._command_acks = [c for c in self._command_acks if c not in delivered] + new_acks
        stream_id = out.stream.stream_id
        progressed = marks.get(stream_id, 0) > out.stream.acked
        behind = out.newest_held is not None and out.newest_held > out.stream.seq_base + marks.get(
            stream_id, 0
        )
        more = (
            (request.batch is not None and progressed and behind)
            or out.hits_left
            or epoch_changed
            or version < state["hotlist_version"]
            or any(marks[s.stream_id] < s.acked for s in known)
        )
        return ExchangeOutcome(
            enrolled=True,
            records=len(request.batch.records) if request.batch else 0,
            hits=len(request.hits),
            ops=len(request.hotlist_ops),
            more=more,
            retry_after_s=reply.retry_after_s,
            push_interval_s=reply.push_interval_s,
        )

    def _record_failure(self, now, message: str) -> None:
        try:
            with self._engine.begin() as conn:
                store.update_state(conn, last_attempt_at=now, last_error=message[:500])
        except Exception:  # the database may be what failed
            log.exception("could not record the sync failure")

    def _client(self, url: str) -> SyncClient:
        client = self._clients.get(url)
        if client is None:
            client = SyncClient(url, timeout_s=self._settings.timeout_s, transport=self._transport)
            self._clients[url] = client
        return client

    def close(self) -> None:
        """Release HTTP connections and stop the prebuild thread."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        self._prebuilder.shutdown(wait=True)
