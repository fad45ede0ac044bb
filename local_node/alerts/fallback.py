"""The offline-fallback runner: alerts hits itself while the cloud is unreachable too long.

Registered as a hit listener of the ingest writer, it only drops a wake-up into a queue
(the writer never waits for SMTP or HTTP). One background thread then scans the hits the
cloud has not stored yet (``hits.id > sync_state.hits_acked``), asks ``decide`` about each,
and sends through every configured channel to every recipient, retrying a few times with
backoff and writing every attempt to the ledger (``ledger``). It also scans on its own
every ``poll_interval_s``: a hit that arrived while the cloud was only briefly away is
alerted once the outage passes ``fallback_after_s``, and nothing is sent for a hit the
cloud acknowledged in the meantime (the cloud alerts it). On start it scans at once, so
hits that should have gone out before a restart, and have no successful delivery, go now.

A recipient that keeps failing is given up for the life of the process (retried at the
next start). Giving up loses nothing: the hit still reaches the cloud, without a local
delivery, and the cloud alerts it. What the node did send travels to the cloud in
``HitRecord.delivered_locally`` (``local_node.sync.outbox.to_hit_record``).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine

from local_node.alerts import ledger
from local_node.alerts.channels import FallbackChannel, SendOutcome, build_channels
from local_node.alerts.decide import decide
from local_node.alerts.messages import HitAlert
from local_node.clock import Clock
from local_node.config import FallbackSettings
from local_node.db.tables import SyncState
from local_node.ingest.hooks import HitListener

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (2.0, 10.0, 30.0)
"""Waits between attempts to one recipient: four attempts over about 40 s, then give up."""


@dataclass(frozen=True)
class CloudState:
    """What the fallback needs of ``sync_state``."""

    enrolled: bool
    site_id: str | None
    enrolled_at: datetime | None
    last_success_at: datetime | None
    hits_acked: int


def read_cloud_state(engine: Engine) -> CloudState:
    """Read the node's view of the cloud from ``sync_state`` (read only: no row, not enrolled)."""
    with engine.connect() as conn:
        # SQLModel sets __table__ on table classes at run time; its stubs do not declare it.
        table = SyncState.__table__  # type: ignore[attr-defined]
        row = conn.execute(select(table).where(table.c.id == 1)).mappings().first()
    if row is None:
        return CloudState(False, None, None, None, 0)
    return CloudState(
        enrolled=bool(row["site_id"] and row["key_id"] and row["cloud_url"]),
        site_id=row["site_id"],
        enrolled_at=row["enrolled_at"],
        last_success_at=row["last_success_at"],
        hits_acked=row["hits_acked"],
    )


def to_alert(row: Mapping[str, Any], site_id: str | None) -> HitAlert:
    """The message content of a candidate hit row."""
    return HitAlert(
        hit_id=row["id"],
        detection_id=row["detection_id"],
        list_name=row["list_name"],
        entry_plate=row["entry_plate"],
        plate=row["plate"],
        reason=row["reason"],
        priority=row["priority"],
        match_kind=row["match_kind"],
        site_id=site_id,
        camera_id=row["camera_id"],
        camera_name=row["camera_name"],
        captured_at=row["captured_at"],
        confidence=row["confidence"],
    )


