"""The background side of alerting: the dispatcher loop and the periodic jobs, with a stop event.

Started in the app's lifespan (``alert_worker=true``, the embedded default) or
alone by ``edgesync cloud dispatcher``. Several workers may run against one
store: leases, conditional escalation and open-problem keys keep them from
doing anything twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from cloud_plane.alerts.dispatcher import Dispatcher
from cloud_plane.alerts.health import HealthMonitor
from cloud_plane.alerts.service import AlertService

log = logging.getLogger(__name__)


@dataclass
class AlertWorker:
    """Runs the dispatcher continuously, and escalation and the health check every so often."""

    dispatcher: Dispatcher
    alerts: AlertService
    monitor: HealthMonitor
    poll_s: float = 0.2
    health_interval_s: float = 30.0
    escalation_interval_s: float = 5.0
    stop_event: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        """Start the threads (daemon: a stuck provider call never blocks interpreter exit)."""
        self.stop_event.clear()
        jobs: list[tuple[str, Callable[[], None]]] = [
            ("alert-dispatcher", lambda: self.dispatcher.run(self.stop_event, poll_s=self.poll_s)),
            ("alert-escalation", lambda: self._every(self.escalation_interval_s, self._escalate)),
            ("alert-health", lambda: self._every(self.health_interval_s, self._health)),
        ]
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
        self.dispatcher.close()

    def _every(self, interval_s: float, job: Callable[[], None]) -> None:
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
