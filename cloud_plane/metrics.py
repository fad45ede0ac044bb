"""Prometheus metrics of one cloud process (a registry per app, so tests stay isolated)."""

from __future__ import annotations

import math
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class CloudMetrics:
    """The cloud's metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.exchanges = Counter(
            "edgesync_cloud_sync_exchanges", "Sync exchanges by outcome", ["outcome"], registry=r
        )
        self.detections = Counter(
            "edgesync_cloud_detections_stored", "Detections newly stored from nodes", registry=r
        )
        self.hits = Counter(
            "edgesync_cloud_hits", "Hits newly stored, by who matched", ["source"], registry=r
        )
        self.enrollments = Counter(
            "edgesync_cloud_enrollments", "Enrolment attempts by outcome", ["outcome"], registry=r
        )
        self.logins = Counter(
            "edgesync_cloud_logins", "Staff login attempts by outcome", ["outcome"], registry=r
        )
        self.request_seconds = Histogram(
            "edgesync_cloud_http_request_seconds",
            "HTTP request latency by route and status",
            ["route", "method", "status"],
            registry=r,
        )

    def watch_dead_letters(self, depth: Callable[[], int | None]) -> None:
        """Export the delivery DLQ's depth, read by ``depth`` at each scrape (None: NaN).

        ``depth`` must be cheap (``alerts.sqs.CachedDepth`` reads SQS at most every 15 s).
        """
        gauge = Gauge(
            "edgesync_cloud_delivery_dead_letters",
            "Messages in the alert delivery dead-letter queue (ApproximateNumberOfMessages)",
            registry=self.registry,
        )

        def read() -> float:
            value = depth()
            return math.nan if value is None else float(value)

        gauge.set_function(read)
