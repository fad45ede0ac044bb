"""The dispatcher: claims due deliveries, sends them concurrently, records every attempt.

One pass (``prepare`` then ``send``):

1. ``claim_deliveries`` leases due deliveries to this worker (a killed worker's
   leases expire and another takes them over);
2. each is checked against the rate limiter; one that must wait is put back with
   ``next_at`` = when it may go (queued, never dropped, no attempt counted);
3. ``begin_attempts`` counts the attempt and writes its ledger row *before* the send;
4. a pool of sender threads calls the channel (one attempt, never raises);
5. ``finish_attempt`` completes the ledger row and moves the delivery to sent,
   to pending at the ``RetryPolicy``'s backoff, or to gave_up, which raises a
   visible ``delivery_failed`` alert in the same transaction.

Resolution deliveries of one recipient and channel go as one message
(``alerts/resolution.py``): the claimed one leads, the others it claims ride along and
are recorded with its outcome.

At most the in-flight send repeats after a crash, and the ledger shows it: an
unfinished attempt followed by the attempt that repeated it.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError

from cloud_plane.alerts.backoff import RetryPolicy
from cloud_plane.alerts.channels.base import Channel
from cloud_plane.alerts.limiter import RateLimiter
from cloud_plane.alerts.model import (
    AlertKind,
    AlertMessage,
    ChannelKind,
    Delivery,
    DeliveryOutcome,
    OutgoingMessage,
    Recipient,
)
from cloud_plane.alerts.resolution import ResolutionGroups, resolution_message
from cloud_plane.alerts.service import AlertService
from cloud_plane.clock import Clock
from cloud_plane.errors import NotFound
from cloud_plane.records.alerts import StoredAlert
from cloud_plane.records.deliveries import AttemptResult, StoredDelivery
from cloud_plane.records.sites import Site, site_zone
from cloud_plane.store.base import CloudStore

log = logging.getLogger(__name__)

SITE_NAME_TTL_S = 60.0


def new_worker_id() -> str:
    """Return an id naming this process (host, pid) plus randomness (restarts differ)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class DispatchStats:
    """What one pass did."""

    claimed: int = 0  # attempts begun
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # claimed, then put back by the rate limits (no attempt counted)


