"""Prometheus metrics of the node (a registry per app, so tests stay isolated).

With `node serve --workers N` every process counts for itself and a scrape reaches one of
them, so the parent turns on prometheus_client's multiprocess mode for the node
(``MULTIPROC_ENV``, a fresh directory per run, local_node.workers): each process writes its
values to files there and ``exposition`` adds up every process's, live or exited. Counters
and histograms are sums over processes; of the gauges, ``writer_pending`` is the sum over
live processes (each sets it after each of its commits), ``image_bytes`` and
``disk_free_bytes`` the value set most recently by a live process (every writer shares one
image total; every process sees one disk).
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus_client's own switch: set before a process makes its first metric."""


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
            "edgesync_node_writer_pending",
            "Reads waiting for the writer",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.image_bytes = Gauge(
            "edgesync_node_image_bytes",
            "Bytes of images held",
            registry=r,
            multiprocess_mode="livemostrecent",
        )
        self.disk_free = Gauge(
            "edgesync_node_disk_free_bytes",
            "Free bytes on the data volume",
            registry=r,
            multiprocess_mode="livemostrecent",
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
        return generate_latest(registry)

    def duplicates(self, count: int) -> None:
        """Record repeated event ids."""
        if count:
            self.duplicate_reads.inc(count)

    def rejected(self, reason: str) -> None:
        """Record a refused read."""
        self.rejected_reads.labels(reason=reason).inc()
