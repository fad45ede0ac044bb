"""A small cloud that speaks sync_protocol: enrolment, signed exchanges, idempotent high-water
marks per stream, a versioned hotlist with last-writer-wins ops, commands, and faults."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from sync_protocol import codec
from sync_protocol.hotlist_messages import HotlistDelta, HotlistEntry, OpResult
from sync_protocol.hotlist_rules import change_problem, site_owner
from sync_protocol.messages import (
    EnrollReply,
    EnrollRequest,
    ExchangeReply,
    ExchangeRequest,
    HitRecord,
    ResendFrom,
)
from sync_protocol.rules import clamp_made_at, op_wins
from sync_protocol.signing import (
    InMemoryReplayCache,
    SignatureError,
    key_thumbprint,
    verify_request,
)


@dataclass
class Received:
    """One exchange as the cloud saw it."""

    at: float  # time.monotonic()
    request: ExchangeRequest


@dataclass
class FakeCloud:
    codes: dict[str, str] = field(default_factory=lambda: {"CODE-123456": "site-1"})
    epoch: str = "epoch-1"
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    enrolments: list[EnrollRequest] = field(default_factory=list)  # as the nodes sent them
    records: dict[str, dict[int, object]] = field(default_factory=dict)
    marks: dict[str, int] = field(default_factory=dict)
    hits: dict[tuple, tuple[float, HitRecord]] = field(default_factory=dict)
    heartbeats: list = field(default_factory=list)
    hotlist: dict[tuple[str, str], HotlistEntry] = field(default_factory=dict)
    version: int = 0
    results: dict[uuid.UUID, OpResult] = field(default_factory=dict)
    commands: list = field(default_factory=list)
    corrections: list = field(default_factory=list)  # every ReadCorrection received, in order
    received: list[Received] = field(default_factory=list)
    attempts: list[float] = field(default_factory=list)
    fail_with: int | None = None  # answer every exchange with this status while set
    ack_at_most: int | None = None  # store and ack no further than this seq
    rejected_lists: frozenset[str] = frozenset({"forbidden"})
    snapshot_next: bool = False
    push_interval_s: float | None = None  # the push period asked of the node in replies

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._replay = InMemoryReplayCache()

    # -- controls -------------------------------------------------------------------
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def put_entry(
        self, list_name: str, plate: str, *, deleted: bool = False, owner: str = "cloud"
    ) -> HotlistEntry:
        """A staff edit in the cloud (or, with ``owner``, a site's entry as the cloud holds it)."""
        with self._lock:
            self.version += 1
            entry = HotlistEntry(
                list_name=list_name,
                plate_norm=plate,
                plate=plate,
                reason="cloud",
                priority=50,
                updated_by="staff",
                owner=owner,
                updated_at=datetime.now(UTC),
                op_id=uuid.uuid4(),
                deleted=deleted,
                version=self.version,
            )
            self.hotlist[(list_name, plate)] = entry
            return entry

    def forget_after(self, stream_id: str, seq: int, *, new_epoch: bool) -> None:
        """Lose everything of a stream after ``seq`` (a restore from an older backup)."""
        with self._lock:
            held = self.records.get(stream_id, {})
            for s in [s for s in held if s > seq]:
                del held[s]
            self.marks[stream_id] = min(self.marks.get(stream_id, 0), seq)
            if new_epoch:
                self.epoch = f"epoch-{uuid.uuid4().hex[:8]}"

    def seqs(self, stream_id: str) -> list[int]:
        return sorted(self.records.get(stream_id, {}))

    # -- HTTP -----------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/sync/v1/enroll":
            return self._enroll(request.content)
        if request.url.path == "/sync/v1/exchange":
            self.attempts.append(time.monotonic())
            if self.fail_with is not None:
                return httpx.Response(self.fail_with, json={"detail": "injected failure"})
            return self._exchange(request)
        return httpx.Response(404, json={"detail": "not found"})

    def _enroll(self, body: bytes) -> httpx.Response:
        try:
            req = codec.decode(body, EnrollRequest)
        except codec.CodecError as exc:
            return httpx.Response(422, json={"detail": str(exc)})
        self.enrolments.append(req)
        site = self.codes.pop(req.code, None)
        if site is None:
            return httpx.Response(403, json={"detail": "enrolment code is used or expired"})
        key_id = key_thumbprint(req.public_key_pem)
        self.keys[(site, key_id)] = req.public_key_pem
        reply = EnrollReply(
            site_id=site, site_name="Site One", key_id=key_id, cloud_epoch=self.epoch
        )
        return httpx.Response(200, content=codec.encode(reply))

    def _exchange(self, request: httpx.Request) -> httpx.Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "EdgeSync":
            return httpx.Response(401, json={"detail": "missing EdgeSync token"})
        if request.headers.get("content-type") != codec.CONTENT_TYPE:
            return httpx.Response(415, json={"detail": "wrong content type"})
        try:
            who = verify_request(
                token,
                request.content,
                public_key_pem_lookup=lambda s, k: self.keys.get((s, k)),
                now=datetime.now(UTC),
                replay_cache=self._replay,
            )
        except SignatureError as exc:
            return httpx.Response(401, json={"detail": str(exc)})
        try:
            req = codec.decode(request.content, ExchangeRequest)
        except codec.CodecError as exc:
            return httpx.Response(422, json={"detail": str(exc)})
        if req.site_id != who.site_id:
            return httpx.Response(403, json={"detail": "other site"})
        with self._lock:
            reply = self._apply(req)
        return httpx.Response(200, content=codec.encode(reply))

    def _apply(self, req: ExchangeRequest) -> ExchangeReply:
        now = datetime.now(UTC)
        self.received.append(Received(time.monotonic(), req))
        stream = req.stream_id
        mark = self.marks.get(stream, 0)
        if req.batch is not None and req.batch.first_seq <= mark + 1:
            held = self.records.setdefault(stream, {})
            for record in req.batch.records:
                if record.seq > mark and (
                    self.ack_at_most is None or record.seq <= self.ack_at_most
                ):
                    held.setdefault(record.seq, record)
                    mark = record.seq
            self.marks[stream] = mark
        for hit in req.hits:
            self.hits.setdefault(
                (hit.detection_id, hit.list_name, hit.plate_norm), (time.monotonic(), hit)
            )
        if req.heartbeat is not None:
            self.heartbeats.append(req.heartbeat)
        self.corrections.extend(req.corrections)
        results = {op.op_id: self._apply_op(op, req.site_id, now) for op in req.hotlist_ops}
        self.commands = [c for c in self.commands if c.command_id not in req.acked_commands]
        return ExchangeReply(
            cloud_epoch=self.epoch,
            ack={stream: self.marks.get(stream, 0)},
            hotlist=self._delta(req.hotlist_version),
            op_results=results,
            commands=list(self.commands),
            push_interval_s=self.push_interval_s,
        )

    def _apply_op(self, op, site_id: str, now: datetime) -> OpResult:
        if op.op_id in self.results:
            return self.results[op.op_id]
        key = (op.list_name, op.plate_norm)
        current = self.hotlist.get(key)
        live_owner = None if current is None or current.deleted else current.owner
        refusal = change_problem(op.list_name, op.plate_norm, live_owner, site_owner(site_id))
        if op.list_name in self.rejected_lists:
            result = OpResult(status="rejected", reason="list not allowed for this site")
        elif refusal:
            result = OpResult(status="rejected", reason=refusal, version=current.version)
        else:
            if op_wins(current, op):
                self.version += 1
                self.hotlist[key] = HotlistEntry(
                    list_name=op.list_name,
                    plate_norm=op.plate_norm,
                    plate=op.plate or op.plate_norm,
                    reason=op.reason,
                    priority=op.priority,
                    expires_at=op.expires_at,
                    updated_by=site_owner(site_id),
                    reported_by=op.made_by,
                    owner=site_owner(site_id),
                    updated_at=clamp_made_at(op.made_at, now),
                    op_id=op.op_id,
                    deleted=op.action == "delete",
                    version=self.version,
                )
                result = OpResult(status="applied", version=self.version)
            else:
                result = OpResult(status="superseded", version=current.version)
        self.results[op.op_id] = result
        return result

    def _delta(self, held: int) -> HotlistDelta | None:
        if self.snapshot_next or held > self.version:
            self.snapshot_next = False
            live = [e for e in self.hotlist.values() if not e.deleted]
            return HotlistDelta(
                from_version=0, to_version=self.version, entries=live, snapshot=True
            )
        if held == self.version:
            return None
        entries = [e for e in self.hotlist.values() if e.version > held]
        return HotlistDelta(from_version=held, to_version=self.version, entries=entries)

    def resend_from(self, stream_id: str, seq: int) -> None:
        self.commands.append(ResendFrom(command_id=uuid.uuid4().hex, stream_id=stream_id, seq=seq))