class Dispatcher:
    """Drains the delivery queue through the configured channels."""

    def __init__(
        self,
        *,
        store: CloudStore,
        channels: Mapping[str, Channel],
        alerts: AlertService,
        clock: Clock,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        rng: random.Random | None = None,
        worker_id: str | None = None,
        lease: timedelta = timedelta(seconds=60),
        senders: int = 16,
        timezone: str = "UTC",
        resolution_settle: timedelta = timedelta(seconds=30),
    ) -> None:
        """Send through ``channels`` (keyed by channel name: sms, email, webhook, file)."""
        self.store = store
        self.channels = dict(channels)
        self.alerts = alerts
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or RateLimiter()
        self.rng = rng or random.Random()
        self.worker_id = worker_id or new_worker_id()
        self.lease = lease
        self.senders = senders
        self.timezone = timezone
        self._pool = ThreadPoolExecutor(senders, thread_name_prefix="alert-send")
        self.resolutions = ResolutionGroups(store, self.worker_id, lease, resolution_settle)
        self._sites: dict[str, tuple[float, Site | None]] = {}
        self._in_flight = 0
        self._done: list[tuple[StoredDelivery, DeliveryOutcome]] = []
        self._slots = threading.Condition()

    def close(self) -> None:
        """Wait for sends in flight, then stop the sender threads."""
        self._pool.shutdown(wait=True)

    # --- one pass ------------------------------------------------------------------------
    def prepare(self, limit: int) -> list[StoredDelivery]:
        """Claim up to ``limit`` due deliveries, defer rate-limited ones, begin the rest."""
        return self._prepare(limit)[0]

    def _prepare(self, limit: int) -> tuple[list[StoredDelivery], int]:
        """``prepare``, also saying how many claimed deliveries were deferred."""
        now = self.clock()
        claimed = self.store.deliveries.claim_deliveries(
            worker=self.worker_id, now=now, lease=self.lease, limit=limit
        )
        claimed = self.resolutions.gather(claimed, now)  # a recipient's resolutions: one each
        # One read and one write of the shared rate-limit buckets for the whole batch.
        permits = self.limiter.acquire_many(
            [(d.recipient_id, channel_kind(d.channel)) for d in claimed], now
        )
        go: list[str] = []
        for delivery, permit in zip(claimed, permits, strict=True):
            if permit.granted:
                go.append(delivery.delivery_id)
            else:
                self.resolutions.defer(delivery, until=permit.at)
        return self.resolutions.begin(go, now), len(claimed) - len(go)

    def dispatch_once(self, limit: int | None = None) -> DispatchStats:
        """Claim, send concurrently and record one batch; return what happened."""
        started, deferred = self._prepare(limit or self.senders)
        futures = [self._pool.submit(self.send, d) for d in started]
        wait(futures)
        outcomes = [f.result() for f in futures]
        sent = sum(1 for o in outcomes if o.ok)
        return DispatchStats(
            claimed=len(started), sent=sent, failed=len(outcomes) - sent, deferred=deferred
        )

    def drain(self, max_passes: int = 1000) -> int:
        """Dispatch until nothing is due now; return how many attempts were made (tests, CLI)."""
        total = 0
        for _ in range(max_passes):
            stats = self.dispatch_once()
            if stats.claimed == 0 and stats.deferred == 0:
                break  # (a pass whose batch was all deferred is no sign the queue is empty)
            total += stats.claimed
        return total

    def run(self, stop: threading.Event, *, poll_s: float = 0.2) -> None:
        """Keep the senders busy until ``stop`` is set; idle, look again every ``poll_s``.

        Outcomes are recorded in groups (one transaction for every send that ended
        since the last one: group commit), and new work is claimed once a quarter
        of the senders are free, so the store sees a few transactions per batch
        instead of three per delivery. A crash before an outcome is recorded is the
        same as a crash mid-send: the attempt stays unfinished and repeats once.
        """
        claim_at = max(1, self.senders // 4)
        while True:
            with self._slots:
                while (
                    not stop.is_set()
                    and not self._done
                    and self.senders - self._in_flight < claim_at
                ):
                    self._slots.wait(poll_s)
                done, self._done = self._done, []
                free = self.senders - self._in_flight
            if done:
                self._record_many(done)
            if stop.is_set():
                break
            if free < claim_at:
                continue
            try:
                started = self.prepare(free)
            except Exception:  # the store is down: keep the worker alive and try again
                log.exception("dispatcher could not claim deliveries")
                stop.wait(max(poll_s, 1.0))
                continue
            if not started:
                with self._slots:
                    if not self._done:
                        self._slots.wait(poll_s)
                continue
            with self._slots:
                self._in_flight += len(started)
            for delivery in started:
                self._pool.submit(self._send_only, delivery)
        self._finish_in_flight()

    def _send_only(self, delivery: StoredDelivery) -> None:
        outcome = self._safe_attempt(delivery)
        with self._slots:
            self._in_flight -= 1
            self._done.append((delivery, outcome))
            self._slots.notify_all()

    def _finish_in_flight(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        with self._slots:
            while self._in_flight and time.monotonic() < deadline:
                self._slots.wait(0.1)
            done, self._done = self._done, []
        if done:
            self._record_many(done)

    def _record_many(self, done: list[tuple[StoredDelivery, DeliveryOutcome]]) -> None:
        try:
            with self.store.meta.atomic():
                for delivery, outcome in done:
                    self._record(delivery, outcome)
        except Exception:
            log.exception("could not record %d outcomes together; recording one by one", len(done))
            for delivery, outcome in done:
                try:
                    self._record(delivery, outcome)
                except Exception:
                    # The ledger row stays unfinished; the lease expires and the send repeats.
                    log.exception("could not record delivery %s", delivery.delivery_id)

    # --- one delivery ----------------------------------------------------------------------
    def send(self, delivery: StoredDelivery) -> DeliveryOutcome:
        """Make the attempt ``begin_attempts`` started and record how it ended."""
        return self.send_and_record(delivery)[0]

    def send_and_record(
        self, delivery: StoredDelivery
    ) -> tuple[DeliveryOutcome, StoredDelivery | None]:
        """Make the started attempt, record it; return the outcome and the delivery after.

        The delivery after is None when recording failed: its ledger row stays unfinished,
        the lease expires and the send repeats once (the SQS worker then fails the message).
        """
        outcome = self._safe_attempt(delivery)
        try:
            return outcome, self._record(delivery, outcome)
        except Exception:
            log.exception("could not record delivery %s", delivery.delivery_id)
            return outcome, None

    def _safe_attempt(self, delivery: StoredDelivery) -> DeliveryOutcome:
        try:
            return self._attempt(delivery)
        except Exception as exc:  # a bug of ours: recorded and retried, never lost
            log.exception("delivery %s failed inside the dispatcher", delivery.delivery_id)
            return DeliveryOutcome.failed(f"dispatcher error: {exc!r}", retryable=True)

    def _attempt(self, delivery: StoredDelivery) -> DeliveryOutcome:
        channel = self.channels.get(delivery.channel)
        if channel is None:
            return DeliveryOutcome.failed(
                f"channel {delivery.channel} is not configured", retryable=False
            )
        try:
            stored = self.store.recipients.get_recipient(delivery.recipient_id)
        except NotFound:
            return DeliveryOutcome.failed("recipient was deleted", retryable=False)
        alert = self.store.alerts.get_alert(delivery.alert_id)
        message: OutgoingMessage
        try:
            recipient = Recipient(
                id=stored.recipient_id,
                name=stored.name,
                phone=stored.phone,
                email=stored.email,
                webhook_url=stored.webhook_url,
                webhook_secret=stored.webhook_secret,
            )
            if delivery.purpose == "resolution":
                message = self.resolution_message(delivery, alert)
            else:
                message = self.message(alert)
        except ValidationError as exc:
            return DeliveryOutcome.failed(f"cannot build the message: {exc}", retryable=False)
        handed = Delivery(
            alert_id=alert.alert_id,
            recipient_id=delivery.recipient_id,
            channel=channel_kind(delivery.channel),
            attempt=delivery.attempt,
            purpose=delivery.purpose,
        )
        started = time.perf_counter()
        outcome = channel.send(handed, message, recipient)
        log.debug(
            "delivery %s attempt %d by %s: %s in %.3fs",
            delivery.delivery_id,
            delivery.attempt,
            delivery.channel,
            "ok" if outcome.ok else outcome.error,
            time.perf_counter() - started,
        )
        return outcome

    def _record(self, delivery: StoredDelivery, outcome: DeliveryOutcome) -> StoredDelivery:
        now = self.clock()
        if outcome.ok:
            result = AttemptResult(ok=True, provider_message_id=outcome.provider_message_id)
        else:
            retry_at = self.retry.next_attempt_at(
                delivery.attempt,
                now,
                self.rng,
                retryable=outcome.retryable,
                retry_after_s=outcome.retry_after_s,
            )
            reason = None
            if retry_at is None:
                reason = (
                    f"gave up after {delivery.attempt} attempt(s): {outcome.error}"
                    if outcome.retryable
                    else f"not retryable: {outcome.error}"
                )
            result = AttemptResult(
                ok=False, error=outcome.error, retry_at=retry_at, give_up_reason=reason
            )
        riders = self.resolutions.riders(delivery)  # sent in the same message: the same outcome
        with self.store.meta.atomic():
            after = self._finish(delivery, result, now)
            for rider in riders:
                self._finish(rider, result, now)
        self.resolutions.forget(delivery)
        if after.status == "gave_up":
            log.warning("delivery %s gave up: %s", delivery.delivery_id, result.give_up_reason)
        return after

    def _finish(
        self, delivery: StoredDelivery, result: AttemptResult, now: datetime
    ) -> StoredDelivery:
        after = self.store.deliveries.finish_attempt(
            delivery.delivery_id, delivery.attempt, result, now=now
        )
        if after.status == "gave_up" and after.attempt == delivery.attempt:
            self.alerts.raise_delivery_failed(after, result.give_up_reason or "")
        return after

    # --- the message ---------------------------------------------------------------------
    def resolution_message(self, lead: StoredDelivery, alert: StoredAlert) -> OutgoingMessage:
        """Return the message that ``lead``'s alert and its riders' alerts resolved."""
        others = [self.store.alerts.get_alert(r.alert_id) for r in self.resolutions.riders(lead)]
        return resolution_message([alert, *others], self.message)

    def message(self, alert: StoredAlert) -> AlertMessage:
        """Return what channels say about ``alert`` (read now: grouped counts are current)."""
        link = alert.link if alert.link and alert.link.startswith(("http://", "https://")) else None
        site = self._site(alert.site_id)
        return AlertMessage(
            alert_id=alert.alert_id,
            kind=AlertKind(alert.kind),
            priority=alert.priority,
            site_name=(site.name if site else alert.site_id)[:200] or alert.site_id,
            site_timezone=site_zone(site, self.timezone),
            site_id=alert.site_id,
            camera_name=camera_name(site, alert.camera_id),
            camera_id=alert.camera_id,
            plate=alert.plate,
            list_name=alert.list_name,
            reason=alert.reason[:2000],
            confidence=alert.confidence,
            occurred_at=alert.first_seen,
            count=max(1, alert.count),
            link_url=link,
        )

    def _site(self, site_id: str) -> Site | None:
        cached = self._sites.get(site_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            site: Site | None = self.store.sites.get_site(site_id)
        except NotFound:
            site = None
        self._sites[site_id] = (time.monotonic() + SITE_NAME_TTL_S, site)
        return site


def camera_name(site: Site | None, camera_id: str | None) -> str | None:
    """The camera's name from the site's last heartbeat; its id if the node sent no name."""
    if camera_id is None:
        return None
    cameras = site.heartbeat.cameras if site and site.heartbeat else []
    named = next((c.name for c in cameras if c.camera_id == camera_id and c.name), None)
    return named or camera_id


def channel_kind(channel: str) -> ChannelKind:
    """The kind the rate limiter counts a delivery's channel under (unknown: file)."""
    try:
        return ChannelKind(channel)
    except ValueError:
        return ChannelKind.FILE
