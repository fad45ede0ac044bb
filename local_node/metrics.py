"""Prometheus metrics of one node process (a registry per app, so tests stay isolated).

Counters and histograms count what this process did. The site's state (sync backlog, disk,
cameras) is read at each scrape (``observe_site``) from the database and the volume, because
the sync agent and other serving processes write it there, not here.
docs/operations/metrics.md lists them all (``python -m edgesync.metrics_doc``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class CameraFigures:
    """One camera's health as a scrape sees it."""

    camera_id: str
    name: str
    last_read_at: datetime | None
    reads_last_hour: int


@dataclass(frozen=True)
class SiteFigures:
    """The site's state at a scrape: sync backlog, disk and cameras."""

    backlog_records: int
    backlog_oldest_age_s: float | None
    last_sync_success_at: datetime | None
    disk_total_bytes: int
    disk_free_bytes: int
    image_bytes: int
    image_budget_bytes: int | None
    writer_pending: int
    cameras: Sequence[CameraFigures]
    camera_errors: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Errors of the last hour: camera id ("": the post named no camera) -> reason -> count."""


UNNAMED_LABEL = "unnamed"
"""The ``camera`` label of errors from posts that named no camera."""


def _seconds(at: datetime | None) -> float:
    return math.nan if at is None else at.timestamp()


def _value(number: float | None) -> float:
    return math.nan if number is None else float(number)


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
        self.disk_total = Gauge(
            "edgesync_node_disk_total_bytes", "Size of the data volume", registry=r
        )
        self.image_budget = Gauge(
            "edgesync_node_image_budget_bytes",
            "Most bytes the image store may use (NaN: no cap)",
            registry=r,
        )
        self.backlog = Gauge(
            "edgesync_node_sync_backlog_records",
            "Reads stored here that the cloud has not acknowledged",
            registry=r,
        )
        self.backlog_age = Gauge(
            "edgesync_node_sync_backlog_oldest_age_seconds",
            "How long the oldest unacknowledged read has waited (NaN: none waits)",
            registry=r,
        )
        self.last_sync = Gauge(
            "edgesync_node_sync_last_success_timestamp_seconds",
            "When the last sync exchange succeeded, Unix time (NaN: never)",
            registry=r,
        )
        self.camera_last_read = Gauge(
            "edgesync_node_camera_last_read_timestamp_seconds",
            "When each camera's last read was received, Unix time (NaN: never)",
            ["camera", "name"],
            registry=r,
        )
        self.camera_reads = Gauge(
            "edgesync_node_camera_reads_last_hour",
            "Reads each camera delivered in the last hour",
            ["camera", "name"],
            registry=r,
        )
        self.camera_errors = Gauge(
            "edgesync_node_camera_errors_last_hour",
            "Posts refused or reads with a skewed clock in the last hour, by camera and reason",
            ["camera", "reason"],
            registry=r,
        )
        self.backup_last_success = Gauge(
            "edgesync_node_backup_last_success_timestamp_seconds",
            "Start of the last good database backup, Unix time (0: none yet)",
            registry=r,
        )
        self.backup_failures = RecordedCounter(
            "edgesync_node_backup_failures", "Database backups that failed", registry=r
        )

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

    def backups_seen(self, last_ok_at: datetime | None, failures: int) -> None:
        """Set the backup metrics from the recorded runs (``backups.health``)."""
        self.backup_last_success.set(last_ok_at.timestamp() if last_ok_at else 0)
        self.backup_failures.value = float(failures)

    def observe_site(self, site: SiteFigures) -> None:
        """Set the gauges of the site's state (cameras deleted since the last scrape vanish)."""
        self.disk_total.set(site.disk_total_bytes)
        self.disk_free.set(site.disk_free_bytes)
        self.image_bytes.set(site.image_bytes)
        self.image_budget.set(_value(site.image_budget_bytes))
        self.pending.set(site.writer_pending)
        self.backlog.set(site.backlog_records)
        self.backlog_age.set(_value(site.backlog_oldest_age_s))
        self.last_sync.set(_seconds(site.last_sync_success_at))
        for gauge in (self.camera_last_read, self.camera_reads, self.camera_errors):
            gauge.clear()
        for cam in site.cameras:
            self.camera_last_read.labels(cam.camera_id, cam.name).set(_seconds(cam.last_read_at))
            self.camera_reads.labels(cam.camera_id, cam.name).set(cam.reads_last_hour)
        for camera_id, reasons in site.camera_errors.items():
            for reason, count in reasons.items():
                self.camera_errors.labels(camera_id or UNNAMED_LABEL, reason).set(count)
