"""Prometheus metrics of the node (a registry per app, so tests stay isolated).

Counters and histograms count what a process did. With `node serve --workers N` a scrape
reaches one of several processes, so the parent turns on prometheus_client's multiprocess mode
(``MULTIPROC_ENV``, a fresh directory per run, local_node.workers): each process writes its
counts to files there and ``exposition`` adds up every process's, live or exited;
``writer_pending`` is the sum over live processes.

The site's state (sync backlog, disk, cameras, backups) is not counted by anyone: the
answering process reads it from the database and the volume at each scrape
(``observe_site``), because the sync agent and the other processes write it there. It is kept
in ``SiteCollector``, outside the multiprocess files, so no stale value of another process
can be mixed in. docs/operations/metrics.md lists them all (``python -m edgesync.metrics_doc``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus_client's own switch: set before a process makes its first metric."""


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
    backup_last_ok_at: datetime | None = None
    backup_failures: int = 0


UNNAMED_LABEL = "unnamed"
"""The ``camera`` label of errors from posts that named no camera."""


def _seconds(at: datetime | None) -> float:
    return math.nan if at is None else at.timestamp()


def _value(number: float | None) -> float:
    return math.nan if number is None else float(number)


class SiteCollector(Collector):
    """The site's state as of this process's last scrape (families without samples before)."""

    declared_labels: Mapping[str, tuple[str, ...]] = {
        "edgesync_node_camera_last_read_timestamp_seconds": ("camera", "name"),
        "edgesync_node_camera_reads_last_hour": ("camera", "name"),
        "edgesync_node_camera_errors_last_hour": ("camera", "reason"),
    }
    """Label names per family, for the metrics reference (samples may be absent)."""

    def __init__(self) -> None:
        self.site: SiteFigures | None = None

    def collect(self) -> Iterator[Metric]:
        """Yield every site family, with samples once a scrape has observed the site."""
        site = self.site
        gauges: list[tuple[str, str, float | None]] = [
            ("edgesync_node_disk_total_bytes", "Size of the data volume",
             None if site is None else site.disk_total_bytes),
            ("edgesync_node_disk_free_bytes", "Free bytes on the data volume",
             None if site is None else site.disk_free_bytes),
            ("edgesync_node_image_bytes", "Bytes of images held",
             None if site is None else site.image_bytes),
            ("edgesync_node_image_budget_bytes", "Most bytes the image store may use (NaN: no cap)",
             None if site is None else _value(site.image_budget_bytes)),
            ("edgesync_node_sync_backlog_records",
             "Reads stored here that the cloud has not acknowledged",
             None if site is None else site.backlog_records),
            ("edgesync_node_sync_backlog_oldest_age_seconds",
             "How long the oldest unacknowledged read has waited (NaN: none waits)",
             None if site is None else _value(site.backlog_oldest_age_s)),
            ("edgesync_node_sync_last_success_timestamp_seconds",
             "When the last sync exchange succeeded, Unix time (NaN: never)",
             None if site is None else _seconds(site.last_sync_success_at)),
            ("edgesync_node_backup_last_success_timestamp_seconds",
             "Start of the last good database backup, Unix time (0: none yet)",
             None if site is None
             else (site.backup_last_ok_at.timestamp() if site.backup_last_ok_at else 0.0)),
        ]  # fmt: skip
        for name, documentation, number in gauges:
            family = GaugeMetricFamily(name, documentation)
            if number is not None:
                family.add_metric([], number)
            yield family
        failures = CounterMetricFamily(
            "edgesync_node_backup_failures", "Database backups that failed"
        )
        if site is not None:
            failures.add_metric([], site.backup_failures)
        yield failures
        yield from self._cameras(site)

    def _cameras(self, site: SiteFigures | None) -> Iterator[Metric]:
        labels = self.declared_labels
        last_read = GaugeMetricFamily(
            "edgesync_node_camera_last_read_timestamp_seconds",
            "When each camera's last read was received, Unix time (NaN: never)",
            labels=labels["edgesync_node_camera_last_read_timestamp_seconds"],
        )
        reads = GaugeMetricFamily(
            "edgesync_node_camera_reads_last_hour",
            "Reads each camera delivered in the last hour",
            labels=labels["edgesync_node_camera_reads_last_hour"],
        )
        errors = GaugeMetricFamily(
            "edgesync_node_camera_errors_last_hour",
            "Posts refused or reads with a skewed clock in the last hour, by camera and reason",
            labels=labels["edgesync_node_camera_errors_last_hour"],
        )
        if site is not None:
            for cam in site.cameras:
                last_read.add_metric([cam.camera_id, cam.name], _seconds(cam.last_read_at))
                reads.add_metric([cam.camera_id, cam.name], cam.reads_last_hour)
            for camera_id, reasons in site.camera_errors.items():
                for reason, count in reasons.items():
                    errors.add_metric([camera_id or UNNAMED_LABEL, reason], count)
        yield from (last_read, reads, errors)


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
        self.refined_reads = Counter(
            "edgesync_node_reads_refined",
            "Repeats that changed their stored read: a better reading, or the missing image",
            ["change"],
            registry=r,
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
            "edgesync_node_writer_pending",
            "Reads waiting for the writer",
            registry=r,
            multiprocess_mode="livesum",
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
        self.site = SiteCollector()
        r.register(self.site)

    def committed(self, count: int, seconds: float, *, pending: int) -> None:
        """Record one group commit."""
        self.commit_seconds.observe(seconds)
        self.commit_size.observe(count)
        self.pending.set(pending)

    def exposition(self) -> bytes:
        """The Prometheus text format: this registry, or every process's in multiprocess mode."""
        path = os.environ.get(MULTIPROC_ENV)
        if not path:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=path)
        registry.register(self.site)
        return generate_latest(registry)

    def duplicates(self, count: int) -> None:
        """Record repeated event ids."""
        if count:
            self.duplicate_reads.inc(count)

    def rejected(self, reason: str) -> None:
        """Record a refused read."""
        self.rejected_reads.labels(reason=reason).inc()

    def refined(self, reading: bool, image: bool) -> None:
        """Record a repeat that changed its read."""
        if reading:
            self.refined_reads.labels(change="reading").inc()
        if image:
            self.refined_reads.labels(change="image").inc()

    def observe_site(self, site: SiteFigures) -> None:
        """Report the site's state from now on (cameras deleted since the last scrape vanish)."""
        self.site.site = site
        self.pending.set(site.writer_pending)
