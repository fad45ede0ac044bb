"""Prometheus metrics of one node process (a registry per app, so tests stay isolated)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


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
