"""Alert delivery driven by SQS: one message per delivery, handled a batch at a time.

The store stays the truth (the queue, leases, the attempt ledger); a message only says
"this delivery may be due now". For each message of a batch (``handle``):

1. the body is a delivery id; ``claim_delivery`` leases that delivery if it is due.
   Nothing to claim (unknown, sent, gave up, not due, leased by another worker): the
   message is consumed. A duplicate or stale message therefore does nothing;
2. the rate limiter decides the claimed ones together (one read and one write of the
   shared buckets); one held back is deferred in the store and a new message is sent
   with DelaySeconds = the wait;
3. ``begin_attempts`` writes the ledger rows *before* the sends; the sends run
   concurrently (the dispatcher's sender pool); ``finish_attempt`` records each outcome.
   A resolution delivery carries its recipient's other waiting resolutions on its
   channel in one message (``alerts/resolution.py``);
4. a "retry later" outcome is answered with **a new message delayed by the backoff**
   (the ``RetryPolicy``'s, at most SQS's 900 s; later ones are left to the sweep), and the
   message in hand is consumed. Decided against failing the message so SQS redelivers it:
   the redelivery delay is the queue's fixed visibility timeout, not the jittered backoff,
   and each redelivery counts toward ``maxReceiveCount``, so a provider outage would push
   good deliveries into the dead-letter queue. Giving up stays the store's decision
   (``alert_max_attempts``, then a visible ``delivery_failed`` alert).

A message is reported failed (``batchItemFailures``: SQS redelivers it alone, and after
``maxReceiveCount`` receives moves it to the dead-letter queue) only when *we* could not
process it: a body that is not a delivery id, the store failing, an outcome that could
not be recorded (the lease then expires and the redelivered message repeats the send;
the ledger shows the unfinished attempt), or a retry message SQS would not take.

``sweep`` (the monitor's job) repairs lost messages: deliveries due for longer than
``grace`` (a message lost before or after sending, a retry later than 900 s, a worker
that died) are put back to pending and announced again. A message it repeats is
harmless: only one claim succeeds.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cloud_plane.alerts.dispatcher import Dispatcher, channel_kind
from cloud_plane.alerts.sqs import MAX_BODY, MAX_DELAY_S, QueueError, SqsQueue, delay_for
from cloud_plane.records.deliveries import StoredDelivery

log = logging.getLogger(__name__)

DELIVERY_ID = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9:_.\-]{{0,{MAX_BODY - 1}}}$")
"""What a delivery id looks like (uuids in practice); any other body is not our message."""
CLOCK_MARGIN_S = 1
"""Added to a retry's delay: a message must not arrive before its delivery is due."""
SWEEP_LIMIT = 100


class BadMessage(ValueError):
    """A message that is not a delivery id (never ours, or corrupted)."""


def delivery_id_of(record: Mapping[str, Any]) -> str:
    """Return the delivery id an SQS record carries; raise BadMessage."""
    body = record.get("body")
    if not isinstance(body, str) or not DELIVERY_ID.match(body.strip()):
        raise BadMessage(f"message {record.get('messageId')!r} does not name a delivery")
    return body.strip()


@dataclass
class DeliveryAnnouncer:
    """Sends one message per new delivery; a failure is logged, the sweep repairs it."""

    queue: SqsQueue

    def __call__(self, delivery_ids: Sequence[str]) -> None:
        """Send the ids now (called after the rows are committed)."""
        self.later(delivery_ids, 0)

    def later(self, delivery_ids: Sequence[str], delay_s: float) -> None:
        """Send the ids to arrive ``delay_s`` from now (at most SQS's 900 s; the sweep
        sends any later one once it is due)."""
        unsent = self.queue.send(list(delivery_ids), delay_s=delay_for(delay_s))
        if unsent:
            log.warning(
                "%d delivery message(s) not sent; the monitor's sweep will send them", len(unsent)
            )


