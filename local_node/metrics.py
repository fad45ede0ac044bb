"""Prometheus metrics of one node process (a registry per app, so tests stay isolated)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector


class RecordedCounter(Collector):
    """A counter whose value is read from a record (e.g. failed runs in ``backup_runs``)."""

    def __init__(self, name: str, documentation: str, registry: CollectorRegistry) -> None:
        self.name, self.documentation, self.value = name, documentation, 0.0
        registry.register(self)

    def collect(self) -> Iterator[CounterMetricFamily]:
        """Yield the counter with its last recorded value."""
        yield CounterMetricFamily(self.name, self.documentation, value=self.value)


class NodeMetrics:
    """The node's metrics; also the writer's hooks (it satisfies `ingest.writer.WriterMetrics`)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.reads = Counter("edgesync_node_reads_stored", "Camera reads made durable", registry=r)
        self.duplicate_reads = Counter(
            "edgesync_node_reads_duplicate", "Reads that repeated a stored event_id", registry=r
        )
        self.rejected_reads = Counter(
            "edgesync_node_reads_rejected", "Reads refused, by reason", ["reason"], registry=r
        )
        self.hits = Counter("edgesync_node_hits", "Hotlist hits raised", registry=r)
        self.commit_seconds = Histogram(
            "edgesync_node_group_commit_seconds",
            "Time to make one group of reads durable",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=r,
        )
        self.commit_size = Histogram(
            "edgesync_node_group_commit_size",
            "Reads per group commit",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
            registry=r,
        )
        self.request_seconds = Histogram(
            "edgesync_node_http_request_seconds",
            "HTTP request latency by route and status",
            ["route", "method", "status"],
            registry=r,
        )
        self.pending = Gauge(
            "edgesync_node_writer_pending", "Reads waiting for the writer", registry=r
        )
        self.image_bytes = Gauge("edgesync_node_image_bytes", "Bytes of images held", registry=r)
        self.disk_free = Gauge(
            "edgesync_node_disk_free_bytes", "Free bytes on the data volume", registry=r
        )
        self.damaged_images = Counter(
            "edgesync_node_images_damaged",
            "Acknowledged images found missing, truncated or altered, by check",
            ["found_by"],
            registry=r,
        )
        self.pruned_images = Counter(
            "edgesync_node_images_pruned", "Images removed by retention", registry=r
        )
        self.backup_last_success = Gauge(
            "edgesync_node_backup_last_success_timestamp_seconds",
            "Start of the last good database backup, Unix time (0: none yet)",
            registry=r,
        )
        self.backup_failures = RecordedCounter(
            "edgesync_node_backup_failures", "Database backups that failed", registry=r
        )

    def backups_seen(self, last_ok_at: datetime | None, failures: int) -> None:
        """Set the backup metrics from the recorded runs (``backups.health``)."""
        self.backup_last_success.set(last_ok_at.timestamp() if last_ok_at else 0)
        self.backup_failures.value = float(failures)

    def committed(self, count: int, seconds: float) -> None:
        """Record one group commit."""
        self.commit_seconds.observe(seconds)
        self.commit_size.observe(count)

    def duplicates(self, count: int) -> None:
        """Record repeated event ids."""
        if count:
            self.duplicate_reads.inc(count)

    def rejected(self, reason: str) -> None:
        """Record a refused read."""
        self.rejected_reads.labels(reason=reason).inc()
