"""The background side of alerting: the dispatcher loop and the periodic jobs, with a stop event.

Started in the app's lifespan (``alert_worker=true``, the embedded default) or
alone by ``edgesync cloud dispatcher``. Several workers may run against one
store: leases, conditional escalation and open-problem keys keep them from
doing anything twice.

With a delivery queue (``queue``: EDGESYNC_CLOUD_DELIVERY_QUEUE_URL) the store is not
polled: an SQS poller hands batches to the same ``QueueWorker.handle`` the delivery
Lambda calls, and the sweep of lost messages joins the periodic jobs, so one process
does what the delivery and monitor Lambdas do (development against moto server).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cloud_plane.alerts.dispatcher import Dispatcher
from cloud_plane.alerts.health import HealthMonitor
from cloud_plane.alerts.service import AlertService

if TYPE_CHECKING:  # loaded only in AWS mode (it imports botocore)
    from cloud_plane.alerts.queue_worker import QueueWorker

log = logging.getLogger(__name__)

PRUNE_INTERVAL_S = 300.0
"""How often the worker forgets rate-limit buckets that have refilled (idle recipients)."""


@dataclass
class AlertWorker:
    """Runs the dispatcher continuously; escalation, health, bucket pruning every so often."""

    dispatcher: Dispatcher
    alerts: AlertService
    monitor: HealthMonitor
    poll_s: float = 0.2
    health_interval_s: float = 30.0
    escalation_interval_s: float = 5.0
    queue: QueueWorker | None = None
    # The hotlist tombstone purge, offered each health interval (it decides if it is due).
    hotlist_purge: Callable[[], object] | None = None
    # The read retention (issue 13), offered likewise (hourly by its own clock).
    read_retention: Callable[[], object] | None = None
    # Forgetting uploaded images past their keep (issue 14), offered likewise.
    image_forget: Callable[[], object] | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        """Start the threads (daemon: a stuck provider call never blocks interpreter exit)."""
        self.stop_event.clear()
        jobs: list[tuple[str, Callable[[], None]]] = [
            ("alert-escalation", lambda: self._every(self.escalation_interval_s, self._escalate)),
            ("alert-health", lambda: self._every(self.health_interval_s, self._health)),
            ("alert-rate-prune", lambda: self._every(PRUNE_INTERVAL_S, self._prune_rates)),
        ]
        queue = self.queue
        if queue is None:
            jobs.append(
                (
                    "alert-dispatcher",
                    lambda: self.dispatcher.run(self.stop_event, poll_s=self.poll_s),
                )
            )
        else:
            jobs.append(("alert-sqs-poller", lambda: queue.run(self.stop_event)))
            jobs.append(("alert-sweep", lambda: self._every(self.health_interval_s, queue.sweep)))
        purge = self.hotlist_purge
        if purge is not None:
            jobs.append(("hotlist-purge", lambda: self._every(self.health_interval_s, purge)))
        reads = self.read_retention
        if reads is not None:
            jobs.append(("read-retention", lambda: self._every(self.health_interval_s, reads)))
        forget = self.image_forget
        if forget is not None:
            jobs.append(("image-forget", lambda: self._every(self.health_interval_s, forget)))
        for name, target in jobs:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 15.0) -> None:
        """Ask every thread to stop, wait for them and for the sends in flight."""
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        if self.queue is not None:
            self.queue.close()  # closes the dispatcher too
        else:
            self.dispatcher.close()

    def _every(self, interval_s: float, job: Callable[[], object]) -> None:
        while not self.stop_event.is_set():
            try:
                job()
            except Exception:  # keep the job alive through a store outage
                log.exception("alert job failed")
            self.stop_event.wait(interval_s)

    def _escalate(self) -> None:
        self.alerts.escalate_due()

    def _health(self) -> None:
        self.monitor.check()

    def _prune_rates(self) -> None:
        self.dispatcher.limiter.prune(self.dispatcher.clock())