@dataclass
class QueueWorker:
    """Handles SQS batches of delivery ids with a dispatcher's collaborators."""

    dispatcher: Dispatcher
    queue: SqsQueue
    grace: timedelta = timedelta(seconds=60)
    _pool: ThreadPoolExecutor | None = field(default=None, repr=False)

    @property
    def worker_id(self) -> str:
        """The id leases are taken under (the dispatcher's)."""
        return self.dispatcher.worker_id

    def handle(self, records: Sequence[Mapping[str, Any]]) -> list[str]:
        """Handle one batch; return the message ids to report as failed (SQS redelivers them)."""
        d = self.dispatcher
        now = d.clock()
        failed: list[str] = []
        claimed: list[tuple[StoredDelivery, str]] = []  # with its message id
        for record in records:
            message_id = str(record.get("messageId", ""))
            try:
                delivery = self._claim(record, now)
            except BadMessage as exc:
                log.error("%s: left for the dead-letter queue", exc)
                failed.append(message_id)
                continue
            except Exception:  # the store failed for this one: SQS brings it back
                log.exception("could not take the delivery of message %s", message_id)
                failed.append(message_id)
                continue
            if delivery is not None:
                claimed.append((delivery, message_id))
        go, held_failed = self._within_limits(claimed, now)
        failed += held_failed
        if not go:
            return failed
        try:
            started = d.resolutions.begin(list(go), now)
        except Exception:
            log.exception("could not begin %d attempt(s)", len(go))
            return failed + list(go.values())
        # A delivery missing from `started` lost its lease meanwhile: another worker has it.
        results = list(self._senders().map(d.send_and_record, started))
        for delivery, (_, after) in zip(started, results, strict=True):
            if not self._followed_up(after):
                failed.append(go[delivery.delivery_id])
        return failed

    def sweep(self, limit: int = 1000) -> int:
        """Announce again every delivery due for longer than ``grace``; return how many."""
        d = self.dispatcher
        total = 0
        while total < limit:
            now = d.clock()
            # Claimed "as of now - grace", so only deliveries overdue by the grace come back;
            # each is returned to pending, due now, before its message goes out.
            stale = d.store.deliveries.claim_deliveries(
                worker=self.worker_id,
                now=now - self.grace,
                lease=self.grace,
                limit=min(SWEEP_LIMIT, limit - total),
            )
            for delivery in stale:
                d.store.deliveries.defer_delivery(
                    delivery.delivery_id, worker=self.worker_id, until=now
                )
            if stale:
                unsent = self.queue.send([s.delivery_id for s in stale])
                if unsent:
                    log.warning("sweep: %d message(s) not sent; next sweep retries", len(unsent))
            total += len(stale)
            if len(stale) < SWEEP_LIMIT:
                break
        if total:
            log.info("sweep: %d overdue deliveries announced again", total)
        return total

    def drain(self, max_batches: int = 1000) -> int:
        """Handle the messages visible now, batch by batch; return how many (`--once`)."""
        handled = 0
        for _ in range(max_batches):
            records = self.queue.receive(wait_s=0)
            if not records:
                break
            self._handle_and_delete(records)
            handled += len(records)
        return handled

    def run(self, stop: threading.Event, *, wait_s: int = 2) -> None:
        """Receive, handle and delete batches until ``stop`` is set.

        `edgesync cloud serve`'s stand-in for Lambda's SQS event source: the same
        ``handle``, the same rule (failed messages stay and come back after the queue's
        visibility timeout; the others are deleted).
        """
        while not stop.is_set():
            try:
                records = self.queue.receive(wait_s=wait_s)
            except QueueError as exc:
                log.warning("%s; trying again", exc)
                stop.wait(1.0)
                continue
            if records:
                self._handle_and_delete(records)

    def _handle_and_delete(self, records: list[dict[str, Any]]) -> None:
        """Handle a received batch and delete what succeeded (failures come back later)."""
        try:
            failed = set(self.handle(records))
        except Exception:  # every message comes back after the visibility timeout
            log.exception("could not handle a batch of %d message(s)", len(records))
            return
        try:
            self.queue.delete([r["receiptHandle"] for r in records if r["messageId"] not in failed])
        except QueueError as exc:
            log.warning("%s (they come back and find nothing to do)", exc)

    def close(self) -> None:
        """Stop the sender threads (after the sends in flight)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self.dispatcher.close()

    # --- helpers -----------------------------------------------------------------------------
    def _claim(self, record: Mapping[str, Any], now: datetime) -> StoredDelivery | None:
        """Claim the record's delivery if it is due; None: nothing to do (message consumed).

        Raise BadMessage for a body that is no delivery id.
        """
        d = self.dispatcher
        delivery_id = delivery_id_of(record)
        claimed = d.store.deliveries.claim_delivery(
            delivery_id, worker=self.worker_id, now=now, lease=d.lease
        )
        if claimed is None:
            log.info(
                "message %s: delivery %s has nothing due", record.get("messageId"), delivery_id
            )
            return None
        # A resolution brings its recipient's other waiting resolutions on the channel along
        # (one message); their own messages then find nothing due and are consumed.
        d.resolutions.gather([claimed], now)
        return claimed

    def _within_limits(
        self, claimed: list[tuple[StoredDelivery, str]], now: datetime
    ) -> tuple[dict[str, str], list[str]]:
        """Return ({delivery id: message id} the rate limiter lets go now, failed message ids).

        The batch is decided at once (one read and one write of the shared buckets); each one
        held back is deferred in the store and a delayed message sent for it. A message whose
        delivery could not be decided or held fails (SQS brings it back; by then its lease
        has expired, or the sweep has announced the delivery again).
        """
        d = self.dispatcher
        try:
            permits = d.limiter.acquire_many(
                [(c.recipient_id, channel_kind(c.channel)) for c, _ in claimed], now
            )
        except Exception:
            log.exception("could not check %d delivery(ies) against the rate limits", len(claimed))
            return {}, [message_id for _, message_id in claimed]
        go: dict[str, str] = {}
        failed: list[str] = []
        for (delivery, message_id), permit in zip(claimed, permits, strict=True):
            if permit.granted:
                go[delivery.delivery_id] = message_id
                continue
            try:
                self._hold(delivery, permit.at, now)
            except Exception:
                log.exception("could not hold back delivery %s", delivery.delivery_id)
                failed.append(message_id)
        return go, failed

    def _hold(self, delivery: StoredDelivery, until: datetime, now: datetime) -> None:
        """Defer a rate-limited delivery to ``until`` and send its delayed message.

        Raise QueueError if that message could not be sent.
        """
        # Its riders (resolutions) wait with it; its message brings them along again.
        self.dispatcher.resolutions.defer(delivery, until=until)
        wait = (until - now).total_seconds() + CLOCK_MARGIN_S
        if self.queue.send([delivery.delivery_id], delay_s=delay_for(wait)):
            raise QueueError(f"could not send the delayed message of {delivery.delivery_id}")

    def _followed_up(self, after: StoredDelivery | None) -> bool:
        """Send the retry message a pending delivery needs; False if the message must fail."""
        if after is None:
            return False  # not recorded: redelivery after the lease repeats the send
        if after.status != "pending" or after.next_at is None:
            return True  # sent or gave up (or another worker moved it on)
        wait = (after.next_at - self.dispatcher.clock()).total_seconds() + CLOCK_MARGIN_S
        if wait > MAX_DELAY_S:
            log.info("delivery %s retries in %.0f s: left to the sweep", after.delivery_id, wait)
            return True
        return not self.queue.send([after.delivery_id], delay_s=delay_for(wait))

    def _senders(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                self.dispatcher.senders, thread_name_prefix="alert-sqs-send"
            )
        return self._pool