class FallbackRunner:
    """Sends hit alerts through local channels while the cloud is away; ``start``/``stop``."""

    def __init__(
        self,
        *,
        engine: Engine,
        settings: FallbackSettings,
        clock: Clock,
        channels: Sequence[FallbackChannel],
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        poll_interval_s: float | None = None,
        batch: int = 100,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._clock = clock
        self._channels = list(channels)
        self._retry_delays = tuple(retry_delays)
        self._poll_s = poll_interval_s or min(10.0, max(1.0, settings.after_s / 10))
        self._batch = batch
        self._queue: queue.SimpleQueue[threading.Event | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._gave_up: set[tuple[int, str, str]] = set()
        self._skip: set[int] = set()  # hits every remaining target of which was given up
        self.sent = 0
        self.failed_attempts = 0

    @property
    def targets(self) -> list[ledger.Target]:
        """Every (channel, recipient) a hit's alert goes to."""
        return [(c.name, r) for c in self._channels for r in c.recipients()]

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Settle attempts a stopped node left in flight, then scan at once and keep watching."""
        with self._engine.begin() as conn:
            abandoned = ledger.abandon_in_flight(conn)
        if abandoned:
            log.warning(
                "%d fallback alert(s) were being sent when the node stopped; sending them "
                "again (a recipient may get one twice; the ledger says which)",
                abandoned,
            )
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="alert-fallback", daemon=True)
            self._thread.start()
        self.wake()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the send in progress (an interrupted retry is redone at the next start)."""
        self._stop.set()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None
        for channel in self._channels:
            channel.close()

    def on_hits(self, hits: list[tuple[str, int]]) -> None:
        """The writer's hit listener: wake the thread (never blocks, never touches the DB)."""
        self._queue.put(threading.Event())

    def wake(self) -> None:
        """Scan now."""
        self._queue.put(threading.Event())

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until a scan that starts after this call has finished (tests, status)."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    # -- the thread --------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=self._poll_s)
            except queue.Empty:
                item = threading.Event()
            waiting = [item]
            while True:  # fold every wake-up that is already waiting into this one scan
                try:
                    waiting.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            events = [e for e in waiting if e is not None]
            if len(events) < len(waiting):  # stop asked
                for event in events:
                    event.set()
                return
            try:
                self.scan()
            except Exception:  # the database may be away; the next scan tries again
                log.exception("offline fallback scan failed")
            for event in events:
                event.set()

    def scan(self) -> int:
        """Alert every hit that needs it now; return how many messages went out."""
        sent_before = self.sent
        targets = self.targets
        state = read_cloud_state(self._engine)
        if not targets or not state.enrolled:
            return 0
        now = self._clock()
        with self._engine.connect() as conn:
            rows = ledger.candidates(
                conn,
                after_hit_id=state.hits_acked,
                min_priority=self._settings.min_priority,
                not_before=ledger.max_age_start(now, self._settings.max_age_s),
                targets=targets,
                skip=self._skip,
                limit=self._batch,
            )
        for row in rows:
            if self._stop.is_set():
                break
            state = read_cloud_state(self._engine)  # the cloud may be back: decide afresh
            if self._needed(row, state) is not None:
                self._alert(row, state)
        if len(rows) == self._batch and self.sent > sent_before:
            self.wake()  # a full page went out: the next page at once, not at the next poll
        return self.sent - sent_before

    def _needed(self, row: Mapping[str, Any], state: CloudState) -> str | None:
        decision = decide(
            now=self._clock(),
            enrolled=state.enrolled,
            last_success_at=state.last_success_at,
            enrolled_at=state.enrolled_at,
            fallback_after_s=self._settings.after_s,
            priority=row["priority"],
            min_priority=self._settings.min_priority,
            hit_at=row["created_at"],
            max_age_s=self._settings.max_age_s,
            cloud_has_hit=row["id"] <= state.hits_acked,
        )
        return decision.reason if decision.send else None

    def _alert(self, row: Mapping[str, Any], state: CloudState) -> None:
        alert = to_alert(row, state.site_id)
        gave_up = False
        for channel in self._channels:
            for recipient in channel.recipients():
                if (alert.hit_id, channel.name, recipient) in self._gave_up:
                    gave_up = True
                    continue
                gave_up |= self._deliver(channel, recipient, alert, row)
        if gave_up and not self._any_left(alert.hit_id):
            self._skip.add(alert.hit_id)

    def _any_left(self, hit_id: int) -> bool:
        with self._engine.connect() as conn:
            served = {
                (a["channel"], a["recipient"])
                for a in ledger.attempts(conn, hit_id)
                if a["ok"] is not False
            }
        return any(t not in served and (hit_id, *t) not in self._gave_up for t in self.targets)

    def _deliver(
        self, channel: FallbackChannel, recipient: str, alert: HitAlert, row: Mapping[str, Any]
    ) -> bool:
        """Send with retries; return True if this recipient was given up."""
        target = (channel.name, recipient)
        delays = iter(self._retry_delays)
        while not self._stop.is_set():
            # Decide again right before each attempt: the agent may have just reached the
            # cloud with this hit (then the cloud alerts it, and a local send would repeat it).
            if self._needed(row, read_cloud_state(self._engine)) is None:
                return False
            claimed = ledger.claim(
                self._engine,
                hit_id=alert.hit_id,
                detection_id=alert.detection_id,
                target=target,
                now=self._clock(),
            )
            if claimed is None:
                return False  # delivered, in flight, or another sender has it
            try:
                outcome = channel.send(alert, recipient, attempt=claimed.attempt)
            except Exception as exc:  # a bug in a channel must not stop the others
                log.exception("fallback channel %s raised", channel.name)
                outcome = SendOutcome.failed(f"{type(exc).__name__}: {exc}", retryable=False)
            with self._engine.begin() as conn:
                ledger.settle(conn, claimed, outcome)
            if outcome.ok:
                self.sent += 1
                log.warning(
                    "cloud unreachable: sent hit %d (%s) to %s via %s (attempt %d)",
                    alert.hit_id,
                    alert.list_name,
                    recipient,
                    channel.name,
                    claimed.attempt,
                )
                return False
            self.failed_attempts += 1
            delay = next(delays, None)
            if not outcome.retryable or delay is None:
                log.error(
                    "fallback alert of hit %d to %s via %s failed after %d attempt(s): %s "
                    "(the cloud will alert it once reachable)",
                    alert.hit_id,
                    recipient,
                    channel.name,
                    claimed.attempt,
                    outcome.error,
                )
                self._gave_up.add((alert.hit_id, *target))
                return True
            if self._stop.wait(delay):
                return False
        return False


class HitSource(Protocol):
    """Where hits come from (the node's writer); declared here so alerts need not import it."""

    def add_hit_listener(self, listener: HitListener) -> None: ...


def start_fallback(
    *,
    engine: Engine,
    clock: Clock,
    hits: HitSource,
    settings: FallbackSettings,
    timezone: str | None = None,
) -> FallbackRunner | None:
    """Start the fallback beside the node's writer when a channel is configured (else None).

    ``timezone``: the node's configured zone (the one it reports to the cloud), so the
    fallback's messages and the cloud's show one clock; None: the host's zone.
    """
    tz = ZoneInfo(timezone) if timezone else None
    channels = build_channels(settings, clock=clock, tz=tz)
    if not channels:
        return None
    runner = FallbackRunner(engine=engine, settings=settings, clock=clock, channels=channels)
    hits.add_hit_listener(runner.on_hits)
    runner.start()
    log.info(
        "offline fallback: hits go out via %s once the cloud is unreachable for %gs",
        ", ".join(c.name for c in channels),
        settings.after_s,
    )
    return runner
